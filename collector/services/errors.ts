// What a service refuses, as a typed value: the kind says what is wrong in the service's own words, the
// message says it to a person. The services know nothing of HTTP: http/errors.ts maps each kind to its
// catalogue code and status (one table, checked by the compiler to cover every kind); the CLI prints the
// message. Storage failures are not refusals: the store throws its own StoreBusyError (store/types.ts).
export const REFUSALS = [
  /** An instant an agent reported is no real instant (the message names its path). */
  'invalid_instant',
  /** An exemption's expiry is unreadable, not in the future, or too far ahead. */
  'invalid_expiry',
  /** A rule id this collector does not know. */
  'unknown_rule',
  /** A serial no device has enrolled with, where one is required (an exemption not marked pre-enrolled). */
  'unknown_device',
  /** A page cursor this read model did not hand out. */
  'invalid_cursor',
  /** A past instant the history cannot answer for (in the future, or before what retention kept). */
  'invalid_as_of',
  /** A snapshot names another device than the authenticated one. */
  'device_mismatch',
  /** A snapshot id accepted before with another body or from another device. */
  'snapshot_conflict',
  /** The authenticated device no longer exists (an admin replaced it). */
  'device_gone',
  /** A check-in whose digest is not the device's current one. */
  'digest_unknown',
  /** The enroll secret is wrong. */
  'enroll_secret_invalid',
  /** The device holds an active token the request did not present. */
  'device_enrolled',
  /** The claimed serial or hardware UUID is enrolled with another identity. */
  'identity_conflict',
  /** The identity conflict was resolved keeping the claimant; that is final. */
  'conflict_resolved',
  /** Too many failed attempts from this address: retry after retryAfterSeconds. */
  'rate_limited',
] as const;

export type RefusalKind = (typeof REFUSALS)[number];

export class Refusal extends Error {
  override name = 'Refusal';
  readonly kind: RefusalKind;
  /** For rate_limited: how long the caller waits before trying again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: RefusalKind, message: string, retryAfterSeconds?: number) {
    super(message);
    this.kind = kind;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
