// The demo's simulated fleet: a collector on a free loopback port with a temporary SQLite file, and the
// real agent (as a process, `run`, exactly what launchd runs) against each simulated Mac in
// test/fixtures/macs that the agent can run on (demo-macs.ts), each enrolling and uploading once. Used by
// `npm run demo` and by the browser tests that photograph the demo fleet's dashboard.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../collector/config.ts';
import { createLogger } from '../collector/log.ts';
import { startCollector } from '../collector/main.ts';
import type { RunningCollector } from '../collector/main.ts';
import { demoMacs } from './demo-macs.ts';
import { cleanEnv, runAgent, simulatedMac } from '../test/helpers/agent-process.ts';
import type { AgentResult } from '../test/helpers/agent-process.ts';

export interface DemoFleet {
  collector: RunningCollector;
  /** The temporary directory of the database and the simulated Macs. */
  work: string;
  dbPath: string;
  adminToken: string;
  enrollSecret: string;
  /** Each simulated Mac's agent run. */
  agents: { name: string; result: AgentResult }[];
  /** Stops the collector and removes the work directory. */
  stop(): Promise<void>;
}

export async function startDemoFleet(
  opts: { port?: string; logLevel?: string; env?: Record<string, string> } = {},
): Promise<DemoFleet> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-demo-'));
  const adminToken = randomBytes(32).toString('base64url');
  const enrollSecret = randomBytes(24).toString('base64url');
  const dbPath = path.join(work, 'tokenwatch.db');
  // error: the demo's collector starts on a new temporary database every time, so the warning a real
  // collector logs when it creates one (a mistyped --db?) says nothing here.
  const logLevel = opts.logLevel ?? 'error';
  const { config } = loadConfig({
    // Only what the caller passes (the demo's alert webhook): never this process's own TOKENWATCH_ settings.
    env: opts.env ?? {},
    flags: { db: dbPath, host: '127.0.0.1', port: opts.port ?? '0', adminToken, enrollSecret, logLevel },
  });
  const collector = await startCollector(config, { logger: createLogger(logLevel) });
  const agents = await Promise.all(
    demoMacs()
      .filter((m) => m.run)
      .map(async ({ name }) => {
        const mac = simulatedMac(name, work); // inside work/: removed with it
        const result = await runAgent(['run', ...mac.flags, '--collect-timeout', '5'], {
          env: cleanEnv({ TOKENWATCH_SERVER_URL: collector.url, TOKENWATCH_ENROLL_SECRET: enrollSecret }),
        });
        return { name, result };
      }),
  );
  return {
    collector,
    work,
    dbPath,
    adminToken,
    enrollSecret,
    agents,
    async stop() {
      await collector.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
