// The edge that looks at files: lstat only, under --sysroot, every answer a PathStat (never a throw),
// a symbolic link reported as one and never followed, and the file never opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPathStat } from '../../agent/path-stat.ts';

function root(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-path-stat-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'var/db'), { recursive: true });
  return dir;
}

test('path-stat: a file, missing, a directory, under the system root', async (t) => {
  const dir = root(t);
  const file = path.join(dir, 'var/db/FileVaultPRK.dat');
  fs.writeFileSync(file, 'x'.repeat(460));
  const when = new Date('2023-09-23T17:54:42.000Z');
  fs.utimesSync(file, when, when);
  const stat = createPathStat(dir);
  assert.deepEqual(await stat('/var/db/FileVaultPRK.dat'), {
    kind: 'file',
    size: 460,
    modifiedAt: '2023-09-23T17:54:42.000Z',
  });
  assert.deepEqual(await stat('/var/db/nothing-here'), { kind: 'missing' });
  const d = await stat('/var/db');
  assert.equal(d.kind, 'directory');
});

test('path-stat: a symbolic link is reported as one, never followed (its target is not looked at)', async (t) => {
  const dir = root(t);
  fs.writeFileSync(path.join(dir, 'secret'), 'K3QW-7HNM-X2PL-9RTV-B4CZ-M8JD');
  fs.symlinkSync(path.join(dir, 'secret'), path.join(dir, 'var/db/FileVaultPRK.dat'));
  fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'var/db/dangling'));
  const stat = createPathStat(dir);
  assert.equal((await stat('/var/db/FileVaultPRK.dat')).kind, 'symlink');
  assert.equal(
    (await stat('/var/db/dangling')).kind,
    'symlink',
    'a dangling link is still a link, not missing',
  );
});

test('path-stat: what lstat refuses is an error code, never an exception', async (t) => {
  const dir = root(t);
  fs.writeFileSync(path.join(dir, 'var/db/plain'), '');
  const stat = createPathStat(dir);
  assert.deepEqual(await stat('/var/db/plain/below'), { kind: 'error', code: 'ENOTDIR' });
  assert.deepEqual(await stat('relative/path'), { kind: 'error', code: 'ENOTABSOLUTE' });
});

test('path-stat: the file is never opened (its access time stays; no descriptor names it)', async (t) => {
  const dir = root(t);
  const file = path.join(dir, 'var/db/FileVaultPRK.dat');
  fs.writeFileSync(file, 'secret');
  const past = new Date('2020-01-01T00:00:00.000Z');
  fs.utimesSync(file, past, past);
  await createPathStat(dir)('/var/db/FileVaultPRK.dat');
  // (On a relatime or strictatime mount, as CI's, a read moves the access time.)
  assert.equal(fs.statSync(file).atime.toISOString(), past.toISOString(), 'not read');
  if (fs.existsSync('/proc/self/fd')) {
    const open = fs.readdirSync('/proc/self/fd').map((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    });
    assert.ok(!open.includes(file));
  }
});
