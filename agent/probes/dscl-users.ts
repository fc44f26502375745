// /usr/bin/dscl . -list /Users UniqueID: "<name><spaces><id>" per line, sorted by name; ids can be
// negative (nobody is -2). The column is padded, never fixed: split on the last run of whitespace.
import type { CommandOutput, ParseResult } from './result.ts';
import { exitError, numberedLines, unrecognised } from './output-lines.ts';

export interface DirectoryUser {
  name: string;
  uid: number;
}

export function parseDsclUsers(out: CommandOutput): ParseResult<DirectoryUser[]> {
  const errors: string[] = [];
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
  for (const line of numberedLines(out.stderr)) errors.push(unrecognised(line, 'stderr'));
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (users.length === 0 && errors.length === 0) errors.push('no users listed');
  return { value: exit && users.length === 0 ? null : users, errors };
}
