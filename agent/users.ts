// Which local accounts count, and each user's facts joined from the probes by GeneratedUID.
import type { User } from './snapshot/schema.ts';
import type { DirectoryUser } from './probes/dscl-users.ts';
import type { DirectoryUserRecord } from './probes/dscl-user.ts';
import type { SecureTokenStatus } from './probes/sysadminctl.ts';
import type { CryptoUsers } from './probes/crypto-users.ts';
import type { FileVaultUser } from './probes/fdesetup-list.ts';
import type { AdminGroup } from './probes/dscl-admins.ts';
import type { GroupMembership } from './probes/dsmemberutil.ts';

const SYSTEM_ACCOUNTS = new Set(['root', 'daemon', 'nobody', 'Guest']);

/**
 * Every account except root, daemon, nobody, Guest and names starting with "_". No UID floor: fleets
 * hide admin accounts below UID 500, and those often hold the tokens.
 */
export function countsAsUser(name: string): boolean {
  return !SYSTEM_ACCOUNTS.has(name) && !name.startsWith('_');
}

/** Whether volume ownership applies: reported (Apple silicon), not applicable (Intel), or unknown. */
export type VolumeOwnership = 'reported' | 'not-applicable' | 'unknown';

export interface UserFacts {
  account: DirectoryUser;
  record: DirectoryUserRecord | null;
  token: SecureTokenStatus | null;
  /** dsmemberutil checkmembership -U NAME -G admin; null when it gave no answer. */
  adminMembership: GroupMembership | null;
}

export interface SharedFacts {
  admins: AdminGroup | null;
  crypto: CryptoUsers | null;
  fileVaultUsers: FileVaultUser[] | null;
  ownership: VolumeOwnership;
  excludeUsers: readonly string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The local admin group's GroupMembership lists the user; null when that list is unknown. */
export function listedAsAdmin(name: string, admins: AdminGroup | null): boolean | null {
  return admins ? admins.members.includes(name) : null;
}

/**
 * Whether the user is an administrator: what opendirectoryd resolves (dsmemberutil, nested and directory
 * groups included) when it answered; otherwise the local group's list proves "yes" but its absence is
 * no "no" (the user may be an admin through a nested or directory group): null.
 */
export function adminOf(membership: GroupMembership | null, listed: boolean | null): boolean | null {
  if (membership) return membership.member;
  return listed === true ? true : null;
}

/**
 * One snapshot user. secureToken comes from sysadminctl. When sysadminctl failed (its error is
 * recorded), a Local Open Directory crypto user of the boot volume is read as holding a token: on APFS
 * a SecureToken IS the user's entry in the volume's crypto users (that is what sysadminctl reports
 * and what lets the user unlock the volume), so membership is sound evidence for "yes". Absence is NOT
 * read as "no" (a listing of another volume or a partial listing would make it a guess): null.
 * The ;SecureToken; AuthenticationAuthority tag is a hint only and never decides.
 */
export function buildUser(u: UserFacts, shared: SharedFacts, guidMaxLength: number): User {
  const rawGuid = u.record?.guid ?? null;
  const guid = rawGuid !== null && rawGuid.length <= guidMaxLength ? rawGuid : null;
  const entry =
    guid !== null && shared.crypto ? shared.crypto.users.find((c) => same(c.uuid, guid)) : undefined;
  let secureToken: boolean | null = u.token ? u.token.enabled : null;
  if (secureToken === null && entry?.kind === 'local_user') secureToken = true;
  let volumeOwner: boolean | null = null;
  if (shared.ownership === 'reported' && shared.crypto && guid !== null)
    volumeOwner = entry ? entry.volumeOwner : false;
  return {
    name: u.account.name,
    uid: u.account.uid,
    guid,
    admin: adminOf(u.adminMembership, listedAsAdmin(u.account.name, shared.admins)),
    adminDirect: listedAsAdmin(u.account.name, shared.admins),
    mobile: u.record?.mobile ?? null,
    disabled: u.record?.disabled ?? null,
    secureToken,
    fileVault:
      shared.fileVaultUsers && guid !== null ? shared.fileVaultUsers.some((f) => same(f.uuid, guid)) : null,
    volumeOwner,
    excluded: shared.excludeUsers.includes(u.account.name),
  };
}
