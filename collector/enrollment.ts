// Enrollment: the enroll secret (readable by local users, in a profile) gets a Mac a per-device token, but it
// never lets anyone take over a device that holds an active token: that needs the token itself (rotation),
// an admin's revocation, or the device being silent past reenrollAfterSeconds. Every attempt is audited.
// Only the SHA-256 of a token is stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EnrollmentOutcome, Repos, Store } from './store/types.ts';
import { ApiError } from './http/errors.ts';

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

export interface EnrollRequest {
  enrollSecret: string;
  serial: string;
  hardwareUuid: string;
  /** The Bearer token presented with the request, if any (rotation). */
  presentedToken: string | null;
  remoteAddress: string | null;
}

export interface EnrollDeps {
  store: Store;
  enrollSecret: string;
  reenrollAfterSeconds: number;
  newToken?: () => string;
}

export interface Enrolled {
  deviceToken: string;
  outcome: EnrollmentOutcome;
  /** The token hash that stopped working (rotation/re-enrollment), for the auth cache. */
  replacedTokenHash: string | null;
}

type Decision = { ok: true; value: Enrolled } | { ok: false; error: ApiError };

export async function enroll(deps: EnrollDeps, req: EnrollRequest, now: Date): Promise<Enrolled> {
  const at = now.getTime();
  const hardwareUuid = req.hardwareUuid.toUpperCase();
  const audit = { at, serial: req.serial, hardwareUuid, remoteAddress: req.remoteAddress };
  if (deps.enrollSecret === '' || !secretEquals(req.enrollSecret, deps.enrollSecret)) {
    await deps.store.enrollments.record({ ...audit, outcome: 'refused_secret', detail: null });
    throw new ApiError('enroll_secret_invalid', 'the enroll secret is not valid');
  }
  const token = (deps.newToken ?? newDeviceToken)();
  const tokenHash = hashToken(token);

  const decision = await deps.store.withTransaction(async (tx): Promise<Decision> => {
    const bySerial = await tx.devices.bySerial(req.serial);
    const byHw = await tx.devices.byHardwareUuid(hardwareUuid);
    if (bySerial && byHw && bySerial.id !== byHw.id) {
      await tx.enrollments.record({
        ...audit,
        outcome: 'refused_conflict',
        detail: `hardware UUID belongs to ${byHw.serial}`,
      });
      return {
        ok: false,
        error: new ApiError(
          'identity_conflict',
          `serial ${req.serial} and hardware UUID ${hardwareUuid} belong to two different enrolled devices`,
        ),
      };
    }
    const existing = bySerial ?? byHw;
    if (!existing) {
      await tx.devices.create({ serial: req.serial, hardwareUuid, tokenHash, at });
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
      outcome = 'reenrolled_revoked';
    } else if (silentFor > deps.reenrollAfterSeconds * 1000) {
      outcome = 'reenrolled_stale';
    } else {
      await tx.enrollments.record({
        ...audit,
        outcome: 'refused_active',
        detail:
          req.presentedToken === null ? 'no token presented' : 'the presented token is not the active one',
      });
      return {
        ok: false,
        error: new ApiError(
          'device_enrolled',
          `device ${existing.serial} has an active token: present it to rotate, or ask an admin to revoke the device`,
        ),
      };
    }
    await tx.devices.issueToken(existing.id, { serial: req.serial, hardwareUuid, tokenHash, at });
    await tx.enrollments.record({
      ...audit,
      outcome,
      detail: existing.serial !== req.serial ? `serial was ${existing.serial}` : null,
    });
    return { ok: true, value: { deviceToken: token, outcome, replacedTokenHash: existing.tokenHash } };
  });
  if (!decision.ok) throw decision.error;
  return decision.value;
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
