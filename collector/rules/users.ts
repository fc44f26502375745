// Which users the rules look at. The agent already drops system accounts; `excluded` users (the agent's
// ExcludeUsers: service accounts) are reported but never flagged.
import type { CollectionError, Snapshot, User } from '../../agent/snapshot/index.ts';
import { errorsAbout, listErrors } from './probes.ts';

/** Users a per-user finding can be about: every reported user except the excluded ones. */
export function countedUsers(snapshot: Snapshot): User[] {
  return snapshot.users.filter((u) => u.excluded !== true);
}

/** Errors of the user list itself (dscl_users): when present, the list may be incomplete. */
export function userListErrors(snapshot: Snapshot): CollectionError[] {
  return listErrors(snapshot, 'dscl_users');
}

/** Errors of `sysadminctl -secureTokenStatus` about this user (they explain a null secureToken). */
export function userErrors(snapshot: Snapshot, user: User): CollectionError[] {
  return errorsAbout(snapshot, 'sysadminctl', user.name);
}

/** Whether a GeneratedUID from dscl and a crypto user UUID from diskutil are the same (case-insensitive). */
export function sameUuid(a: string | null, b: string | null): boolean {
  return a !== null && b !== null && a.trim().toUpperCase() === b.trim().toUpperCase();
}

/** Whether this user is a volume owner: their local_user crypto user (by GeneratedUID) says so, or the agent did. */
export function volumeOwner(snapshot: Snapshot, user: User): boolean | null {
  const crypto = snapshot.cryptoUsers.find((c) => c.kind === 'local_user' && sameUuid(c.uuid, user.guid));
  if (crypto?.volumeOwner === true || user.volumeOwner === true) return true;
  if (crypto?.volumeOwner === false || user.volumeOwner === false) return false;
  return null;
}
