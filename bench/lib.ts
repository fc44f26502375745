// Shared by the benchmark's parts: statistics, the machine description, and child processes that always
// end (a deadline each, killed on the parent's exit, error or signal).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const BENCH_ENROLL_SECRET = 'bench-enroll-secret';

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile of an ascending array (q in 0..1). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

export interface Machine {
  cpus: number;
  cpuModel: string;
  memory: string;
  node: string;
  os: string;
}

export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memory: `${(os.totalmem() / 1073741824).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

// Every child this process started; killed on exit whatever the reason.
const children = new Set<ChildProcess>();
function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

export interface Child {
  proc: ChildProcess;
  /** Lines of stdout, one JSON value each, as they arrive. */
  lines: AsyncIterableIterator<string>;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Start `node FILE ARGS` with a deadline after which it is killed. */
export function startNode(file: string, args: string[], deadlineMs: number): Child {
  const proc = spawn(process.execPath, [file, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(proc);
  let err = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (d: string) => {
    if (err.length < 64 * 1024) err += d;
  });
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => {
      children.delete(proc);
      clearTimeout(timer);
      resolve(code);
    });
    proc.on('error', () => resolve(null));
  });
  const timer = setTimeout(() => {
    err += `\n[bench] ${path.basename(file)} killed after its ${deadlineMs} ms deadline\n`;
    proc.kill('SIGKILL');
  }, deadlineMs);
  const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  return {
    proc,
    lines: rl[Symbol.asyncIterator](),
    stderr: () => err,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.stdin?.end();
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** The next stdout line of a child, parsed, or an error carrying its stderr. */
export async function nextJson<T>(child: Child, what: string): Promise<T> {
  const r = await child.lines.next();
  if (r.done) {
    await child.exited;
    throw new Error(`${what} ended without output:\n${child.stderr().slice(-4000)}`);
  }
  return JSON.parse(r.value) as T;
}

/** CPU seconds (user + system) a process has used so far, from /proc; null where /proc is missing. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return null;
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
