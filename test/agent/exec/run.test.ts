import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRunner } from '../../../agent/exec/run.ts';
import type { RunOutcome } from '../../../agent/exec/types.ts';

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
  // Prints its answer and exits 0, but leaves a child that holds stdout open (its pid goes to $1).
  write('usr/bin/forker', '/bin/sleep 30 &\necho $! > "$1"\nprintf "done\\n"\nexit 0');
  // Waits on a child in the foreground (its pid goes to $1); ignores SIGTERM if $2 is "stubborn".
  write(
    'usr/bin/parent',
    '[ "$2" = stubborn ] && trap "" TERM\n/bin/sleep 30 &\necho $! > "$1"\nwait\nexit 0',
  );
  fs.writeFileSync(path.join(root, 'usr/bin/not-executable'), 'data', { mode: 0o644 });
  return root;
}

test('runs an absolute path under the sysroot and keeps both streams and the exit code', async () => {
  const root = scratchRoot();
  const run = createRunner({ sysroot: root });
  const ok = await run({ command: '/usr/bin/ok', args: [], timeoutMs: 5000 });
  assert.deepEqual(
    { ...ok, durationMs: 0 },
    {
      kind: 'exited',
      exitCode: 0,
      stdout: 'out\n',
      stderr: 'err\n',
      durationMs: 0,
    },
  );
  const fail = await run({ command: '/usr/bin/fail', args: [], timeoutMs: 5000 });
  assert.equal(fail.kind, 'exited');
  assert.equal(fail.kind === 'exited' && fail.exitCode, 3);
  assert.equal(fail.kind === 'exited' && fail.stderr, 'boom\n');
});

test('passes arguments verbatim, never through a shell', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const r = await run({ command: '/usr/bin/args', args: ['-f', '%Su', '$(id)', 'a b;c'], timeoutMs: 5000 });
  assert.equal(r.kind === 'exited' && r.stdout, '[-f]\n[%Su]\n[$(id)]\n[a b;c]\n');
});

test('gives commands a fixed minimal environment, none of the agent own', async () => {
  process.env['TOKENWATCH_ENROLL_SECRET'] = 'must-not-leak';
  try {
    const run = createRunner({ sysroot: scratchRoot() });
    const r = await run({ command: '/usr/bin/env-dump', args: [], timeoutMs: 5000 });
    assert.equal(r.kind, 'exited');
    const out = r.kind === 'exited' ? r.stdout : '';
    assert.doesNotMatch(out, /must-not-leak|TOKENWATCH/);
    assert.match(out, /^PATH=\/usr\/bin:\/bin:\/usr\/sbin:\/sbin$/m);
  } finally {
    delete process.env['TOKENWATCH_ENROLL_SECRET'];
  }
});

test('a command past its timeout is killed and reported as timed out', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const r = await run({ command: '/usr/bin/hang', args: [], timeoutMs: 200 });
  assert.equal(r.kind, 'timed-out');
  assert.equal(r.kind === 'timed-out' && r.by, 'timeout');
  assert.equal(r.kind === 'timed-out' && r.exitedFirst, null);
  assert.ok(r.durationMs < 5000, `took ${r.durationMs} ms`);
});

test('the collection budget signal kills a running command and marks it canceled', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const r = await run({ command: '/usr/bin/hang', args: [], timeoutMs: 30000 }, ac.signal);
  assert.equal(r.kind === 'timed-out' && r.by, 'budget');
  const late = await run({ command: '/usr/bin/ok', args: [], timeoutMs: 5000 }, ac.signal);
  assert.deepEqual(late.kind === 'not-started' && [late.budgetSpent, late.reason], [
    true,
    'the collection budget was already spent',
  ]);
});

test('missing, non-executable and relative commands are outcomes, not exceptions', async () => {
  const run = createRunner({ sysroot: scratchRoot() });
  const reason = (o: RunOutcome) => (o.kind === 'not-started' ? o.reason : `ran: ${o.kind}`);
  assert.match(reason(await run({ command: '/usr/sbin/nope', args: [], timeoutMs: 1000 })), /ENOENT/);
  assert.match(
    reason(await run({ command: '/usr/bin/not-executable', args: [], timeoutMs: 1000 })),
    /EACCES/,
  );
  assert.match(reason(await run({ command: 'usr/bin/ok', args: [], timeoutMs: 1000 })), /absolute/);
  assert.match(reason(await run({ command: '/usr/bin/ok', args: [], timeoutMs: 0 })), /timeout/);
});

test('output beyond the limit is its own outcome, not "killed by signal SIGTERM"', async () => {
  const run = createRunner({ sysroot: scratchRoot(), maxOutput: 1000 });
  const r = await run({ command: '/usr/bin/big', args: [], timeoutMs: 5000 });
  assert.equal(r.kind, 'output-too-large');
  assert.equal(r.kind === 'output-too-large' && r.limit, 1000);
});

/** True while a process with this pid runs (a zombie nobody reaped yet counts as ended). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  // The state is the field after the parenthesised command name: Z is a zombie.
  return !fs.existsSync(stat) || !/\) Z /.test(fs.readFileSync(stat, 'utf8'));
}

async function pidFrom(file: string): Promise<number> {
  for (let i = 0; i < 50 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
  return Number(fs.readFileSync(file, 'utf8').trim());
}

test('a child that keeps stdout open after its parent exited: killed with its group at the timeout', async () => {
  const root = scratchRoot();
  const pidFile = path.join(root, 'child.pid');
  const run = createRunner({ sysroot: root });
  const r = await run({ command: '/usr/bin/forker', args: [pidFile], timeoutMs: 800 });
  assert.equal(r.kind, 'timed-out');
  assert.equal(r.kind === 'timed-out' && r.exitedFirst, 0, 'the parent itself had exited 0');
  assert.ok(r.durationMs < 3000, `held for ${r.durationMs} ms`);
  const child = await pidFrom(pidFile);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(alive(child), false, `the child ${child} was killed`);
});

test('the collection budget kills the whole group; a group that ignores SIGTERM gets SIGKILL after the grace', async () => {
  for (const mode of ['plain', 'stubborn']) {
    const root = scratchRoot();
    const pidFile = path.join(root, 'child.pid');
    const run = createRunner({ sysroot: root, killGraceMs: 300 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await run({ command: '/usr/bin/parent', args: [pidFile, mode], timeoutMs: 30000 }, ac.signal);
    assert.equal(r.kind === 'timed-out' && r.by, 'budget', mode);
    assert.ok(r.durationMs < 3000, `${mode}: ${r.durationMs} ms`);
    const child = await pidFrom(pidFile);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(alive(child), false, `${mode}: the child ${child} was killed with its parent`);
  }
});
