// The agent's command line as a person meets it: --version prints the release and nothing else; a
// mistyped command says "unknown command" and names it before the usage, exit 2, nothing run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runAgent } from '../helpers/agent-process.ts';

const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as {
  version: string;
};

test('tokenwatch-agent --version prints the release', async () => {
  const r = await runAgent(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${pkg.version}\n`);
  assert.equal(r.stderr, '');
});

test('an unknown command says so, with its name, before the usage; exit 2', async () => {
  const r = await runAgent(['statsu']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^tokenwatch-agent: unknown command "statsu"\n\ntokenwatch-agent \S+: reports /);
  assert.match(r.stderr, /\n {2}tokenwatch-agent run /);
});
