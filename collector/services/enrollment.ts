// Enrollment: the enroll secret (readable by local users, in a profile) gets a Mac a per-device token, but it
// never lets anyone take over a device that holds an active token: that needs the token itself (rotation),
// an admin's revocation, or the device being silent past reenrollAfterSeconds. A device is its serial and
// hardware UUID together: a claim that meets an enrolled device by only one of them is an identity
// conflict (identity-conflicts.ts resolves them), never a takeover and never a silent refusal. Only the
// SHA-256 of a token is stored.
//
// The service writes the enrollment audit, for every way an attempt ends, and nothing else does. What
// matters is an event of its own (a token issued, rotated or re-issued, a revocation, a refusal of a
// client that showed the valid secret); repeats of the same refusal within an hour are counted into its
// row. Attempts that did not show the valid secret (wrong secret, invalid body, rate limited, aborted) are
// counted, one row per (outcome, address, hour), so a client without the secret writes a few rows an hour
// whatever it sends. The HTTP layer reports the failures the service never sees (a body that fails
// validation, a connection aborted mid-body) through refused(). Refusals are thrown as services/errors.ts's
// Refusal; the HTTP layer maps them to its catalogue.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EnrollmentAttempt, EnrollmentOutcome, Repos, Store } from '../store/types.ts';
import { Refusal } from './errors.ts';
import { identityConflictOpened } from './incidents.ts';

export const TOKEN_PREFIX = 'twd_';

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function newDeviceToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Constant-time equality of two secrets of any length (compares their SHA-256). */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

function hexEquals(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** Repeats are counted per hour: one row per key and hour. */
export const AUDIT_BUCKET_MS = 3_600_000;
const DETAIL_MAX = 500;
const ECHO_MAX = 64;

export interface EnrollRequest {
  enrollSecret: string;
  serial: string;
  hardwareUuid: string;
  /** The Bearer token presented with the request, if any (rotation). */
  presentedToken: string | null;
  remoteAddress: string | null;
}

/** Failed attempts per client address (http/rate-limit.ts's FailureLimiter). */
export interface AttemptLimiter {
  /** Seconds to wait, or 0 when the address may try. */
  retryAfter(address: string): number;
  fail(address: string): void;
}

export interface EnrollDeps {
  store: Store;
  enrollSecret: string;
  reenrollAfterSeconds: number;
  limiter: AttemptLimiter;
  newToken?: () => string;
  /** Every attempt's outcome, refused ones included (metrics). */
  onOutcome?: (outcome: EnrollmentOutcome) => void;
}

export interface Enrolled {
  deviceToken: string;
  outcome: EnrollmentOutcome;
  /** The token hash that stopped working (rotation/re-enrollment), for the auth cache. */
  replacedTokenHash: string | null;
}

/** A request the HTTP layer refused before or outside the service. */
export interface RefusedRequest {
  /** What was thrown: a refusal this service threw itself is already audited and is left alone. */
  thrown: unknown;
  /** The refusal as the client was told it (`code: message`), kept in the audit's detail. */
  reason: string;
  /** The server failed (a 5xx): not the client's doing, so neither counted nor held against its address. */
  serverFault: boolean;
  /** null when the client reset the connection before the server read its address. */
  remoteAddress: string | null;
  /** The client went away before its body was read (the connection was aborted or reset). */
  aborted: boolean;
  /** The parsed body, when there is one: its serial and hardware UUID are kept (as sent, shortened). */
  body: unknown;
}

type Decision = { ok: true; value: Enrolled } | { ok: false; error: Refusal; outcome: EnrollmentOutcome };

const bucket = (at: number) => at - (at % AUDIT_BUCKET_MS);
const echo = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, ECHO_MAX) : null);

export class EnrollmentService {
  readonly #deps: EnrollDeps;
  /** Errors this service raised and already audited: refused() leaves them alone. */
  readonly #audited = new WeakSet<Refusal>();

  constructor(deps: EnrollDeps) {
    this.#deps = deps;
  }

  /** Before the body is read: an address past its failure budget is refused (rate_limited) and counted. */
  async admit(remoteAddress: string | null, now: Date): Promise<void> {
    const wait = remoteAddress === null ? 0 : this.#deps.limiter.retryAfter(remoteAddress);
    if (wait <= 0) return;
    await this.#countUnauthenticated(this.#deps.store, {
      at: now.getTime(),
      serial: null,
      hardwareUuid: null,
      outcome: 'refused_rate_limited',
      remoteAddress,
      detail: null,
    });
    throw this.#own(new Refusal('rate_limited', 'too many failed enrollments from this address', wait));
  }

  /**
   * Report a request the service did not decide (invalid JSON or body, wrong media type, too large, or
   * aborted). Refusals the service raised itself are already audited; server failures are not the
   * client's and are neither counted nor held against its address.
   */
  async refused(req: RefusedRequest, now: Date): Promise<void> {
    if ((req.thrown instanceof Refusal && this.#audited.has(req.thrown)) || req.serverFault) return;
    if (req.remoteAddress !== null) this.#deps.limiter.fail(req.remoteAddress);
    const b = (req.body ?? {}) as { serial?: unknown; hardwareUuid?: unknown };
    await this.#countUnauthenticated(this.#deps.store, {
      at: now.getTime(),
      serial: req.aborted ? null : echo(b.serial),
      hardwareUuid: req.aborted ? null : echo(b.hardwareUuid),
      outcome: req.aborted ? 'refused_aborted' : 'refused_invalid',
      remoteAddress: req.remoteAddress,
      detail: req.aborted ? null : req.reason.slice(0, DETAIL_MAX),
    });
  }

  async enroll(req: EnrollRequest, now: Date): Promise<Enrolled> {
    const deps = this.#deps;
    const at = now.getTime();
    const hardwareUuid = req.hardwareUuid.toUpperCase();
    const audit = { at, serial: req.serial, hardwareUuid, remoteAddress: req.remoteAddress };
    if (deps.enrollSecret === '' || !secretEquals(req.enrollSecret, deps.enrollSecret)) {
      await this.#countUnauthenticated(deps.store, { ...audit, outcome: 'refused_secret', detail: null });
      throw this.#refuse(req, new Refusal('enroll_secret_invalid', 'the enroll secret is not valid'));
    }
    const token = (deps.newToken ?? newDeviceToken)();
    const tokenHash = hashToken(token);

    const decision = await deps.store.withTransaction(async (tx): Promise<Decision> => {
      const bySerial = await tx.devices.bySerial(req.serial);
      const byHw = await tx.devices.byHardwareUuid(hardwareUuid);
      // A device is its serial and hardware UUID together: anything but the exact pair of an enrolled
      // device, or no device at all, is an identity conflict an admin resolves.
      const existing = bySerial !== null && bySerial.id === byHw?.id ? bySerial : null;
      if (existing === null) {
        const refusal = await this.#conflict(
          tx,
          req.serial,
          hardwareUuid,
          bySerial?.id ?? null,
          byHw?.id ?? null,
          audit,
        );
        if (refusal !== null) return refusal;
        await tx.devices.create({
          serial: req.serial,
          hardwareUuid,
          tokenHash,
          at,
          remoteAddress: req.remoteAddress,
        });
        await tx.enrollments.record({ ...audit, outcome: 'issued', detail: null });
        return { ok: true, value: { deviceToken: token, outcome: 'issued', replacedTokenHash: null } };
      }
      let outcome: EnrollmentOutcome;
      const silentFor = at - existing.lastContact;
      if (
        existing.tokenHash !== null &&
        req.presentedToken !== null &&
        hexEquals(hashToken(req.presentedToken), existing.tokenHash)
      ) {
        outcome = 'rotated';
      } else if (existing.tokenHash === null) {
        // A record an admin kept for this identity (a resolved conflict) never had a token.
        outcome =
          existing.retired !== null
            ? 'reenrolled_retired'
            : existing.tokenIssuedAt === null
              ? 'issued'
              : 'reenrolled_revoked';
      } else if (silentFor > deps.reenrollAfterSeconds * 1000) {
        outcome = 'reenrolled_stale';
      } else {
        await this.#countRefusal(tx, {
          ...audit,
          outcome: 'refused_active',
          detail:
            req.presentedToken === null ? 'no token presented' : 'the presented token is not the active one',
        });
        return {
          ok: false,
          outcome: 'refused_active',
          error: new Refusal(
            'device_enrolled',
            `device ${existing.serial} has an active token: present it to rotate, or ask an admin to revoke the device`,
          ),
        };
      }
      await tx.devices.issueToken(existing.id, {
        serial: req.serial,
        hardwareUuid,
        tokenHash,
        at,
        remoteAddress: req.remoteAddress,
      });
      await tx.enrollments.record({ ...audit, outcome, detail: null });
      return { ok: true, value: { deviceToken: token, outcome, replacedTokenHash: existing.tokenHash } };
    });
    deps.onOutcome?.(decision.ok ? decision.value.outcome : decision.outcome);
    if (!decision.ok) throw this.#refuse(req, decision.error);
    return decision.value;
  }

  /**
   * The claim (serial, hardware UUID) is not an enrolled device. A conflict standing against it (open, or
   * resolved keeping the existing device) refuses it again; a claim that meets an enrolled device by one
   * half opens a conflict. null: no conflict, the claim is a new device.
   */
  async #conflict(
    tx: Repos,
    serial: string,
    hardwareUuid: string,
    serialHolderId: number | null,
    uuidHolderId: number | null,
    audit: Omit<EnrollmentAttempt, 'outcome' | 'detail'>,
  ): Promise<Decision | null> {
    const refusal = (id: number, message: string): Decision => ({
      ok: false,
      outcome: 'refused_conflict',
      error: new Refusal('identity_conflict', `identity conflict ${id}: ${message}`),
    });
    const standing = await tx.identityConflicts.standing(serial, hardwareUuid);
    if (standing !== null) {
      await tx.identityConflicts.attempt(standing.id, audit.at, audit.remoteAddress);
      const open = standing.resolvedAt === null;
      await this.#countRefusal(tx, {
        ...audit,
        outcome: 'refused_conflict',
        detail: `identity conflict ${standing.id} ${open ? 'is open' : 'was resolved keeping the existing device'}`,
      });
      return refusal(
        standing.id,
        open
          ? 'this serial or hardware UUID is enrolled with another identity; an admin must resolve it'
          : 'an admin kept the device enrolled with this serial or hardware UUID and refused this one',
      );
    }
    if (serialHolderId === null && uuidHolderId === null) return null;
    const c = await tx.identityConflicts.open({
      serial,
      hardwareUuid,
      at: audit.at,
      address: audit.remoteAddress,
      serialHolderId,
      uuidHolderId,
    });
    const met = [
      c.serialHolder && `serial enrolled with hardware UUID ${c.serialHolder.hardwareUuid}`,
      c.uuidHolder && `hardware UUID enrolled with serial ${c.uuidHolder.serial}`,
    ].filter((m) => m);
    await tx.enrollments.record({
      ...audit,
      outcome: 'refused_conflict',
      detail: `identity conflict ${c.id} opened: ${met.join('; ')}`,
    });
    // Admins hear about it: an incident whose event is written in this unit.
    await identityConflictOpened(tx, c, audit.at);
    return refusal(
      c.id,
      'this serial or hardware UUID is enrolled with another identity; an admin must resolve it',
    );
  }

  /** A refusal the service decided: held against the address, and not audited again by refused(). */
  #refuse(req: EnrollRequest, error: Refusal): Refusal {
    if (req.remoteAddress !== null) this.#deps.limiter.fail(req.remoteAddress);
    return this.#own(error);
  }

  #own(error: Refusal): Refusal {
    this.#audited.add(error);
    return error;
  }

  /** Attempts without the valid secret: one row per (outcome, address, hour). */
  async #countUnauthenticated(repos: Repos, e: EnrollmentAttempt): Promise<void> {
    const key = JSON.stringify([e.outcome, bucket(e.at), e.remoteAddress]);
    await repos.enrollments.tally(e, key, true);
    this.#deps.onOutcome?.(e.outcome);
  }

  /** A refusal of a client that showed the valid secret: repeats of it (same reason) within the hour share a row. */
  async #countRefusal(repos: Repos, e: EnrollmentAttempt): Promise<void> {
    const key = JSON.stringify([
      e.outcome,
      bucket(e.at),
      e.remoteAddress,
      e.serial,
      e.hardwareUuid,
      e.detail,
    ]);
    await repos.enrollments.tally(e, key, false);
  }
}

/** An admin revokes a device (in the caller's unit of work): its token stops working at once; it may enroll again. */
export async function revokeDevice(
  tx: Repos,
  serial: string,
  by: string,
  now: Date,
): Promise<{ revokedTokenHash: string | null } | null> {
  const d = await tx.devices.bySerial(serial);
  if (!d) return null;
  await tx.devices.revoke(d.id, now.getTime());
  await tx.enrollments.record({
    at: now.getTime(),
    serial: d.serial,
    hardwareUuid: d.hardwareUuid,
    outcome: 'revoked',
    remoteAddress: null,
    detail: `by ${by}`,
  });
  return { revokedTokenHash: d.tokenHash };
}
