// THE list of everything the agent runs (as root). One row per probe: id (the contract's probe id,
// agent/snapshot/errors.ts COMMAND_PROBE_IDS: the snapshot's errors[].probe), absolute path, arguments,
// timeout, parser. Nothing else in the agent starts a command, and agent/exec/run.ts runs only what a row
// here asks for. Placeholders in the arguments: NAME is the short name of a local user (dscl_user,
// sysadminctl, dsmemberutil_admin: run once per user that counts; app_sso_platform: the console user),
// UID the console user's numeric user id (app_sso_platform). The files the agent looks at without
// running anything are in files.ts.
import type { CommandOutput, ParseResult } from './result.ts';
import type { RunRequest } from '../exec/types.ts';
import type { CommandProbeId } from '../snapshot/errors.ts';
import { parseSwVers } from './sw-vers.ts';
import { parseHardware } from './hardware.ts';
import { parseDsclUsers } from './dscl-users.ts';
import { parseDsclAdmins } from './dscl-admins.ts';
import { parseDsclUser } from './dscl-user.ts';
import { parseSecureTokenStatus } from './sysadminctl.ts';
import { parseCheckMembership } from './dsmemberutil.ts';
import { parseCryptoUsers } from './crypto-users.ts';
import { parseFileVaultStatus } from './fdesetup-status.ts';
import { parseFdesetupList } from './fdesetup-list.ts';
import { parseHasInstitutionalRecoveryKey, parseHasPersonalRecoveryKey } from './fdesetup-recovery-key.ts';
import { parseDeferralInfo } from './fdesetup-deferral.ts';
import { parseBootstrapTokenStatus } from './profiles-bootstrap.ts';
import { parseEnrollment } from './profiles-enrollment.ts';
import { parseConsoleUser } from './console-user.ts';
import { parsePlatformSsoState } from './app-sso-platform.ts';
import { parseDeviceInformation } from './mdmclient.ts';

/** The placeholder for a user's short name in a probe's arguments. */
export const USER_PLACEHOLDER = 'NAME';
/** The placeholder for the console user's numeric id (launchctl asuser UID). */
export const UID_PLACEHOLDER = 'UID';

/**
 * A short name the agent hands to sudo -u and launchctl asuser: letters, digits, `_`, `.` and `-`, not
 * starting with `-` or `.` (macOS's own rule for account names). sudo reads `#123` as a user id and a
 * leading `-` could be taken for an option: such a name is never passed.
 */
export const SHORT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/;
/** A numeric user id as launchctl asuser takes it: digits only, no sign. */
export const NUMERIC_UID = /^[0-9]{1,10}$/;

/** Who a per-user or console-user probe runs for. */
export interface ProbeTarget {
  name: string;
  /** The numeric user id (console-user probes only). */
  uid?: number;
}

export interface Probe<T> {
  id: CommandProbeId;
  /** What the probe reads, for the README. */
  reads: string;
  command: string;
  args: readonly string[];
  timeoutMs: number;
  /**
   * 'once' per collection, 'per-user' (NAME replaced), 'daily' (result cached between runs),
   * 'console-user' (as the user at the console, NAME and UID replaced; only when someone is logged in).
   */
  schedule: 'once' | 'per-user' | 'daily' | 'console-user';
  parse: (out: CommandOutput) => ParseResult<T>;
}

function probe<T, I extends CommandProbeId>(p: Probe<T> & { id: I }): Probe<T> & { id: I } {
  return p;
}

const S = 1000;

export const PROBES = {
  sw_vers: probe({
    id: 'sw_vers',
    reads: 'macOS version and build',
    command: '/usr/bin/sw_vers',
    args: [],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseSwVers,
  }),
  system_profiler: probe({
    id: 'system_profiler',
    reads: 'serial, model, hardware UUID, Apple silicon or Intel',
    command: '/usr/sbin/system_profiler',
    args: ['SPHardwareDataType', '-json'],
    timeoutMs: 20 * S,
    schedule: 'once',
    parse: parseHardware,
  }),
  dscl_users: probe({
    id: 'dscl_users',
    reads: 'local users and their UIDs',
    command: '/usr/bin/dscl',
    args: ['.', '-list', '/Users', 'UniqueID'],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseDsclUsers,
  }),
  dscl_admins: probe({
    id: 'dscl_admins',
    reads: 'members of the admin group',
    command: '/usr/bin/dscl',
    args: ['.', '-read', '/Groups/admin', 'GroupMembership'],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseDsclAdmins,
  }),
  dscl_user: probe({
    id: 'dscl_user',
    reads: "a user's GeneratedUID, mobile and disabled flags, ;SecureToken; hint",
    command: '/usr/bin/dscl',
    args: ['.', '-read', `/Users/${USER_PLACEHOLDER}`, 'GeneratedUID', 'AuthenticationAuthority'],
    timeoutMs: 10 * S,
    schedule: 'per-user',
    parse: parseDsclUser,
  }),
  sysadminctl: probe({
    id: 'sysadminctl',
    reads: "a user's SecureToken (answer on stderr)",
    command: '/usr/sbin/sysadminctl',
    args: ['-secureTokenStatus', USER_PLACEHOLDER],
    timeoutMs: 10 * S,
    schedule: 'per-user',
    parse: parseSecureTokenStatus,
  }),
  dsmemberutil_admin: probe({
    id: 'dsmemberutil_admin',
    reads: 'whether a user is an administrator, nested and directory groups included',
    command: '/usr/bin/dsmemberutil',
    args: ['checkmembership', '-U', USER_PLACEHOLDER, '-G', 'admin'],
    timeoutMs: 10 * S,
    schedule: 'per-user',
    parse: parseCheckMembership,
  }),
  diskutil_cryptousers: probe({
    id: 'diskutil_cryptousers',
    reads: 'crypto users of the boot volume, their kinds and volume owners',
    command: '/usr/sbin/diskutil',
    args: ['apfs', 'listcryptousers', '/'],
    timeoutMs: 15 * S,
    schedule: 'once',
    parse: parseCryptoUsers,
  }),
  fdesetup_status: probe({
    id: 'fdesetup_status',
    reads: 'FileVault state',
    command: '/usr/bin/fdesetup',
    args: ['status'],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseFileVaultStatus,
  }),
  fdesetup_list: probe({
    id: 'fdesetup_list',
    reads: 'users enabled for FileVault',
    command: '/usr/bin/fdesetup',
    args: ['list'],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseFdesetupList,
  }),
  fdesetup_prk: probe({
    id: 'fdesetup_prk',
    reads: 'personal recovery key present',
    command: '/usr/bin/fdesetup',
    args: ['haspersonalrecoverykey'],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseHasPersonalRecoveryKey,
  }),
  fdesetup_irk: probe({
    id: 'fdesetup_irk',
    reads: 'institutional recovery key present',
    command: '/usr/bin/fdesetup',
    args: ['hasinstitutionalrecoverykey'],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseHasInstitutionalRecoveryKey,
  }),
  fdesetup_deferral: probe({
    id: 'fdesetup_deferral',
    reads: 'FileVault deferred enablement (who is asked at logout; set by a profile)',
    command: '/usr/bin/fdesetup',
    args: ['showdeferralinfo'],
    timeoutMs: 10 * S,
    schedule: 'once',
    parse: parseDeferralInfo,
  }),
  profiles_bootstrap: probe({
    id: 'profiles_bootstrap',
    reads: 'Bootstrap Token supported on server, escrowed',
    command: '/usr/bin/profiles',
    args: ['status', '-type', 'bootstraptoken'],
    timeoutMs: 15 * S,
    schedule: 'once',
    parse: parseBootstrapTokenStatus,
  }),
  profiles_enrollment: probe({
    id: 'profiles_enrollment',
    reads: 'MDM enrollment, DEP, user approval, server',
    command: '/usr/bin/profiles',
    args: ['status', '-type', 'enrollment'],
    timeoutMs: 15 * S,
    schedule: 'once',
    parse: parseEnrollment,
  }),
  console_user: probe({
    id: 'console_user',
    reads: 'user logged in at the console',
    command: '/usr/bin/stat',
    args: ['-f', '%Su', '/dev/console'],
    timeoutMs: 5 * S,
    schedule: 'once',
    parse: parseConsoleUser,
  }),
  app_sso_platform: probe({
    id: 'app_sso_platform',
    reads: "Platform SSO: device registration, the console user's registration (macOS 13+)",
    command: '/bin/launchctl',
    args: [
      'asuser',
      UID_PLACEHOLDER,
      '/usr/bin/sudo',
      '-u',
      USER_PLACEHOLDER,
      '/usr/bin/app-sso',
      'platform',
      '-s',
    ],
    timeoutMs: 15 * S,
    schedule: 'console-user',
    parse: parsePlatformSsoState,
  }),
  mdmclient: probe({
    id: 'mdmclient',
    reads: 'MDM option BootstrapTokenAllowed, EACSPreflight (at most once a day; slow)',
    command: '/usr/libexec/mdmclient',
    args: ['QueryDeviceInformation'],
    timeoutMs: 25 * S,
    schedule: 'daily',
    parse: parseDeviceInformation,
  }),
} as const satisfies { [K in CommandProbeId]: { id: K } };

/** Every probe, in table order. */
export const COMMAND_TABLE: readonly Probe<unknown>[] = Object.values(PROBES);

/** The run request for a probe; per-user probes need the user's short name, console-user probes its uid too. */
export function requestFor(p: Probe<unknown>, target?: ProbeTarget): RunRequest {
  const base = { command: p.command, timeoutMs: p.timeoutMs };
  switch (p.schedule) {
    case 'once':
    case 'daily':
      return { ...base, args: [...p.args] };
    case 'per-user': {
      if (target === undefined) throw new Error(`probe ${p.id} needs a user name`);
      return { ...base, args: p.args.map((a) => a.replace(USER_PLACEHOLDER, target.name)) };
    }
    case 'console-user': {
      const uid = target?.uid === undefined ? '' : String(target.uid);
      if (target === undefined || !SHORT_NAME.test(target.name) || !NUMERIC_UID.test(uid))
        throw new Error(`probe ${p.id} needs a short name and a numeric user id`);
      return {
        ...base,
        args: p.args.map((a) => (a === USER_PLACEHOLDER ? target.name : a === UID_PLACEHOLDER ? uid : a)),
      };
    }
  }
}

/** A per-user name (from the Mac's own user list): anything but empty or a path. */
const nameFits = (name: string) => name !== '' && !name.includes('/');

/** Whether `actual` is what the argument pattern `a` of probe `p` allows. */
function argumentMatches(p: Probe<unknown>, a: string, actual: string): boolean {
  if (p.schedule === 'console-user') {
    if (a === USER_PLACEHOLDER) return SHORT_NAME.test(actual);
    if (a === UID_PLACEHOLDER) return NUMERIC_UID.test(actual);
    return a === actual;
  }
  if (p.schedule !== 'per-user' || !a.includes(USER_PLACEHOLDER)) return a === actual;
  const [before = '', after = ''] = a.split(USER_PLACEHOLDER);
  const name = actual.slice(before.length, actual.length - after.length);
  return actual.startsWith(before) && actual.endsWith(after) && nameFits(name);
}

/** The probe a request belongs to (NAME and UID match what they may hold), or null: not a command we run. */
export function probeForRequest(command: string, args: readonly string[]): Probe<unknown> | null {
  for (const p of COMMAND_TABLE) {
    if (p.command !== command || p.args.length !== args.length) continue;
    if (p.args.every((a, i) => argumentMatches(p, a, args[i] ?? ''))) return p;
  }
  return null;
}

/** The command line as the README shows it: `/usr/sbin/diskutil apfs listcryptousers /`. */
export function commandLine(p: Probe<unknown>): string {
  return [p.command, ...p.args].join(' ');
}

/** Markdown rows of the command table (header included), for the README and its check. */
export function renderCommandTable(): string {
  const rows = COMMAND_TABLE.map(
    (p) => `| \`${p.id}\` | ${p.reads} | \`${commandLine(p)}\` | ${p.timeoutMs / S} s | ${p.schedule} |`,
  );
  return ['| probe | reads | command | timeout | runs |', '|---|---|---|---|---|', ...rows].join('\n');
}
