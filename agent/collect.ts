// (probes, run, now) -> Snapshot. Runs every command of the table (agent/probes/index.ts) through the
// injected runner: independent commands concurrently, per-user commands after the user list with
// bounded concurrency, mdmclient at most once a day. A total budget aborts whatever still runs.
// Every failure becomes an errors[] entry; unknown is never "no" (null + error); what does not apply
// is null and listed in notApplicable.
import { setMaxListeners } from 'node:events';
import type { Runner, RunOutcome, RunRequest } from './exec/types.ts';
import type { CollectionError, CryptoUser, Snapshot, User } from './snapshot/schema.ts';
import { SNAPSHOT_SCHEMA } from './snapshot/schema.ts';
import type { Probe } from './probes/index.ts';
import { PROBES, requestFor } from './probes/index.ts';
import { excerpt } from './probes/output-lines.ts';
import type { DeviceInformation } from './probes/mdmclient.ts';
import type { Enrollment } from './probes/profiles-enrollment.ts';
import { boundedMap } from './bounded-map.ts';
import type { UserFacts, VolumeOwnership } from './users.ts';
import { buildUser, countsAsUser } from './users.ts';

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
}

export interface CollectResult {
  snapshot: Snapshot;
  /** The check to cache for next time: new when mdmclient answered, else the previous one; null: none. */
  bootstrapCheck: BootstrapCheck | null;
}

export const DEFAULT_BUDGET_MS = 30_000;
export const DEFAULT_USER_CONCURRENCY = 4;
export const BOOTSTRAP_CHECK_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** How long collect() waits for a runner that ignores the abort before recording a timeout anyway. */
const ABORT_GRACE_MS = 2_000;
const MAX_ERRORS = 500;
const MAX_MESSAGE = 2_000;

interface Context {
  run: Runner;
  signal: AbortSignal;
  budgetMs: number;
  errors: CollectionError[];
  notApplicable: Set<string>;
}

interface ProbeRun<T> {
  value: T | null;
  /** true when the command ran and its output parsed without a single error. */
  clean: boolean;
}

function addError(ctx: Context, source: string, message: string): void {
  ctx.errors.push({
    source,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}...` : message,
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

/** Why a run that did not end on its own gave nothing to parse, as an error message. */
function runFailure(
  ctx: Context,
  request: RunRequest,
  outcome: Exclude<RunOutcome, { kind: 'exited' }>,
): string {
  switch (outcome.kind) {
    case 'not-started':
      return outcome.budgetSpent
        ? `not run: the collection budget of ${ctx.budgetMs} ms ran out`
        : `could not start ${request.command}: ${excerpt(outcome.reason)}`;
    case 'timed-out': {
      const why =
        outcome.by === 'budget' || ctx.signal.aborted
          ? `timed out: the collection budget of ${ctx.budgetMs} ms ran out`
          : `timed out after ${request.timeoutMs} ms`;
      return outcome.exitedFirst === null
        ? why
        : `${why}: it exited (code ${outcome.exitedFirst}) but a process it started kept its output open`;
    }
    case 'output-too-large':
      return `printed more than ${outcome.limit} characters: stopped, and its output was not read`;
    case 'signalled':
      return `killed by signal ${outcome.signal}`;
  }
}

async function runProbe<T>(ctx: Context, probe: Probe<T>, user?: string): Promise<ProbeRun<T>> {
  const who = user === undefined ? '' : `user ${user}: `;
  const request = requestFor(probe as Probe<unknown>, user);
  const fail = (message: string): ProbeRun<T> => {
    addError(ctx, probe.id, `${who}${message}`);
    return { value: null, clean: false };
  };
  if (ctx.signal.aborted) return fail(`not run: the collection budget of ${ctx.budgetMs} ms ran out`);
  const guard = abandonAfterAbort(ctx.signal);
  let outcome: RunOutcome;
  try {
    outcome = await Promise.race([ctx.run(request, ctx.signal), guard.promise]);
  } catch (e) {
    return fail(`runner failed: ${excerpt(e instanceof Error ? e.message : String(e))}`);
  } finally {
    guard.cancel();
  }
  if (outcome.kind !== 'exited') return fail(runFailure(ctx, request, outcome));
  const parsed = probe.parse(outcome);
  for (const e of parsed.errors) addError(ctx, probe.id, `${who}${e}`);
  return { value: parsed.value, clean: parsed.errors.length === 0 && parsed.value !== null };
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

/** A string that fits its contract field, or null with an error saying why. */
function fit(
  ctx: Context,
  source: string,
  field: string,
  value: string | null | undefined,
  max: number,
): string | null {
  if (value === null || value === undefined) return null;
  if (value.length <= max) return value;
  addError(ctx, source, `${field} is longer than ${max} characters: not reported`);
  return null;
}

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
    const usersBranch = async () => {
      const list = await runProbe(ctx, PROBES.dscl_users);
      const accounts = (list.value ?? []).filter((u) => countsAsUser(u.name));
      return boundedMap(
        accounts,
        deps.userConcurrency ?? DEFAULT_USER_CONCURRENCY,
        async (account): Promise<UserFacts> => {
          const [record, token] = await Promise.all([
            runProbe(ctx, PROBES.dscl_user, account.name),
            runProbe(ctx, PROBES.sysadminctl, account.name),
          ]);
          return { account, record: record.value, token: token.value };
        },
      );
    };
    const [sw, hw, userFacts, admins, crypto, fvStatus, fvList, prk, irk, bt, mdm, consoleUser] =
      await Promise.all([
        runProbe(ctx, PROBES.sw_vers),
        runProbe(ctx, PROBES.system_profiler),
        usersBranch(),
        runProbe(ctx, PROBES.dscl_admins),
        runProbe(ctx, PROBES.diskutil_cryptousers),
        runProbe(ctx, PROBES.fdesetup_status),
        runProbe(ctx, PROBES.fdesetup_list),
        runProbe(ctx, PROBES.fdesetup_prk),
        runProbe(ctx, PROBES.fdesetup_irk),
        runProbe(ctx, PROBES.profiles_bootstrap),
        mdmFacts(ctx, deps),
        runProbe(ctx, PROBES.console_user),
      ]);

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
      addError(
        ctx,
        PROBES.diskutil_cryptousers.id,
        appleSilicon === true
          ? 'no "Volume Owner" lines on an Apple silicon Mac: volume owners unknown'
          : 'no "Volume Owner" lines and Apple silicon or Intel is unknown: volume owners unknown',
      );
    }

    const cryptoUsers: CryptoUser[] = [];
    for (const c of crypto.value?.users ?? []) {
      const uuid = fit(ctx, PROBES.diskutil_cryptousers.id, 'crypto user UUID', c.uuid, 64);
      if (uuid === null) continue;
      const type =
        fit(ctx, PROBES.diskutil_cryptousers.id, `type of crypto user ${excerpt(uuid)}`, c.type, 128) ?? '';
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
      if (u.account.name.length > 255) {
        addError(
          ctx,
          PROBES.dscl_users.id,
          `a user name longer than 255 characters: not reported (${excerpt(u.account.name)})`,
        );
        continue;
      }
      if (u.record?.guid && u.record.guid.length > 64) {
        addError(
          ctx,
          PROBES.dscl_user.id,
          `user ${u.account.name}: GeneratedUID longer than 64 characters: not reported`,
        );
      }
      users.push(buildUser(u, shared, 64));
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
    const MDMCLIENT = PROBES.mdmclient.id;

    const snapshot: Snapshot = {
      schema: SNAPSHOT_SCHEMA,
      id: deps.newId(),
      collectedAt: collectedAt.toISOString(),
      agent: { version: deps.agentVersion },
      device: {
        serial: fit(ctx, PROBES.system_profiler.id, 'serial number', hw.value?.serial, 64),
        hardwareUuid: fit(ctx, PROBES.system_profiler.id, 'hardware UUID', hw.value?.hardwareUuid, 64),
        model: fit(ctx, PROBES.system_profiler.id, 'model', hw.value?.model, 128),
        appleSilicon,
        osVersion: fit(ctx, PROBES.sw_vers.id, 'ProductVersion', osVersion(sw.value), 32),
        osBuild: fit(ctx, PROBES.sw_vers.id, 'BuildVersion', sw.value?.buildVersion, 32),
        hostname: deps.hostname === '' ? null : deps.hostname.slice(0, 255),
      },
      mdm: {
        enrolled: enrollment?.enrolled ?? null,
        userApproved: enrollment?.userApproved ?? null,
        dep: enrollment?.dep ?? null,
        server: fit(ctx, PROBES.profiles_enrollment.id, 'MDM server', enrollment?.server, 2048),
      },
      bootstrapToken: {
        supportedOnServer: bt.value?.supportedOnServer ?? null,
        escrowed: bt.value?.escrowed ?? null,
        allowed: mdm.check?.allowed ?? null,
        eacsPreflight: fit(ctx, MDMCLIENT, 'EACSPreflight', mdm.check?.eacsPreflight, 256),
        checkedAt: mdm.check?.checkedAt ?? null,
      },
      fileVault: {
        state: fvStatus.value?.state ?? 'unknown',
        personalRecoveryKey: prk.value?.present ?? null,
        institutionalRecoveryKey: irk.value?.present ?? null,
      },
      cryptoUsers: cryptoUsers.slice(0, 1000),
      users: users.slice(0, 5000),
      consoleUser: fit(ctx, PROBES.console_user.id, 'console user', consoleUser.value?.user, 255),
      notApplicable: [...ctx.notApplicable].sort().slice(0, 200),
      errors: cappedErrors(ctx.errors),
    };
    if (cryptoUsers.length > 1000)
      snapshot.errors.push({
        source: PROBES.diskutil_cryptousers.id,
        message: `${cryptoUsers.length - 1000} crypto users not reported (limit 1000)`,
      });
    if (users.length > 5000)
      snapshot.errors.push({
        source: PROBES.dscl_users.id,
        message: `${users.length - 5000} users not reported (limit 5000)`,
      });
    return { snapshot, bootstrapCheck: mdm.cache };
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

const SOURCE_ORDER: readonly string[] = Object.keys(PROBES);

/** Errors in table order, then by message: the same failures give the same snapshot digest. */
function cappedErrors(unordered: CollectionError[]): CollectionError[] {
  const rank = (s: string) => (SOURCE_ORDER.includes(s) ? SOURCE_ORDER.indexOf(s) : SOURCE_ORDER.length);
  const errors = [...unordered].sort(
    (a, b) => rank(a.source) - rank(b.source) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  if (errors.length <= MAX_ERRORS - 2) return errors;
  const kept = errors.slice(0, MAX_ERRORS - 3);
  kept.push({
    source: 'collect',
    message: `${errors.length - kept.length} more errors not reported (limit ${MAX_ERRORS})`,
  });
  return kept;
}
