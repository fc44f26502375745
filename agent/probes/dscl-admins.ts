// /usr/bin/dscl . -read /Groups/admin GroupMembership: "GroupMembership: root alice bob" (one line), or
// the multi-line form, or a whole record when the attribute filter is ignored (other attributes
// are skipped, GroupMembership is picked by key).
// `No such key: GroupMembership` is NOT read as "no admins": the admin group always lists root on
// macOS, so an absent attribute means the read did not see the real group (directory problem): the
// members are unknown (null + error). Only the short-name list is read; members through nested groups
// (GroupMembers GUIDs, NestedGroups) are not resolved.
// Noise policy (result.ts): a stderr line beside a GroupMembership read in full is unrelated.
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { readDsRecord } from './dscl-record.ts';
import { exitError, problem, settle } from './output-lines.ts';

export interface AdminGroup {
  members: string[];
}

export function parseDsclAdmins(out: CommandOutput): ParseResult<AdminGroup> {
  const rec = readDsRecord(out);
  const errors: ProbeError[] = [...rec.dsErrors, ...rec.errors, ...rec.stray];
  const exit = exitError(out, errors);
  if (exit && rec.dsErrors.length === 0) errors.push(exit);
  const members = rec.attributes.get('GroupMembership');
  if (members === undefined) {
    if (rec.missing.has('GroupMembership')) {
      errors.push(
        problem.missing(
          'No such key: GroupMembership (the admin group always lists root): admin members unknown',
        ),
      );
    } else if (rec.dsErrors.length === 0) {
      errors.push(problem.missing('no GroupMembership attribute in output'));
    }
    return settle(null, errors, rec.stray);
  }
  if (rec.dsErrors.length > 0) return settle(null, errors, rec.stray);
  return settle({ members }, errors, rec.stray, rec.errors.length === 0 && !exit);
}
