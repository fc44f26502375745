// agent/sea/native.ts: the embedded better-sqlite3 addon is extracted once, content-addressed, with
// private modes, atomically, and checked by hash when reused. (Inside a real executable this runs
// in test/build/bundle.test.ts; here the extraction itself, and the answer outside a SEA.)
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { extractAddon, nativeSqliteBinding } from '../../agent/sea/native.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-native-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bytes = crypto.randomBytes(70_000);
const digest = crypto.createHash('sha256').update(bytes).digest('hex');
const mode = (p: string) => fs.statSync(p).mode & 0o777;

test('outside a single executable there is nothing to extract: better-sqlite3 finds its own addon', () => {
  const stateDir = path.join(tmp, 'not-sea');
  assert.equal(nativeSqliteBinding(stateDir), undefined);
  assert.equal(fs.existsSync(stateDir), false, 'nothing is written');
});

test('extracts to <dir>/<sha256>.node, file 0600 in a 0700 directory, and leaves no temporary file', () => {
  const dir = path.join(tmp, 'a', 'native');
  const file = extractAddon(bytes, dir);
  assert.equal(file, path.join(dir, `${digest}.node`));
  assert.deepEqual(fs.readFileSync(file), bytes);
  assert.equal(mode(file), 0o600);
  assert.equal(mode(dir), 0o700);
  assert.deepEqual(fs.readdirSync(dir), [`${digest}.node`]);
});

test('reuses an intact file without rewriting it', () => {
  const dir = path.join(tmp, 'b');
  const file = extractAddon(bytes, dir);
  const before = fs.statSync(file).ino;
  assert.equal(extractAddon(bytes, dir), file);
  assert.equal(fs.statSync(file).ino, before, 'same inode: not rewritten');
});

test('replaces a damaged file (hash mismatch) and repairs loose modes', () => {
  const dir = path.join(tmp, 'c');
  const file = extractAddon(bytes, dir);
  fs.writeFileSync(file, 'truncated');
  fs.chmodSync(dir, 0o755);
  assert.equal(extractAddon(bytes, dir), file);
  assert.deepEqual(fs.readFileSync(file), bytes);
  assert.equal(mode(dir), 0o700);
  assert.equal(mode(file), 0o600);
});

test('a symbolic link in place of the addon is replaced by a real file, its target untouched', () => {
  const dir = path.join(tmp, 'd');
  fs.mkdirSync(dir, { mode: 0o700 });
  const target = path.join(tmp, 'elsewhere');
  fs.writeFileSync(target, bytes);
  fs.symlinkSync(target, path.join(dir, `${digest}.node`));
  const file = extractAddon(bytes, dir);
  assert.equal(fs.lstatSync(file).isFile(), true);
  assert.deepEqual(fs.readFileSync(target), bytes);
});

test('a different addon (a new agent version) gets its own file beside the old one', () => {
  const dir = path.join(tmp, 'e');
  const other = Buffer.concat([bytes, Buffer.from('v2')]);
  const first = extractAddon(bytes, dir);
  const second = extractAddon(other, dir);
  assert.notEqual(first, second);
  assert.deepEqual(fs.readFileSync(second), other);
  assert.equal(fs.readdirSync(dir).length, 2);
});

test('refuses a state path that is not a directory', () => {
  const notDir = path.join(tmp, 'file');
  fs.writeFileSync(notDir, '');
  assert.throws(() => extractAddon(bytes, notDir), /EEXIST|ENOTDIR|not a directory/);
});
