// The words every channel's message shares: a headline per event, the facts of an incident in order, and
// the lines of a digest. Pure: an event and the render context in, text out.
import type { AlertEvent, DigestItem, EventIncident, EventReport, ReportMac } from './event.ts';
import { deviceLink } from './event.ts';

/** What a payload needs besides the event. */
export interface RenderContext {
  /** Where admins open the collector ('' = no links). */
  publicUrl: string;
  /** The channel the message goes to (named in test messages). */
  channel: string;
}

const VERB: Record<AlertEvent['type'], string> = {
  opened: 'Opened',
  reopened: 'Reopened',
  reminder: 'Still open',
  resolved: 'Resolved',
  exempted: 'Exempted',
  digest: 'Digest',
  report: 'Report',
  test: 'Test',
};

export const verb = (e: AlertEvent): string => VERB[e.type];

/** "C02XK1ABCDEF (jdoe-mbp)": the serial, and the host name when there is one. */
export function deviceName(d: { serial: string; hostname: string | null }): string {
  return d.hostname ? `${d.serial} (${d.hostname})` : d.serial;
}

/** "Opened: FileVault is off on C02XK1ABCDEF (jdoe-mbp)". */
export function headline(e: AlertEvent): string {
  const i = e.incident;
  if (i) return `${verb(e)}: ${i.rule.title} on ${deviceName(i.device)}`;
  if (e.digest) return digestHeadline(e);
  if (e.report) return reportHeadline(e.report);
  return 'Test: tokenwatch can reach this channel';
}

export function digestHeadline(e: AlertEvent): string {
  const d = e.digest;
  if (!d) return verb(e);
  const c = d.counts;
  return d.kind === 'backfill'
    ? `tokenwatch: ${c.active} incident${c.active === 1 ? '' : 's'} already open when this channel was added`
    : `tokenwatch digest: ${c.opened} opened, ${c.active} still open, ${c.resolved} resolved`;
}

/** "tokenwatch report 2026-03-02: 12 of 120 Macs noncompliant (10.0%)". */
export function reportHeadline(r: EventReport): string {
  const n = r.byStatus.noncompliant;
  const share = r.devices > 0 ? ` (${((n / r.devices) * 100).toFixed(1)}%)` : '';
  return `tokenwatch report ${r.generatedAt.slice(0, 10)}: ${n} of ${r.devices} Mac${r.devices === 1 ? '' : 's'} noncompliant${share}`;
}

const percentOrNone = (p: number | null): string => (p === null ? '-' : `${p.toFixed(1)}%`);

/** A report's figures, in the order every channel shows them: counts, rates, the file. */
export function reportFacts(r: EventReport): [string, string][] {
  return [
    ['Devices', String(r.devices)],
    ['Compliant', `${r.byStatus.compliant} (${percentOrNone(r.rates.compliant)})`],
    ['Noncompliant', String(r.byStatus.noncompliant)],
    ['Unknown', String(r.byStatus.unknown)],
    ['Bootstrap Token escrowed', percentOrNone(r.rates.bootstrapEscrowed)],
    ['Escrowed and usable', percentOrNone(r.rates.bootstrapUsable)],
    ['FileVault on', percentOrNone(r.rates.fileVaultOn)],
    ['File', `${r.file} (${r.format}, ${r.bytes} bytes)`],
    ['SHA-256', r.sha256],
  ];
}

/** "[critical] FileVault is off (filevault-off): 12 devices". */
export function reportRuleLine(x: EventReport['byRule'][number]): string {
  return `[${x.severity}] ${x.title} (${x.rule}): ${x.devices} device${x.devices === 1 ? '' : 's'}`;
}

/** "C02X (host), Mac14,2, macOS 15.3.1: filevault-off, bootstrap-not-escrowed". */
export function reportMacLine(m: ReportMac): string {
  const what = [m.model, m.osVersion && `macOS ${m.osVersion}`].filter((x) => x).join(', ');
  return `${deviceName(m)}${what ? `, ${what}` : ''}: ${m.rules.join(', ')}`;
}

/** "Noncompliant Macs (20 of 120 named)". */
export function reportMacsTitle(r: EventReport): string {
  const total = r.byStatus.noncompliant;
  return r.noncompliant.length < total
    ? `Noncompliant Macs (${r.noncompliant.length} of ${total} named)`
    : `Noncompliant Macs (${total})`;
}

/** An incident's facts, in the order every channel shows them. */
export function incidentFacts(i: EventIncident): [string, string][] {
  const d = i.device;
  const facts: [string, string][] = [
    ['Device', deviceName(d)],
    [
      'Model',
      [d.model, d.osVersion && `macOS ${d.osVersion}${d.osBuild ? ` (${d.osBuild})` : ''}`]
        .filter((x) => x)
        .join(', ') || 'unknown',
    ],
    ['Console user', d.consoleUser ?? 'nobody'],
    ['Rule', `${i.rule.title} (${i.rule.id})`],
    ['Severity', i.rule.severity],
  ];
  if (i.users.length > 0) facts.push(['Users', i.users.join(', ')]);
  facts.push(['Failing since', i.failingSince]);
  if (i.resolvedAt) facts.push(['Resolved at', i.resolvedAt]);
  if (i.exemption)
    facts.push([
      'Exemption',
      `${i.exemption.reason} (by ${i.exemption.by}, ${i.exemption.expiresAt ? `until ${i.exemption.expiresAt}` : 'no expiry'})`,
    ]);
  if (i.reminder)
    facts.push([
      'Reminder',
      `#${i.reminder.count}, every ${i.reminder.everyDays} day${i.reminder.everyDays === 1 ? '' : 's'}`,
    ]);
  facts.push(['Incident', `${i.id} (episode ${i.episode})`]);
  return facts;
}

/** One line of a digest list: "critical  FileVault is off  C02X (host)  bob  since 2026-03-01T10:00:00Z". */
export function digestLine(item: DigestItem): string {
  const users = item.users.length ? ` (${item.users.join(', ')})` : '';
  return `[${item.severity}] ${item.title}${users} on ${deviceName(item)}, failing since ${item.failingSince}`;
}

export const link = (ctx: RenderContext, serial: string): string | null => deviceLink(ctx.publicUrl, serial);

/** Text cut to `max` characters (an ellipsis marks the cut). */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const TEST_TEXT =
  'This is a test message from tokenwatch: alerts configured for this channel will arrive like this.';
