// Figure 4: the agent. `collect` from the sources against a simulated Mac (the test helpers' sysroot from
// the real samples), and the single executable (dist/, built by `npm run build:agent`): its size, start-up
// time and peak RSS through measureDist (scripts/build/measure.ts), with the simulated Mac as sysroot.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanEnv, runAgent, simulatedMac } from '../test/helpers/agent-process.ts';
import { DIST, measureDist } from '../scripts/build/measure.ts';
import { ROOT, median, round } from './lib.ts';

export const MAC = 'applesilicon-compliant';
const EXE = path.join(DIST, 'tokenwatch-agent-linux-x64');

export interface CollectTiming {
  runner: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface AgentResult {
  mac: string;
  collect: CollectTiming[];
  executable:
    | {
        sizes: Record<string, number>;
        startup: { runs: number; medianMs: number; minMs: number; maxMs: number };
        peakRss: { command: string; kib: number; method: string }[];
      }
    | { missing: string };
}

async function timeCollect(
  runner: string,
  runs: number,
  env: Record<string, string>,
  flags: string[],
): Promise<CollectTiming> {
  const times: number[] = [];
  await runAgent(['collect', '--json', ...flags], { env }); // warm-up: file cache, first state dir
  for (let i = 0; i < runs; i++) {
    const r = await runAgent(['collect', '--json', ...flags], { env, timeoutMs: 60_000 });
    if (r.code !== 0) throw new Error(`${runner} collect exited ${r.code}: ${r.stderr.slice(-2000)}`);
    times.push(r.ms);
  }
  return {
    runner,
    runs,
    medianMs: round(median(times)),
    minMs: round(Math.min(...times)),
    maxMs: round(Math.max(...times)),
  };
}

/** Run `npm run build:agent`'s script (node scripts/build/agent.ts); throws when it fails. */
export function buildAgent(log: (s: string) => void): void {
  log('building the executables (node scripts/build/agent.ts)');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build/agent.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`the build exited ${r.status ?? r.signal}`);
}

export async function benchAgent(
  runs: number,
  startupRuns: number,
  log: (s: string) => void,
): Promise<AgentResult> {
  const mac = simulatedMac(MAC);
  const base = path.dirname(mac.root);
  try {
    // From the sources: node bin/tokenwatch-agent.js (TOKENWATCH_AGENT_BIN cleared so the helper does not
    // pick the executable).
    const saved = process.env['TOKENWATCH_AGENT_BIN'];
    delete process.env['TOKENWATCH_AGENT_BIN'];
    const collect: CollectTiming[] = [];
    try {
      collect.push(await timeCollect('node bin/tokenwatch-agent.js (sources)', runs, cleanEnv(), mac.flags));
    } finally {
      if (saved !== undefined) process.env['TOKENWATCH_AGENT_BIN'] = saved;
    }
    log(`collect from sources: median ${collect[0]?.medianMs} ms`);
    if (!fs.existsSync(EXE)) {
      return {
        mac: MAC,
        collect,
        executable: {
          missing: `${path.relative(ROOT, EXE)} is missing: run npm run build:agent first (or npm run bench -- --build)`,
        },
      };
    }
    process.env['TOKENWATCH_AGENT_BIN'] = EXE;
    try {
      collect.push(await timeCollect('dist/tokenwatch-agent-linux-x64', runs, cleanEnv(), mac.flags));
    } finally {
      if (saved !== undefined) process.env['TOKENWATCH_AGENT_BIN'] = saved;
      else delete process.env['TOKENWATCH_AGENT_BIN'];
    }
    log(`collect from the executable: median ${collect[1]?.medianMs} ms`);
    const { sizes, startup, peakRss } = await measureDist({
      runs: startupRuns,
      sysroot: { dir: mac.root, label: `<simulated ${MAC}>` },
    });
    log(`--version start-up: median ${startup.medianMs} ms`);
    return { mac: MAC, collect, executable: { sizes, startup, peakRss } };
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}
