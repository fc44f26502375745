// /usr/bin/fdesetup list: "shortname,GeneratedUID" per line, no header; empty when FileVault is off.
// Carrier: stdout, a list whose absences are read as "not enabled": any unrecognised stdout line or a
// failed run makes it unknown. A stderr line beside a list read in full is unrelated and changes nothing;
// beside an EMPTY list it does: an empty list is a fact only when nothing else was printed (result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, settle, strayLines, unrecognised } from './output-lines.ts';

export interface FileVaultUser {
  name: string;
  uuid: string;
}

export function parseFdesetupList(out: CommandOutput): ParseResult<FileVaultUser[]> {
  const errors: ProbeError[] = [];
  const users: FileVaultUser[] = [];
  for (const line of numberedLines(out.stdout)) {
    const m = /^([^,\s][^,]*),\s*([^,\s]+)$/.exec(line.text.trim());
    if (!m) errors.push(unrecognised(line));
    else users.push({ name: m[1] ?? '', uuid: m[2] ?? '' });
  }
  const stray = strayLines(out, 'stderr');
  errors.push(...stray);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  const read = errors.length === stray.length && (users.length > 0 || stray.length === 0);
  return settle(read ? users : null, errors, stray);
}
