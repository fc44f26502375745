// The ONLY module that starts processes (lint enforces it). Every command: an absolute path (resolved
// under --sysroot when given), explicit arguments, no shell, an explicit minimal environment, its own
// timeout, stdin closed, bounded output, and a typed outcome instead of an exception.
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
  /** How long a process that ignored SIGTERM gets before SIGKILL. */
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

function failed(startError: string, started: number): RunOutcome {
  return {
    stdout: '',
    stderr: '',
    exitCode: null,
    signal: null,
    timedOut: false,
    startError,
    durationMs: Math.round(performance.now() - started),
  };
}

export function createRunner(options: RunnerOptions): Runner {
  const maxOutput = options.maxOutput ?? 4 * 1024 * 1024;
  const killGraceMs = options.killGraceMs ?? 2000;
  return async (request: RunRequest, signal?: AbortSignal): Promise<RunOutcome> => {
    const started = performance.now();
    if (!path.isAbsolute(request.command))
      return failed('refusing a command that is not an absolute path', started);
    if (!(request.timeoutMs > 0)) return failed('refusing a command without a timeout', started);
    if (signal?.aborted) {
      return { ...failed('not started: the collection budget was already spent', started), canceled: true };
    }
    const file = resolveUnderSysroot(options.sysroot, request.command);
    const result = await execa(file, [...request.args], {
      reject: false,
      shell: false,
      env: { ...COMMAND_ENV },
      extendEnv: false,
      stdin: 'ignore',
      timeout: request.timeoutMs,
      cancelSignal: signal,
      forceKillAfterDelay: killGraceMs,
      maxBuffer: maxOutput,
      stripFinalNewline: false,
      encoding: 'utf8',
      windowsHide: true,
    });
    const durationMs = Math.round(performance.now() - started);
    // A process that never started has no exit code and a system error code (ENOENT, EACCES...).
    const code = (result as { code?: unknown }).code;
    const neverStarted =
      result.exitCode === undefined &&
      !result.signal &&
      !result.timedOut &&
      !result.isCanceled &&
      typeof code === 'string';
    if (neverStarted) return failed(`${code} (${START_ERRORS[code] ?? 'could not start'})`, started);
    return {
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut: result.timedOut || result.isCanceled,
      canceled: result.isCanceled,
      outputTooLarge: result.isMaxBuffer,
      startError: null,
      durationMs,
    };
  };
}
