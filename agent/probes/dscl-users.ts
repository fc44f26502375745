// /usr/bin/dscl . -list /Users UniqueID: "<name><spaces><id>" per line, sorted by name; ids can be
// negative (nobody is -2). The column is padded, never fixed: split on the last run of whitespace.
// Carrier: stdout, a list: an unrecognised stdout line may be a user, so the list is incomplete (the
// error says so to the collector); a stderr line beside a list read in full is unrelated (result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface DirectoryUser {
  name: string;
  uid: number;
}

export function parseDsclUsers(out: CommandOutput): ParseResult<DirectoryUser[]> {
  const errors: ProbeError[] = [];
  const users: DirectoryUser[] = [];
  for (const line of numberedLines(out.stdout)) {
    const m = /^(\S(?:.*\S)?)\s+(-?\d+)$/.exec(line.text);
    const uid = m ? Number(m[2]) : NaN;
    if (!m || !Number.isSafeInteger(uid)) {
      errors.push(unrecognised(line));
      continue;
    }
    users.push({ name: m[1] ?? '', uid });
  }
  const complete = errors.length === 0;
  const stray = strayLines(out, 'stderr');
  errors.push(...stray);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  // macOS always lists root and the system accounts: an empty list is no answer, never "no users".
  if (users.length === 0 && errors.length === 0) errors.push(problem.missing('no users listed'));
  return settle(users.length === 0 ? null : users, errors, stray, complete && !exit);
}
