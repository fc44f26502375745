// package.json's dependencies are what the shipped code imports: every runtime dependency is imported by
// the runtime code (agent/, collector/, reports/, bin/), and everything the runtime code imports from npm
// is a runtime dependency (a devDependency would be missing where `npm ci --omit=dev` installed it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const RUNTIME = ['agent', 'collector', 'reports', 'bin'];

/** The npm packages a source file imports (static, dynamic and createRequire'd), by package name. */
export function importedPackages(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
    // A file read from a package at run time (the pages' chart library) needs the package installed too.
    ...source.matchAll(/\b(?:import\.meta|require)\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] ?? '');
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'))
    .filter((s) => !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)));
}

const files = RUNTIME.flatMap((dir) => fs.globSync(`${dir}/**/*.{ts,js}`, { cwd: ROOT }));
const imports = new Map(
  files.map((f) => [f, importedPackages(fs.readFileSync(path.join(ROOT, f), 'utf8'))] as const),
);

test('the import reader finds each kind of import', () => {
  assert.deepEqual(
    importedPackages(
      "import a from 'pino';\nimport type { B } from '@fastify/swagger/x';\nimport 'c';\n" +
        "const d = await import('execa');\nconst e = require('better-sqlite3');\nimport fs from 'node:fs';\nimport p from 'path';\nimport x from './x.ts';\n" +
        "const f = import.meta.resolve('uplot/dist/u.js');\nconst g = require.resolve('@scope/h/i.css');",
    ),
    ['pino', '@fastify/swagger', 'c', 'execa', 'better-sqlite3', 'uplot', '@scope/h'],
  );
});

test('every runtime dependency is imported by the runtime code', () => {
  assert.ok(files.length > 50, `${files.length} runtime files read`);
  const used = new Set([...imports.values()].flat());
  for (const dep of Object.keys(pkg.dependencies)) {
    assert.ok(used.has(dep), `${dep} is a dependency, but nothing in ${RUNTIME.join(', ')} imports it`);
  }
});

test('everything the runtime code imports from npm is a runtime dependency', () => {
  for (const [file, packages] of imports) {
    for (const name of packages) {
      assert.ok(
        name in pkg.dependencies,
        `${file} imports ${name}, which is ${name in pkg.devDependencies ? 'only a devDependency' : 'not in package.json'}`,
      );
    }
  }
});
