// bootstrap-key-missing: escrowed, but the volume has no "MDM Bootstrap Token External Key" crypto user,
// so the escrowed token cannot unlock anything on this Mac.
import type { RuleDefinition } from './types.ts';
import { listErrors, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { escrowedScope } from './bootstrap-scope.ts';

const ID = 'bootstrap-key-missing';

export const bootstrapKeyMissing: RuleDefinition = {
  id: ID,
  title: 'Bootstrap Token escrowed but not on the volume',
  severity: 'high',
  informational: false,
  probes: ['profiles_bootstrap', 'profiles_enrollment', 'diskutil_cryptousers'],
  remediation:
    'The Mac claims escrow but `diskutil apfs listcryptousers /` shows no "MDM Bootstrap Token External Key". ' +
    'Generate and escrow a new token: a SecureToken administrator runs `sudo profiles install -type bootstraptoken`, ' +
    'then `sudo diskutil apfs updatePreboot /`; verify with `sudo profiles validate -type bootstraptoken` ' +
    'and `diskutil apfs listcryptousers /`.',
  evaluate({ snapshot }) {
    const scope = escrowedScope(snapshot);
    if (scope) return [outcome(ID, scope.result, scope.reason)];
    // A key found in the list is there, even when diskutil also reported a problem (e.g. volume owners).
    const key = snapshot.cryptoUsers.find((c) => c.kind === 'mdm_bootstrap_token');
    if (key) {
      return [outcome(ID, 'pass', `the volume lists the Bootstrap Token key ("${key.type}" ${key.uuid})`)];
    }
    const errors = listErrors(snapshot, 'diskutil_cryptousers');
    if (errors.length > 0 || snapshot.cryptoUsers.length === 0) {
      return [
        outcome(
          ID,
          'unknown',
          "the volume's crypto users are unknown, so the Bootstrap Token key cannot be checked" +
            becauseOf(quoteErrors(errors)),
        ),
      ];
    }
    return [
      outcome(
        ID,
        'fail',
        'the Mac says its Bootstrap Token is escrowed, but the volume has no "MDM Bootstrap Token External Key" crypto user',
      ),
    ];
  },
};
