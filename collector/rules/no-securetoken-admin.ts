// no-securetoken-admin: SecureTokens are held only by standard users, so nobody can grant a token or turn
// on FileVault for another user without first making a holder an administrator. `admin` is what
// opendirectoryd resolves (dsmemberutil: nested and directory groups included); agents that read only the
// local admin group's list (no `adminDirect`) cannot tell a standard user from a nested admin.
import type { RuleDefinition } from './types.ts';
import { errorsAbout, quoteErrors } from './probes.ts';
import { becauseOf, nameList, outcome } from './outcome.ts';
import { userListErrors } from './users.ts';
import { notReported } from './not-reported.ts';

const ID = 'no-securetoken-admin';

export const noSecureTokenAdmin: RuleDefinition = {
  id: ID,
  title: 'No administrator holds a SecureToken',
  severity: 'high',
  informational: false,
  probes: ['dscl_users', 'sysadminctl', 'dsmemberutil_admin', 'dscl_admins'],
  remediation:
    'Only an administrator holding a SecureToken can grant tokens and turn on FileVault for users. Make a ' +
    'token holder an administrator (`sudo dseditgroup -o edit -a USER -t user admin`), or temporarily make ' +
    'the token-holding standard user an admin and grant a token to an admin: `sysadminctl -secureTokenOn ' +
    'ADMIN -password - -adminUser HOLDER -adminPassword -`. Check with `dsmemberutil checkmembership -U ' +
    'USER -G admin` and `sysadminctl -secureTokenStatus USER`. Directory admins read as non-admin while ' +
    'the Mac is off the domain.',
  evaluate({ snapshot }) {
    // Holders as no-securetoken-holder counts them: enabled users, excluded service accounts included.
    const holders = snapshot.users.filter((u) => u.disabled !== true && u.secureToken === true);
    if (holders.length === 0)
      return [
        outcome(ID, 'not_applicable', 'no user is known to hold a SecureToken (see no-securetoken-holder)'),
      ];
    const admins = holders.filter((u) => u.admin === true).map((u) => u.name);
    if (admins.length > 0)
      return [
        outcome(
          ID,
          'pass',
          `${nameList(admins)} ${admins.length > 1 ? 'are administrators' : 'is an administrator'} holding a SecureToken`,
        ),
      ];
    if (holders.some((u) => u.adminDirect === undefined))
      return [notReported(ID, snapshot, 'admin membership through nested or directory groups')];
    const listErrors = userListErrors(snapshot);
    const unknown = holders.filter((u) => u.admin === null);
    if (unknown.length > 0 || listErrors.length > 0) {
      const who = unknown.map((u) => u.name);
      const errors = [
        ...listErrors,
        ...unknown.flatMap((u) => [
          ...errorsAbout(snapshot, 'dsmemberutil_admin', u.name),
          ...snapshot.errors.filter((e) => e.probe === 'dscl_admins'),
        ]),
      ];
      const what =
        who.length > 0
          ? `no SecureToken holder is known to be an administrator, and whether ${nameList(who)} ${who.length > 1 ? 'are administrators' : 'is an administrator'} is unknown`
          : 'no listed SecureToken holder is an administrator, but the list of users is incomplete';
      return [outcome(ID, 'unknown', what + becauseOf(quoteErrors([...new Set(errors)])))];
    }
    const names = holders.map((u) => u.name);
    return [
      outcome(
        ID,
        'fail',
        `SecureTokens are held only by standard users (${nameList(names)}): no administrator can grant a token`,
      ),
    ];
  },
};
