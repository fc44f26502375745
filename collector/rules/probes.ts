// Which agent probe produced a snapshot error, so a rule can tell that its input is missing.
// The agent names each error by its probe id (`errors[].source`, agent/probes/index.ts). The rules do not
// import the agent's command table (collector/** imports only the snapshot contract), so they recognise a
// source by the command or state it names: `profiles-status-bootstraptoken`, `sysadminctl:alice`,
// `/usr/bin/fdesetup haspersonalrecoverykey` all classify. First match wins, most specific first.
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
  const s = normaliseSource(source);
  for (const [probe, words] of RECOGNISERS) if (words.some((w) => s.includes(w))) return probe;
  return 'other';
}

/** The snapshot's errors that came from any of the given probes. */
export function errorsOf(snapshot: Snapshot, probes: readonly ProbeId[]): CollectionError[] {
  return snapshot.errors.filter((e) => probes.includes(probeOf(e.source)));
}

/** Whether an error from a per-user probe is about this user (its source or message names them). */
export function errorNamesUser(error: CollectionError, user: string): boolean {
  const wanted = user.toLowerCase();
  const words = (text: string): string[] => text.toLowerCase().split(/[\s:/,;'"()[\]=]+/);
  return words(error.source).includes(wanted) || words(error.message).includes(wanted);
}

/** `source: message` entries for a reason, quoted as the agent reported them. */
export function quoteErrors(errors: readonly CollectionError[]): string {
  return errors.map((e) => `${e.source}: "${e.message}"`).join('; ');
}

/**
 * A field as the rules trust it: null when its probe reported an error (the value may be partial), so
 * that "inputs missing" has one meaning everywhere: the field is null, or its probe failed.
 */
export function trusted<T>(snapshot: Snapshot, probe: ProbeId, value: T | null): T | null {
  return errorsOf(snapshot, [probe]).length > 0 ? null : value;
}
