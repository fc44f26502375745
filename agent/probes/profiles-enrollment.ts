// /usr/bin/profiles status -type enrollment, three generations, parsed by key (never "last line"):
//   10.13.4+:  Enrolled via DEP: Yes|No
//              MDM enrollment: No | Yes | Yes (User Approved)
//   11+:       MDM server: https://host:8443/mdm/ServerURL      (only when enrolled; split on first ": ")
//   <=10.13.3: one sentence, "An enrollment profile is currently installed on this system" /
//              "There is no enrollment profile installed on this system"
// The one-sentence form establishes enrollment only: DEP and user approval are NOT reported, so they
// are null with an error (unknown is never "no"). An enrolled Mac without an "MDM server:" line
// (10.13.4-10.15) has an unknown server (null + error). Not enrolled: server and user approval do not
// apply (the caller lists them as not applicable).
// Carrier: the key lines on stdout. Another line (either stream) is recorded, and unrelated when every
// fact this form prints was read cleanly (the noise policy of result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { excerpt } from './excerpt.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface Enrollment {
  enrolled: boolean | null;
  userApproved: boolean | null;
  dep: boolean | null;
  server: string | null;
}

export function parseEnrollment(out: CommandOutput): ParseResult<Enrollment> {
  const errors: ProbeError[] = [];
  const stray: ProbeError[] = [];
  const value: Enrollment = { enrolled: null, userApproved: null, dep: null, server: null };
  let facts = 0;
  let sentence = false;
  for (const line of numberedLines(out.stdout)) {
    const t = line.text.trim();
    const sep = t.indexOf(': ');
    const key = sep < 0 ? t : t.slice(0, sep);
    const val = sep < 0 ? '' : t.slice(sep + 2).trim();
    if (key === 'Enrolled via DEP' && /^(Yes|No)$/.test(val)) {
      value.dep = val === 'Yes';
    } else if (key === 'MDM enrollment' && /^(No|Yes|Yes \(User Approved\))$/.test(val)) {
      value.enrolled = val !== 'No';
      value.userApproved = val === 'No' ? null : val === 'Yes (User Approved)';
    } else if (key === 'MDM server' && val !== '') {
      value.server = val;
    } else if (/^An enrollment profile is currently installed on this system\.?$/.test(t)) {
      value.enrolled = true;
      sentence = true;
    } else if (/^There is no enrollment profile installed on this system\.?$/.test(t)) {
      value.enrolled = false;
      sentence = true;
    } else {
      const err = unrecognised(line);
      stray.push(err);
      errors.push(err);
      continue;
    }
    facts++;
  }
  const stderr = strayLines(out, 'stderr');
  stray.push(...stderr);
  errors.push(...stderr);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  // What this form of the output does not print (the older forms): missing, not noise.
  const unprinted: ProbeError[] = [];
  if (value.enrolled === null) {
    errors.push(problem.missing('no "MDM enrollment" line: enrollment unknown'));
  } else if (sentence) {
    unprinted.push(
      problem.missing(
        value.enrolled
          ? 'this macOS prints the one-sentence form: DEP and user approval not reported'
          : 'this macOS prints the one-sentence form: DEP not reported',
      ),
    );
  } else {
    if (value.dep === null) errors.push(problem.missing('no "Enrolled via DEP" line'));
    if (value.enrolled && value.server === null)
      unprinted.push(
        problem.missing('enrolled, but no "MDM server:" line (not printed before macOS 11): server unknown'),
      );
    if (!value.enrolled && value.server !== null)
      errors.push(problem.conflict(`not enrolled but an MDM server is printed: ${excerpt(value.server)}`));
  }
  const inFull = facts > 0 && errors.length === stray.length;
  errors.push(...unprinted);
  return settle(facts > 0 ? value : null, errors, stray, inFull);
}
