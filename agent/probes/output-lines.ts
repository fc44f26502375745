// Line handling shared by the parsers: numbered lines, the errors they report (an unrecognised line, an
// exit code, a missing or contradictory answer), and settle(): the noise policy of result.ts.
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { excerpt } from './excerpt.ts';

export interface NumberedLine {
  /** 1-based line number in the stream it came from. */
  no: number;
  /** The line with trailing whitespace (and a CR) removed. */
  text: string;
}

/** Non-blank lines of a stream, numbered; whitespace-only lines are dropped (diskutil ends with ' '). */
export function numberedLines(stream: string): NumberedLine[] {
  const out: NumberedLine[] = [];
  stream.split('\n').forEach((raw, i) => {
    const text = raw.replace(/\s+$/, '');
    if (text.trim() !== '') out.push({ no: i + 1, text });
  });
  return out;
}

export function unrecognised(line: NumberedLine, stream = 'stdout'): ProbeError {
  return {
    kind: 'unrecognised_output',
    message: `${stream} line ${line.no} unrecognised: ${excerpt(line.text)}`,
  };
}

/** The other errors a parser reports, by kind (agent/snapshot/errors.ts ERROR_KINDS says what each means). */
export const problem = {
  /** What carries a value was not printed. */
  missing: (message: string): ProbeError => ({ kind: 'missing_output', message }),
  /** The output contradicts itself. */
  conflict: (message: string): ProbeError => ({ kind: 'conflict', message }),
  /** The tool printed one of its own error answers. */
  tool: (message: string): ProbeError => ({ kind: 'tool_error', message }),
  /** A line or document that is there but cannot be read as what it should be. */
  unreadable: (message: string): ProbeError => ({ kind: 'unrecognised_output', message }),
};

/** Every non-blank line of a stream that does not carry the answer, as unrecognised (result.ts). */
export function strayLines(out: CommandOutput, stream: 'stdout' | 'stderr'): ProbeError[] {
  return numberedLines(out[stream]).map((line) => unrecognised(line, stream));
}

/**
 * The result, with the noise policy of result.ts applied: the `stray` errors (lines outside the answer,
 * already in `errors`) are marked unrelated when there is a value and the answer was read in full
 * (`answered`: by default, there is a value).
 */
export function settle<T>(
  value: NoInfer<T> | null,
  errors: readonly ProbeError[],
  stray: readonly ProbeError[],
  answered = value !== null,
): ParseResult<T> {
  const read = answered && value !== null;
  const marked = errors.map((e): ProbeError => (read && stray.includes(e) ? { ...e, unrelated: true } : e));
  return { value, errors: marked };
}

/**
 * "exit code 1: <first line of stderr, or of stdout when stderr is empty>" when the exit code is not
 * one of `ok`; null otherwise. `reported` is what the parser already said: when it holds that line as
 * an unrecognised line, the message is only "exit code 1" (a line is reported once, not twice).
 */
export function exitError(
  out: CommandOutput,
  reported: readonly ProbeError[] = [],
  ok: readonly number[] = [0],
): ProbeError | null {
  if (out.exitCode !== null && ok.includes(out.exitCode)) return null;
  const code = `exit code ${out.exitCode ?? 'none'}`;
  const stream = numberedLines(out.stderr).length > 0 ? 'stderr' : 'stdout';
  const first = numberedLines(out[stream])[0];
  if (!first) return { kind: 'exit', message: `${code}: (no output)` };
  const line = unrecognised(first, stream).message;
  return {
    kind: 'exit',
    message: reported.some((e) => e.message === line) ? code : `${code}: ${excerpt(first.text)}`,
  };
}
