// The storage contract of alerting and scheduled jobs (re-exported by types.ts): incidents, the outbox of
// events, their deliveries per channel with every attempt, the channels' state, and the jobs' leases. Like
// every store interface, backend-free: SQLite implements it (store/sqlite/alerts-*.ts); a PostgreSQL backend
// claims with FOR UPDATE SKIP LOCKED and leases jobs the same way, and passes the same conformance suite.
import type { Millis } from '../rules/types.ts';

export type IncidentState = 'open' | 'exempted' | 'resolved';

/** One incident per (device, rule, user): the same row is reopened (its episode counted) when it fails again. */
export interface IncidentRecord {
  /** Stable: PagerDuty's dedup_key and the stem of every event id of the incident. */
  id: string;
  serial: string;
  /** A rule id, or 'identity-conflict'. */
  rule: string;
  user: string | null;
  state: IncidentState;
  /** 1, plus one per reopening. */
  episode: number;
  severity: string;
  /** The finding's firstSeen: failing since. */
  failingSince: Millis;
  /** Start of this episode (opened or reopened). */
  openedAt: Millis;
  firstOpenedAt: Millis;
  changedAt: Millis;
  resolvedAt: Millis | null;
  reason: string;
  /** What else the incident refers to (an identity conflict's id). */
  ref: string | null;
}

/**
 * A second incident that is not resolved for the same (serial, rule, user): the store refuses it (a database
 * constraint, not a convention) and nothing of the unit is written.
 */
export class IncidentConflictError extends Error {
  override name = 'IncidentConflictError';
}

export interface IncidentFilter {
  serial?: string;
  /** 'unresolved': open or exempted. */
  state?: IncidentState | 'unresolved';
  rule?: string;
  /** Ordered by id; the next page starts after this id. */
  after?: string;
  limit: number;
}

export interface IncidentStore {
  /** Every incident of a device (at most one unresolved per rule and user), in no particular order. */
  forSerial(serial: string): Promise<IncidentRecord[]>;
  get(id: string): Promise<IncidentRecord | null>;
  /** Throws IncidentConflictError when an unresolved incident of its (serial, rule, user) exists. */
  insert(i: IncidentRecord): Promise<void>;
  /** Write an incident's changing fields (by id); the same constraint as insert. */
  update(i: IncidentRecord): Promise<void>;
  list(f: IncidentFilter): Promise<IncidentRecord[]>;
  countUnresolved(): Promise<{ open: number; exempted: number }>;
  /** Open incidents whose episode started, or whose last reminder on `channel` was sent, at or before `cutoff`. */
  dueReminders(channel: string, cutoff: Millis, limit: number): Promise<IncidentRecord[]>;
  /** A reminder of the incident's current episode went to `channel` at `at`; the count of that episode. */
  reminded(incidentId: string, channel: string, episode: number, at: Millis): Promise<number>;
}

export interface NewAlertEvent {
  /** Stable: the receivers' idempotency key (webhook-id); appending an id twice writes it once. */
  id: string;
  type: string;
  at: Millis;
  incidentId: string | null;
  serial: string | null;
  rule: string | null;
  severity: string | null;
  /** null: every channel whose routing takes it; otherwise that channel only. */
  channel: string | null;
  /** The event as channels render it (JSON text). */
  body: string;
}

export interface AlertEventRecord extends NewAlertEvent {
  /** Order of writing: an incident's events are delivered in this order on each channel. */
  seq: number;
  routedAt: Millis | null;
}

export interface AlertEventFilter {
  serial?: string;
  incidentId?: string;
  type?: string;
  channel?: string;
  since?: Millis;
  until?: Millis;
  /** Newest first; the next page starts below this seq. */
  before?: number;
  limit: number;
}

export interface NewDelivery {
  eventSeq: number;
  channel: string;
  incidentId: string | null;
  nextAt: Millis;
  createdAt: Millis;
}

export interface AlertEventStore {
  /** Append to the outbox; false (nothing written) when an event with that id exists. */
  append(e: NewAlertEvent): Promise<boolean>;
  get(id: string): Promise<AlertEventRecord | null>;
  /** Events not fanned out yet, oldest first. */
  unrouted(limit: number): Promise<AlertEventRecord[]>;
  /** Fan out: insert the deliveries (one per event and channel; an existing one is kept) and mark the events routed. */
  route(seqs: number[], deliveries: NewDelivery[], at: Millis): Promise<void>;
  /** Newest first. */
  list(f: AlertEventFilter): Promise<AlertEventRecord[]>;
  /** Remove routed events written before `before` whose deliveries are all finished; how many went. */
  prune(before: Millis): Promise<number>;
}

export type DeliveryState = 'pending' | 'delivered' | 'dead';
export type AttemptOutcome = 'delivered' | 'retry' | 'dead' | 'disabled';

export interface DeliveryRecord {
  id: number;
  eventSeq: number;
  eventId: string;
  eventType: string;
  serial: string | null;
  channel: string;
  incidentId: string | null;
  state: DeliveryState;
  attempts: number;
  nextAt: Millis;
  claimedBy: string | null;
  claimedUntil: Millis | null;
  createdAt: Millis;
  finishedAt: Millis | null;
  lastStatus: number | null;
  lastError: string | null;
}

export interface DeliveryClaim {
  delivery: DeliveryRecord;
  event: AlertEventRecord;
}

export interface AttemptRecord {
  id: number;
  deliveryId: number;
  at: Millis;
  /** The receiver's answer: an HTTP status or an SMTP reply code; null when none came. */
  status: number | null;
  latencyMs: number;
  outcome: AttemptOutcome;
  error: string | null;
}

export interface DeliveryFilter {
  channel?: string;
  state?: DeliveryState;
  serial?: string;
  eventId?: string;
  incidentId?: string;
  /** Newest first; the next page starts below this id. */
  before?: number;
  limit: number;
}

export interface ChannelDeliveryStats {
  channel: string;
  pending: number;
  delivered: number;
  dead: number;
  /** When the oldest pending delivery was created. */
  oldestPendingAt: Millis | null;
}

export interface DeliveryStore {
  /**
   * Claim up to `limit` deliveries of `channel` for `owner` until `until`: pending, due (nextAt <= now), not
   * claimed by anyone (or the claim ran out), each the first pending delivery of its incident on the channel
   * (an incident's events go in order), oldest first.
   */
  claim(
    channel: string,
    o: { now: Millis; owner: string; until: Millis; limit: number },
  ): Promise<DeliveryClaim[]>;
  /**
   * Record an attempt of a delivery `owner` holds and the delivery's next state (the claim ends); false,
   * with nothing written, when the claim is no longer the owner's.
   */
  attempted(
    id: number,
    owner: string,
    a: Omit<AttemptRecord, 'id' | 'deliveryId'>,
    next: { state: DeliveryState; nextAt: Millis },
  ): Promise<boolean>;
  /** Give claims back untried (a paused channel, a stop). */
  release(ids: number[], owner: string): Promise<void>;
  get(id: number): Promise<DeliveryRecord | null>;
  /** Newest first. */
  list(f: DeliveryFilter): Promise<DeliveryRecord[]>;
  /** Attempts of each delivery, oldest first. */
  attempts(deliveryIds: number[]): Promise<Map<number, AttemptRecord[]>>;
  /** A dead delivery goes back to pending, due at `now`; false when it is not dead. */
  retry(id: number, now: Millis): Promise<boolean>;
  stats(): Promise<ChannelDeliveryStats[]>;
}

export interface AlertChannelRecord {
  name: string;
  type: string;
  /** A digest of the channel's target: a new target clears a 410's disabling. */
  fingerprint: string;
  /** Configured now (the router fans out to active channels only). */
  active: boolean;
  addedAt: Millis;
  disabledAt: Millis | null;
  disabledReason: string | null;
  /** End of the period of the channel's last digest. */
  digestAt: Millis | null;
  lastSuccessAt: Millis | null;
  lastFailureAt: Millis | null;
  lastFailure: string | null;
}

export interface AlertChannelStore {
  list(): Promise<AlertChannelRecord[]>;
  get(name: string): Promise<AlertChannelRecord | null>;
  /** A channel seen for the first time: active, added at `at`. */
  add(c: { name: string; type: string; fingerprint: string; at: Millis }): Promise<void>;
  /** Configured or not now; a changed fingerprint clears the disabling. */
  update(name: string, c: { type: string; fingerprint: string; active: boolean }): Promise<void>;
  disable(name: string, at: Millis, reason: string): Promise<void>;
  enable(name: string): Promise<void>;
  setDigestAt(name: string, at: Millis): Promise<void>;
  /** The latest attempt's outcome on the channel. */
  noteAttempt(name: string, at: Millis, failure: string | null): Promise<void>;
  /** A flag of the alerting state (null when unset). */
  marker(key: string): Promise<string | null>;
  setMarker(key: string, value: string): Promise<void>;
}

export interface JobRecord {
  name: string;
  leaseOwner: string | null;
  leaseUntil: Millis | null;
  startedAt: Millis | null;
  finishedAt: Millis | null;
  durationMs: number | null;
  outcome: 'ok' | 'failed' | null;
  error: string | null;
  /** The last run's report (JSON text). */
  report: string | null;
  runs: number;
  failures: number;
}

export interface JobFinish {
  at: Millis;
  durationMs: number;
  outcome: 'ok' | 'failed';
  error: string | null;
  report: string | null;
}

export interface JobStore {
  /**
   * Take the job's lease for `owner` until `until` when nobody holds it (or the holder's lease ran out),
   * and record the start at `now`; false when another holds it. With `notStartedSince`, also false when a
   * run started at or after that instant (a scheduled run of the same period, by another collector, that
   * has already finished).
   */
  acquire(
    name: string,
    owner: string,
    now: Millis,
    until: Millis,
    notStartedSince?: Millis,
  ): Promise<boolean>;
  /** Record the run's end and give the lease back (only the owner's). */
  finish(name: string, owner: string, f: JobFinish): Promise<void>;
  get(name: string): Promise<JobRecord | null>;
  list(): Promise<JobRecord[]>;
}
