// mdm-not-user-approved: enrolled, but neither user-approved nor through Automated Device Enrollment (DEP),
// so the MDM cannot manage kernel extensions, privacy settings or the Bootstrap Token.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';

const ID = 'mdm-not-user-approved';

export const mdmNotUserApproved: RuleDefinition = {
  id: ID,
  title: 'MDM enrolment not user-approved',
  severity: 'medium',
  informational: false,
  probes: ['profiles_enrollment'],
  remediation:
    'Have the user approve the MDM profile in System Settings > Privacy & Security > Profiles (macOS 13+: ' +
    'General > Device Management). On macOS 11+ approval needs a local click, not a script. For Macs in Apple ' +
    'Business/School Manager, re-enrol through ADE instead: `sudo profiles renew -type enrollment`.',
  evaluate({ snapshot }) {
    const enrolled = snapshot.mdm.enrolled;
    const unknown = (what: string) =>
      outcome(ID, 'unknown', what + becauseOf(quoteErrors(errorsOf(snapshot, ['profiles_enrollment']))));
    if (enrolled === false)
      return [outcome(ID, 'not_applicable', 'the Mac is not enrolled in MDM (see mdm-not-enrolled)')];
    if (enrolled === null) return [unknown('MDM enrolment is unknown')];
    const dep = snapshot.mdm.dep;
    const approved = snapshot.mdm.userApproved;
    if (dep === true) return [outcome(ID, 'pass', 'enrolled through Automated Device Enrollment (DEP)')];
    if (approved === true) return [outcome(ID, 'pass', 'MDM enrolment is user-approved')];
    if (dep === false && approved === false) {
      return [
        outcome(
          ID,
          'fail',
          'enrolled in MDM, but neither user-approved nor through Automated Device Enrollment',
        ),
      ];
    }
    return [unknown('whether the MDM enrolment is user-approved or through DEP is unknown')];
  },
};
