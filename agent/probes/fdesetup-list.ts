// /usr/bin/fdesetup list: "shortname,GeneratedUID" per line, no header; empty when FileVault is off.
// An empty list is a fact only when the command succeeded (exit 0, nothing on stderr).
import type { CommandOutput, ParseResult } from './result.ts';
import { exitError, numberedLines, unrecognised } from './output-lines.ts';

export interface FileVaultUser {
  name: string;
  uuid: string;
}

export function parseFdesetupList(out: CommandOutput): ParseResult<FileVaultUser[]> {
  const errors: string[] = [];
  const users: FileVaultUser[] = [];
  for (const line of numberedLines(out.stdout)) {
    const m = /^([^,\s][^,]*),\s*([^,\s]+)$/.exec(line.text.trim());
    if (!m) errors.push(unrecognised(line));
    else users.push({ name: m[1] ?? '', uuid: m[2] ?? '' });
  }
  for (const line of numberedLines(out.stderr)) errors.push(unrecognised(line, 'stderr'));
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  return { value: errors.length > 0 ? null : users, errors };
}
