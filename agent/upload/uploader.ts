// Sends what the outbox holds, in order, within a deadline; never throws for network trouble.
// Enrolls on first use. Every answer of the collector maps to one action on the queued item:
// sent, retry later (backoff + jitter, Retry-After honoured), or rejected (kept, never retried).
// A redirect or a 404 means ServerURL names the wrong place: a misconfiguration, the queue waits.
// The device token is replaced only by a successful enrollment: a 401 re-enrolls presenting it (the
// collector rotates a token it still knows), and a refused re-enrollment keeps it.
// Every request goes through the client, which checks the pins before writing a byte: the enroll secret
// and the token reach only the pinned server.
import type { Logger } from 'pino';
import type { Db } from '../cache/open.ts';
import {
  dueItems,
  enqueue,
  isQueued,
  markRejected,
  markRetry,
  markSent,
  postponeAll,
  queueHead,
} from '../cache/outbox.ts';
import type { OutboxItem } from '../cache/outbox.ts';
import { latestDigest, latestSnapshot } from '../cache/snapshots.ts';
import { deleteState, writeState } from '../cache/state.ts';
import { nextAttemptAt, parseRetryAfter } from './backoff.ts';
import { TransportError, TrustError } from './client.ts';
import type { Client, PostResult } from './client.ts';

export interface TokenStore {
  read(): string | null;
  write(token: string): void;
}

export interface UploadDeps {
  db: Db;
  client: Client;
  tokens: TokenStore;
  enrollSecret: string | null;
  now: () => Date;
  random: () => number;
  log: Logger;
  /** The upload's deadline (UploadTimeoutSeconds from its start): aborts the request in flight too. */
  signal: AbortSignal;
  maxQueuedSnapshots: number;
  /** Send everything queued now, ignoring backoff (`run --retry-now`, after an admin fixed the network). */
  ignoreBackoff?: boolean;
}

/** Items sent again at once after a lost connection, per drain (only once the collector has answered). */
const RETRIES_PER_DRAIN = 3;

/** Far enough in the future that every queued item is due. */
const END_OF_TIME = new Date('9999-12-31T23:59:59.999Z'); // ISO strings compare as text: keep 4 digits

export interface UploadReport {
  sent: number;
  rejected: number;
  enrolled: boolean;
  /** Why sending stopped before the queue was empty, or null. */
  stopped: string | null;
}

export const PATHS = {
  enroll: '/api/v1/enroll',
  snapshot: '/api/v1/snapshots',
  checkin: '/api/v1/checkins',
} as const;

function errorCode(res: PostResult): string {
  const b = res.body as { error?: unknown; message?: unknown } | null;
  return b && typeof b === 'object' && typeof b.error === 'string' ? b.error : `http_${res.status}`;
}

function describe(res: PostResult): string {
  const b = res.body as { error?: unknown; message?: unknown } | null;
  const message = b && typeof b === 'object' && typeof b.message === 'string' ? `: ${b.message}` : '';
  return `HTTP ${res.status} ${errorCode(res)}${message}`.slice(0, 500);
}

/** Why an answer to `path` says ServerURL names the wrong place (a redirect, a 404), or null. */
function misconfiguration(res: PostResult, path: string): string | null {
  if (res.status >= 300 && res.status < 400) {
    return `misconfiguration: the collector answered HTTP ${res.status} (a redirect${res.location ? ` to ${res.location.slice(0, 200)}` : ''}) to POST ${path}: ServerURL must name the collector itself, and redirects are not followed; queued items wait until ServerURL is corrected`;
  }
  if (res.status === 404) {
    return `misconfiguration: HTTP 404 for POST ${path}: ServerURL does not point at a tokenwatch collector (a wrong host, path or proxy route?); queued items wait until ServerURL is corrected`;
  }
  return null;
}

async function enroll(deps: UploadDeps, currentToken: string | null): Promise<string> {
  const snapshot = latestSnapshot(deps.db);
  const serial = snapshot?.device.serial ?? null;
  const hardwareUuid = snapshot?.device.hardwareUuid ?? null;
  if (!deps.enrollSecret) throw new Halt('not enrolled and no EnrollSecret is configured');
  if (!serial || !hardwareUuid)
    throw new Halt(
      'cannot enroll: the last collection did not establish the serial number and hardware UUID',
    );
  const res = await deps.client.post(
    PATHS.enroll,
    JSON.stringify({ enrollSecret: deps.enrollSecret, serial, hardwareUuid }),
    currentToken,
    deps.signal,
  );
  if (res.status === 200 || res.status === 201) {
    const token = (res.body as { deviceToken?: unknown } | null)?.deviceToken;
    if (typeof token !== 'string' || token.length < 16)
      throw new Halt('enrollment answered without a device token');
    deps.tokens.write(token);
    deps.log.info({ serial }, 'enrolled with the collector');
    return token;
  }
  const wrongPlace = misconfiguration(res, PATHS.enroll);
  if (wrongPlace) throw new Halt(wrongPlace, res, true);
  if (res.status === 409 && errorCode(res) === 'identity_conflict') {
    throw new Halt(
      `enrollment held (${describe(res)}): this Mac's serial or hardware UUID is enrolled on the collector with another identity (a replaced logic board, or another machine enrolled this serial first); snapshots stay queued until an admin resolves it on the collector (tokenwatch conflicts list, then tokenwatch conflicts resolve ID --keep claimant or existing)`,
      res,
    );
  }
  if (res.status === 409) {
    throw new Halt(
      currentToken === null
        ? `enrollment refused (${describe(res)}): this Mac is enrolled with a token this agent no longer has; an admin must revoke the device on the collector`
        : `the collector no longer accepts this Mac's device token and refused to re-enroll it (${describe(res)}): the token is kept; an admin must revoke the device on the collector so that it can enroll again`,
      res,
    );
  }
  if (res.status === 429 || res.status >= 500) throw new Halt(`enrollment failed: ${describe(res)}`, res);
  if (res.status === 401 || res.status === 403)
    throw new Halt(
      `enrollment refused (${describe(res)}): EnrollSecret is not the collector's enroll secret; set the collector's (its TOKENWATCH_ENROLL_SECRET) in the profile or the preferences; snapshots stay queued until then`,
      res,
    );
  throw new Halt(`enrollment refused: ${describe(res)}`, res);
}

/** Stops the drain: everything still queued waits for the next attempt. */
class Halt extends Error {
  readonly response: PostResult | null;
  readonly misconfigured: boolean;
  constructor(message: string, response: PostResult | null = null, misconfigured = false) {
    super(message);
    this.response = response;
    this.misconfigured = misconfigured;
  }
}

/** The state key of the last answer that showed a misconfiguration (`config` and `status` show it). */
export const MISCONFIGURATION_STATE = 'serverMisconfiguration';

export async function drainOutbox(deps: UploadDeps): Promise<UploadReport> {
  const report: UploadReport = { sent: 0, rejected: 0, enrolled: false, stopped: null };
  try {
    await send(deps, report);
  } catch (err) {
    const reason =
      err instanceof Halt
        ? err.message
        : err instanceof TrustError
          ? `collector not trusted: ${err.message}`
          : err instanceof TransportError
            ? `collector unreachable: ${err.message}`
            : null;
    if (reason === null) throw err;
    const now = deps.now();
    const retryAfter = err instanceof Halt ? (err.response?.retryAfter ?? null) : null;
    const attempts = queueHead(deps.db)?.attempts ?? 0;
    postponeAll(
      deps.db,
      reason,
      nextAttemptAt(now, attempts, deps.random(), parseRetryAfter(retryAfter, now)),
    );
    report.stopped = reason;
    if (err instanceof Halt && err.misconfigured)
      writeState(deps.db, MISCONFIGURATION_STATE, { at: now.toISOString(), error: reason });
  }
  // Every stop (unreachable, refused enrollment, busy, server error, deadline) is what `status` shows.
  if (report.stopped !== null) {
    writeState(deps.db, 'lastUploadError', { at: deps.now().toISOString(), error: report.stopped });
    deps.log.warn({ error: report.stopped }, 'upload stopped; queued items wait for the next run');
  }
  return report;
}

async function send(deps: UploadDeps, report: UploadReport): Promise<void> {
  const dueAt = () => (deps.ignoreBackoff ? END_OF_TIME : deps.now());
  let items = dueItems(deps.db, dueAt());
  if (items.length === 0) return;
  let token = deps.tokens.read();
  if (!token) {
    token = await enroll(deps, null);
    report.enrolled = true;
  }
  let reenrolled = false;
  let retries = 0;
  const post = (item: OutboxItem, t: string) =>
    deps.client.post(item.kind === 'snapshot' ? PATHS.snapshot : PATHS.checkin, item.body, t, deps.signal);
  while (items.length > 0) {
    for (const item of items) {
      if (deps.signal.aborted) {
        report.stopped = 'upload deadline reached; the rest stays queued';
        return;
      }
      let res: PostResult;
      try {
        res = await post(item, token);
      } catch (err) {
        // A connection lost while the collector has been answering in this drain (a dropped answer, a
        // proxy's hiccup) is tried again at once, a few times per drain: the collector keeps a receipt of
        // what it stored, so a repeat is answered, not stored twice. A collector that is down is not.
        const answering = report.sent > 0 && retries < RETRIES_PER_DRAIN && !deps.signal.aborted;
        if (!(err instanceof TransportError) || !answering) throw err;
        retries++;
        deps.log.warn(
          { error: err.message, kind: item.kind, id: item.itemId },
          'connection lost; sending again',
        );
        res = await post(item, token);
      }
      const outcome = handle(deps, item, res, report);
      if (outcome === 'reauth') {
        if (reenrolled) throw new Halt(`the collector refused a fresh device token: ${describe(res)}`, res);
        reenrolled = true;
        // The current token is presented and kept until the collector issued a new one.
        token = await enroll(deps, token);
        report.enrolled = true;
        break; // re-read the queue with the new token
      }
      if (outcome === 'stop') return;
    }
    items = dueItems(deps.db, dueAt());
  }
}

function handle(
  deps: UploadDeps,
  item: OutboxItem,
  res: PostResult,
  report: UploadReport,
): 'next' | 'stop' | 'reauth' {
  const now = deps.now();
  if (res.status >= 200 && res.status < 300) {
    // The collector answers: earlier failures say nothing about the next attempt any more.
    markSent(deps.db, item.seq, { resetAttempts: true });
    report.sent++;
    writeState(deps.db, 'lastUpload', { at: now.toISOString(), sent: report.sent });
    deleteState(deps.db, MISCONFIGURATION_STATE);
    return 'next';
  }
  if (res.status === 401) return 'reauth';
  // Failures counted before this drain's first delivery were reset by it (markSent).
  const attempts = report.sent > 0 ? 0 : item.attempts;
  const wrongPlace = misconfiguration(res, item.kind === 'snapshot' ? PATHS.snapshot : PATHS.checkin);
  if (wrongPlace) throw new Halt(wrongPlace, res, true);
  if (res.status === 409 && item.kind === 'checkin' && errorCode(res) === 'digest_unknown') {
    // The collector does not hold our current state: send the whole snapshot instead.
    markSent(deps.db, item.seq);
    const snapshot = latestSnapshot(deps.db);
    const digest = latestDigest(deps.db);
    if (snapshot && digest && !isQueued(deps.db, snapshot.id, 'snapshot')) {
      enqueue(
        deps.db,
        { kind: 'snapshot', itemId: snapshot.id, digest, body: JSON.stringify(snapshot) },
        now,
        deps.maxQueuedSnapshots,
      );
    }
    return 'next';
  }
  if (res.status === 429 || res.status === 503) {
    const reason = `collector busy: ${describe(res)}`;
    postponeAll(
      deps.db,
      reason,
      nextAttemptAt(now, attempts, deps.random(), parseRetryAfter(res.retryAfter, now)),
    );
    report.stopped = reason;
    return 'stop';
  }
  // 408: the collector (or a proxy) gave up waiting for the request: a slow network, not a bad body.
  if (res.status >= 500 || res.status === 0 || res.status === 408) {
    const reason = `collector error: ${describe(res)}`;
    markRetry(
      deps.db,
      item.seq,
      reason,
      nextAttemptAt(now, attempts, deps.random(), parseRetryAfter(res.retryAfter, now)),
    );
    report.stopped = reason;
    return 'stop';
  }
  // Any other 4xx: this body will never be accepted as it is. Keep it, stop retrying it, say why.
  const reason = `rejected: ${describe(res)}`;
  markRejected(deps.db, item.seq, reason, now);
  report.rejected++;
  deps.log.error({ kind: item.kind, id: item.itemId, error: reason }, 'the collector rejected a queued item');
  return 'next';
}
