// bootstrap-unsupported: the Mac says its MDM server does not support Bootstrap Token.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { notEnrolled } from './bootstrap-scope.ts';

const ID = 'bootstrap-unsupported';

export const bootstrapUnsupported: RuleDefinition = {
  id: ID,
  title: 'MDM server does not support Bootstrap Token',
  severity: 'high',
  informational: false,
  probes: ['profiles_bootstrap', 'profiles_enrollment'],
  remediation:
    'Use an MDM server that supports Bootstrap Token escrow (Jamf Pro, Intune, Kandji, Mosyle, ' +
    'Workspace ONE, NanoMDM/MicroMDM with escrow support ...) and turn the feature on where it is optional. ' +
    'The Mac reads support at enrolment: after the server is fixed, re-enrol the Mac ' +
    '(`sudo profiles renew -type enrollment`) and escrow the token (`sudo profiles install -type bootstraptoken`, ' +
    'run by a SecureToken administrator).',
  evaluate({ snapshot }) {
    const scope = notEnrolled(snapshot);
    if (scope) return [outcome(ID, scope.result, scope.reason)];
    const supported = snapshot.bootstrapToken.supportedOnServer;
    if (supported === true)
      return [outcome(ID, 'pass', 'the Mac says its MDM server supports Bootstrap Token')];
    if (supported === false) {
      return [outcome(ID, 'fail', 'the Mac says its MDM server does not support Bootstrap Token')];
    }
    return [
      outcome(
        ID,
        'unknown',
        'whether the MDM server supports Bootstrap Token is unknown' +
          becauseOf(quoteErrors(errorsOf(snapshot, ['profiles_bootstrap', 'profiles_enrollment']))),
      ),
    ];
  },
};
