// Runs the real agent as a process: `node bin/tokenwatch-agent.js` from the sources, or the single
// executable named by TOKENWATCH_AGENT_BIN (the bundle suite sets it to dist/tokenwatch-agent-linux-x64).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSysroot } from './sysroot.ts';
import type { MacManifest } from './sysroot.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface AgentResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function agentCommand(): { file: string; prefix: string[] } {
  const bin = process.env['TOKENWATCH_AGENT_BIN'];
  if (bin) return { file: path.resolve(bin), prefix: [] };
  return { file: process.execPath, prefix: [path.join(ROOT, 'bin/tokenwatch-agent.js')] };
}

/** The environment an agent test runs with: nothing of the developer's TOKENWATCH_* settings. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('TOKENWATCH_')) env[k] = v;
  return { ...env, ...extra };
}

export function runAgent(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<AgentResult> {
  const { file, prefix } = agentCommand();
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      file,
      [...prefix, ...args],
      { env: options.env ?? cleanEnv(), timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

export interface SimulatedMac {
  name: string;
  root: string;
  stateDir: string;
  manifest: MacManifest;
  /** Common flags: --sysroot ROOT --state-dir STATE */
  flags: string[];
}

/** Builds the simulated Mac `name` in a new folder under `parent` (default: the system temp dir). */
export function simulatedMac(name: string, parent: string = os.tmpdir()): SimulatedMac {
  const base = fs.mkdtempSync(path.join(parent, `tw-mac-${name}-`));
  const root = path.join(base, 'root');
  const stateDir = path.join(base, 'state');
  fs.mkdirSync(root);
  const manifest = buildSysroot(name, root);
  return { name, root, stateDir, manifest, flags: ['--sysroot', root, '--state-dir', stateDir] };
}
