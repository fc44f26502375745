// The device token file: 0600, replaced atomically, and never read or written through a symbolic link
// planted at its path (or at the temporary name it is written under).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheError } from '../../../agent/cache/open.ts';
import { readDeviceToken, TOKEN_FILE, writeDeviceToken } from '../../../agent/upload/device-token.ts';

const TOKEN = 'twd_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ';

function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-token-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

function victim(): { file: string; unchanged: () => void } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tw-victim-')), 'file');
  fs.writeFileSync(file, 'somebody else\n');
  fs.chmodSync(file, 0o644);
  return {
    file,
    unchanged: () => {
      assert.equal(fs.readFileSync(file, 'utf8'), 'somebody else\n', 'the target is not written');
      assert.equal(fs.statSync(file).mode & 0o777, 0o644, "the target's mode is unchanged");
    },
  };
}

test('written 0600, read back, replaced whole; no temporary file is left', () => {
  const dir = stateDir();
  assert.equal(readDeviceToken(dir), null);
  writeDeviceToken(dir, TOKEN);
  assert.equal(readDeviceToken(dir), TOKEN);
  assert.equal(fs.statSync(path.join(dir, TOKEN_FILE)).mode & 0o777, 0o600);
  writeDeviceToken(dir, `${TOKEN}-2`);
  assert.equal(readDeviceToken(dir), `${TOKEN}-2`);
  assert.deepEqual(fs.readdirSync(dir), [TOKEN_FILE]);
});

test('a symbolic link planted at the token path is refused when reading, and replaced (not followed) when writing', () => {
  const dir = stateDir();
  const target = victim();
  fs.symlinkSync(target.file, path.join(dir, TOKEN_FILE));
  assert.throws(
    () => readDeviceToken(dir),
    (err: unknown) =>
      err instanceof CacheError &&
      err.code === 'cache_unsafe' &&
      /device-token is a symbolic link/.test(err.message),
  );
  writeDeviceToken(dir, TOKEN);
  target.unchanged();
  assert.equal(fs.lstatSync(path.join(dir, TOKEN_FILE)).isSymbolicLink(), false);
  assert.equal(readDeviceToken(dir), TOKEN);
});

test('a link planted at the temporary name (a killed run left one, or someone guessed the pid) is removed, not written through', () => {
  const dir = stateDir();
  const target = victim();
  fs.symlinkSync(target.file, path.join(dir, `${TOKEN_FILE}.${process.pid}.tmp`));
  fs.writeFileSync(path.join(dir, `${TOKEN_FILE}.99999.tmp`), 'half a token');
  writeDeviceToken(dir, TOKEN);
  target.unchanged();
  assert.equal(readDeviceToken(dir), TOKEN);
  assert.deepEqual(fs.readdirSync(dir), [TOKEN_FILE]);
});

test('a token file readable by others is tightened to 0600 when read', () => {
  const dir = stateDir();
  writeDeviceToken(dir, TOKEN);
  fs.chmodSync(path.join(dir, TOKEN_FILE), 0o644);
  assert.equal(readDeviceToken(dir), TOKEN);
  assert.equal(fs.statSync(path.join(dir, TOKEN_FILE)).mode & 0o777, 0o600);
});
