// The EA summary on disk: replaced atomically, 0644 in the state directory, never through a link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUMMARY_FILE, readSummaryFile, writeSummaryFile } from '../../agent/ea-summary-file.ts';

function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-summary-'));
  fs.chmodSync(dir, 0o700);
  return dir;
}

test('written, read back, 0644; a second write replaces the file (a new inode), leftovers removed', (t) => {
  const dir = stateDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal(readSummaryFile(dir), null);
  writeSummaryFile(dir, 'one\n');
  const file = path.join(dir, SUMMARY_FILE);
  assert.equal(fs.statSync(file).mode & 0o777, 0o644);
  const first = fs.statSync(file).ino;
  fs.writeFileSync(path.join(dir, `${SUMMARY_FILE}.99999.tmp`), 'half');
  writeSummaryFile(dir, 'two\n');
  assert.equal(readSummaryFile(dir), 'two\n');
  assert.notEqual(fs.statSync(file).ino, first, 'replaced by rename, not rewritten in place');
  assert.deepEqual(fs.readdirSync(dir).sort(), [SUMMARY_FILE]);
});

test('a reader holding the old file keeps reading the old summary while a new one is written', (t) => {
  const dir = stateDir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  writeSummaryFile(dir, 'old summary\n');
  const fd = fs.openSync(path.join(dir, SUMMARY_FILE), 'r');
  try {
    writeSummaryFile(dir, 'new summary\n');
    assert.equal(fs.readFileSync(fd, 'utf8'), 'old summary\n');
  } finally {
    fs.closeSync(fd);
  }
  assert.equal(readSummaryFile(dir), 'new summary\n');
});

test('a symbolic link planted at the path is refused by the reader and replaced (not followed) by the writer', (t) => {
  const dir = stateDir();
  const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-outside-')), 'target');
  t.after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(outside), { recursive: true, force: true });
  });
  fs.writeFileSync(outside, 'not ours\n');
  fs.symlinkSync(outside, path.join(dir, SUMMARY_FILE));
  assert.throws(() => readSummaryFile(dir), /symbolic link/);
  writeSummaryFile(dir, 'ours\n');
  assert.equal(fs.readFileSync(outside, 'utf8'), 'not ours\n');
  assert.equal(fs.lstatSync(path.join(dir, SUMMARY_FILE)).isFile(), true);
});
