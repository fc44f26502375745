// Line handling shared by the parsers: numbered lines, the "unrecognised line" message, exit codes.
import type { CommandOutput } from './result.ts';
import { redactSecrets } from './secret-redaction.ts';

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

const MAX_EXCERPT = 120;

// Control characters (escape sequences, NUL) never reach a log or a terminal: shown as '?'.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * A short, secret-free, printable excerpt of a line for an error message: recovery keys, named secrets
 * and binary data (secret-redaction.ts) never reach a snapshot, the cache, a log or the collector.
 */
export function excerpt(text: string): string {
  const clean = redactSecrets(text.trim()).replace(CONTROL, '?');
  return clean.length > MAX_EXCERPT ? `${clean.slice(0, MAX_EXCERPT)}...` : clean;
}

export function unrecognised(line: NumberedLine, stream = 'stdout'): string {
  return `${stream} line ${line.no} unrecognised: ${excerpt(line.text)}`;
}

/**
 * "exit code 1: <first line of stderr, or of stdout when stderr is empty>" when the exit code is not
 * one of `ok`; null otherwise. `reported` is what the parser already said: when it holds that line as
 * an unrecognised line, the message is only "exit code 1" (a line is reported once, not twice).
 */
export function exitError(
  out: CommandOutput,
  reported: readonly string[] = [],
  ok: readonly number[] = [0],
): string | null {
  if (out.exitCode !== null && ok.includes(out.exitCode)) return null;
  const code = `exit code ${out.exitCode ?? 'none'}`;
  const stream = numberedLines(out.stderr).length > 0 ? 'stderr' : 'stdout';
  const first = numberedLines(out[stream])[0];
  if (!first) return `${code}: (no output)`;
  return reported.includes(unrecognised(first, stream)) ? code : `${code}: ${excerpt(first.text)}`;
}
