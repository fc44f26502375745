// The vocabulary of a snapshot's errors[] entries (schema.ts CollectionError): which probe an error is
// about and what kind of failure it is, as data the collector reads without looking at the words of the
// message. README.md in this folder says how a kind or a probe is added once agents are deployed.
/**
 * Every probe of the agent, one name each: the `probe` of its errors, and what the collector's rules
 * name as their inputs. First the commands, each a row of the command table (agent/probes/index.ts,
 * which must list exactly these, in this order); then the files the agent looks at with lstat and
 * never opens (agent/probes/files.ts, the same).
 */
export const COMMAND_PROBE_IDS = [
  'sw_vers',
  'system_profiler',
  'dscl_users',
  'dscl_admins',
  'dscl_user',
  'sysadminctl',
  'dsmemberutil_admin',
  'diskutil_cryptousers',
  'fdesetup_status',
  'fdesetup_list',
  'fdesetup_prk',
  'fdesetup_irk',
  'fdesetup_deferral',
  'profiles_bootstrap',
  'profiles_enrollment',
  'console_user',
  'app_sso_platform',
  'mdmclient',
] as const;
export const FILE_PROBE_IDS = ['prk_escrow_file', 'deferral_record'] as const;
export const PROBE_IDS = [...COMMAND_PROBE_IDS, ...FILE_PROBE_IDS] as const;
export type CommandProbeId = (typeof COMMAND_PROBE_IDS)[number];
export type FileProbeId = (typeof FILE_PROBE_IDS)[number];
export type ProbeId = (typeof PROBE_IDS)[number];

/** The `probe` of an error about the collection as a whole, not one probe (the error list's own limit). */
export const COLLECTION = 'collection';
export const ERROR_SOURCES = [...PROBE_IDS, COLLECTION] as const;
export type ErrorSource = (typeof ERROR_SOURCES)[number];

/**
 * Every kind of error, and what it means. The first five are how a command run ends without an answer
 * (agent/exec/types.ts RunOutcome); the others are what a parser or the contract found in an answer.
 */
export const ERROR_KINDS = {
  exit: 'the command ended with an exit code that is not an answer (its first line of output is quoted)',
  timeout:
    "the command was killed at its own timeout, or when the collection's budget (CollectTimeoutSeconds) ran out",
  signal: 'the command was killed by a signal the agent did not send',
  output_too_large: 'the command printed more than the agent reads: it was killed and its output not parsed',
  not_started:
    "no process ran: the executable is missing or cannot run, or the collection's budget was already spent",
  tool_error:
    "the tool printed one of its own error answers (dscl's `DS Error: -14136 (eDSRecordNotFound)`, " +
    "sysadminctl's `Unknown user`), or the system refused to look at a file (lstat's EACCES): no answer",
  unrecognised_output:
    'a line or document the parser does not recognise (quoted, secrets redacted). With `unrelated`, it ' +
    'stood beside an answer read in full and changed nothing; without, the value it may carry is unknown',
  missing_output:
    'what carries a value was not printed (no output, no status line, a key this macOS does not print): the value is unknown',
  conflict:
    'the output contradicts itself (On and Off, two different answers, a count that does not match the list): the value ' +
    'is unknown; or two probes disagree (dsmemberutil and the admin group list): the message says which answer was kept',
  over_limit:
    'a value or a list is longer than this contract allows: the value is not reported (null), or the rest of the list is left out',
} as const;
export type ErrorKind = keyof typeof ERROR_KINDS;

/** Who an error is about, for people: `sysadminctl (user alice)`, `fdesetup_prk (unrelated)`. */
export function errorSubject(e: { probe: string; user?: string; unrelated?: true }): string {
  const notes = [e.user === undefined ? null : `user ${e.user}`, e.unrelated ? 'unrelated' : null];
  const said = notes.filter((n) => n !== null);
  return said.length === 0 ? e.probe : `${e.probe} (${said.join(', ')})`;
}

/** The error kinds as a Markdown table (header included), for agent/snapshot/README.md and its check. */
export function renderErrorKindTable(): string {
  const rows = Object.entries(ERROR_KINDS).map(([kind, meaning]) => `| \`${kind}\` | ${meaning} |`);
  return ['| kind | meaning |', '|---|---|', ...rows].join('\n');
}
