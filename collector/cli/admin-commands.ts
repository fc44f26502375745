// `tokenwatch devices list|show|revoke|retire` and `tokenwatch exempt add|list|remove`: each works on the
// database file (--db FILE) or through a running collector's admin API (--server URL with
// TOKENWATCH_ADMIN_TOKEN), with the same options and the same output (admin-actions.ts). What is printed
// comes partly from agents and admins (hostnames, reasons): every line goes through terminal-text.ts.
import { RULE_IDS } from '../rules/index.ts';
import type { DeviceStatus, RuleId } from '../rules/index.ts';
import type { LoadedConfig } from '../config.ts';
import type { Clock } from '../clock.ts';
import { ruleConfig } from '../services/evaluation.ts';
import { printable, terminalJson } from '../services/terminal-text.ts';
import type { DeviceDetail, DeviceView, ExemptionView, FindingView } from '../services/views.ts';
import type { RetiredFilter, StoreOptions, Store } from '../store/types.ts';
import { databaseName } from '../store/open.ts';
import type { StoreSettings } from '../store/open.ts';
import type { AdminActions } from './admin-actions.ts';
import { LOCAL_ACTOR, localAdmin } from './admin-local.ts';
import { isLoopback, RemoteAdminError, remoteAdmin, serverUrl } from './admin-remote.ts';

type Option = { type: 'string' | 'boolean' };
/** cli.ts's parser: the settings (flags, environment, --config) plus the command's own options. */
export type ParseCommand = (
  argv: string[],
  extra: Record<string, Option>,
) => { values: Record<string, string | boolean | undefined>; positionals: string[]; loaded: LoadedConfig };

export interface AdminCommandDeps {
  parse: ParseCommand;
  /** store/open.ts's openConfiguredStore: PostgreSQL when databaseUrl is set, else the SQLite file db. */
  openStore(settings: StoreSettings, options: StoreOptions): Store | null;
  clock: Clock;
  out(text: string): void;
  err(text: string): void;
}

export const ADMIN_USAGE = `  tokenwatch devices list (--db FILE | --server URL) [--status S] [--rule ID] [--retired include|only] [--limit N] [--json]
  tokenwatch devices show (--db FILE | --server URL) SERIAL [--json]   state, findings (exempted ones with their exemption), history
  tokenwatch devices revoke (--db FILE | --server URL) SERIAL          its token stops working; the Mac may enroll again
  tokenwatch devices retire (--db FILE | --server URL) SERIAL --reason TEXT [--by NAME]
                                                     a Mac that left the fleet: out of every count and report, history kept;
                                                     enrolling again un-retires it
  tokenwatch exempt add (--db FILE | --server URL) (--serial S [--pre-enrolled] | --all-devices) [--rule ID] [--user NAME] --reason TEXT --by NAME [--expires ISO|30d]
  tokenwatch exempt list (--db FILE | --server URL) [--serial S]
  tokenwatch exempt remove (--db FILE | --server URL) ID
    --server URL: a running collector's admin API; the token comes from TOKENWATCH_ADMIN_TOKEN
    --db FILE: the collector's SQLite database; on PostgreSQL --database-url URL (or TOKENWATCH_DATABASE_URL) in its place`;

const TARGET_OPTIONS: Record<string, Option> = { server: { type: 'string' } };

/** A usage mistake: said on stderr, exit 2. */
class UsageError extends Error {}

const str = (v: string | boolean | undefined): string | null => (typeof v === 'string' ? v : null);

/** The actions for --db FILE or --server URL (exactly one). */
function openTarget(
  command: string,
  values: Record<string, string | boolean | undefined>,
  loaded: LoadedConfig,
  deps: AdminCommandDeps,
): AdminActions {
  const server = str(values['server']);
  const { db, databaseUrl } = loaded.config;
  // TOKENWATCH_DB or TOKENWATCH_DATABASE_URL in the environment (a server's own) gives way to --server; a
  // --db or --database-url typed with it does not.
  const flagGiven = (key: 'db' | 'databaseUrl') =>
    loaded.settings.find((s) => s.key === key)?.source.startsWith('flag:') === true;
  if (server !== null && (flagGiven('db') || flagGiven('databaseUrl')))
    throw new UsageError(
      `tokenwatch ${command}: give --db FILE (or --database-url URL) or --server URL, not both`,
    );
  if (server !== null) {
    const url = serverUrl(server);
    if (typeof url === 'string') throw new UsageError(`tokenwatch ${command}: ${url}`);
    if (loaded.config.adminToken === '')
      throw new UsageError(
        `tokenwatch ${command}: --server needs the admin token in TOKENWATCH_ADMIN_TOKEN (the collector's own)`,
      );
    if (url.protocol === 'http:' && !isLoopback(url))
      deps.err(
        `tokenwatch ${command}: warning: ${url.origin} is plain http: the admin token travels in clear\n`,
      );
    return remoteAdmin(url, loaded.config.adminToken);
  }
  const store = deps.openStore(loaded.config, { auditMaxRows: loaded.config.auditMaxRows, mustExist: true });
  if (store === null)
    throw new UsageError(
      `tokenwatch ${command}: give --db FILE (or TOKENWATCH_DB), --database-url URL (or TOKENWATCH_DATABASE_URL) or --server URL (with TOKENWATCH_ADMIN_TOKEN)`,
    );
  return localAdmin(store, ruleConfig(loaded.config), deps.clock, databaseName({ db, databaseUrl }));
}

const STATUSES: readonly DeviceStatus[] = ['compliant', 'noncompliant', 'unknown'];
const RETIRED: readonly RetiredFilter[] = ['exclude', 'include', 'only'];

function ruleOption(command: string, v: string | null): RuleId | null {
  if (v === null) return null;
  if (!(RULE_IDS as readonly string[]).includes(v))
    throw new UsageError(`tokenwatch ${command}: unknown rule "${v}" (rules: ${RULE_IDS.join(', ')})`);
  return v as RuleId;
}

/** A finding's line; an exempted one names its exemption (reason, author, expiry). */
export function findingLine(f: FindingView): string {
  const who = f.user === null ? '' : ` (${f.user})`;
  const since = f.state === 'pending' ? `pending until ${f.pendingUntil}` : `since ${f.firstSeen}`;
  const exemption =
    f.exemption === null
      ? ''
      : `; exempted by ${f.exemption.createdBy} until ${f.exemption.expiresAt ?? 'never'}: ${f.exemption.reason}`;
  return printable(`${f.state.padEnd(8)} ${f.rule}${who}: ${f.reason} (${since})${exemption}`);
}

function deviceLine(d: DeviceView): string {
  const failing = d.findings.filter((f) => f.state !== 'exempted').map((f) => f.rule);
  const exempted = d.findings.filter((f) => f.state === 'exempted').length;
  return printable(
    [
      d.serial,
      d.status.padEnd(12),
      d.hostname ?? '-',
      d.osVersion ?? '-',
      `last seen ${d.lastSeen ?? 'never'}`,
      failing.length > 0 ? [...new Set(failing)].join(',') : '-',
      ...(exempted > 0 ? [`${exempted} exempted`] : []),
      ...(d.retired ? [`RETIRED ${d.retired.at} by ${d.retired.by}: ${d.retired.reason}`] : []),
    ].join('  '),
  );
}

function deviceText(d: DeviceDetail): string {
  const lines = [
    `serial        ${d.serial}`,
    `status        ${d.status}${d.identityConflict ? ' (an open identity conflict claims it)' : ''}`,
    `hardware UUID ${d.hardwareUuid}`,
    `hostname      ${d.hostname ?? '-'}`,
    `model         ${d.model ?? '-'}`,
    `macOS         ${d.osVersion ?? '-'}${d.osBuild ? ` (${d.osBuild})` : ''}`,
    `console user  ${d.consoleUser ?? '-'}`,
    `agent         ${d.agentVersion ?? '-'}`,
    `enrolled      ${d.enrolledAt}`,
    `last seen     ${d.lastSeen ?? 'never'}`,
    ...(d.revokedAt ? [`token revoked ${d.revokedAt}`] : []),
    ...(d.retired ? [`retired       ${d.retired.at} by ${d.retired.by}: ${d.retired.reason}`] : []),
    d.findings.length === 0 ? 'findings      none' : 'findings',
    ...d.findings.map((f) => `  ${findingLine(f)}`),
    ...(d.unconfirmedFindings.length > 0
      ? [
          `unconfirmed (a rule answered unknown since)`,
          ...d.unconfirmedFindings.map((f) => `  ${findingLine(f)}`),
        ]
      : []),
    ...(d.problems.length > 0 ? ['problems', ...d.problems.map((p) => `  ${p}`)] : []),
    `history       ${d.history.length} change${d.history.length === 1 ? '' : 's'} shown${d.history[0] ? `, latest ${d.history[0].receivedAt}` : ''}`,
  ];
  return lines.map(printable).join('\n');
}

function exemptionLine(e: ExemptionView): string {
  const expires = e.expiresAt ?? (e.problem !== null ? 'UNREADABLE' : 'never');
  const state = e.problem !== null ? 'broken' : e.active ? 'active' : 'expired';
  return printable(
    `${e.id}  ${e.serial ?? '(all devices)'}  ${e.rule ?? '(all rules)'}  ${e.user ?? '(all users)'}  ${state}  expires ${expires}  by ${e.createdBy}: ${e.reason}`,
  );
}

async function devices(argv: string[], deps: AdminCommandDeps): Promise<number> {
  const [action, ...rest] = argv;
  const command = `devices ${action ?? ''}`.trim();
  const { values, positionals, loaded } = deps.parse(rest, {
    ...TARGET_OPTIONS,
    status: { type: 'string' },
    rule: { type: 'string' },
    retired: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    reason: { type: 'string' },
    by: { type: 'string' },
  });
  if (!['list', 'show', 'revoke', 'retire'].includes(action ?? ''))
    throw new UsageError(`tokenwatch devices: unknown action "${action ?? ''}" (list, show, revoke, retire)`);
  const serial = positionals[0];
  if (action !== 'list' && serial === undefined)
    throw new UsageError(`tokenwatch ${command}: give the device's serial`);
  const status = str(values['status']);
  if (status !== null && !(STATUSES as readonly string[]).includes(status))
    throw new UsageError(`tokenwatch ${command}: --status must be one of ${STATUSES.join(', ')}`);
  const retired = str(values['retired']);
  if (retired !== null && !(RETIRED as readonly string[]).includes(retired))
    throw new UsageError(`tokenwatch ${command}: --retired must be one of ${RETIRED.join(', ')}`);
  const limitText = str(values['limit']);
  const limit = limitText === null ? Number.POSITIVE_INFINITY : Number(limitText);
  if (limitText !== null && !(Number.isSafeInteger(limit) && limit >= 1))
    throw new UsageError(`tokenwatch ${command}: --limit must be a whole number from 1`);
  const reason = str(values['reason']);
  if (action === 'retire' && (reason === null || reason.trim() === ''))
    throw new UsageError(`tokenwatch ${command}: --reason TEXT is required (what happened to the Mac)`);
  const rule = ruleOption(command, str(values['rule']));
  const json = values['json'] === true;

  const admin = openTarget(command, values, loaded, deps);
  try {
    if (action === 'list') {
      const shown: DeviceView[] = [];
      let cursor: string | null = null;
      // Every page, up to --limit devices.
      do {
        const page = await admin.listDevices({
          ...(status !== null ? { status: status as DeviceStatus } : {}),
          ...(rule !== null ? { rule } : {}),
          ...(retired !== null ? { retired: retired as RetiredFilter } : {}),
          ...(cursor !== null ? { cursor } : {}),
          limit: Math.min(1000, limit - shown.length),
        });
        shown.push(...page.devices);
        cursor = page.nextCursor;
      } while (cursor !== null && shown.length < limit);
      if (json) deps.out(`${terminalJson(shown)}\n`);
      else if (shown.length === 0) deps.out('no devices\n');
      else for (const d of shown) deps.out(`${deviceLine(d)}\n`);
      return 0;
    }
    const s = serial as string;
    let detail: DeviceDetail | null;
    if (action === 'show') detail = await admin.device(s);
    else if (action === 'revoke') detail = await admin.revoke(s);
    else {
      const by =
        str(values['by']) ?? (admin.target.startsWith('http') ? 'tokenwatch CLI (admin API)' : LOCAL_ACTOR);
      const before = await admin.device(s);
      detail = await admin.retire(s, { by, reason: reason as string });
      if (detail && before?.retired)
        deps.err(
          printable(
            `tokenwatch ${command}: ${s} was already retired (${before.retired.at} by ${before.retired.by}); nothing changed`,
          ) + '\n',
        );
    }
    if (detail === null) {
      deps.err(printable(`tokenwatch ${command}: no device with serial ${s} (${admin.target})`) + '\n');
      return 1;
    }
    if (json) deps.out(`${terminalJson(detail)}\n`);
    else if (action === 'show') deps.out(`${deviceText(detail)}\n`);
    else {
      const stops = admin.remote
        ? 'its token stops working now'
        : 'a running collector refuses its token within a minute';
      deps.out(
        printable(
          action === 'revoke'
            ? `revoked the token of ${detail.serial}: ${stops}; the Mac may enroll again`
            : `retired ${detail.serial}: out of the fleet's counts and reports, its history kept; ${stops}; enrolling again brings it back`,
        ) + '\n',
      );
    }
    return 0;
  } finally {
    await admin.close();
  }
}

async function exempt(argv: string[], deps: AdminCommandDeps): Promise<number> {
  const [action, ...rest] = argv;
  const command = `exempt ${action ?? ''}`.trim();
  const { values, positionals, loaded } = deps.parse(rest, {
    ...TARGET_OPTIONS,
    serial: { type: 'string' },
    'all-devices': { type: 'boolean' },
    'pre-enrolled': { type: 'boolean' },
    rule: { type: 'string' },
    user: { type: 'string' },
    reason: { type: 'string' },
    by: { type: 'string' },
    expires: { type: 'string' },
  });
  if (!['add', 'list', 'remove'].includes(action ?? ''))
    throw new UsageError(`tokenwatch exempt: unknown action "${action ?? ''}" (add, list, remove)`);
  const serial = str(values['serial']);
  let request = null;
  if (action === 'add') {
    if ((serial === null) === (values['all-devices'] !== true))
      throw new UsageError('tokenwatch exempt add: give exactly one of --serial S or --all-devices');
    if (values['pre-enrolled'] === true && serial === null)
      throw new UsageError('tokenwatch exempt add: --pre-enrolled goes with --serial S');
    const rule = ruleOption(command, str(values['rule']));
    const reason = str(values['reason']);
    const by = str(values['by']);
    if (reason === null || by === null)
      throw new UsageError('tokenwatch exempt add: --reason TEXT and --by NAME are required');
    request = {
      serial,
      rule,
      user: str(values['user']),
      reason,
      createdBy: by,
      expires: str(values['expires']),
      preEnrolled: values['pre-enrolled'] === true,
    };
  }
  const id = positionals[0];
  if (action === 'remove' && id === undefined)
    throw new UsageError('tokenwatch exempt remove: give the exemption id');

  const admin = openTarget(command, values, loaded, deps);
  try {
    if (request !== null) {
      const e = await admin.addExemption(request);
      deps.out(`${e.id}\n`);
      if (e.preEnrolled)
        deps.err(
          printable(
            `tokenwatch exempt add: ${e.serial ?? ''} has not enrolled yet: the exemption waits for it (pre-enrolled)`,
          ) + '\n',
        );
      return 0;
    }
    if (action === 'list') {
      const list = await admin.exemptions(serial ?? undefined);
      for (const e of list) {
        deps.out(`${exemptionLine(e)}\n`);
        if (e.problem !== null) deps.err(printable(`tokenwatch exempt list: ${e.problem}`) + '\n');
      }
      if (list.length === 0) deps.out('no exemptions\n');
      return 0;
    }
    const removed = await admin.removeExemption(id as string);
    if (removed === null) {
      deps.err(printable(`tokenwatch exempt remove: no exemption ${id as string}`) + '\n');
      return 1;
    }
    deps.out(printable(`removed ${removed.id}`) + '\n');
    return 0;
  } finally {
    await admin.close();
  }
}

/** Run `devices` or `exempt`; a usage mistake is one line on stderr and exit 2. */
export async function adminCommand(
  command: 'devices' | 'exempt',
  argv: string[],
  deps: AdminCommandDeps,
): Promise<number> {
  try {
    return await (command === 'devices' ? devices(argv, deps) : exempt(argv, deps));
  } catch (e) {
    if (e instanceof UsageError) {
      deps.err(`${e.message}\n`);
      return 2;
    }
    if (e instanceof RemoteAdminError) {
      // A refusal of the request is said, and exits, as on the --db path (cli.ts: a Refusal, exit 2).
      const refused = e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 429;
      deps.err(printable(`tokenwatch ${command}: ${e.message}`) + '\n');
      return refused ? 2 : 1;
    }
    throw e;
  }
}
