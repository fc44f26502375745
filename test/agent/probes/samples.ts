// Real macOS samples (test/fixtures/macos/, copied verbatim) as CommandOutput, and a check that a
// test covers every sample of its folder.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { CommandOutput, ProbeError } from '../../../agent/probes/result.ts';

export const MACOS = fileURLToPath(new URL('../../fixtures/macos/', import.meta.url));

export function sampleText(folder: string, file: string): string {
  return readFileSync(`${MACOS}${folder}/${file}`, 'utf8');
}

/** A sample as the command's output on the given stream (sysadminctl answers on stderr). */
export function sample(
  folder: string,
  file: string,
  opts: { stream?: 'stdout' | 'stderr'; exitCode?: number | null } = {},
): CommandOutput {
  const text = sampleText(folder, file);
  const stream = opts.stream ?? 'stdout';
  return {
    stdout: stream === 'stdout' ? text : '',
    stderr: stream === 'stderr' ? text : '',
    exitCode: opts.exitCode === undefined ? 0 : opts.exitCode,
  };
}

export function out(stdout: string, stderr = '', exitCode: number | null = 0): CommandOutput {
  return { stdout, stderr, exitCode };
}

/** Fails unless `tested` names exactly the files in the folder: a new sample needs a test. */
export function assertCoversFolder(folder: string, tested: Iterable<string>): void {
  assert.deepEqual([...tested].sort(), readdirSync(`${MACOS}${folder}`).sort());
}

/** The errors a parser reports, by kind (the kinds of agent/snapshot/errors.ts, written out here). */
export const E = {
  unrecognised: (message: string): ProbeError => ({ kind: 'unrecognised_output', message }),
  /** An unrecognised line beside an answer read in full (the noise policy of agent/probes/result.ts). */
  unrelated: (message: string): ProbeError => ({ kind: 'unrecognised_output', message, unrelated: true }),
  exit: (message: string): ProbeError => ({ kind: 'exit', message }),
  tool: (message: string): ProbeError => ({ kind: 'tool_error', message }),
  missing: (message: string): ProbeError => ({ kind: 'missing_output', message }),
  conflict: (message: string): ProbeError => ({ kind: 'conflict', message }),
};
