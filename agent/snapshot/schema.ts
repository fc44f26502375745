// THE CONTRACT between the agent and the collector: tokenwatch.snapshot/1 and tokenwatch.checkin/1.
// One TypeBox declaration gives the TypeScript types (agent, collector, reports), the JSON Schema the
// collector validates uploads with (its 4xx reasons), and the OpenAPI document's components.
// Unknown extra properties are allowed (newer agents add fields); wrong types and missing required
// fields are not. Unknown is never "no": a value the output does not establish is null, with an entry in
// `errors`; a value that does not apply is null and its path is listed in `notApplicable`.
// The limits (maxLength, maxItems) are declared here only: the agent reads them (limits.ts) where it
// shortens or leaves out what does not fit. How a later version is introduced: README.md in this folder.
import Type from 'typebox';
import { ERROR_KINDS, ERROR_SOURCES } from './errors.ts';
import type { ErrorKind } from './errors.ts';

export const SNAPSHOT_SCHEMA = 'tokenwatch.snapshot/1';
export const CHECKIN_SCHEMA = 'tokenwatch.checkin/1';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max = 1024) => Type.String({ maxLength: max });
const Flag = () => Nullable(Type.Boolean());
/** A local user's short name (a user's `name`, an error's `user`). */
const UserName = () => Text(255);

export const FILEVAULT_STATES = ['on', 'off', 'encrypting', 'decrypting', 'unknown'] as const;
export const CRYPTO_USER_KINDS = [
  'local_user',
  'mdm_bootstrap_token',
  'personal_recovery_user',
  'personal_recovery_key',
  'institutional_recovery_user',
  'institutional_recovery_key',
  'icloud_recovery_user',
  'icloud_recovery_key',
  'unknown',
] as const;

// ISO 8601 / RFC 3339 date-time with field ranges (month 13 or hour 24 is refused here, with the path in the
// 4xx reason, rather than further in); day-of-month validity (30 February) is checked where dates are read.
export const ISO_DATE_TIME =
  '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d{1,9})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)$';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const DIGEST_PATTERN = '^[0-9a-f]{64}$';

/**
 * How deep a body may nest objects and arrays (the top-level object is level 1; a snapshot itself needs
 * 3). The collector refuses a deeper body before parsing it, and the digest refuses to go deeper, so no
 * accepted body can exhaust a recursion.
 */
export const MAX_JSON_DEPTH = 64;

const DateTime = () => Type.String({ pattern: ISO_DATE_TIME, maxLength: 40 });

/** One errors[] entry: the collector reads `probe`, `kind`, `user` and `unrelated`, never the message's words. */
export const CollectionError = Type.Object({
  /** The probe (errors.ts PROBE_IDS), or `collection` for the collection as a whole. */
  probe: Type.Enum(ERROR_SOURCES),
  /** What went wrong (errors.ts ERROR_KINDS says what each kind means). */
  kind: Type.Enum(Object.keys(ERROR_KINDS) as ErrorKind[]),
  /** The local user's short name, on errors of a per-user probe (dscl_user, sysadminctl, dsmemberutil_admin)
   * and of app_sso_platform (the console user it ran as). */
  user: Type.Optional(UserName()),
  /**
   * Only on unrecognised_output: the line stood outside the answer (an Objective-C runtime warning on
   * stderr beside a clean stdout), the answer was read in full and nothing became null because of it.
   */
  unrelated: Type.Optional(Type.Literal(true)),
  /** For people: what happened, quoting the tool where it helps (secrets redacted). */
  message: Text(2048),
});

export const Device = Type.Object({
  serial: Nullable(Text(64)),
  hardwareUuid: Nullable(Text(64)),
  model: Nullable(Text(128)),
  appleSilicon: Flag(),
  osVersion: Nullable(Text(32)),
  osBuild: Nullable(Text(32)),
  hostname: Nullable(Text(255)),
});

export const Mdm = Type.Object({
  enrolled: Flag(),
  userApproved: Flag(),
  dep: Flag(),
  server: Nullable(Text(2048)),
});

export const BootstrapToken = Type.Object({
  supportedOnServer: Flag(),
  escrowed: Flag(),
  allowed: Flag(),
  eacsPreflight: Nullable(Text(256)),
  checkedAt: Nullable(DateTime()),
});

/**
 * /var/db/FileVaultPRK.dat as lstat saw it (never opened): the personal recovery key macOS wrote, encrypted
 * for an FDE recovery key escrow payload, for the MDM to collect. Present proves a key was written for MDM
 * escrow at modifiedAt; not that the MDM collected it or can decrypt it (only the MDM shows that).
 */
export const PrkEscrowFile = Type.Object({
  present: Type.Boolean(),
  /** Bytes; null when absent. */
  size: Nullable(Type.Integer({ minimum: 0 })),
  /** When the key was written (the file's modification time); null when absent. */
  modifiedAt: Nullable(DateTime()),
});

/** `fdesetup showdeferralinfo`: FileVault enablement deferred to a user's logout (set by a profile or fdesetup). */
export const FileVaultDeferral = Type.Object({
  deferred: Type.Boolean(),
  /** The deferral came from a configuration profile (ProfileUUID printed). */
  fromProfile: Type.Boolean(),
  /** Users who will be asked (an empty list: any user who logs out); null when not printed. */
  users: Nullable(Type.Array(UserName(), { maxItems: 100 })),
  /** Where fdesetup writes the enablement record, which holds the personal recovery key in clear. */
  outputPath: Nullable(Text(1024)),
  /** Whether that record is on disk (lstat, never opened); null: unknown, or no outputPath (notApplicable). */
  recordPresent: Flag(),
});

export const FileVault = Type.Object({
  state: Type.Union([
    Type.Literal('on'),
    Type.Literal('off'),
    Type.Literal('encrypting'),
    Type.Literal('decrypting'),
    Type.Literal('unknown'),
  ]),
  personalRecoveryKey: Flag(),
  institutionalRecoveryKey: Flag(),
  // Optional: agents before these fields did not report them (collector/rules: "not reported").
  prkEscrowFile: Type.Optional(Nullable(PrkEscrowFile)),
  deferral: Type.Optional(Nullable(FileVaultDeferral)),
});

export const CryptoUser = Type.Object({
  uuid: Text(64),
  type: Text(128),
  kind: Type.Union([
    Type.Literal('local_user'),
    Type.Literal('mdm_bootstrap_token'),
    Type.Literal('personal_recovery_user'),
    Type.Literal('personal_recovery_key'),
    Type.Literal('institutional_recovery_user'),
    Type.Literal('institutional_recovery_key'),
    Type.Literal('icloud_recovery_user'),
    Type.Literal('icloud_recovery_key'),
    Type.Literal('unknown'),
  ]),
  volumeOwner: Flag(),
});

export const User = Type.Object({
  name: UserName(),
  uid: Type.Integer(),
  guid: Nullable(Text(64)),
  /** What opendirectoryd resolves (dsmemberutil: nested and directory groups included); if it did not
   * answer, true when the local admin group lists the user, else null. */
  admin: Flag(),
  /** The local admin group's GroupMembership lists the user (admin && !adminDirect: admin through a
   * nested or directory group). Optional: older agents did not report it. */
  adminDirect: Type.Optional(Flag()),
  mobile: Flag(),
  disabled: Flag(),
  secureToken: Flag(),
  fileVault: Flag(),
  volumeOwner: Flag(),
  // Listed in the agent's ExcludeUsers (service accounts): still reported, skipped by the rules.
  excluded: Type.Optional(Type.Boolean()),
});

/**
 * `app-sso platform -s` (macOS 13+), run as the console user. The device part is the Mac's; `user` is the
 * registration of the user named in it. When nobody is at the console the last reading is repeated
 * (`user.name` then differs from `consoleUser`); with no reading yet it is null and `platformSso.user` is
 * listed in notApplicable. On macOS 12 and earlier: null, `platformSso` in notApplicable.
 */
export const PlatformSso = Type.Object({
  /** A Platform SSO payload is installed and the Mac set up for it (Device Configuration not (null)). */
  deviceConfigured: Type.Boolean(),
  /** registrationCompleted: the Mac is registered with the identity provider; null when not configured. */
  deviceRegistered: Flag(),
  extensionIdentifier: Nullable(Text(255)),
  loginType: Nullable(Text(128)),
  user: Nullable(
    Type.Object({
      name: UserName(),
      /** User Configuration is not (null): the user registered. */
      registered: Type.Boolean(),
      state: Nullable(Text(128)),
    }),
  ),
});

export const Snapshot = Type.Object(
  {
    schema: Type.Literal(SNAPSHOT_SCHEMA),
    id: Type.String({ pattern: UUID_PATTERN }),
    collectedAt: DateTime(),
    agent: Type.Object({ version: Text(64) }),
    device: Device,
    mdm: Mdm,
    bootstrapToken: BootstrapToken,
    fileVault: FileVault,
    cryptoUsers: Type.Array(CryptoUser, { maxItems: 1000 }),
    users: Type.Array(User, { maxItems: 5000 }),
    consoleUser: Nullable(UserName()),
    // Optional: agents before this field did not report it.
    platformSso: Type.Optional(Nullable(PlatformSso)),
    notApplicable: Type.Array(Text(128), { maxItems: 200 }),
    errors: Type.Array(CollectionError, { maxItems: 500 }),
  },
  { $id: 'tokenwatch.snapshot/1', title: 'tokenwatch snapshot' },
);

export const Checkin = Type.Object(
  {
    schema: Type.Literal(CHECKIN_SCHEMA),
    id: Type.String({ pattern: UUID_PATTERN }),
    digest: Type.String({ pattern: DIGEST_PATTERN }),
    collectedAt: DateTime(),
    consoleUser: Nullable(UserName()),
  },
  { $id: 'tokenwatch.checkin/1', title: 'tokenwatch check-in' },
);

export type CollectionError = Type.Static<typeof CollectionError>;
export type Device = Type.Static<typeof Device>;
export type Mdm = Type.Static<typeof Mdm>;
export type BootstrapToken = Type.Static<typeof BootstrapToken>;
export type FileVault = Type.Static<typeof FileVault>;
export type FileVaultState = FileVault['state'];
export type CryptoUser = Type.Static<typeof CryptoUser>;
export type PrkEscrowFile = Type.Static<typeof PrkEscrowFile>;
export type FileVaultDeferral = Type.Static<typeof FileVaultDeferral>;
export type PlatformSso = Type.Static<typeof PlatformSso>;
export type CryptoUserKind = CryptoUser['kind'];

// The lists and the unions above must agree (a compile-time check).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _fileVaultStatesAgree: Same<FileVaultState, (typeof FILEVAULT_STATES)[number]> = true;
const _cryptoKindsAgree: Same<CryptoUserKind, (typeof CRYPTO_USER_KINDS)[number]> = true;
void _fileVaultStatesAgree;
void _cryptoKindsAgree;
export type User = Type.Static<typeof User>;
export type Snapshot = Type.Static<typeof Snapshot>;
export type Checkin = Type.Static<typeof Checkin>;
