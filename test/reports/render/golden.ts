// Golden files: compare with test/reports/render/golden/NAME; UPDATE_GOLDEN=1 rewrites them.
import { readFileSync, writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';

export function assertGolden(name: string, actual: string): void {
  const url = new URL(`./golden/${name}`, import.meta.url);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(url, actual);
  assert.equal(actual, readFileSync(url, 'utf8'), `differs from golden/${name} (UPDATE_GOLDEN=1 to accept)`);
}
