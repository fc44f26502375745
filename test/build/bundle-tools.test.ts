// The pieces of scripts/build that need no dist/: the lockfile integrity check, the SEA blob
// reader (on a blob the pinned Node writes), the ustar writer (read back by the system tar) and
// the release tarball layout install.sh expects.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { lockedPackage, matchesIntegrity } from '../../scripts/build/lockfile.ts';
import { releaseTarball, sha256sums } from '../../scripts/build/release.ts';
import { checkPortableBlob, makeSeaBlob, parseSeaBlob, SEA_FLAGS } from '../../scripts/build/sea-blob.ts';
import { tarGz } from '../../scripts/build/tar.ts';
import { NODE_VERSION, TARGETS } from '../../scripts/build/targets.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-build-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sri = (algo: string, data: Buffer) =>
  `${algo}-${crypto.createHash(algo).update(data).digest('base64')}`;

test('the lockfile pins every target Node package at the shipped version, with a sha512 integrity', () => {
  for (const t of TARGETS) {
    const locked = lockedPackage(path.join(ROOT, 'package-lock.json'), t.nodePackage);
    assert.equal(locked.version, NODE_VERSION, t.nodePackage);
    assert.match(locked.integrity, /^sha512-[A-Za-z0-9+/]{86}==$/, t.nodePackage);
  }
  assert.throws(
    () => lockedPackage(path.join(ROOT, 'package-lock.json'), 'no-such-package'),
    /no version and integrity/,
  );
});

test('integrity: the strongest hash present decides; one flipped byte fails', () => {
  const data = crypto.randomBytes(1000);
  assert.equal(matchesIntegrity(data, sri('sha512', data)), true);
  assert.equal(matchesIntegrity(data, `${sri('sha256', data)} ${sri('sha512', data)}`), true);
  const flipped = Buffer.from(data);
  flipped[500] = (flipped[500] ?? 0) ^ 1;
  assert.equal(matchesIntegrity(flipped, sri('sha512', data)), false);
  // A weaker hash that matches does not rescue a stronger one that does not.
  assert.equal(matchesIntegrity(flipped, `${sri('sha1', flipped)} ${sri('sha512', data)}`), false);
  assert.throws(() => matchesIntegrity(data, 'md5-abc'), /unsupported/);
});

test('a SEA blob from the pinned Node holds exactly the script and the assets, no code cache or snapshot', async () => {
  const dir = path.join(tmp, 'sea');
  fs.mkdirSync(dir);
  const script = Buffer.from('console.log("hello from the blob");\n');
  const asset = crypto.randomBytes(5000);
  fs.writeFileSync(path.join(dir, 'main.cjs'), script);
  fs.writeFileSync(path.join(dir, 'asset.bin'), asset);
  const blob = await makeSeaBlob(dir, path.join(dir, 'main.cjs'), { 'x.node': path.join(dir, 'asset.bin') });
  const parsed = parseSeaBlob(blob);
  assert.equal(parsed.flags, SEA_FLAGS.disableExperimentalSeaWarning | SEA_FLAGS.includeAssets);
  assert.equal(parsed.execArgvExtension, 0, 'NODE_OPTIONS is ignored by the executable');
  assert.equal(parsed.codePath, 'main.cjs', 'no build path inside: every checkout builds the same bytes');
  assert.deepEqual(parsed.mainCode, script);
  assert.deepEqual(parsed.assets.get('x.node'), asset);
  checkPortableBlob(parsed, script, { 'x.node': asset });
  assert.throws(
    () => checkPortableBlob(parsed, Buffer.from('other'), { 'x.node': asset }),
    /main script differs/,
  );
  assert.throws(
    () =>
      checkPortableBlob({ ...parsed, flags: parsed.flags | SEA_FLAGS.useCodeCache }, script, {
        'x.node': asset,
      }),
    /code cache/,
  );
  assert.throws(() => parseSeaBlob(blob.subarray(0, blob.length - 1)), /truncated/);
  // The same inputs give the same bytes: nothing of the build host or time goes in but the script path.
  assert.deepEqual(
    await makeSeaBlob(dir, path.join(dir, 'main.cjs'), { 'x.node': path.join(dir, 'asset.bin') }),
    blob,
  );
});

test('tar: the system tar reads our archive back: names, modes, owners, contents, long paths', () => {
  const long = `${'d'.repeat(90)}/${'f'.repeat(60)}.txt`;
  const gz = tarGz(
    [
      { path: 'top', mode: 0o755 },
      { path: 'top/run.sh', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
      { path: 'top/empty', mode: 0o644, data: Buffer.alloc(0) },
      { path: `top/${long}`, mode: 0o644, data: Buffer.alloc(513, 7) },
    ],
    1_700_000_000,
  );
  const file = path.join(tmp, 't.tar.gz');
  fs.writeFileSync(file, gz);
  const listing = execFileSync('tar', ['-tzvf', file, '--numeric-owner'], { encoding: 'utf8' });
  assert.match(listing, /^drwxr-xr-x 0\/0 +0 .* top\/$/m);
  assert.match(listing, /^-rwxr-xr-x 0\/0 +18 .* top\/run\.sh$/m);
  assert.match(listing, /^-rw-r--r-- 0\/0 +0 .* top\/empty$/m);
  const out = path.join(tmp, 'x');
  fs.mkdirSync(out);
  execFileSync('tar', ['-xzf', file, '-C', out]);
  assert.equal(fs.readFileSync(path.join(out, 'top/run.sh'), 'utf8'), '#!/bin/sh\necho hi\n');
  assert.deepEqual(fs.readFileSync(path.join(out, 'top', long)), Buffer.alloc(513, 7));
  assert.equal(fs.statSync(path.join(out, 'top', long)).mtimeMs, 1_700_000_000_000);
  // Reproducible: same entries, same bytes.
  assert.deepEqual(
    tarGz([{ path: 'a', mode: 0o644, data: Buffer.from('x') }], 1),
    tarGz([{ path: 'a', mode: 0o644, data: Buffer.from('x') }], 1),
  );
});

test('release tarball: one folder with the executable, launchd/ as it is, notices and a SHA256SUMS that checks', () => {
  const target = TARGETS.find((t) => t.name === 'darwin-arm64');
  assert.ok(target);
  const launchdDir = path.join(tmp, 'launchd');
  fs.mkdirSync(path.join(launchdDir, 'newsyslog.d'), { recursive: true });
  fs.writeFileSync(path.join(launchdDir, 'install.sh'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(launchdDir, 'com.tokenwatch.agent.plist'), '<plist/>\n', { mode: 0o600 });
  fs.writeFileSync(path.join(launchdDir, 'newsyslog.d', 'com.tokenwatch.agent.conf'), 'x\n');
  const executable = crypto.randomBytes(10_000);
  const tarball = releaseTarball({
    target,
    version: '9.8.7',
    executable,
    launchdDir,
    notices: 'N\n',
    mtime: 0,
  });
  assert.equal(tarball.name, 'tokenwatch-agent-9.8.7-darwin-arm64.tar.gz');
  const file = path.join(tmp, tarball.name);
  fs.writeFileSync(file, tarball.data);
  const out = path.join(tmp, 'rel');
  fs.mkdirSync(out);
  execFileSync('tar', ['-xzf', file, '-C', out]);
  const top = path.join(out, 'tokenwatch-agent-9.8.7-darwin-arm64');
  assert.deepEqual(fs.readFileSync(path.join(top, 'tokenwatch-agent')), executable);
  assert.equal(fs.statSync(path.join(top, 'tokenwatch-agent')).mode & 0o777, 0o755);
  assert.equal(fs.statSync(path.join(top, 'install.sh')).mode & 0o777, 0o755);
  assert.equal(
    fs.statSync(path.join(top, 'com.tokenwatch.agent.plist')).mode & 0o777,
    0o644,
    'data files are 0644',
  );
  assert.equal(fs.readFileSync(path.join(top, 'newsyslog.d', 'com.tokenwatch.agent.conf'), 'utf8'), 'x\n');
  assert.deepEqual(tarball.files, [
    'THIRD-PARTY-NOTICES.txt',
    'com.tokenwatch.agent.plist',
    'install.sh',
    'newsyslog.d/com.tokenwatch.agent.conf',
    'tokenwatch-agent',
    'SHA256SUMS',
  ]);
  const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: top, encoding: 'utf8' });
  assert.equal(check.trim().split('\n').length, 5);
  assert.equal(
    sha256sums([{ path: 'a', data: Buffer.from('') }]),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a\n',
  );
});
