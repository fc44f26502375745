import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../agent/exec/run.ts';

function scratchRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-run-'));
  const write = (p: string, body: string) => {
    const full = path.join(root, p);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  };
  write('usr/bin/ok', 'printf "out\\n"; printf "err\\n" >&2; exit 0');
  write('usr/bin/fail', 'printf "boom\\n" >&2; exit 3');
  write('usr/bin/hang', 'exec /bin/sleep 30');
  write('usr/bin/env-dump', '/usr/bin/env');
  write('usr/bin/args', 'for a in "$@"; do printf "[%s]\\n" "$a"; done');
  write('usr/bin/big', '/usr/bin/head -c 200000 /dev/zero | /usr/bin/tr "\\0" "x"');
  fs.writeFileSync(path.join(root, 'usr/bin/not-executable'), 'data', { mode: 0o644 });
  return root;
}

test('runs an absolute path under the sysroot and keeps both streams and the exit code', async () => {
  const root = scratchRoot();
  const run = createRunner({ sysroot: root });
  const ok = await run({ command: '/usr/bin/ok', args: [], timeoutMs: 5000 });
  assert.equal(ok.stdout, 'out\n');
  assert.equal(ok.stderr, 'err\n');
  assert.equal(ok.exitCode, 0);
  assert.equal(ok.timedOut, false);
  const fail = await run({ command: '/usr/bin/fail', args: [], timeoutMs: 5000 });
  assert.equal(fail.exitCode, 3);
  assert.equal(fail.stderr, 'boom\n');
  assert.equal(fail.startError, null);
});

test('passes arguments verbatim, never through a shell', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const r = await run({ command: '/usr/bin/args', args: ['-f', '%Su', '$(id)', 'a b;c'], timeoutMs: 5000 });
  assert.equal(r.stdout, '[-f]\n[%Su]\n[$(id)]\n[a b;c]\n');
});

test('gives commands a fixed minimal environment, none of the agent own', async () => {
  process.env['TOKENWATCH_ENROLL_SECRET'] = 'must-not-leak';
  try {
    const run = createRunner({ sysroot: scratchRoot() });
    const r = await run({ command: '/usr/bin/env-dump', args: [], timeoutMs: 5000 });
    assert.doesNotMatch(r.stdout, /must-not-leak|TOKENWATCH/);
    assert.match(r.stdout, /^PATH=\/usr\/bin:\/bin:\/usr\/sbin:\/sbin$/m);
  } finally {
    delete process.env['TOKENWATCH_ENROLL_SECRET'];
  }
});

test('a command past its timeout is killed and reported as timed out', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const r = await run({ command: '/usr/bin/hang', args: [], timeoutMs: 200 });
  assert.equal(r.timedOut, true);
  assert.equal(r.canceled, false);
  assert.equal(r.exitCode, null);
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
});

test('the collection budget signal kills a running command and marks it canceled', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await run({ command: '/usr/bin/hang', args: [], timeoutMs: 30000 }, ac.signal);
  assert.equal(r.timedOut, true);
  assert.equal(r.canceled, true);
  const late = await run({ command: '/usr/bin/ok', args: [], timeoutMs: 5000 }, ac.signal);
  assert.equal(late.canceled, true);
  assert.match(late.startError ?? '', /budget/);
});

test('missing, non-executable and relative commands are outcomes, not exceptions', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const missing = await run({ command: '/usr/sbin/nope', args: [], timeoutMs: 1000 });
  assert.match(missing.startError ?? '', /ENOENT/);
  const noExec = await run({ command: '/usr/bin/not-executable', args: [], timeoutMs: 1000 });
  assert.match(noExec.startError ?? '', /EACCES/);
  const relative = await run({ command: 'usr/bin/ok', args: [], timeoutMs: 1000 });
  assert.match(relative.startError ?? '', /absolute/);
  const noTimeout = await run({ command: '/usr/bin/ok', args: [], timeoutMs: 0 });
  assert.match(noTimeout.startError ?? '', /timeout/);
});

test('output beyond the limit is cut and flagged', async () => {
  const run = createRunner({ sysroot: scratchRoot(), maxOutput: 1000 });
  const r = await run({ command: '/usr/bin/big', args: [], timeoutMs: 5000 });
  assert.equal(r.outputTooLarge, true);
});
