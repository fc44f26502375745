// The shape every parser returns, and THE policy for what a parser does with output it does not
// recognise. Parsers are pure: (stdout, stderr, exit code) -> ParseResult.
//
// Noise next to a clean answer (every parser applies this; output-lines.ts has the helpers):
//  - Each tool answers on one stream, its carrier: stdout, except sysadminctl, which answers through
//    NSLog on stderr. A parser reads its values from the lines of the carrier that carry them.
//  - A value is null only when the output that carries it is missing (missing_output, or the command
//    failed: exit, tool_error), contradictory (conflict) or unrecognised (unrecognised_output).
//  - A line the parser does not recognise outside what carries the answer (the other stream; beside the
//    one status line of sysadminctl; beside the key lines of fdesetup status and profiles) is recorded as
//    unrecognised_output with `unrelated: true` when the answer was read in full, and erases nothing.
//    macOS tools print such lines: Objective-C runtime warnings ("objc[pid]: Class X is implemented in
//    both ..."), deprecation notes. When there is no answer, the same line is recorded without
//    `unrelated`: it may be why.
//  - An answer that is an absence (an empty `fdesetup list`) is read cleanly only when nothing else was
//    printed: beside an unrecognised line, absence is not evidence of "no", so the value is null.
//  - In a list or a record (dscl, diskutil, fdesetup list), an unrecognised line of the carrier may be an
//    entry the parser could not read: it is never unrelated. A list whose absences mean "no" is then
//    unknown (fdesetup list); the user and crypto-user lists keep what was read, and the error tells the
//    collector they may be incomplete (collector/rules/probes.ts listErrors).
import type { ErrorKind } from '../snapshot/errors.ts';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** What a parser reports; agent/collect.ts adds the probe (and the user) to make a snapshot error. */
export interface ProbeError {
  kind: Extract<ErrorKind, 'exit' | 'tool_error' | 'unrecognised_output' | 'missing_output' | 'conflict'>;
  message: string;
  /** unrecognised_output only: outside the answer, which was read in full (the policy above). */
  unrelated?: true;
}

/**
 * value: what the output establishes (fields it does not establish are null inside it), or null when
 * the output establishes nothing. errors: one per problem (an unrecognised line with its line number,
 * an error the tool printed, an unexpected exit code): each becomes a snapshot error. Never a guess.
 */
export interface ParseResult<T> {
  value: T | null;
  errors: ProbeError[];
}
