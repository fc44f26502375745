// "Who can unlock this Mac": its users with what each can do to the encrypted volume, the crypto users
// that are not people beside them, and whether the person who uses the Mac is left out.
//
// The person is the console user now, or (at the login window) the latest one reported. The flag
// onlyOthersCanUnlock is a view, not a rule: it depends on who is at the console, which check-ins report
// without the rules running again (the console user is not part of a snapshot's digest), and its
// compliance side is already a rule (user-without-securetoken flags that person's missing token, with
// remediation, grace windows and exemptions); a rule would count the same gap twice.
import { CRYPTO_USER_KINDS } from '../../agent/snapshot/index.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { volumeOwner } from '../rules/index.ts';
import type { UnlockMatrix, UnlockView } from './views.ts';

/** Crypto users that are not people: every kind the contract knows but a local user's (the Bootstrap Token's
 * external key, the recovery keys, and a kind the Mac did not name). */
const NOT_PEOPLE = new Set<string>(CRYPTO_USER_KINDS.filter((k) => k !== 'local_user'));

const list = (names: readonly string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/**
 * The flag from the stored facts (what the device list has): who uses the Mac, and whether only others
 * hold a SecureToken. null when it cannot be told (no snapshot yet, nobody known to use it, or that
 * person's token unknown).
 */
export function unlockView(
  consoleUser: string | null,
  lastConsoleUser: string | null,
  holders: readonly string[] | null,
  tokenless: readonly string[] | null,
): UnlockView {
  const person = consoleUser ?? lastConsoleUser;
  const personSource = consoleUser !== null ? 'console' : lastConsoleUser !== null ? 'last_console' : null;
  const view = (onlyOthersCanUnlock: boolean | null, reason: string): UnlockView => ({
    person,
    personSource,
    onlyOthersCanUnlock,
    reason,
  });
  if (holders === null || tokenless === null) return view(null, 'no snapshot of its users yet');
  if (person === null) return view(null, 'no console user reported yet');
  if (holders.includes(person)) return view(false, `${person} holds a SecureToken`);
  if (!tokenless.includes(person))
    return view(
      null,
      `whether ${person} holds a SecureToken is not known (not a reported local user, or unknown)`,
    );
  if (holders.length === 0) return view(false, `nobody holds a SecureToken (no-securetoken-holder)`);
  return view(
    true,
    `${person} uses this Mac but holds no SecureToken: only ${list(holders)} can unlock the disk`,
  );
}

/** The matrix of a Mac's users and its crypto users that are not people, from its current snapshot. */
export function unlockMatrix(snapshot: Snapshot, consoleUser: string | null): UnlockMatrix {
  return {
    users: snapshot.users.map((u) => ({
      name: u.name,
      uid: u.uid,
      secureToken: u.secureToken,
      volumeOwner: volumeOwner(snapshot, u),
      fileVault: u.fileVault,
      admin: u.admin,
      accountType: u.mobile === null ? null : u.mobile ? 'mobile' : 'local',
      consoleUser: consoleUser !== null && u.name === consoleUser,
      disabled: u.disabled,
      excluded: u.excluded === true,
    })),
    cryptoUsers: snapshot.cryptoUsers
      .filter((c) => NOT_PEOPLE.has(c.kind))
      .map((c) => ({ kind: c.kind, uuid: c.uuid, type: c.type, volumeOwner: c.volumeOwner })),
  };
}
