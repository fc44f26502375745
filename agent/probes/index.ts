// THE list of everything the agent runs (as root). One row per probe: id (the contract's probe id,
// agent/snapshot/errors.ts PROBE_IDS: the snapshot's errors[].probe), absolute path, arguments, timeout,
// parser. Nothing else in the agent starts a command, and agent/exec/run.ts runs only what a row here
// asks for. NAME in the arguments is the short name of a local user (dscl_user, sysadminctl: run once per
// user that counts).
import type { CommandOutput, ParseResult } from './result.ts';
import type { RunRequest } from '../exec/types.ts';
import type { ProbeId } from '../snapshot/errors.ts';
import { parseSwVers } from './sw-vers.ts';
import { parseHardware } from './hardware.ts';
import { parseDsclUsers } from './dscl-users.ts';
import { parseDsclAdmins } from './dscl-admins.ts';
import { parseDsclUser } from './dscl-user.ts';
import { parseSecureTokenStatus } from './sysadminctl.ts';
import { parseCryptoUsers } from './crypto-users.ts';
import { parseFileVaultStatus } from './fdesetup-status.ts';
import { parseFdesetupList } from './fdesetup-list.ts';
import { parseHasInstitutionalRecoveryKey, parseHasPersonalRecoveryKey } from './fdesetup-recovery-key.ts';
import { parseBootstrapTokenStatus } from './profiles-bootstrap.ts';
import { parseEnrollment } from './profiles-enrollment.ts';
import { parseConsoleUser } from './console-user.ts';
import { parseDeviceInformation } from './mdmclient.ts';

/** The placeholder in a per-user probe's arguments. */
export const USER_PLACEHOLDER = 'NAME';

export interface Probe<T> {
  id: ProbeId;
  /** What the probe reads, for the README. */
  reads: string;
  command: string;
  args: readonly string[];
  timeoutMs: number;
  /** 'once' per collection, 'per-user' (NAME replaced), 'daily' (result cached between runs). */
  schedule: 'once' | 'per-user' | 'daily';
  parse: (out: CommandOutput) => ParseResult<T>;
}

function probe<T, I extends ProbeId>(p: Probe<T> & { id: I }): Probe<T> & { id: I } {
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
  mdmclient: probe({
    id: 'mdmclient',
    reads: 'MDM option BootstrapTokenAllowed, EACSPreflight (at most once a day; slow)',
    command: '/usr/libexec/mdmclient',
    args: ['QueryDeviceInformation'],
    timeoutMs: 25 * S,
    schedule: 'daily',
    parse: parseDeviceInformation,
  }),
} as const satisfies { [K in ProbeId]: { id: K } };

/** Every probe, in table order. */
export const COMMAND_TABLE: readonly Probe<unknown>[] = Object.values(PROBES);

/** The run request for a probe; per-user probes need the user's short name. */
export function requestFor(p: Probe<unknown>, user?: string): RunRequest {
  if (p.schedule === 'per-user') {
    if (user === undefined) throw new Error(`probe ${p.id} needs a user name`);
    return {
      command: p.command,
      args: p.args.map((a) => a.replace(USER_PLACEHOLDER, user)),
      timeoutMs: p.timeoutMs,
    };
  }
  return { command: p.command, args: [...p.args], timeoutMs: p.timeoutMs };
}

/** The probe a request belongs to (NAME matches any one argument), or null: not a command we run. */
export function probeForRequest(command: string, args: readonly string[]): Probe<unknown> | null {
  for (const p of COMMAND_TABLE) {
    if (p.command !== command || p.args.length !== args.length) continue;
    const ok = p.args.every((a, i) => {
      const actual = args[i] ?? '';
      if (!a.includes(USER_PLACEHOLDER)) return a === actual;
      const [before = '', after = ''] = a.split(USER_PLACEHOLDER);
      const name = actual.slice(before.length, actual.length - after.length);
      return actual.startsWith(before) && actual.endsWith(after) && name !== '' && !name.includes('/');
    });
    if (ok) return p;
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
