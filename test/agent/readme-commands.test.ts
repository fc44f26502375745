// The README's command table is the agent's command table: what an admin reads is what runs as root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { renderCommandTable, COMMAND_TABLE } from '../../agent/probes/index.ts';
import { FILE_PROBES, FILE_TABLE, renderFileTable } from '../../agent/probes/files.ts';
import { PRK_ESCROW_FILE } from '../../agent/probes/prk-escrow-file.ts';
import { markedBlock } from '../helpers/marked-block.ts';

const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

test('README command table equals agent/probes/index.ts', () => {
  const m = /<!-- command-table:start -->\n([\s\S]*?)\n<!-- command-table:end -->/.exec(readme);
  assert.ok(m, 'README.md has the command-table markers');
  assert.equal(m[1], renderCommandTable());
});

test("README's list of the files the agent looks at with lstat equals agent/probes/files.ts", () => {
  assert.equal(markedBlock('README.md', 'file-table'), renderFileTable());
  assert.deepEqual(
    FILE_TABLE.map((f) => f.id),
    ['prk_escrow_file', 'deferral_record'],
  );
  // The paths the collection looks at are the ones the table names.
  assert.ok(FILE_PROBES.prk_escrow_file.path.includes(`\`${PRK_ESCROW_FILE}\``));
  assert.match(FILE_PROBES.deferral_record.path, /`OutputPath` that `fdesetup showdeferralinfo` prints/);
  assert.match(readme, /never opens or reads them/);
});

test('every probe runs an absolute path with a timeout', () => {
  assert.ok(COMMAND_TABLE.length >= 15);
  for (const p of COMMAND_TABLE) {
    assert.ok(path.isAbsolute(p.command), p.command);
    assert.ok(p.timeoutMs > 0 && p.timeoutMs <= 30_000, `${p.id} timeout ${p.timeoutMs}`);
  }
});

test('README quick start names the demo and the tests', () => {
  assert.match(readme, /npm ci && npm run demo/);
  assert.match(readme, /^npm test/m);
});
