// /usr/bin/dsmemberutil checkmembership -U NAME -G admin: whether opendirectoryd resolves NAME as a member
// of the admin group, nested groups and directory (AD/LDAP) groups included, one line on stdout:
//   user is a member of the group           (seen: an AD user made admin through a directory group)
//   user is not a member of the group       (the form scripts compare against; no raw capture)
// The answer comes from opendirectoryd's membership cache: a network account whose admin right comes
// from a directory group reads "not a member" while the Mac cannot reach the directory (documented in
// rdar 23438116), so "not a member" is what the Mac enforces now, not what the directory says. Anything
// else (an unknown user, an error, a second line, a non-zero exit) is an error and no answer.
import type { CommandOutput, ParseResult } from './result.ts';
import { exitError, numberedLines, unrecognised } from './output-lines.ts';

export interface GroupMembership {
  member: boolean;
}

const ANSWERS: Readonly<Record<string, boolean>> = {
  'user is a member of the group': true,
  'user is not a member of the group': false,
};

export function parseCheckMembership(out: CommandOutput): ParseResult<GroupMembership> {
  const errors: string[] = [];
  let member: boolean | null = null;
  for (const line of numberedLines(out.stdout)) {
    const answer = ANSWERS[line.text.trim()];
    if (answer === undefined) errors.push(unrecognised(line));
    else if (member === null) member = answer;
    else errors.push(`stdout line ${line.no}: a second answer`);
  }
  for (const line of numberedLines(out.stderr)) errors.push(unrecognised(line, 'stderr'));
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (member === null && errors.length === 0) errors.push('no "user is (not) a member of the group" answer');
  return { value: member === null || errors.length > 0 ? null : { member }, errors };
}
