// Every test file runs in exactly one suite: npm test's unit glob (npm only), the fault suite (long
// standing tests, npm only), the system suite (tools from Debian's packages) or the bundle suite (after
// build:agent). A new folder or file name that the
// globs miss would otherwise never run.
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
const filesOf = (script: string) =>
  new Set(globsOf(scripts[script]).flatMap((g) => fs.globSync(g, { cwd: ROOT })));

test('every test file is in exactly one suite: unit, faults, system or bundle', () => {
  const suites = {
    'test:unit': filesOf('test:unit'),
    'test:faults': filesOf('test:faults'),
    'test:system': filesOf('test:system'),
    'test:bundle': filesOf('test:bundle'),
  };
  assert.ok(suites['test:unit'].size > 50, `unit suite has ${suites['test:unit'].size} files`);
  assert.ok(suites['test:faults'].size >= 2, `fault suite has ${suites['test:faults'].size} files`);
  assert.ok(suites['test:system'].size >= 4, `system suite has ${suites['test:system'].size} files`);
  assert.ok(suites['test:bundle'].size >= 1);
  for (const f of fs.globSync('test/**/*.test.ts', { cwd: ROOT })) {
    const in_ = Object.entries(suites)
      .filter(([, files]) => files.has(f))
      .map(([name]) => name);
    assert.equal(in_.length, 1, `${f} is in ${in_.length === 0 ? 'no suite' : in_.join(' and ')}`);
  }
});

test('system tests are named *.system.test.ts, and only they are in the system suite', () => {
  for (const f of filesOf('test:system')) assert.match(f, /\.system\.test\.ts$/);
  for (const f of filesOf('test:unit')) assert.doesNotMatch(f, /\.system\.test\.ts$/);
});

test('npm test runs the runtime check, types, lint, the format check and the unit suite; the system suite checks its tools first', () => {
  assert.match(scripts['test'] ?? '', /check-runtime.*typecheck.*lint.*format:check.*test:unit/);
  assert.doesNotMatch(scripts['test'] ?? '', /test:system|test:bundle|test:faults/);
  assert.match(scripts['test:system'] ?? '', /^node scripts\/check-system-tools\.ts && /);
});

test('.ci/run runs npm test, then the fault suite, then the system suite, then the bundle suite', () => {
  const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  const order = [
    'npm ci',
    'npm test',
    'npm run test:faults',
    'npm run test:system',
    'npm run build:agent',
    'npm run test:bundle',
  ].map((c) => ci.indexOf(`\n${c}`));
  for (const at of order) assert.ok(at > 0, ci);
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    order,
    'in this order',
  );
});

test('.ci/run installs the Debian package of every tool the system suite needs', async () => {
  const { SYSTEM_TOOLS } = await import('../../scripts/system-tools.ts');
  const ci = fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  const debs = /^DEBS=\(([^)]*)\)/m.exec(ci)?.[1]?.split(/\s+/) ?? [];
  for (const { debian, tool } of SYSTEM_TOOLS)
    assert.ok(debs.includes(debian), `.ci/run's DEBS lacks ${debian} (${tool})`);
});

test("the README's Development section names the suites and what the system suite installs", async () => {
  const { SYSTEM_TOOLS } = await import('../../scripts/system-tools.ts');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const dev = readme.slice(readme.indexOf('## Development'));
  for (const c of ['npm test', 'npm run test:faults', 'npm run test:system', 'npm run test:bundle'])
    assert.ok(dev.includes(c), c);
  const install = /apt-get install -y ([a-z0-9 -]+)/.exec(dev)?.[1]?.trim().split(/\s+/) ?? [];
  assert.deepEqual(install.sort(), [...new Set(SYSTEM_TOOLS.map((t) => t.debian))].sort());
});
