// no-volume-owner: on Apple silicon, no local user is a volume owner, so nobody can approve software
// updates or change the startup security policy.
import type { RuleDefinition } from './types.ts';
import { errorsOf, listErrors, quoteErrors } from './probes.ts';
import { becauseOf, nameList, outcome } from './outcome.ts';
import { volumeOwner as ownerOf } from './users.ts';

const ID = 'no-volume-owner';

export const noVolumeOwner: RuleDefinition = {
  id: ID,
  title: 'No local user is a volume owner (Apple silicon)',
  severity: 'critical',
  informational: false,
  probes: ['system_profiler', 'diskutil_cryptousers', 'dscl_users', 'dscl_user'],
  remediation:
    'On Apple silicon only volume owners (users with a SecureToken on the volume) can authorise updates and ' +
    'startup security changes. Give a local user a SecureToken (graphical login with an escrowed Bootstrap ' +
    'Token, or `sysadminctl -secureTokenOn USER -password - -adminUser ADMIN -adminPassword -` by a token ' +
    'holder), then run `sudo diskutil apfs updatePreboot /` and check `diskutil apfs listcryptousers /` shows ' +
    '"Volume Owner: Yes".',
  evaluate({ snapshot }) {
    const appleSilicon = snapshot.device.appleSilicon;
    if (appleSilicon === false) return [outcome(ID, 'not_applicable', 'an Intel Mac has no volume owners')];
    if (appleSilicon === null) {
      return [
        outcome(
          ID,
          'unknown',
          'whether the Mac has Apple silicon is unknown' +
            becauseOf(quoteErrors(errorsOf(snapshot, ['system_profiler']))),
        ),
      ];
    }
    const enabled = snapshot.users.filter((u) => u.disabled !== true);
    const owners = enabled.filter((u) => ownerOf(snapshot, u) === true).map((u) => u.name);
    if (owners.length > 0) return [outcome(ID, 'pass', `volume owned by ${nameList(owners)}`)];
    const errors = [...listErrors(snapshot, 'diskutil_cryptousers'), ...listErrors(snapshot, 'dscl_users')];
    const unknownUsers = enabled.filter((u) => ownerOf(snapshot, u) === null).map((u) => u.name);
    if (errors.length > 0 || unknownUsers.length > 0) {
      const what =
        unknownUsers.length > 0
          ? `no local user is known to be a volume owner, and it is unknown for ${nameList(unknownUsers)}`
          : 'no listed local user is a volume owner, but the crypto users or the user list are incomplete';
      return [outcome(ID, 'unknown', what + becauseOf(quoteErrors(errors)))];
    }
    if (enabled.length === 0)
      return [outcome(ID, 'fail', 'the Mac reports no enabled local user, so none is a volume owner')];
    return [outcome(ID, 'fail', `none of ${nameList(enabled.map((u) => u.name))} is a volume owner`)];
  },
};
