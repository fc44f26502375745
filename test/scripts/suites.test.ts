// Every test file runs in some suite: npm test's unit glob or the bundle suite (after build:agent).
// A new folder under test/ that the unit glob misses would otherwise never run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const scripts = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const globsOf = (script: string | undefined) =>
  [...(script ?? '').matchAll(/'([^']+)'|(\S+\.test\.ts)/g)].map((m) => m[1] ?? m[2] ?? '');

test('every test file is in the unit suite or the bundle suite, and none in both', () => {
  const unit = new Set(globsOf(scripts['test:unit']).flatMap((g) => fs.globSync(g, { cwd: ROOT })));
  const bundle = new Set(globsOf(scripts['test:bundle']).flatMap((g) => fs.globSync(g, { cwd: ROOT })));
  const all = fs.globSync('test/**/*.test.ts', { cwd: ROOT });
  assert.ok(unit.size > 50, `unit suite has ${unit.size} files`);
  assert.ok(bundle.size >= 1);
  for (const f of all) {
    assert.ok(unit.has(f) !== bundle.has(f), `${f} is in ${unit.has(f) ? 'both suites' : 'no suite'}`);
  }
});

test('npm test runs the runtime check, types, lint and the unit suite', () => {
  assert.match(scripts['test'] ?? '', /check-runtime.*typecheck.*lint.*test:unit/);
});
