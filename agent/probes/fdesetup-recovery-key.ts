// /usr/bin/fdesetup haspersonalrecoverykey | hasinstitutionalrecoverykey: a bare "true" or "false"
// (the boolean style of fdesetup's query verbs; a legacy verb on APFS prints prose instead,
// e.g. "This command is not supported on APFS volumes.", which is an error, never false).
import type { CommandOutput, ParseResult } from './result.ts';
import { exitError, numberedLines, unrecognised } from './output-lines.ts';

export interface RecoveryKeyPresence {
  present: boolean;
}

export function parseFdesetupBoolean(out: CommandOutput): ParseResult<RecoveryKeyPresence> {
  const errors: string[] = [];
  let present: boolean | null = null;
  for (const line of numberedLines(out.stdout)) {
    const t = line.text.trim();
    if ((t === 'true' || t === 'false') && present === null) present = t === 'true';
    else errors.push(unrecognised(line));
  }
  for (const line of numberedLines(out.stderr)) errors.push(unrecognised(line, 'stderr'));
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (present === null && errors.length === 0) errors.push('no true/false answer');
  return { value: present === null || errors.length > 0 ? null : { present }, errors };
}

export const parseHasPersonalRecoveryKey = parseFdesetupBoolean;
export const parseHasInstitutionalRecoveryKey = parseFdesetupBoolean;
