// bootstrap-unusable: escrowed, but mdmclient's EACSPreflight says the Mac could not use the token now.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { escrowedScope } from './bootstrap-scope.ts';

const ID = 'bootstrap-unusable';

export const bootstrapUnusable: RuleDefinition = {
  id: ID,
  title: 'Bootstrap Token escrowed but not usable (EACSPreflight)',
  severity: 'high',
  informational: false,
  probes: ['profiles_bootstrap', 'profiles_enrollment', 'mdmclient'],
  remediation:
    'The escrowed token does not validate on the Mac (mdmclient QueryDeviceInformation EACSPreflight is not ' +
    '"success"), typically because the server holds a stale token. Re-escrow it: a SecureToken administrator ' +
    'runs `sudo profiles install -type bootstraptoken`, then check `sudo profiles validate -type bootstraptoken` ' +
    'and `sudo /usr/libexec/mdmclient QueryDeviceInformation | grep EACSPreflight`. If it persists, re-enrol ' +
    '(`sudo profiles renew -type enrollment`).',
  evaluate({ snapshot }) {
    const scope = escrowedScope(snapshot);
    if (scope) return [outcome(ID, scope.result, scope.reason)];
    if (snapshot.notApplicable.includes('bootstrapToken.eacsPreflight')) {
      return [outcome(ID, 'not_applicable', 'mdmclient does not report EACSPreflight on this Mac')];
    }
    const preflight = snapshot.bootstrapToken.eacsPreflight;
    if (preflight === null) {
      return [
        outcome(
          ID,
          'unknown',
          "mdmclient's EACSPreflight is unknown" + becauseOf(quoteErrors(errorsOf(snapshot, ['mdmclient']))),
        ),
      ];
    }
    if (preflight.trim().toLowerCase() === 'success') {
      return [outcome(ID, 'pass', 'mdmclient says EACSPreflight = "success"')];
    }
    return [outcome(ID, 'fail', `the token is escrowed but mdmclient says EACSPreflight = "${preflight}"`)];
  },
};
