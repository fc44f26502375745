// Standing test: hostile command output on the Mac. The real agent runs (`run`, uploading to a real
// collector) against simulated Macs where one command, or all of them at once, misbehaves: binary bytes,
// 50 MB of output, ANSI/OSC escapes, a command that never exits, one that exits non-zero after partial
// output, and one that exits but leaves a child holding its stdout open. Each is an error recorded for
// its probe, the agent does not crash, the run ends within its collection budget, and no process of the
// fakes is left running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkSnapshot } from '../../agent/snapshot/index.ts';
import type { ErrorKind, ProbeId, Snapshot } from '../../agent/snapshot/index.ts';
import { ENROLL_SECRET, startTestCollector } from '../helpers/collector.ts';
import type { TestCollector } from '../helpers/collector.ts';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';
import type { SimulatedMac } from '../helpers/agent-process.ts';

const BUDGET_S = 5;
const MAC = 'applesilicon-compliant';

interface Hostile {
  name: string;
  argv: string[];
  /** Shell lines run instead of the command ($REAL runs the recorded fake). */
  body: string[];
  probe: ProbeId;
  /** The kind of error the probe's failure is recorded as (each way a run ends, and a parse). */
  kind: ErrorKind;
  error: RegExp;
}

/** Deterministic bytes that are not text: NUL, ESC, DEL, 0xFF, broken UTF-8 sequences. */
function binaryBytes(): Buffer {
  const out = Buffer.alloc(8192);
  let x = 0x2545f491;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  Buffer.from([0, 0x1b, 0x7f, 0xff, 0xc3, 0x28, 0xe2, 0x82]).copy(out, 0);
  return out;
}

const HOSTILE: Hostile[] = [
  {
    name: 'binary bytes',
    argv: ['/usr/bin/sw_vers'],
    body: ['/bin/cat "$ROOT/hostile.bin"', 'exit 0'],
    probe: 'sw_vers',
    kind: 'unrecognised_output',
    error: /^stdout line \d+ unrecognised: |^no ProductVersion line$/,
  },
  {
    name: '50 MB of output',
    argv: ['/usr/bin/fdesetup', 'list'],
    body: ["/usr/bin/head -c 52428800 /dev/zero | /usr/bin/tr '\\000' 'A'", 'exit 0'],
    probe: 'fdesetup_list',
    kind: 'output_too_large',
    error: /printed more than \d+ characters: stopped/,
  },
  {
    name: 'ANSI and OSC escapes',
    argv: ['/usr/bin/fdesetup', 'status'],
    body: ["printf '\\033[2J\\033]0;owned\\007FileVault is \\033[31mOn\\033[0m.\\n'", 'exit 0'],
    probe: 'fdesetup_status',
    kind: 'unrecognised_output',
    error: /unrecognised/,
  },
  {
    name: 'never exits',
    argv: ['/usr/bin/profiles', 'status', '-type', 'enrollment'],
    body: ['exec /bin/sleep 3601'],
    probe: 'profiles_enrollment',
    kind: 'timeout',
    error: /timed out: the collection budget of 5000 ms ran out/,
  },
  {
    name: 'exits non-zero after partial output',
    argv: ['/usr/sbin/diskutil', 'apfs', 'listcryptousers', '/'],
    body: ['"$REAL" "$@" | /usr/bin/head -c 120', 'exit 1'],
    probe: 'diskutil_cryptousers',
    kind: 'exit',
    error: /exit code 1/,
  },
  {
    name: 'a child holds stdout open',
    argv: ['/usr/bin/dscl', '.', '-read', '/Groups/admin', 'GroupMembership'],
    body: ['"$REAL" "$@"', '/bin/sleep 3602 &', 'exit 0'],
    probe: 'dscl_admins',
    kind: 'timeout',
    error: /timed out: .*it exited \(code 0\) but a process it started kept its output open/,
  },
];

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Wraps the fake at argv[0]: the hostile argv gets `body`, every other argv the recorded answer. */
function plant(mac: SimulatedMac, h: Hostile): void {
  const exe = path.join(mac.root, h.argv[0] as string);
  const real = `${exe}.recorded`;
  if (!fs.existsSync(real)) fs.renameSync(exe, real);
  const previous = fs.existsSync(exe)
    ? fs.readFileSync(exe, 'utf8').split('\n').slice(3)
    : [`exec "$REAL" "$@"`];
  const script = [
    '#!/bin/sh',
    `REAL=${sh(real)}; ROOT=${sh(mac.root)}`,
    `# hostile: ${h.name}`,
    `if [ "$*" = ${sh(h.argv.slice(1).join(' '))} ]; then`,
    ...h.body.map((l) => `  ${l}`),
    'fi',
    ...previous,
  ];
  fs.writeFileSync(exe, `${script.join('\n')}\n`, { mode: 0o755 });
}

function hostileMac(cases: Hostile[]): SimulatedMac {
  const mac = simulatedMac(MAC);
  fs.writeFileSync(path.join(mac.root, 'hostile.bin'), binaryBytes());
  for (const h of cases) plant(mac, h);
  return mac;
}

/** Processes of the fakes still running (a zombie nobody reaped counts as ended). */
function strays(): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/sleep 360[12]$/.test(cmd) && !/\) Z /.test(stat)) found.push(`${pid} ${cmd}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

let collector: TestCollector;
let baselineMs = 0;

before(async () => {
  collector = await startTestCollector();
  const mac = simulatedMac(MAC);
  const r = await run(mac);
  assert.equal(r.code, 0, r.stderr);
  baselineMs = r.ms;
});

after(async () => {
  await collector.stop();
});

function run(mac: SimulatedMac) {
  return runAgent(
    ['run', ...mac.flags, '--server-url', collector.url, '--collect-timeout', String(BUDGET_S)],
    { env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: ENROLL_SECRET }), timeoutMs: 120_000 },
  );
}

async function latest(mac: SimulatedMac): Promise<Snapshot> {
  const r = await runAgent(['status', '--json', ...mac.flags]);
  assert.equal(r.code, 0, r.stderr);
  const snapshot = (JSON.parse(r.stdout) as { latest: Snapshot }).latest;
  assert.deepEqual(checkSnapshot(snapshot), [], 'the snapshot still matches the contract');
  return snapshot;
}

// A run may take what a normal run takes, plus the collection budget, plus the kill grace period and
// some slack for a loaded machine.
const limit = () => baselineMs + BUDGET_S * 1000 + 2000 + 3000;

for (const h of [...HOSTILE, null]) {
  const cases = h ? [h] : HOSTILE;
  const label = h ? h.name : 'all six at once';
  test(`hostile output on the Mac (${label}): an error for the probe, no crash, the run within its budget`, async (t) => {
    const mac = hostileMac(cases);
    const r = await run(mac);
    t.diagnostic(
      `hostile output (${label}): run took ${Math.round(r.ms)} ms (a normal run ${Math.round(baselineMs)} ms, budget ${BUDGET_S} s)`,
    );
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /TypeError|RangeError|at .*\.ts:\d+/, 'no crash');
    assert.ok(r.ms < limit(), `took ${Math.round(r.ms)} ms, more than ${Math.round(limit())} ms`);
    const snapshot = await latest(mac);
    for (const c of cases) {
      const errors = snapshot.errors.filter((e) => e.probe === c.probe);
      assert.ok(
        errors.some((e) => e.kind === c.kind && c.error.test(e.message)),
        `${c.name}: ${JSON.stringify(errors)} (all: ${JSON.stringify(snapshot.errors.map((e) => e.probe))})`,
      );
    }
    // Nothing raw reaches the snapshot: no escape or control character in any error message.
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    for (const e of snapshot.errors) assert.doesNotMatch(e.message, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(strays(), [], 'no process of the fakes is left running');
  });
}
