// bootstrap-not-escrowed: the Mac says its Bootstrap Token is not escrowed to the MDM server.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { escrowNotApplicable, notEnrolled } from './bootstrap-scope.ts';

const ID = 'bootstrap-not-escrowed';

export const bootstrapNotEscrowed: RuleDefinition = {
  id: ID,
  title: 'Bootstrap Token not escrowed to MDM',
  severity: 'high',
  informational: false,
  probes: ['profiles_bootstrap', 'profiles_enrollment'],
  remediation:
    'Escrow the Bootstrap Token: in Terminal on the Mac, a SecureToken administrator runs ' +
    '`sudo profiles install -type bootstraptoken` and enters their name and password when prompted. ' +
    'macOS also escrows it on its own at the next graphical login of a SecureToken user on a Mac enrolled ' +
    'with Automated Device Enrollment. Check with `sudo profiles status -type bootstraptoken` (and ' +
    '`sudo profiles validate -type bootstraptoken`), and confirm the MDM server lists it as escrowed.',
  evaluate({ snapshot }) {
    const scope = notEnrolled(snapshot);
    if (scope) return [outcome(ID, scope.result, scope.reason)];
    if (escrowNotApplicable(snapshot)) {
      return [
        outcome(
          ID,
          'not_applicable',
          'the MDM server does not support Bootstrap Token, so nothing can be escrowed (see bootstrap-unsupported)',
        ),
      ];
    }
    const escrowed = snapshot.bootstrapToken.escrowed;
    if (escrowed === true)
      return [outcome(ID, 'pass', 'the Mac says its Bootstrap Token is escrowed to the MDM server')];
    if (escrowed === false) {
      return [outcome(ID, 'fail', 'the Mac says its Bootstrap Token is not escrowed to the MDM server')];
    }
    return [
      outcome(
        ID,
        'unknown',
        'whether the Bootstrap Token is escrowed is unknown' +
          becauseOf(quoteErrors(errorsOf(snapshot, ['profiles_bootstrap', 'profiles_enrollment']))),
      ),
    ];
  },
};
