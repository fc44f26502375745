// The ONLY module that starts processes (lint enforces it). Every command: an absolute path (resolved
// under --sysroot when given), explicit arguments, no shell, an explicit minimal environment, its own
// timeout, stdin closed, bounded output, and a typed outcome instead of an exception.
//
// Each command runs in its own process group, and at its timeout, at the collection budget and when its
// output outgrows the limit the whole group is killed (SIGTERM, then SIGKILL after a grace period): a
// child it forked that keeps stdout open cannot hold the collection, or the agent's exit, past them.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import type { RunOutcome, RunRequest, Runner } from './types.ts';
import { resolveUnderSysroot } from '../sysroot.ts';

export interface RunnerOptions {
  /** Simulated system root: DIR/usr/sbin/diskutil runs instead of /usr/sbin/diskutil. */
  sysroot: string | null;
  /** Largest stdout/stderr kept per command, in characters. */
  maxOutput?: number;
  /** How long a process group that ignored SIGTERM gets before SIGKILL. */
  killGraceMs?: number;
}

/** The environment every command gets: nothing of the agent's own (no secrets, no proxies). */
export const COMMAND_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/bin:/bin:/usr/sbin:/sbin',
  LANG: 'en_US.UTF-8',
  LC_ALL: 'en_US.UTF-8',
});

const START_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  ENOEXEC: 'not an executable format',
  ENOTDIR: 'a path component is not a directory',
};

export const DEFAULT_MAX_OUTPUT = 4 * 1024 * 1024;

function notStarted(reason: string, started: number, budgetSpent = false): RunOutcome {
  return { kind: 'not-started', reason, budgetSpent, durationMs: Math.round(performance.now() - started) };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export function createRunner(options: RunnerOptions): Runner {
  const maxOutput = options.maxOutput ?? DEFAULT_MAX_OUTPUT;
  const killGraceMs = options.killGraceMs ?? 2000;
  return async (request: RunRequest, signal?: AbortSignal): Promise<RunOutcome> => {
    const started = performance.now();
    if (!path.isAbsolute(request.command))
      return notStarted('refusing a command that is not an absolute path', started);
    if (!(request.timeoutMs > 0)) return notStarted('refusing a command without a timeout', started);
    if (signal?.aborted) return notStarted('the collection budget was already spent', started, true);
    const file = resolveUnderSysroot(options.sysroot, request.command);
    const subprocess = execa(file, [...request.args], {
      reject: false,
      shell: false,
      env: { ...COMMAND_ENV },
      extendEnv: false,
      stdin: 'ignore',
      timeout: request.timeoutMs,
      cancelSignal: signal,
      // Its own process group; every kill (timeout, budget, output limit, the SIGKILL escalation) goes
      // to the group.
      killDescendants: true,
      forceKillAfterDelay: killGraceMs,
      maxBuffer: maxOutput,
      stripFinalNewline: false,
      encoding: 'utf8',
      windowsHide: true,
    });
    // The leader's own exit, seen before the runner gave up waiting: a timeout then means a process it
    // started held its output open.
    let exitedFirst: number | null = null;
    subprocess.nodeChildProcess.once('exit', (code: number | null) => {
      exitedFirst = code;
    });
    const result = await subprocess;
    const durationMs = Math.round(performance.now() - started);
    // A process that never started has no exit code and a system error code (ENOENT, EACCES...).
    const code = (result as { code?: unknown }).code;
    if (
      result.exitCode === undefined &&
      !result.signal &&
      !result.timedOut &&
      !result.isCanceled &&
      typeof code === 'string'
    ) {
      return notStarted(`${code} (${START_ERRORS[code] ?? 'could not start'})`, started);
    }
    const ran = { stdout: text(result.stdout), stderr: text(result.stderr), durationMs };
    if (result.isMaxBuffer) return { ...ran, kind: 'output-too-large', limit: maxOutput };
    if (result.timedOut || result.isCanceled) {
      return {
        ...ran,
        kind: 'timed-out',
        by: result.isCanceled ? 'budget' : 'timeout',
        exitedFirst: result.signal ? null : exitedFirst,
      };
    }
    if (result.signal) return { ...ran, kind: 'signalled', signal: result.signal };
    return { ...ran, kind: 'exited', exitCode: result.exitCode ?? 0 };
  };
}
