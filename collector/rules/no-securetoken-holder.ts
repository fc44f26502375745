// no-securetoken-holder: nobody on the Mac holds a SecureToken, so nobody can grant one, unlock FileVault
// or approve a software update.
import type { RuleDefinition } from './types.ts';
import { quoteErrors } from './probes.ts';
import { becauseOf, nameList, outcome } from './outcome.ts';
import { userErrors, userListErrors } from './users.ts';

const ID = 'no-securetoken-holder';

export const noSecureTokenHolder: RuleDefinition = {
  id: ID,
  title: 'No user holds a SecureToken',
  severity: 'critical',
  informational: false,
  probes: ['dscl_users', 'sysadminctl'],
  remediation:
    'Give the Mac a SecureToken holder. If a Bootstrap Token is escrowed, the next graphical login of a ' +
    'local user grants that user a token. Otherwise the first administrator to log in graphically gets one ' +
    '(macOS 10.15+ when no one holds a token), or, where no user can, back up data and reinstall macOS. ' +
    'Then escrow a Bootstrap Token (`sudo profiles install -type bootstraptoken`) so later users get tokens.',
  evaluate({ snapshot }) {
    // Holders are counted among every enabled user, excluded service accounts included: an excluded
    // management account holding a token can still grant tokens. Disabled accounts cannot log in.
    const enabled = snapshot.users.filter((u) => u.disabled !== true);
    const holders = enabled.filter((u) => u.secureToken === true).map((u) => u.name);
    if (holders.length > 0) return [outcome(ID, 'pass', `SecureToken held by ${nameList(holders)}`)];
    const listErrors = userListErrors(snapshot);
    const unknownUsers = enabled.filter((u) => u.secureToken === null);
    if (listErrors.length > 0 || unknownUsers.length > 0) {
      const who = unknownUsers.map((u) => u.name);
      const errors = [...listErrors, ...unknownUsers.flatMap((u) => userErrors(snapshot, u))];
      const what =
        who.length > 0
          ? `no user is known to hold a SecureToken, and whether ${nameList(who)} ${who.length > 1 ? 'do' : 'does'} is unknown`
          : 'no listed user holds a SecureToken, but the list of users is incomplete';
      return [outcome(ID, 'unknown', what + becauseOf(quoteErrors(errors)))];
    }
    if (enabled.length === 0) return [outcome(ID, 'fail', 'the Mac reports no enabled user accounts')];
    return [outcome(ID, 'fail', `none of ${nameList(enabled.map((u) => u.name))} holds a SecureToken`)];
  },
};
