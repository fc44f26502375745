// /usr/sbin/sysadminctl -secureTokenStatus NAME: answers through NSLog on STDERR (both streams searched):
//   2021-01-14 18:17:47.414 sysadminctl[96836:904874] Secure token is ENABLED for user ec2-user
// The name after "for user" is the RealName (may contain spaces), not the argument: the caller
// correlates by the argument it passed. "Unknown user x" is an error, never DISABLED. "### Error:..."
// lines (DSAuthenticator noise) are ignored only when a status line follows them.
// Carrier: the one status line (on stderr). Any other line it does not recognise, on either stream, is
// unrelated when a status line was read (the noise policy of result.ts): it is recorded, the answer stays.
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { excerpt } from './excerpt.ts';
import { exitError, numberedLines, problem, settle, unrecognised } from './output-lines.ts';

export interface SecureTokenStatus {
  enabled: boolean;
  /** The name sysadminctl echoed (the account's RealName). */
  echoedName: string;
}

const NSLOG_PREFIX = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? sysadminctl\[\d+:\d+\] /gm;
const STATUS = /^Secure token is (ENABLED|DISABLED) for user (.*)$/;

export function parseSecureTokenStatus(raw: CommandOutput): ParseResult<SecureTokenStatus> {
  // Read without the NSLog time stamp and pid: an error (an unrecognised line, the exit code's first
  // line) must read the same on every run, or each collection would look like a change (the errors are
  // part of the digest).
  const out = {
    ...raw,
    stdout: raw.stdout.replace(NSLOG_PREFIX, ''),
    stderr: raw.stderr.replace(NSLOG_PREFIX, ''),
  };
  const errors: ProbeError[] = [];
  const stray: ProbeError[] = [];
  const preamble: string[] = [];
  const found: SecureTokenStatus[] = [];
  for (const [stream, text] of [
    ['stderr', out.stderr],
    ['stdout', out.stdout],
  ] as const) {
    for (const line of numberedLines(text)) {
      const status = STATUS.exec(line.text);
      if (status) {
        found.push({ enabled: status[1] === 'ENABLED', echoedName: status[2] ?? '' });
      } else if (/^Unknown user\b/.test(line.text)) {
        errors.push(problem.tool(`sysadminctl: ${excerpt(line.text)}`));
      } else if (line.text.startsWith('### Error:')) {
        preamble.push(`${stream} line ${line.no}: ${excerpt(line.text)}`);
      } else {
        const e = unrecognised(line, stream);
        stray.push(e);
        errors.push(e);
      }
    }
  }
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (found.length === 0) {
    errors.push(...preamble.map((p) => problem.tool(`error without a status line: ${p}`)));
    if (errors.length === 0) errors.push(problem.missing('no "Secure token is ..." line'));
    return settle(null, errors, stray);
  }
  if (found.length > 1 && found.some((f) => f.enabled !== found[0]?.enabled)) {
    errors.push(problem.conflict('conflicting "Secure token is ..." lines'));
    return settle(null, errors, stray);
  }
  const inFull = !exit && !errors.some((e) => e.kind === 'tool_error');
  return settle(found[0] ?? null, errors, stray, inFull);
}
