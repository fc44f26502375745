// The stored rows both backends read alike, and the records the store interfaces (types.ts) answer with:
// the same column names, the same nullable integers and texts, so one mapping serves SQLite and PostgreSQL.
// What differs by backend (booleans, JSON, the fact columns) stays in each backend's own module.
import type {
  AlertEventRecord,
  DeliveryRecord,
  DeliveryState,
  DeviceRecord,
  IncidentRecord,
  IncidentState,
  JobRecord,
} from './types.ts';

export interface DeviceRowRaw {
  id: number;
  serial: string;
  hardware_uuid: string;
  token_hash: string | null;
  token_issued_at: number | null;
  revoked_at: number | null;
  enrolled_at: number;
  last_seen: number | null;
  last_contact: number;
  console_user: string | null;
  digest: string | null;
  snapshot_id: string | null;
  collected_at: number | null;
  ordered_at: number | null;
  clock_skew_seconds: number | null;
  retired_at: number | null;
  retired_by: string | null;
  retired_reason: string | null;
}

export const DEVICE_COLUMNS =
  'id, serial, hardware_uuid, token_hash, token_issued_at, revoked_at, enrolled_at, last_seen, last_contact, console_user, digest, snapshot_id, collected_at, ordered_at, clock_skew_seconds, retired_at, retired_by, retired_reason';

export function toDevice(r: DeviceRowRaw): DeviceRecord {
  return {
    id: r.id,
    serial: r.serial,
    hardwareUuid: r.hardware_uuid,
    tokenHash: r.token_hash,
    tokenIssuedAt: r.token_issued_at,
    revokedAt: r.revoked_at,
    enrolledAt: r.enrolled_at,
    lastSeen: r.last_seen,
    lastContact: r.last_contact,
    consoleUser: r.console_user,
    digest: r.digest,
    snapshotId: r.snapshot_id,
    collectedAt: r.collected_at,
    orderedAt: r.ordered_at,
    clockSkewSeconds: r.clock_skew_seconds,
    retired:
      r.retired_at === null
        ? null
        : { at: r.retired_at, by: r.retired_by ?? '', reason: r.retired_reason ?? '' },
  };
}

export interface IncidentRow {
  id: string;
  serial: string;
  rule: string;
  user_name: string;
  state: string;
  episode: number;
  severity: string;
  failing_since: number;
  opened_at: number;
  first_opened_at: number;
  changed_at: number;
  resolved_at: number | null;
  reason: string;
  ref: string | null;
}

export const toIncident = (r: IncidentRow): IncidentRecord => ({
  id: r.id,
  serial: r.serial,
  rule: r.rule,
  user: r.user_name === '' ? null : r.user_name,
  state: r.state as IncidentState,
  episode: r.episode,
  severity: r.severity,
  failingSince: r.failing_since,
  openedAt: r.opened_at,
  firstOpenedAt: r.first_opened_at,
  changedAt: r.changed_at,
  resolvedAt: r.resolved_at,
  reason: r.reason,
  ref: r.ref,
});

export interface JobRow {
  name: string;
  lease_owner: string | null;
  lease_until: number | null;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  outcome: string | null;
  error: string | null;
  report: string | null;
  runs: number;
  failures: number;
}

export const toJob = (r: JobRow): JobRecord => ({
  name: r.name,
  leaseOwner: r.lease_owner,
  leaseUntil: r.lease_until,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  durationMs: r.duration_ms,
  outcome: r.outcome === 'ok' || r.outcome === 'failed' ? r.outcome : null,
  error: r.error,
  report: r.report,
  runs: r.runs,
  failures: r.failures,
});

export interface EventRow {
  seq: number;
  id: string;
  type: string;
  at: number;
  incident_id: string | null;
  serial: string | null;
  rule: string | null;
  severity: string | null;
  channel: string | null;
  body: string;
  routed_at: number | null;
}

export const toEvent = (r: EventRow): AlertEventRecord => ({
  seq: r.seq,
  id: r.id,
  type: r.type,
  at: r.at,
  incidentId: r.incident_id,
  serial: r.serial,
  rule: r.rule,
  severity: r.severity,
  channel: r.channel,
  body: r.body,
  routedAt: r.routed_at,
});

export interface DeliveryRow {
  id: number;
  event_seq: number;
  event_id: string;
  event_type: string;
  serial: string | null;
  channel: string;
  incident_id: string | null;
  state: string;
  attempts: number;
  next_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  created_at: number;
  finished_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

export const toDelivery = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id,
  eventSeq: r.event_seq,
  eventId: r.event_id,
  eventType: r.event_type,
  serial: r.serial,
  channel: r.channel,
  incidentId: r.incident_id,
  state: r.state as DeliveryState,
  attempts: r.attempts,
  nextAt: r.next_at,
  claimedBy: r.claimed_by,
  claimedUntil: r.claimed_until,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
});

export interface AuditRow {
  id: number;
  at: number;
  last_at: number;
  count: number;
  serial: string | null;
  hardware_uuid: string | null;
  outcome: string;
  remote_address: string | null;
  detail: string | null;
}

export const DEFAULT_AUDIT_MAX_ROWS = 100_000;
