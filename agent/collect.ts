// (probes, run, stat, now) -> Snapshot. Runs every command of the table (agent/probes/index.ts) through
// the injected runner: independent commands concurrently, per-user commands after the user list with
// bounded concurrency, the console user's Platform SSO state once the console user and its uid are known,
// mdmclient at most once a day; and looks at the files of agent/probes/files.ts through the injected
// lstat. A total budget aborts whatever still runs.
// Every failure becomes an errors[] entry; unknown is never "no" (null + error); what does not apply
// is null and listed in notApplicable.
import { setMaxListeners } from 'node:events';
import type { Runner, RunOutcome, RunRequest } from './exec/types.ts';
import type { PathStatter } from './path-stat.ts';
import type {
  CollectionError,
  CryptoUser,
  FileVaultDeferral,
  PlatformSso,
  PrkEscrowFile,
  Snapshot,
  User,
} from './snapshot/schema.ts';
import { SNAPSHOT_SCHEMA } from './snapshot/schema.ts';
import { isPlatformSso } from './snapshot/compile.ts';
import type { ErrorSource, FileProbeId, ProbeId } from './snapshot/errors.ts';
import { COLLECTION, ERROR_SOURCES } from './snapshot/errors.ts';
import { LIMITS } from './snapshot/limits.ts';
import type { Probe, ProbeTarget } from './probes/index.ts';
import { NUMERIC_UID, PROBES, SHORT_NAME, requestFor } from './probes/index.ts';
import type { ParseResult, ProbeError } from './probes/result.ts';
import type { PathStat } from './probes/path-stat.ts';
import { excerpt } from './probes/excerpt.ts';
import type { DeviceInformation } from './probes/mdmclient.ts';
import type { Enrollment } from './probes/profiles-enrollment.ts';
import type { ConsoleUser } from './probes/console-user.ts';
import type { DirectoryUser } from './probes/dscl-users.ts';
import type { SwVers } from './probes/sw-vers.ts';
import { PRK_ESCROW_FILE, interpretPrkEscrowFile } from './probes/prk-escrow-file.ts';
import { deferralRecordPath, interpretDeferralRecord } from './probes/deferral-record.ts';
import { boundedMap } from './bounded-map.ts';
import type { UserFacts, VolumeOwnership } from './users.ts';
import { buildUser, countsAsUser, listedAsAdmin } from './users.ts';

/** The daily mdmclient answer, cached by the caller between collections. */
export interface BootstrapCheck {
  allowed: boolean | null;
  eacsPreflight: string | null;
  /** ISO 8601: when mdmclient answered. */
  checkedAt: string;
  /** Snapshot paths mdmclient did not report (e.g. bootstrapToken.eacsPreflight before macOS 13.3). */
  notApplicable: string[];
}

export interface CollectDeps {
  run: Runner;
  /** lstat of a Mac path (agent/path-stat.ts): the files of agent/probes/files.ts, never opened. */
  stat: PathStatter;
  now: () => Date;
  hostname: string;
  /** A new UUID (the snapshot id). */
  newId: () => string;
  agentVersion: string;
  excludeUsers: readonly string[];
  /** Total budget for one collection (default 30000 ms). */
  budgetMs?: number;
  /** What the last collection returned as bootstrapCheck (read from the cache; validated here). */
  previousBootstrapCheck?: unknown;
  /** Users whose commands run at the same time (default 4). */
  userConcurrency?: number;
  /** What the last collection returned as platformSso (read from the cache; validated here). */
  previousPlatformSso?: unknown;
}

export interface CollectResult {
  snapshot: Snapshot;
  /** The check to cache for next time: new when mdmclient answered, else the previous one; null: none. */
  bootstrapCheck: BootstrapCheck | null;
  /** The Platform SSO reading to cache (repeated while nobody is at the console); null: none to keep. */
  platformSso: PlatformSso | null;
}

export const DEFAULT_BUDGET_MS = 30_000;
export const DEFAULT_USER_CONCURRENCY = 4;
export const BOOTSTRAP_CHECK_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** How long collect() waits for a runner that ignores the abort before recording a timeout anyway. */
const ABORT_GRACE_MS = 2_000;

interface Context {
  run: Runner;
  signal: AbortSignal;
  budgetMs: number;
  errors: CollectionError[];
  notApplicable: Set<string>;
}

interface ProbeRun<T> {
  value: T | null;
  /** true when the command ran and its output parsed without an error (unrelated lines aside). */
  clean: boolean;
}

/** What an error says, before collect() adds the probe and the user. */
type Failure = Pick<CollectionError, 'kind' | 'message' | 'unrelated'>;

const ELLIPSIS = '...';

function addError(ctx: Context, probe: ErrorSource, failure: Failure, user?: string): void {
  const max = LIMITS['errors.message'];
  const { message } = failure;
  ctx.errors.push({
    probe,
    kind: failure.kind,
    ...(user === undefined ? {} : { user }),
    ...(failure.unrelated ? { unrelated: true as const } : {}),
    message: message.length > max ? `${message.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}` : message,
  });
}

/** Resolves as a timed-out outcome once the budget is gone and the grace period has passed. */
function abandonAfterAbort(signal: AbortSignal): { promise: Promise<RunOutcome>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    timer = setTimeout(() => resolve(ABANDONED), ABORT_GRACE_MS);
  };
  let resolve: (o: RunOutcome) => void = () => undefined;
  const promise = new Promise<RunOutcome>((r) => {
    resolve = r;
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return {
    promise,
    cancel: () => {
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
    },
  };
}

const ABANDONED: RunOutcome = {
  kind: 'timed-out',
  by: 'budget',
  exitedFirst: null,
  stdout: '',
  stderr: '',
  durationMs: 0,
};

/** What a run that did not end on its own means: its kind of error, and the sentence for people. */
function runFailure(
  ctx: Context,
  request: RunRequest,
  outcome: Exclude<RunOutcome, { kind: 'exited' }>,
): Failure {
  switch (outcome.kind) {
    case 'not-started':
      return {
        kind: 'not_started',
        message: outcome.budgetSpent
          ? budgetSpent(ctx)
          : `could not start ${request.command}: ${excerpt(outcome.reason)}`,
      };
    case 'timed-out': {
      const why =
        outcome.by === 'budget' || ctx.signal.aborted
          ? `timed out: the collection budget of ${ctx.budgetMs} ms ran out`
          : `timed out after ${request.timeoutMs} ms`;
      return {
        kind: 'timeout',
        message:
          outcome.exitedFirst === null
            ? why
            : `${why}: it exited (code ${outcome.exitedFirst}) but a process it started kept its output open`,
      };
    }
    case 'output-too-large':
      return {
        kind: 'output_too_large',
        message: `printed more than ${outcome.limit} characters: stopped, and its output was not read`,
      };
    case 'signalled':
      return { kind: 'signal', message: `killed by signal ${outcome.signal}` };
  }
}

const budgetSpent = (ctx: Context) => `not run: the collection budget of ${ctx.budgetMs} ms ran out`;

async function runProbe<T>(ctx: Context, probe: Probe<T>, target?: ProbeTarget): Promise<ProbeRun<T>> {
  const user = target?.name;
  const request = requestFor(probe as Probe<unknown>, target);
  const fail = (failure: Failure): ProbeRun<T> => {
    addError(ctx, probe.id, failure, user);
    return { value: null, clean: false };
  };
  if (ctx.signal.aborted) return fail({ kind: 'not_started', message: budgetSpent(ctx) });
  const guard = abandonAfterAbort(ctx.signal);
  let outcome: RunOutcome;
  try {
    outcome = await Promise.race([ctx.run(request, ctx.signal), guard.promise]);
  } catch (e) {
    // The runner never throws (agent/exec/run.ts); one that does gave no outcome: nothing ran for us.
    const message = `runner failed: ${excerpt(e instanceof Error ? e.message : String(e))}`;
    return fail({ kind: 'not_started', message });
  } finally {
    guard.cancel();
  }
  if (outcome.kind !== 'exited') return fail(runFailure(ctx, request, outcome));
  const parsed = probe.parse(outcome);
  for (const e of parsed.errors) addError(ctx, probe.id, e, user);
  const clean = parsed.value !== null && parsed.errors.every((e: ProbeError) => e.unrelated === true);
  return { value: parsed.value, clean };
}

/** Looks at one file of agent/probes/files.ts with lstat (never opened) and interprets what lstat said. */
async function lookAt<T>(
  ctx: Context,
  stat: PathStatter,
  probe: FileProbeId,
  path: string,
  interpret: (s: PathStat) => ParseResult<T>,
): Promise<T | null> {
  if (ctx.signal.aborted) {
    addError(ctx, probe, { kind: 'not_started', message: `not looked at: ${budgetSpent(ctx).slice(5)}` });
    return null;
  }
  let answer: PathStat;
  try {
    answer = await stat(path);
  } catch (e) {
    // agent/path-stat.ts never throws; one that does gave no answer.
    const message = `lstat failed: ${excerpt(e instanceof Error ? e.message : String(e))}`;
    addError(ctx, probe, { kind: 'not_started', message });
    return null;
  }
  const r = interpret(answer);
  for (const e of r.errors) addError(ctx, probe, e);
  return r.value;
}

/** A cached check is used only if it has the right shape (the cache is outside our control). */
export function validBootstrapCheck(v: unknown): BootstrapCheck | null {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const allowedOk = o['allowed'] === null || typeof o['allowed'] === 'boolean';
  const eacsOk = o['eacsPreflight'] === null || typeof o['eacsPreflight'] === 'string';
  const at = typeof o['checkedAt'] === 'string' ? Date.parse(o['checkedAt']) : NaN;
  const na = o['notApplicable'] === undefined ? [] : o['notApplicable'];
  const naOk = Array.isArray(na) && na.every((p) => typeof p === 'string');
  if (!allowedOk || !eacsOk || Number.isNaN(at) || !naOk) return null;
  return {
    allowed: o['allowed'] as boolean | null,
    eacsPreflight: o['eacsPreflight'] as string | null,
    checkedAt: new Date(at).toISOString(),
    notApplicable: na as string[],
  };
}

function checkFrom(info: DeviceInformation, at: Date): BootstrapCheck {
  const notApplicable: string[] = [];
  if (!info.allowedReported) notApplicable.push('bootstrapToken.allowed');
  if (!info.eacsReported) notApplicable.push('bootstrapToken.eacsPreflight');
  return {
    allowed: info.bootstrapTokenAllowed,
    eacsPreflight: info.eacsPreflight,
    checkedAt: at.toISOString(),
    notApplicable,
  };
}

interface MdmFacts {
  enrollment: Enrollment | null;
  /** The check whose values go into this snapshot (fresh, reused, or stale after a failed refresh). */
  check: BootstrapCheck | null;
  /** What to hand back for caching. */
  cache: BootstrapCheck | null;
}

/** profiles enrollment first; then mdmclient, unless not enrolled or the cached check is < 24 h old. */
async function mdmFacts(ctx: Context, deps: CollectDeps): Promise<MdmFacts> {
  const enrollment = (await runProbe(ctx, PROBES.profiles_enrollment)).value;
  if (enrollment?.enrolled === false) return { enrollment, check: null, cache: null };
  const previous = validBootstrapCheck(deps.previousBootstrapCheck ?? null);
  const age = previous ? deps.now().getTime() - Date.parse(previous.checkedAt) : Infinity;
  if (previous && age >= 0 && age < BOOTSTRAP_CHECK_MAX_AGE_MS)
    return { enrollment, check: previous, cache: previous };
  const info = await runProbe(ctx, PROBES.mdmclient);
  if (info.value === null) return { enrollment, check: previous, cache: previous };
  const fresh = checkFrom(info.value, deps.now());
  return { enrollment, check: fresh, cache: info.clean ? fresh : previous };
}

/** The deferral settings, with the enablement record at their OutputPath looked at (never opened). */
async function deferralFacts(ctx: Context, deps: CollectDeps): Promise<FileVaultDeferral | null> {
  const info = (await runProbe(ctx, PROBES.fdesetup_deferral)).value;
  if (info === null) return null;
  let users: string[] | null = null;
  if (info.users !== null) {
    const max = LIMITS['fileVault.deferral.users'];
    const fitting = info.users.filter((u) => u.length <= LIMITS['users.name']);
    if (fitting.length < info.users.length)
      addError(
        ctx,
        'fdesetup_deferral',
        overLimit(
          `${info.users.length - fitting.length} Usernames longer than ${LIMITS['users.name']} characters not reported`,
        ),
      );
    if (fitting.length > max)
      addError(
        ctx,
        'fdesetup_deferral',
        overLimit(`${fitting.length - max} Usernames not reported (limit ${max})`),
      );
    users = fitting.slice(0, max);
  }
  let recordPresent: boolean | null = null;
  if (info.outputPath === null) {
    ctx.notApplicable.add('fileVault.deferral.recordPresent');
  } else {
    const target = deferralRecordPath(info.outputPath);
    if ('error' in target) addError(ctx, 'deferral_record', target.error);
    else
      recordPresent = await lookAt(ctx, deps.stat, 'deferral_record', target.path, (st) =>
        interpretDeferralRecord(target.path, st),
      );
  }
  return {
    deferred: info.deferred,
    fromProfile: info.fromProfile,
    users,
    outputPath: fit(ctx, 'fdesetup_deferral', 'OutputPath', info.outputPath, 'fileVault.deferral.outputPath'),
    recordPresent,
  };
}

/** The major macOS version (26 of 26.4, 10 of 10.15.6), or null when unknown. */
function macosMajor(sw: SwVers | null): number | null {
  const m = /^(\d+)\./.exec(sw?.productVersion ?? '') ?? /^(\d+)$/.exec(sw?.productVersion ?? '');
  return m ? Number(m[1]) : null;
}

interface PlatformSsoFacts {
  value: PlatformSso | null;
  cache: PlatformSso | null;
}

/**
 * Platform SSO as the console user sees it (app-sso platform -s run through launchctl asuser and sudo -u,
 * so its User Configuration is that user's): macOS 13+ only. While nobody is at the console the last
 * reading is repeated, so that a login or a logout alone does not make a new snapshot.
 */
async function platformSsoFacts(
  ctx: Context,
  deps: CollectDeps,
  sw: SwVers | null,
  consoleUser: ConsoleUser | null,
  accounts: DirectoryUser[] | null,
): Promise<PlatformSsoFacts> {
  const previousValue = deps.previousPlatformSso ?? null;
  const previous = isPlatformSso(previousValue) ? (previousValue as PlatformSso) : null;
  const major = macosMajor(sw);
  if (major !== null && major < 13) {
    ctx.notApplicable.add('platformSso');
    return { value: null, cache: null };
  }
  // Who is at the console is unknown: console_user's error says why.
  if (consoleUser === null) return { value: null, cache: previous };
  const name = consoleUser.user;
  if (name === null) {
    if (previous) return { value: previous, cache: previous };
    ctx.notApplicable.add('platformSso.user');
    return { value: null, cache: null };
  }
  const notRun = (why: string, user?: string): PlatformSsoFacts => {
    addError(ctx, 'app_sso_platform', { kind: 'not_started', message: `not run: ${why}` }, user);
    return { value: null, cache: previous };
  };
  if (!SHORT_NAME.test(name))
    return notRun(`the console user's name is not a short name the agent passes to sudo (${excerpt(name)})`);
  const account = accounts?.find((a) => a.name === name);
  if (accounts === null) return notRun(`the user list failed, so the console user's uid is unknown`, name);
  if (!account)
    return notRun(
      `the console user is not a local account in dscl's user list (a network account?): no uid for launchctl asuser`,
      name,
    );
  if (!NUMERIC_UID.test(String(account.uid)))
    return notRun(`the console user's uid ${account.uid} is not one launchctl asuser takes`, name);
  const run = await runProbe(ctx, PROBES.app_sso_platform, { name, uid: account.uid });
  const sso = run.value;
  if (sso === null) return { value: null, cache: previous };
  const value: PlatformSso = {
    deviceConfigured: sso.deviceConfigured,
    deviceRegistered: sso.deviceRegistered,
    extensionIdentifier: fit(
      ctx,
      'app_sso_platform',
      'extensionIdentifier',
      sso.extensionIdentifier,
      'platformSso.extensionIdentifier',
      name,
    ),
    loginType: fit(ctx, 'app_sso_platform', 'loginType', sso.loginType, 'platformSso.loginType', name),
    user: {
      name,
      registered: sso.userRegistered,
      state: fit(ctx, 'app_sso_platform', 'the user state', sso.userState, 'platformSso.user.state', name),
    },
  };
  return { value, cache: run.clean ? value : previous };
}

/** A string that fits its contract field (its limit read from the schema), or null with an error. */
function fit(
  ctx: Context,
  probe: ProbeId,
  field: string,
  value: string | null | undefined,
  limit: keyof typeof LIMITS,
  user?: string,
): string | null {
  if (value === null || value === undefined) return null;
  const max = LIMITS[limit];
  if (value.length <= max) return value;
  addError(ctx, probe, overLimit(`${field} is longer than ${max} characters: not reported`), user);
  return null;
}

const overLimit = (message: string): Failure => ({ kind: 'over_limit', message });

export async function collect(deps: CollectDeps): Promise<CollectResult> {
  const budgetMs = deps.budgetMs ?? DEFAULT_BUDGET_MS;
  const controller = new AbortController();
  // Every running command listens to the budget signal (here and in the runner): no leak warning.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(), budgetMs);
  const ctx: Context = {
    run: deps.run,
    signal: controller.signal,
    budgetMs,
    errors: [],
    notApplicable: new Set(),
  };
  const collectedAt = deps.now();
  try {
    const userList = runProbe(ctx, PROBES.dscl_users);
    const swVers = runProbe(ctx, PROBES.sw_vers);
    const console = runProbe(ctx, PROBES.console_user);
    const usersBranch = async () => {
      const list = await userList;
      const accounts = (list.value ?? []).filter((u) => countsAsUser(u.name));
      return boundedMap(
        accounts,
        deps.userConcurrency ?? DEFAULT_USER_CONCURRENCY,
        async (account): Promise<UserFacts> => {
          const target = { name: account.name };
          const [record, token, membership] = await Promise.all([
            runProbe(ctx, PROBES.dscl_user, target),
            runProbe(ctx, PROBES.sysadminctl, target),
            runProbe(ctx, PROBES.dsmemberutil_admin, target),
          ]);
          return { account, record: record.value, token: token.value, adminMembership: membership.value };
        },
      );
    };
    const ssoBranch = (async () =>
      platformSsoFacts(ctx, deps, (await swVers).value, (await console).value, (await userList).value))();
    const [sw, hw, userFacts, admins, crypto, fvStatus, fvList, prk, irk, deferral, escrowFile, bt, mdm] =
      await Promise.all([
        swVers,
        runProbe(ctx, PROBES.system_profiler),
        usersBranch(),
        runProbe(ctx, PROBES.dscl_admins),
        runProbe(ctx, PROBES.diskutil_cryptousers),
        runProbe(ctx, PROBES.fdesetup_status),
        runProbe(ctx, PROBES.fdesetup_list),
        runProbe(ctx, PROBES.fdesetup_prk),
        runProbe(ctx, PROBES.fdesetup_irk),
        deferralFacts(ctx, deps),
        lookAt<PrkEscrowFile>(ctx, deps.stat, 'prk_escrow_file', PRK_ESCROW_FILE, interpretPrkEscrowFile),
        runProbe(ctx, PROBES.profiles_bootstrap),
        mdmFacts(ctx, deps),
      ]);
    const [consoleUser, platformSso] = await Promise.all([console, ssoBranch]);

    // Volume owners: reported on Apple silicon, not applicable on Intel, otherwise unknown.
    const appleSilicon = hw.value?.appleSilicon ?? null;
    let ownership: VolumeOwnership = 'unknown';
    if (
      crypto.value &&
      (crypto.value.volumeOwnerReported || (appleSilicon === true && crypto.value.users.length === 0))
    ) {
      ownership = 'reported';
    } else if (appleSilicon === false) {
      ownership = 'not-applicable';
      ctx.notApplicable.add('cryptoUsers.volumeOwner');
      ctx.notApplicable.add('users.volumeOwner');
    } else if (crypto.value) {
      addError(ctx, 'diskutil_cryptousers', {
        kind: 'missing_output',
        message:
          appleSilicon === true
            ? 'no "Volume Owner" lines on an Apple silicon Mac: volume owners unknown'
            : 'no "Volume Owner" lines and Apple silicon or Intel is unknown: volume owners unknown',
      });
    }

    const cryptoUsers: CryptoUser[] = [];
    for (const c of crypto.value?.users ?? []) {
      const uuid = fit(ctx, 'diskutil_cryptousers', 'crypto user UUID', c.uuid, 'cryptoUsers.uuid');
      if (uuid === null) continue;
      const type =
        fit(
          ctx,
          'diskutil_cryptousers',
          `type of crypto user ${excerpt(uuid)}`,
          c.type,
          'cryptoUsers.type',
        ) ?? '';
      cryptoUsers.push({
        uuid,
        type,
        kind: c.kind,
        volumeOwner: ownership === 'reported' ? c.volumeOwner : null,
      });
    }

    const shared = {
      admins: admins.value,
      crypto: crypto.value,
      fileVaultUsers: fvList.value,
      ownership,
      excludeUsers: deps.excludeUsers,
    };
    const users: User[] = [];
    for (const u of userFacts) {
      const name = u.account.name;
      if (name.length > LIMITS['users.name']) {
        const message = `a user name longer than ${LIMITS['users.name']} characters: not reported (${excerpt(name)})`;
        addError(ctx, 'dscl_users', overLimit(message));
        continue;
      }
      fit(ctx, 'dscl_user', 'GeneratedUID', u.record?.guid, 'users.guid', name);
      if (u.adminMembership?.member === false && listedAsAdmin(name, admins.value) === true) {
        const message =
          "the admin group's GroupMembership lists the user, but opendirectoryd says not a member: kept " +
          "dsmemberutil's answer (what the Mac enforces)";
        addError(ctx, 'dsmemberutil_admin', { kind: 'conflict', message }, name);
      }
      users.push(buildUser(u, shared, LIMITS['users.guid']));
    }

    const enrollment = mdm.enrollment;
    if (enrollment?.enrolled === false) {
      ctx.notApplicable.add('mdm.server');
      if (enrollment.userApproved === null) ctx.notApplicable.add('mdm.userApproved');
      ctx.notApplicable.add('bootstrapToken.allowed');
      ctx.notApplicable.add('bootstrapToken.eacsPreflight');
    }
    if (bt.value?.escrowedNotApplicable) ctx.notApplicable.add('bootstrapToken.escrowed');
    for (const path of mdm.check?.notApplicable ?? []) ctx.notApplicable.add(path);
    const listed = <T>(list: T[], probe: ProbeId, path: 'users' | 'cryptoUsers', what: string): T[] => {
      const max = LIMITS[path];
      if (list.length <= max) return list;
      addError(ctx, probe, overLimit(`${list.length - max} ${what} not reported (limit ${max})`));
      return list.slice(0, max);
    };

    const snapshot: Snapshot = {
      schema: SNAPSHOT_SCHEMA,
      id: deps.newId(),
      collectedAt: collectedAt.toISOString(),
      agent: { version: deps.agentVersion },
      device: {
        serial: fit(ctx, 'system_profiler', 'serial number', hw.value?.serial, 'device.serial'),
        hardwareUuid: fit(
          ctx,
          'system_profiler',
          'hardware UUID',
          hw.value?.hardwareUuid,
          'device.hardwareUuid',
        ),
        model: fit(ctx, 'system_profiler', 'model', hw.value?.model, 'device.model'),
        appleSilicon,
        osVersion: fit(ctx, 'sw_vers', 'ProductVersion', osVersion(sw.value), 'device.osVersion'),
        osBuild: fit(ctx, 'sw_vers', 'BuildVersion', sw.value?.buildVersion, 'device.osBuild'),
        // The host's own name (not a probe's output): shortened to fit rather than left out.
        hostname: deps.hostname === '' ? null : deps.hostname.slice(0, LIMITS['device.hostname']),
      },
      mdm: {
        enrolled: enrollment?.enrolled ?? null,
        userApproved: enrollment?.userApproved ?? null,
        dep: enrollment?.dep ?? null,
        server: fit(ctx, 'profiles_enrollment', 'MDM server', enrollment?.server, 'mdm.server'),
      },
      bootstrapToken: {
        supportedOnServer: bt.value?.supportedOnServer ?? null,
        escrowed: bt.value?.escrowed ?? null,
        allowed: mdm.check?.allowed ?? null,
        eacsPreflight: fit(
          ctx,
          'mdmclient',
          'EACSPreflight',
          mdm.check?.eacsPreflight,
          'bootstrapToken.eacsPreflight',
        ),
        checkedAt: mdm.check?.checkedAt ?? null,
      },
      fileVault: {
        state: fvStatus.value?.state ?? 'unknown',
        personalRecoveryKey: prk.value?.present ?? null,
        institutionalRecoveryKey: irk.value?.present ?? null,
        prkEscrowFile: escrowFile,
        deferral,
      },
      cryptoUsers: listed(cryptoUsers, 'diskutil_cryptousers', 'cryptoUsers', 'crypto users'),
      users: listed(users, 'dscl_users', 'users', 'users'),
      consoleUser: fit(ctx, 'console_user', 'console user', consoleUser.value?.user, 'consoleUser'),
      platformSso: platformSso.value,
      // Paths of our own making, far fewer than the limit.
      notApplicable: [...ctx.notApplicable].sort().slice(0, LIMITS.notApplicable),
      errors: [],
    };
    snapshot.errors = cappedErrors(ctx.errors);
    return { snapshot, bootstrapCheck: mdm.cache, platformSso: platformSso.cache };
  } finally {
    clearTimeout(timer);
  }
}

function osVersion(
  sw: { productVersion: string | null; productVersionExtra: string | null } | null,
): string | null {
  if (!sw?.productVersion) return null;
  return sw.productVersionExtra ? `${sw.productVersion} ${sw.productVersionExtra}` : sw.productVersion;
}

const RANK = new Map<string, number>(ERROR_SOURCES.map((p, i) => [p, i]));
const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Errors in table order, then by user, kind and message: the same failures give the same snapshot digest.
 * Past the contract's limit, the last entry counts the ones left out.
 */
function cappedErrors(unordered: CollectionError[]): CollectionError[] {
  const errors = [...unordered].sort(
    (a, b) =>
      (RANK.get(a.probe) ?? 0) - (RANK.get(b.probe) ?? 0) ||
      order(a.user ?? '', b.user ?? '') ||
      order(a.kind, b.kind) ||
      order(a.message, b.message),
  );
  const max = LIMITS.errors;
  if (errors.length <= max) return errors;
  const kept = errors.slice(0, max - 1);
  kept.push({
    probe: COLLECTION,
    kind: 'over_limit',
    message: `${errors.length - kept.length} more errors not reported (limit ${max})`,
  });
  return kept;
}
