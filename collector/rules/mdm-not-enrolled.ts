// mdm-not-enrolled: the Mac is not enrolled in MDM.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';

const ID = 'mdm-not-enrolled';

export const mdmNotEnrolled: RuleDefinition = {
  id: ID,
  title: 'Not enrolled in MDM',
  severity: 'high',
  informational: false,
  probes: ['profiles_enrollment'],
  remediation:
    'Enrol the Mac in MDM. For a Mac assigned in Apple Business/School Manager: `sudo profiles renew -type enrollment` ' +
    '(Automated Device Enrollment); otherwise install the enrolment profile from the MDM and approve it in ' +
    'System Settings > Privacy & Security > Profiles. Check with `profiles status -type enrollment`.',
  evaluate({ snapshot }) {
    const enrolled = snapshot.mdm.enrolled;
    if (enrolled === true) {
      const server = snapshot.mdm.server ? ` (${snapshot.mdm.server})` : '';
      return [outcome(ID, 'pass', `enrolled in MDM${server}`)];
    }
    if (enrolled === false) return [outcome(ID, 'fail', 'the Mac says it is not enrolled in MDM')];
    return [
      outcome(
        ID,
        'unknown',
        'MDM enrolment is unknown' + becauseOf(quoteErrors(errorsOf(snapshot, ['profiles_enrollment']))),
      ),
    ];
  },
};
