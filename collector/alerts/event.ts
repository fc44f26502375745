// THE alert event: what the services write to the outbox (services/incidents.ts, services/alert-digests.ts)
// and every channel renders (payload*.ts). Channel-neutral, complete enough for each channel's message, in
// ISO 8601 text (it is stored as JSON and sent as it was written, however late). Pure: no I/O.
import type { Severity } from '../rules/types.ts';

export const EVENT_TYPES = [
  'opened',
  'reminder',
  'resolved',
  'reopened',
  'exempted',
  'digest',
  'report',
  'test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The pseudo-rule of identity conflicts (a serial or hardware UUID enrolled with another identity). */
export const IDENTITY_CONFLICT = 'identity-conflict';

export interface EventDevice {
  serial: string;
  model: string | null;
  osVersion: string | null;
  osBuild: string | null;
  hostname: string | null;
  consoleUser: string | null;
}

export interface EventRule {
  /** A rule id, or 'identity-conflict'. */
  id: string;
  title: string;
  severity: Severity;
  remediation: string;
}

export interface EventIncident {
  id: string;
  state: 'open' | 'exempted' | 'resolved';
  episode: number;
  device: EventDevice;
  rule: EventRule;
  /** The users the finding is about (empty for a device-level finding). */
  users: string[];
  reason: string;
  failingSince: string;
  openedAt: string;
  resolvedAt: string | null;
  /** The exemption that covers it (exempted events). */
  exemption: { id: string; reason: string; by: string; expiresAt: string | null } | null;
  /** Reminders: which one this is on its channel. */
  reminder: { count: number; everyDays: number } | null;
}

export interface DigestItem {
  incident: string;
  serial: string;
  hostname: string | null;
  rule: string;
  title: string;
  severity: Severity;
  users: string[];
  failingSince: string;
  /** When it was opened (opened and active lists) or resolved (resolved list). */
  at: string;
}

export interface EventDigest {
  /** backfill: what was already active when the channel was added; scheduled: its digest schedule. */
  kind: 'backfill' | 'scheduled';
  channel: string;
  /** The period summed up (backfill: null to the moment the channel was added). */
  from: string | null;
  to: string;
  counts: { opened: number; active: number; resolved: number };
  /** At most DIGEST_ITEMS of each list, most severe first; the counts are whole. */
  opened: DigestItem[];
  active: DigestItem[];
  resolved: DigestItem[];
}

/** A noncompliant Mac a report event names (the most urgent first, at most REPORT_MACS). */
export interface ReportMac {
  serial: string;
  hostname: string | null;
  model: string | null;
  osVersion: string | null;
  /** The rules it fails (open findings), most severe first. */
  rules: string[];
}

/** The scheduled report, written to a file, as channels send it: its summary and where the file is. */
export interface EventReport {
  /** The file's name (in the collector's reportDir) and its full path there (email attaches it). */
  file: string;
  path: string;
  format: 'json' | 'csv' | 'table' | 'html';
  bytes: number;
  sha256: string;
  generatedAt: string;
  devices: number;
  byStatus: { compliant: number; noncompliant: number; unknown: number };
  /** Shares of the fleet in percent, one decimal (null: no devices). */
  rates: {
    compliant: number | null;
    bootstrapEscrowed: number | null;
    bootstrapUsable: number | null;
    fileVaultOn: number | null;
  };
  /** Devices with an open finding of each rule that has any, most devices first. */
  byRule: { rule: string; title: string; severity: Severity; devices: number }[];
  /** The noncompliant Macs named (at most REPORT_MACS); `byStatus.noncompliant` counts them all. */
  noncompliant: ReportMac[];
}

/** The most noncompliant Macs a report event names. */
export const REPORT_MACS = 20;

export interface AlertEvent {
  /** Stable: the receivers' idempotency key. */
  id: string;
  type: EventType;
  occurredAt: string;
  incident: EventIncident | null;
  digest: EventDigest | null;
  /** The scheduled report (report events; absent from the other types). */
  report?: EventReport | null;
}

/** The most items a digest lists per list (its counts stay whole). */
export const DIGEST_ITEMS = 200;

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
export const severityRank = (s: Severity): number => RANK[s];

/** Most severe first, then oldest failure, then serial. */
export function byUrgency(a: DigestItem, b: DigestItem): number {
  return (
    RANK[b.severity] - RANK[a.severity] ||
    a.failingSince.localeCompare(b.failingSince) ||
    a.serial.localeCompare(b.serial) ||
    a.incident.localeCompare(b.incident)
  );
}

/** A device's page for people: `publicUrl` + /devices/SERIAL (null without a public URL). */
export function deviceLink(publicUrl: string, serial: string): string | null {
  if (publicUrl === '') return null;
  return `${publicUrl.replace(/\/+$/, '')}/devices/${encodeURIComponent(serial)}`;
}
