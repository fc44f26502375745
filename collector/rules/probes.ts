// Which agent probe produced a snapshot error, so that a rule can say why an input is missing and
// collection-incomplete can name the probes that left rules unknown.
// The agent names each error by its probe id (`errors[].source`, the ids of agent/probes/index.ts's command
// table). The rules do not import the agent's table (collector/** imports only the snapshot contract), so
// AGENT_PROBES below maps those ids (a test checks it against the table) and, for sources that are not an
// id (older or other agents), words of the command or state the source names: `sysadminctl:alice`,
// `/usr/bin/fdesetup haspersonalrecoverykey` classify too. First match wins, most specific first.
import type { CollectionError, Snapshot } from '../../agent/snapshot/index.ts';

export const PROBE_IDS = [
  'hardware',
  'os',
  'users',
  'admins',
  'user-record',
  'securetoken',
  'crypto-users',
  'filevault-status',
  'filevault-list',
  'filevault-personal-key',
  'filevault-institutional-key',
  'bootstrap-token',
  'enrollment',
  'mdm-device-information',
  'console-user',
  'other',
] as const;
export type ProbeId = (typeof PROBE_IDS)[number];

/** The agent's probe ids (errors[].source) and the input each produces. */
export const AGENT_PROBES: Readonly<Record<string, ProbeId>> = {
  sw_vers: 'os',
  system_profiler: 'hardware',
  dscl_users: 'users',
  dscl_admins: 'admins',
  dscl_user: 'user-record',
  sysadminctl: 'securetoken',
  diskutil_cryptousers: 'crypto-users',
  fdesetup_status: 'filevault-status',
  fdesetup_list: 'filevault-list',
  fdesetup_prk: 'filevault-personal-key',
  fdesetup_irk: 'filevault-institutional-key',
  profiles_bootstrap: 'bootstrap-token',
  profiles_enrollment: 'enrollment',
  console_user: 'console-user',
  mdmclient: 'mdm-device-information',
};

/** [probe, words any one of which in the normalised source names it]; order matters. */
const RECOGNISERS: ReadonlyArray<readonly [ProbeId, readonly string[]]> = [
  ['filevault-personal-key', ['haspersonalrecoverykey', 'personal-recovery', 'personalrecoverykey']],
  [
    'filevault-institutional-key',
    ['hasinstitutionalrecoverykey', 'institutional-recovery', 'institutionalrecoverykey'],
  ],
  ['filevault-list', ['fdesetup-list', 'filevault-list', 'filevault-users']],
  ['filevault-status', ['fdesetup', 'filevault']],
  ['mdm-device-information', ['mdmclient', 'querydeviceinformation', 'device-information', 'eacs']],
  ['bootstrap-token', ['bootstraptoken', 'bootstrap']],
  ['enrollment', ['enrollment', 'enrolment', 'mdm']],
  ['securetoken', ['sysadminctl', 'securetoken', 'secure-token']],
  ['crypto-users', ['listcryptousers', 'cryptousers', 'crypto-users', 'listusers', 'diskutil', 'apfs']],
  ['admins', ['groups-admin', 'groupmembership', 'admin']],
  ['user-record', ['dscl-read', 'authenticationauthority', 'generateduid', 'user-record']],
  ['users', ['dscl', 'uniqueid', 'users']],
  ['hardware', ['system-profiler', 'sphardwaredatatype', 'hardware', 'ioreg']],
  ['os', ['sw-vers', 'os-version', 'osversion']],
  ['console-user', ['console', 'stat']],
];

/** Lower case, every run of other characters a single '-': `/usr/bin/fdesetup status` -> `usr-bin-fdesetup-status`. */
export function normaliseSource(source: string): string {
  return source
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function probeOf(source: string): ProbeId {
  // An id, alone or followed by a qualifier (`sysadminctl:alice`, `dscl_user alice`).
  const id = /^[A-Za-z0-9_]+/.exec(source.trim())?.[0]?.toLowerCase();
  if (id !== undefined && Object.hasOwn(AGENT_PROBES, id)) return AGENT_PROBES[id] as ProbeId;
  const s = normaliseSource(source);
  for (const [probe, words] of RECOGNISERS) if (words.some((w) => s.includes(w))) return probe;
  return 'other';
}

/** The snapshot's errors that came from any of the given probes. */
export function errorsOf(snapshot: Snapshot, probes: readonly ProbeId[]): CollectionError[] {
  return snapshot.errors.filter((e) => probes.includes(probeOf(e.source)));
}

/**
 * Whether an error from a per-user probe is about this user: the agent writes `user NAME: ...`; other
 * sources qualify the id (`sysadminctl:NAME`) or name the user as a word of the message.
 */
export function errorNamesUser(error: CollectionError, user: string): boolean {
  if (error.message.startsWith(`user ${user}: `)) return true;
  const wanted = user.toLowerCase();
  const words = (text: string): string[] => text.toLowerCase().split(/[\s:/,;'"()[\]=]+/);
  return words(error.source).includes(wanted) || words(error.message).includes(wanted);
}

/** `source: message` entries for a reason, quoted as the agent reported them. */
export function quoteErrors(errors: readonly CollectionError[]): string {
  return errors.map((e) => `${e.source}: "${e.message}"`).join('; ');
}
