// The storage contract: one narrow interface per aggregate, async, with no backend types in it.
// SQLite (store/sqlite) and PostgreSQL (store/postgres) implement it and pass the same conformance suite
// (test/collector/store/conformance, written against these interfaces only; each backend has a runner:
// test/collector/store/sqlite/conformance.test.ts, test/collector/store/postgres/conformance.system.test.ts). Instants are epoch milliseconds;
// digests and hashes are hex strings.
import type { DeviceStatus, Exemption, Finding, FindingState, Millis, RuleId } from '../rules/types.ts';

export type { DeviceStatus, Exemption, Millis };
export type {
  IncidentStore,
  IncidentRecord,
  IncidentState,
  IncidentFilter,
  AlertEventStore,
  AlertEventRecord,
  NewAlertEvent,
  AlertEventFilter,
  DeliveryStore,
  DeliveryRecord,
  DeliveryState,
  DeliveryClaim,
  DeliveryFilter,
  NewDelivery,
  AttemptRecord,
  AttemptOutcome,
  ChannelDeliveryStats,
  AlertChannelStore,
  AlertChannelRecord,
  JobStore,
  JobRecord,
  JobFinish,
} from './alert-types.ts';
export { IncidentConflictError } from './alert-types.ts';
import type {
  IncidentStore,
  AlertEventStore,
  DeliveryStore,
  AlertChannelStore,
  JobStore,
} from './alert-types.ts';

/**
 * The instants RFC 3339 can write (a four-digit year, 0000-01-01T00:00:00Z up to 10000-01-01 excluded): a
 * stored value is an instant only inside them (services/instants.ts storedInstant reads stored values so).
 */
export const WRITABLE_FROM: Millis = -62_167_219_200_000;
export const WRITABLE_UNTIL: Millis = Date.UTC(10000, 0, 1);

/**
 * The store could not take the work now (another writer holds the database past the wait): nothing of the
 * unit was written, and the same call may succeed shortly. Every backend maps its own busy or locked errors
 * to this; callers never see a backend's error codes.
 */
export class StoreBusyError extends Error {
  override name = 'StoreBusyError';
}

/**
 * The database cannot be opened as the collector's store, and trying again will not help: the path names
 * nothing (for a command that opens an existing database only), its directory is missing or not
 * writable, it is no tokenwatch database, or a newer release migrated it. The message says which, in one
 * line, and what to do.
 */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

export interface DeviceRecord {
  id: number;
  serial: string;
  hardwareUuid: string;
  /** SHA-256 (hex) of the active device token, or null (never issued or revoked). */
  tokenHash: string | null;
  tokenIssuedAt: Millis | null;
  revokedAt: Millis | null;
  enrolledAt: Millis;
  /** Last upload or check-in. */
  lastSeen: Millis | null;
  /** Last contact of any kind (enrollment, upload, check-in): the stale rule counts from here. */
  lastContact: Millis;
  consoleUser: string | null;
  /** Digest of the current snapshot, or null before the first upload. */
  digest: string | null;
  snapshotId: string | null;
  /** The current snapshot's collectedAt as the agent reported it. */
  collectedAt: Millis | null;
  /** The current snapshot's place in the device's order (services/ordering.ts orderTime). */
  orderedAt: Millis | null;
  /** How far ahead of the collector's clock the latest upload or check-in was dated; null within tolerance. */
  clockSkewSeconds: number | null;
  /** An admin retired the device (it left the fleet): when, by whom and why; null while it is in the fleet. */
  retired: Retirement | null;
}

/** Why a device left the fleet, as the admin who retired it said. */
export interface Retirement {
  at: Millis;
  by: string;
  reason: string;
}

/** Can MDM update this Mac without a person (services/device-facts.ts): not_applicable on Intel. */
export type MdmUpdateVerdict = 'yes' | 'no' | 'unknown' | 'not_applicable';
export const MDM_UPDATE_VERDICTS: readonly MdmUpdateVerdict[] = ['yes', 'no', 'unknown', 'not_applicable'];

/** What the fleet is counted and reported by, derived from the current snapshot (null: unknown). */
export interface ReportFacts {
  bootstrapEscrowed: boolean | null;
  /** Escrowed and usable per the MDM preflight (false when not escrowed). */
  bootstrapUsable: boolean | null;
  /** FileVault is on (false: off, encrypting or decrypting). */
  fileVaultOn: boolean | null;
  /** null before the first snapshot. */
  mdmUpdate: MdmUpdateVerdict | null;
  /** Why not (or why unknown); null when yes or not applicable. */
  mdmUpdateReason: string | null;
  /** Enabled users holding a SecureToken (null before the first snapshot). */
  tokenHolders: string[] | null;
  /** Enabled users known to hold none. */
  tokenlessUsers: string[] | null;
}

/** Columns extracted from the current snapshot for fleet queries. */
export interface DeviceFacts extends ReportFacts {
  model: string | null;
  osVersion: string | null;
  osBuild: string | null;
  hostname: string | null;
  appleSilicon: boolean | null;
  agentVersion: string | null;
}

/** What an alert says of the Mac: the facts of its current snapshot that name it (DeviceStore.facts). */
export type DeviceDescription = Omit<DeviceFacts, keyof ReportFacts>;

/** What the evaluation of the current snapshot leaves on the device row for time-correct status in SQL. */
export interface DeviceVerdict {
  /** Earliest instant at which an unexempted, non-pending failure makes the device noncompliant (null = none). */
  noncompliantFrom: Millis | null;
  /** Some rule answered unknown, or an informational rule failed. */
  hasUnknown: boolean;
}

export interface CurrentSnapshotUpdate {
  snapshotId: string;
  digest: string;
  collectedAt: Millis;
  orderedAt: Millis;
  clockSkewSeconds: number | null;
  seenAt: Millis;
  consoleUser: string | null;
  facts: DeviceFacts;
  /** Which derivation of the report facts wrote them (services/device-facts.ts FACTS_VERSION). */
  factsVersion: number;
  verdict: DeviceVerdict;
}

export interface NewDevice {
  serial: string;
  hardwareUuid: string;
  tokenHash: string;
  at: Millis;
  /** The address the token is issued to (kept for identity conflicts). */
  remoteAddress?: string | null;
}

export interface DeviceStore {
  byId(id: number): Promise<DeviceRecord | null>;
  bySerial(serial: string): Promise<DeviceRecord | null>;
  byHardwareUuid(hardwareUuid: string): Promise<DeviceRecord | null>;
  byTokenHash(tokenHash: string): Promise<DeviceRecord | null>;
  create(d: NewDevice): Promise<DeviceRecord>;
  /** Issue a new token (rotation or re-enrollment); clears revokedAt and the retirement (back in the fleet). */
  issueToken(id: number, t: NewDevice): Promise<void>;
  revoke(id: number, at: Millis): Promise<void>;
  /**
   * The device left the fleet: it is in no fleet query's counts or lists (unless asked for), its token is
   * revoked (revokedAt stays when it already was), its history and findings stay.
   */
  retire(id: number, r: Retirement): Promise<void>;
  /**
   * An admin kept an identity over the devices `ids`: they go, with their history and findings, and a
   * record for the identity takes their place without a token (its next enrollment gets one). Its id is
   * above every removed one, so a token still cached for a removed device can never reach it.
   */
  replace(ids: number[], d: { serial: string; hardwareUuid: string; at: Millis }): Promise<DeviceRecord>;
  /** An unchanged upload, a late one or a check-in: lastSeen, the console user and the clock skew only. */
  touch(id: number, at: Millis, consoleUser: string | null, clockSkewSeconds: number | null): Promise<void>;
  /** The current snapshot changed at u.seenAt: the device's state history gets a new entry from then. */
  setCurrent(id: number, u: CurrentSnapshotUpdate): Promise<void>;
  /**
   * After an exemption change at `changedAt`: only the instant the device turns noncompliant moves (and,
   * when it does, the state history gets a new entry from changedAt).
   */
  setNoncompliantFrom(id: number, at: Millis | null, changedAt: Millis): Promise<void>;
  /**
   * Fill in the report facts of a device's current snapshot where an older version left none
   * (FleetQueries.withoutReportFacts); its current state history entry gets them too. Nothing else moves.
   */
  setReportFacts(id: number, snapshotId: string, facts: ReportFacts, version: number): Promise<void>;
  /** Ids of devices that have an open finding of the rule (or of any rule when null). */
  idsWithOpenFindings(rule: RuleId | null): Promise<number[]>;
  /** The facts of the device's current snapshot that name it (null: no such device). */
  facts(id: number): Promise<DeviceDescription | null>;
  /** Ids of devices last heard from in (from, to]: those that went silent between two stale sweeps. */
  lastContactBetween(from: Millis, to: Millis): Promise<number[]>;
}

export interface SnapshotReceipt {
  snapshotId: string;
  deviceId: number;
  bodySha256: string;
  digest: string;
  changed: boolean;
  receivedAt: Millis;
}

export type BodyEncoding = 'deflate-raw' | 'identity';

export interface NewHistoryEntry {
  deviceId: number;
  snapshotId: string;
  digest: string;
  collectedAt: Millis;
  receivedAt: Millis;
  /** The accepted body as received, compressed. */
  body: Uint8Array;
  encoding: BodyEncoding;
}

/**
 * A stored change: what was inserted, and its place in the device's history. Values come back as the
 * database holds them (a row written by an older version or by hand may hold anything); the read model
 * checks them (storedInstant, decodeBody).
 */
export interface HistoryEntry extends Omit<NewHistoryEntry, 'deviceId' | 'encoding'> {
  seq: number;
  encoding: string;
}

export interface SnapshotStore {
  receipt(snapshotId: string): Promise<SnapshotReceipt | null>;
  addReceipt(r: SnapshotReceipt): Promise<void>;
  addHistory(e: NewHistoryEntry): Promise<number>;
  /** The device's latest changes, newest first, with their bodies. */
  history(deviceId: number, limit: number): Promise<HistoryEntry[]>;
  /** The stored body of the device's current snapshot (devices.snapshotId), compressed as stored. */
  currentBody(deviceId: number): Promise<{ body: Uint8Array; encoding: string } | null>;
}

/** A finding as stored: the rules' Finding, with what its state and the device's status are read from. */
export interface FindingRecord extends Finding {
  /** A fresh failure stays pending until this instant (null = no grace). */
  pendingUntil: Millis | null;
  /** The latest evaluation failed (false: kept open because the rule answered unknown). */
  failing: boolean;
}

export interface FindingStore {
  /** The device's open findings (in no particular order). */
  open(deviceId: number): Promise<FindingRecord[]>;
  /** Open findings of several devices (keyed by device id; a device without any has no key). */
  openFor(deviceIds: number[]): Promise<Map<number, FindingRecord[]>>;
  /** The device's resolved findings, the latest resolution first. */
  recentlyResolved(deviceId: number, limit: number): Promise<FindingRecord[]>;
  /**
   * The findings of several devices that were open at `at` (first seen at or before it, resolved after it
   * or not at all), keyed by device id, as they are stored now.
   */
  openAt(deviceIds: number[], at: Millis): Promise<Map<number, FindingRecord[]>>;
  /** Insert or update by (device, rule, user, firstSeen). */
  save(deviceId: number, findings: FindingRecord[]): Promise<void>;
  /** Ids of devices with an open, failing finding whose grace window ended in (from, to]. */
  graceEndedBetween(from: Millis, to: Millis): Promise<number[]>;
}

export interface ExemptionStore {
  add(e: Exemption): Promise<void>;
  remove(id: string): Promise<Exemption | null>;
  get(id: string): Promise<Exemption | null>;
  /** All exemptions (active and expired), newest first, optionally for one serial (plus fleet-wide ones). */
  list(serial?: string): Promise<Exemption[]>;
  /** Exemptions that may apply to a device (its own and fleet-wide), unexpired at `now`. */
  applicable(serial: string, now: Millis): Promise<Exemption[]>;
}

export type EnrollmentOutcome =
  | 'issued'
  | 'rotated'
  | 'reenrolled_revoked'
  | 'reenrolled_stale'
  | 'refused_secret'
  | 'refused_active'
  | 'refused_conflict'
  | 'refused_invalid'
  | 'refused_rate_limited'
  | 'refused_aborted'
  | 'revoked'
  | 'retired'
  | 'reenrolled_retired'
  | 'conflict_kept_existing'
  | 'conflict_kept_claimant'
  | 'replaced';

/** One enrollment attempt or admin action, as the enrollment service records it. */
export interface EnrollmentAttempt {
  at: Millis;
  serial: string | null;
  hardwareUuid: string | null;
  outcome: EnrollmentOutcome;
  remoteAddress: string | null;
  detail: string | null;
}

/** A row of the audit: one event, or the repeats of one key counted together. */
export interface EnrollmentEvent extends EnrollmentAttempt {
  id: number;
  /** The latest repeat (`at` is the first); equal to `at` for a single event. */
  lastAt: Millis;
  /** How many attempts the row stands for (1 for a single event). */
  count: number;
}

export interface EnrollmentStore {
  /** An event of its own. */
  record(e: EnrollmentAttempt): Promise<void>;
  /**
   * Count an attempt into the row of `key` (created by the first one: `at` stays, `lastAt`, `count`, the
   * serial, hardware UUID and detail follow the latest). Rows of unauthenticated attempts (no valid
   * enroll secret shown) are the first to go when the table is at its cap.
   */
  tally(e: EnrollmentAttempt, key: string, unauthenticated: boolean): Promise<void>;
  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(opts: { serial?: string; before?: number; limit: number }): Promise<EnrollmentEvent[]>;
}

/** An enrolled device an identity conflict met, as it was at the claimant's first attempt. */
export interface ConflictHolder {
  serial: string;
  hardwareUuid: string;
  enrolledAt: Millis;
  tokenIssuedAt: Millis | null;
  tokenIssuedFrom: string | null;
  lastContact: Millis;
  lastSeen: Millis | null;
}

export type ConflictResolution = 'existing' | 'claimant';

export interface IdentityConflictRecord {
  id: number;
  /** The claimant: the serial and hardware UUID that tried to enroll. */
  serial: string;
  hardwareUuid: string;
  firstAt: Millis;
  lastAt: Millis;
  attempts: number;
  firstAddress: string | null;
  lastAddress: string | null;
  /** The device enrolled with the claimant's serial and another hardware UUID. */
  serialHolder: ConflictHolder | null;
  /** The device enrolled with the claimant's hardware UUID and another serial. */
  uuidHolder: ConflictHolder | null;
  resolvedAt: Millis | null;
  resolution: ConflictResolution | null;
  resolvedBy: string | null;
}

export interface NewIdentityConflict {
  serial: string;
  hardwareUuid: string;
  at: Millis;
  address: string | null;
  serialHolderId: number | null;
  uuidHolderId: number | null;
}

export interface IdentityConflictStore {
  /** The conflict that stands against this claim: the open one, or one resolved keeping the existing. */
  standing(serial: string, hardwareUuid: string): Promise<IdentityConflictRecord | null>;
  /** Open a conflict; the holders are copied from their device records as they are now. */
  open(c: NewIdentityConflict): Promise<IdentityConflictRecord>;
  /** Another attempt of the claim. */
  attempt(id: number, at: Millis, address: string | null): Promise<void>;
  resolve(id: number, r: { at: Millis; resolution: ConflictResolution; by: string }): Promise<void>;
  get(id: number): Promise<IdentityConflictRecord | null>;
  /** Newest first; `serial` matches the claimant's serial or either holder's. */
  list(opts: {
    state?: 'open' | 'resolved';
    serial?: string;
    before?: number;
    limit: number;
  }): Promise<IdentityConflictRecord[]>;
  countOpen(): Promise<number>;
}

export interface Repos {
  devices: DeviceStore;
  snapshots: SnapshotStore;
  findings: FindingStore;
  exemptions: ExemptionStore;
  enrollments: EnrollmentStore;
  identityConflicts: IdentityConflictStore;
  incidents: IncidentStore;
  alertEvents: AlertEventStore;
  deliveries: DeliveryStore;
  alertChannels: AlertChannelStore;
  jobs: JobStore;
  /** The read model's queries, so that a write and the answer read after it can be one unit of work. */
  fleet: FleetQueries;
}

export interface PruneCutoffs {
  /** Changed snapshots, state history and silences that ended before this go. */
  historyBefore: Millis;
  receiptsBefore: Millis;
  auditBefore: Millis;
}

/** How the collector opens a store (from its settings), whatever the backend. */
export interface StoreOptions {
  /** Hard cap on enrollment audit rows: past it the oldest go, unauthenticated attempts first. */
  auditMaxRows?: number;
  /**
   * A device heard from after a silence longer than this (ms) has the silence recorded, whatever the
   * contact (enrollment, upload, check-in): the stale rule's age, so the fleet's past can say when each
   * device was stale. Absent: none recorded (a store opened for one command that makes no contact).
   */
  silenceOverMs?: number;
  /**
   * Open an existing tokenwatch database only (every command but `serve`): a path that names nothing is a
   * StoreOpenError, never a new empty database.
   */
  mustExist?: boolean;
}

/** Whether the store can take work now: what /healthz reports and /readyz answers from. */
export interface StoreHealth {
  /** Which database ('sqlite', 'postgresql'), for operators. */
  backend: string;
  /**
   * ready: takes work; migrating: applying its migrations (work waits); unreachable: the database does not
   * answer; failed: cannot be used (a schema newer than this collector, a migration that failed).
   */
  state: 'ready' | 'migrating' | 'unreachable' | 'failed';
  /** Why it is not ready, as the database said it (no credentials); null when ready. */
  detail: string | null;
}

export interface Store extends Repos {
  /** Run fn atomically: everything it writes through `tx` commits together or not at all. */
  withTransaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  prune(c: PruneCutoffs): Promise<{ history: number; receipts: number; audit: number }>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
  /**
   * Device tokens that stopped working through any process on the same database (revoked, replaced at
   * re-enrollment or rotation, retired, removed by an identity resolution), told as each change commits.
   * Absent where the backend cannot tell another process (SQLite: the auth cache's age bounds it).
   */
  readonly revocations?: RevocationFeed;
}

export interface RevocationListener {
  /** These devices' tokens changed: forget what is cached for them. */
  revoked(deviceIds: readonly number[]): void;
  /** Revocations may have been missed (the feed's connection was lost): forget everything cached. */
  lost(why: string): void;
  /**
   * The feed listens (first, or again after a loss: what was revoked while none listened is unknown, so
   * forget everything cached once more).
   */
  listening(): void;
}

export interface RevocationFeed {
  /** Start telling `listener`; the function returned stops it. */
  listen(listener: RevocationListener): () => Promise<void>;
}

// ---- Fleet queries (what the read model builds on). Status is computed at read time from stored instants.

export interface FleetParams {
  now: Millis;
  /** lastContact before this instant = stale (now - staleAfter). */
  staleCutoff: Millis;
  /** lastContact at or before this instant = the stale finding is active (past the stale rule's grace window). */
  staleActiveCutoff: Millis;
}

export interface DeviceFilter {
  status?: DeviceStatus;
  mdmUpdate?: MdmUpdateVerdict;
  rule?: RuleId;
  osVersion?: string;
  model?: string;
  seenSince?: Millis;
  serial?: string;
  /** Retired devices: left out (the default), listed with the others, or listed alone. */
  retired?: RetiredFilter;
}

export type RetiredFilter = 'exclude' | 'include' | 'only';

export interface DeviceRow extends DeviceRecord, DeviceFacts {
  status: DeviceStatus;
  /** An open identity conflict claims this device's serial or hardware UUID. */
  identityConflict: boolean;
  /** The latest console user reported (consoleUser is null at the login window; this keeps who it was). */
  lastConsoleUser: string | null;
  /**
   * The last contact the stale rule reads: lastContact now; as of a past instant, the last contact before
   * it when the history establishes it was silent past the stale age then, or null (not stale then).
   */
  staleContact: Millis | null;
}

/** Devices with one combination of report facts (the summary's rates add these up). */
export interface FactCount {
  bootstrapEscrowed: boolean | null;
  bootstrapUsable: boolean | null;
  fileVaultOn: boolean | null;
  mdmUpdate: MdmUpdateVerdict | null;
  devices: number;
}

export interface RuleCount {
  rule: RuleId;
  devices: number;
  active: number;
  pending: number;
  exempted: number;
}

/** The fleet queries count and list only devices in the fleet: retired ones only where a filter asks. */
export interface FleetQueries {
  listDevices(p: FleetParams, f: DeviceFilter, page: { after?: string; limit: number }): Promise<DeviceRow[]>;
  /** One device by serial, retired or not. */
  deviceRow(p: FleetParams, serial: string): Promise<DeviceRow | null>;
  countByStatus(p: FleetParams): Promise<Record<DeviceStatus, number>>;
  /**
   * Per rule, the devices with an open finding of it (stale: counted from lastContact), and those devices by
   * the state (rules' findingState at p.now) of their failing findings of the rule, the worst one counting
   * (active, then pending, then exempted); a device whose only open findings of the rule are unconfirmed
   * (failing false) is in `devices` alone.
   */
  countByRule(p: FleetParams): Promise<RuleCount[]>;
  deviceCount(): Promise<number>;
  countFacts(): Promise<FactCount[]>;

  // The fleet as it was at p.now, a past instant, from the state history, the silences, the findings
  // (first seen, resolved), identity conflicts (opened, resolved) and exemptions created by then: what
  // the queries above answered at that instant, for the devices still stored. Rows carry each device's
  // state then (status, osVersion and the report facts); its other columns are as they are now, and
  // lastSeen is the latest contact the history establishes at or before p.now.
  /** The earliest instant the history answers for (retention moves it); null: since the first enrollment. */
  historyKeptSince(): Promise<Millis | null>;
  listDevicesAt(
    p: FleetParams,
    f: DeviceFilter,
    page: { after?: string; limit: number },
  ): Promise<DeviceRow[]>;
  countByStatusAt(p: FleetParams): Promise<Record<DeviceStatus, number>>;
  countByRuleAt(p: FleetParams): Promise<{ rule: RuleId; devices: number }[]>;
  deviceCountAt(p: FleetParams): Promise<number>;
  countFactsAt(p: FleetParams): Promise<FactCount[]>;

  /** Devices whose report facts an older version did not derive (or derived with another version), by id. */
  withoutReportFacts(
    version: number,
    afterId: number,
    limit: number,
  ): Promise<{ id: number; snapshotId: string }[]>;
  /**
   * Failing findings by rule and state at p.now (rules' findingState: exempted, pending, active), the stale
   * rule's counted from the last contact (staleFinding: one per device silent past the stale age). Findings
   * kept open only by an unknown (failing false) are not failing, and not counted. Rules without a failing
   * finding are absent.
   */
  findingCounts(p: FleetParams): Promise<FindingCount[]>;
}

export interface FindingCount {
  rule: RuleId;
  state: FindingState;
  findings: number;
}
