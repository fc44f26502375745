// What a command run returns. Produced only by agent/exec/run.ts; consumed by collect.ts and the probes.
export interface RunRequest {
  /** Absolute path of the executable as on a Mac (e.g. /usr/sbin/diskutil); run.ts resolves --sysroot. */
  command: string;
  args: readonly string[];
  /** Per-command timeout in milliseconds (always set: execa's default is none). */
  timeoutMs: number;
}

interface Ran {
  /** What it printed before it ended or was stopped (bounded by the runner's limit). */
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * One outcome per way a run can end; only `exited` has an exit code for a parser to judge.
 *  - exited: the process ended on its own.
 *  - signalled: something other than the runner killed it.
 *  - timed-out: the runner killed its process group at the command's timeout ('timeout') or when the
 *    collection budget ran out ('budget'). `exitedFirst`: the process itself had exited with this code,
 *    but a process it started kept its output open until then.
 *  - output-too-large: it printed more than the runner keeps; its process group was killed.
 *  - not-started: no process ran (missing executable, refused request, budget already spent).
 */
export type RunOutcome =
  | (Ran & { kind: 'exited'; exitCode: number })
  | (Ran & { kind: 'signalled'; signal: string })
  | (Ran & { kind: 'timed-out'; by: 'timeout' | 'budget'; exitedFirst: number | null })
  | (Ran & { kind: 'output-too-large'; limit: number })
  | { kind: 'not-started'; reason: string; budgetSpent: boolean; durationMs: number };

export type Runner = (request: RunRequest, signal?: AbortSignal) => Promise<RunOutcome>;
