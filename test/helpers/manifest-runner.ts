// A simulated Mac answered in process: the same manifests and recorded outputs as the fake system root
// (test/helpers/sysroot.ts), for tests that run hundreds of collections and are about what happens after
// a collection (the cache, the outbox, the upload), not about starting processes. Like the sysroot's
// fakes it checks its input: a command line the manifest does not list, or a timeout other than the
// command table's, throws.
import fs from 'node:fs';
import path from 'node:path';
import type { RunOutcome, RunRequest, Runner } from '../../agent/exec/types.ts';
import type { PathStatter } from '../../agent/path-stat.ts';
import { probeForRequest } from '../../agent/probes/index.ts';
import { MACS_DIR, macFileStat, readManifest } from './sysroot.ts';

export interface ManifestRunner {
  run: Runner;
  /** lstat of the Mac's files (the manifest's `files`; any other path is missing). */
  stat: PathStatter;
  /** Every command line asked for, in order. */
  asked: string[];
  /** Replace the answer to one command line (e.g. a change on the Mac between two collections). */
  answer(line: string, stdout: string): void;
}

export function manifestRunner(name: string): ManifestRunner {
  const manifest = readManifest(name);
  const dir = path.join(MACS_DIR, name);
  const answers = new Map<string, { stdout: string; stderr: string; exit: number; hangMs: number }>();
  for (const cmd of manifest.commands) {
    const read = (file: string | null | undefined) =>
      file ? fs.readFileSync(path.resolve(dir, file), 'utf8') : '';
    answers.set(cmd.argv.join(' '), {
      stdout: read(cmd.stdout),
      stderr: read(cmd.stderr),
      exit: cmd.exit ?? 0,
      hangMs: (cmd.hangSeconds ?? 0) * 1000,
    });
  }
  const asked: string[] = [];
  const run: Runner = async (req: RunRequest, signal?: AbortSignal): Promise<RunOutcome> => {
    const line = [req.command, ...req.args].join(' ');
    asked.push(line);
    const probe = probeForRequest(req.command, req.args);
    const a = answers.get(line);
    if (!probe || probe.timeoutMs !== req.timeoutMs || !a) {
      throw new Error(`simulated Mac ${name}: unexpected request ${line} (timeout ${req.timeoutMs} ms)`);
    }
    if (a.hangMs > 0) {
      // `exec /bin/sleep N`: silent, then exit 0 unless the timeout or the budget ends it first.
      const ended = await new Promise<'slept' | 'timeout' | 'budget'>((resolve) => {
        const slept = a.hangMs < req.timeoutMs;
        const t = setTimeout(() => resolve(slept ? 'slept' : 'timeout'), Math.min(a.hangMs, req.timeoutMs));
        signal?.addEventListener('abort', () => (clearTimeout(t), resolve('budget')), { once: true });
      });
      if (ended !== 'slept')
        return { kind: 'timed-out', by: ended, exitedFirst: null, stdout: '', stderr: '', durationMs: 0 };
      return { kind: 'exited', exitCode: 0, stdout: '', stderr: '', durationMs: 0 };
    }
    return { kind: 'exited', exitCode: a.exit, stdout: a.stdout, stderr: a.stderr, durationMs: 0 };
  };
  const stat: PathStatter = async (macPath) => {
    const file = manifest.files?.[macPath];
    return file ? macFileStat(dir, file) : { kind: 'missing' };
  };
  return {
    run,
    stat,
    asked,
    answer(line, stdout) {
      const a = answers.get(line);
      if (!a) throw new Error(`simulated Mac ${name} has no command ${line}`);
      answers.set(line, { ...a, stdout });
    },
  };
}
