// /usr/bin/fdesetup haspersonalrecoverykey | hasinstitutionalrecoverykey: a bare "true" or "false"
// (the boolean style of fdesetup's query verbs; a legacy verb on APFS prints prose instead,
// e.g. "This command is not supported on APFS volumes.", which is an error, never false).
// Carrier: the one stdout line. A stderr line beside it is unrelated (the noise policy of result.ts); a
// second stdout line makes the answer unknown (it could be the real answer, or prose that replaced it).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface RecoveryKeyPresence {
  present: boolean;
}

export function parseFdesetupBoolean(out: CommandOutput): ParseResult<RecoveryKeyPresence> {
  const errors: ProbeError[] = [];
  let present: boolean | null = null;
  for (const line of numberedLines(out.stdout)) {
    const t = line.text.trim();
    if ((t === 'true' || t === 'false') && present === null) present = t === 'true';
    else errors.push(unrecognised(line));
  }
  const stray = strayLines(out, 'stderr');
  errors.push(...stray);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (present === null && errors.length === 0) errors.push(problem.missing('no true/false answer'));
  const read = present !== null && errors.length === stray.length;
  return settle(read && present !== null ? { present } : null, errors, stray);
}

export const parseHasPersonalRecoveryKey = parseFdesetupBoolean;
export const parseHasInstitutionalRecoveryKey = parseFdesetupBoolean;
