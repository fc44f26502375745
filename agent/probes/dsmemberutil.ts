// /usr/bin/dsmemberutil checkmembership -U NAME -G admin: whether opendirectoryd resolves NAME as a member
// of the admin group, nested groups and directory (AD/LDAP) groups included, one line on stdout:
//   user is a member of the group           (seen: an AD user made admin through a directory group)
//   user is not a member of the group       (the form scripts compare against; no raw capture)
// The answer comes from opendirectoryd's membership cache: a network account whose admin right comes
// from a directory group reads "not a member" while the Mac cannot reach the directory (documented in
// rdar 23438116), so "not a member" is what the Mac enforces now, not what the directory says. Anything
// else on stdout (an unknown user, an error, a second line) or a non-zero exit is an error and no answer;
// a stderr line beside a clean answer is recorded as unrelated (the noise policy of result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface GroupMembership {
  member: boolean;
}

const ANSWERS: Readonly<Record<string, boolean>> = {
  'user is a member of the group': true,
  'user is not a member of the group': false,
};

export function parseCheckMembership(out: CommandOutput): ParseResult<GroupMembership> {
  const errors: ProbeError[] = [];
  let member: boolean | null = null;
  for (const line of numberedLines(out.stdout)) {
    const answer = ANSWERS[line.text.trim()];
    if (answer === undefined) errors.push(unrecognised(line));
    else if (member === null) member = answer;
    else errors.push(problem.conflict(`stdout line ${line.no}: a second answer`));
  }
  const stray = strayLines(out, 'stderr');
  errors.push(...stray);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (member === null && errors.length === 0)
    errors.push(problem.missing('no "user is (not) a member of the group" answer'));
  const read = member !== null && errors.length === stray.length;
  return settle(read && member !== null ? { member } : null, errors, stray);
}
