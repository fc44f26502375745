// Retiring a device: a Mac that left the fleet (sold, lost, wiped for good, replaced). From then on it is in
// no count, list, summary or report of the fleet, so a Mac that is gone no longer stays noncompliant (stale)
// forever; its record, history, findings and enrollment audit stay for audit, and it is shown on request.
// Its token is revoked at once: a retired Mac cannot upload. Enrolling again with the same serial and
// hardware UUID (a Mac that came back) issues a new token and un-retires it (enrollment.ts).
import type { Repos } from '../store/types.ts';

export interface RetireRequest {
  /** Who retires it (the admin, or the tool that did). */
  by: string;
  /** Why: what happened to the Mac (kept for audit). */
  reason: string;
}

export interface Retired {
  /** The token that stopped working (forget it in any cache), or null when it had none. */
  revokedTokenHash: string | null;
  /** It was retired before: nothing changed (its first retirement stays). */
  already: boolean;
}

/** Retire the device with this serial in the caller's unit of work; null when there is none. */
export async function retireDevice(
  tx: Repos,
  serial: string,
  r: RetireRequest,
  now: Date,
): Promise<Retired | null> {
  const d = await tx.devices.bySerial(serial);
  if (!d) return null;
  if (d.retired !== null) return { revokedTokenHash: null, already: true };
  const at = now.getTime();
  await tx.devices.retire(d.id, { at, by: r.by, reason: r.reason });
  await tx.enrollments.record({
    at,
    serial: d.serial,
    hardwareUuid: d.hardwareUuid,
    outcome: 'retired',
    remoteAddress: null,
    detail: `by ${r.by}: ${r.reason}`,
  });
  return { revokedTokenHash: d.tokenHash, already: false };
}
