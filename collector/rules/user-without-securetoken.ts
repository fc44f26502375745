// user-without-securetoken: one outcome per counted user; fails for a user without a SecureToken.
import type { RuleDefinition, RuleOutcome } from './types.ts';
import { quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { countedUsers, userErrors, userListErrors } from './users.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';

const ID = 'user-without-securetoken';

export const userWithoutSecureToken: RuleDefinition = {
  id: ID,
  title: 'User without a SecureToken',
  severity: 'high',
  informational: false,
  probes: ['dscl_users', 'sysadminctl', 'app_sso_platform'],
  remediation:
    'A user without a SecureToken cannot unlock FileVault or approve updates. If a Bootstrap Token is escrowed ' +
    '(macOS 11+), the user gets a token at their next graphical login (not SSH). Otherwise a SecureToken ' +
    'administrator grants one: `sysadminctl -secureTokenOn USER -password - -adminUser ADMIN -adminPassword -` ' +
    '(prompts for both passwords), then `sudo diskutil apfs updatePreboot /`. Check with ' +
    "`sysadminctl -secureTokenStatus USER`. Service accounts that need no token belong in the agent's " +
    'ExcludeUsers. Accounts created at login by Platform SSO or Jamf Connect get a SecureToken only from an ' +
    'escrowed Bootstrap Token or a token holder: make sure the Bootstrap Token is escrowed before deploying ' +
    'account creation.',
  evaluate({ snapshot }) {
    const out: RuleOutcome[] = [];
    const listErrors = userListErrors(snapshot);
    if (listErrors.length > 0) {
      // A device-level unknown: the list may be missing users, so reconcileFindings keeps this rule's open
      // findings open for users absent from it.
      out.push(
        outcome(ID, 'unknown', 'the list of users is incomplete' + becauseOf(quoteErrors(listErrors))),
      );
    }
    for (const user of countedUsers(snapshot)) {
      if (user.disabled === true) {
        out.push(
          outcome(
            ID,
            'not_applicable',
            `${user.name} is a disabled account: it cannot log in, so a missing token is not actionable`,
            user.name,
          ),
        );
        continue;
      }
      const token = user.secureToken;
      if (token === true) out.push(outcome(ID, 'pass', `${user.name} has a SecureToken`, user.name));
      else if (token === false)
        out.push(
          outcome(
            ID,
            'fail',
            `${user.name} has no SecureToken${platformSsoNote(snapshot, user.name)}`,
            user.name,
          ),
        );
      else {
        out.push(
          outcome(
            ID,
            'unknown',
            `whether ${user.name} has a SecureToken is unknown` +
              becauseOf(quoteErrors(userErrors(snapshot, user))),
            user.name,
          ),
        );
      }
    }
    return out;
  },
};

/** " (registered for Platform SSO with EXT)" for the user the Platform SSO reading names as registered. */
function platformSsoNote(snapshot: Snapshot, name: string): string {
  const sso = snapshot.platformSso;
  if (!sso?.user?.registered || sso.user.name !== name) return '';
  return ` (registered for Platform SSO with ${sso.extensionIdentifier ?? 'its SSO extension'})`;
}
