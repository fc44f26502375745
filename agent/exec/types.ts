// What a command run returns. Produced only by agent/exec/run.ts; consumed by collect.ts and the probes.
export interface RunRequest {
  /** Absolute path of the executable as on a Mac (e.g. /usr/sbin/diskutil); run.ts resolves --sysroot. */
  command: string;
  args: readonly string[];
  /** Per-command timeout in milliseconds (always set: execa's default is none). */
  timeoutMs: number;
}

export interface RunOutcome {
  stdout: string;
  stderr: string;
  /** null when the process did not exit normally (killed, timed out, failed to start). */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** true when the run was cut short by the collection budget (the AbortSignal), not its own timeout. */
  canceled?: boolean;
  /** true when the output exceeded the runner's buffer limit and the process was killed. */
  outputTooLarge?: boolean;
  /** Set when the process could not be started (missing executable, permission denied...). */
  startError: string | null;
  durationMs: number;
}

export type Runner = (request: RunRequest, signal?: AbortSignal) => Promise<RunOutcome>;
