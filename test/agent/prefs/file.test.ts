import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readPrefsFile } from '../../../agent/prefs/file.ts';

const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-prefs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('an existing file: its bytes', () => {
  const path = join(dir, 'com.tokenwatch.agent.plist');
  writeFileSync(path, 'bplist00');
  assert.deepEqual(readPrefsFile(path), Buffer.from('bplist00'));
});

test('a missing file or a missing parent directory: null (no preferences)', () => {
  assert.equal(readPrefsFile(join(dir, 'absent.plist')), null);
  assert.equal(readPrefsFile(join(dir, 'com.tokenwatch.agent.plist', 'below-a-file.plist')), null);
});

test('a directory in place of the file: thrown, so loadConfig reports it', () => {
  assert.throws(() => readPrefsFile(dir), { code: 'EISDIR' });
});
