// What the admin API and `tokenwatch alerts list` read about alerting and jobs: events with their
// deliveries, deliveries with every attempt, incidents, channels (configured and known) and jobs, in the
// shapes alert-views.ts declares. "Was I told about this Mac, and when?": events?serial=SERIAL.
import type {
  AlertChannelRecord,
  AlertEventFilter,
  AlertEventRecord,
  AttemptRecord,
  ChannelDeliveryStats,
  DeliveryFilter,
  DeliveryRecord,
  IncidentFilter,
  IncidentRecord,
  JobRecord,
  Repos,
} from '../store/types.ts';
import type { ChannelSettings } from '../alerts/config.ts';
import type { Severity } from '../rules/index.ts';
import type {
  AlertEventPage,
  ChannelView,
  DeliveryPage,
  DeliveryView,
  IncidentPage,
  IncidentView,
  JobView,
} from './alert-views.ts';
import { iso } from './instants.ts';

type Source = Pick<Repos, 'alertEvents' | 'deliveries' | 'incidents' | 'alertChannels' | 'jobs'>;

const at = (ms: number): string => iso(ms) as string;

function deliveryFields(d: DeliveryRecord) {
  return {
    id: d.id,
    channel: d.channel,
    state: d.state,
    attempts: d.attempts,
    createdAt: at(d.createdAt),
    nextAttemptAt: d.state === 'pending' ? at(d.nextAt) : null,
    finishedAt: iso(d.finishedAt),
    lastStatus: d.lastStatus,
    lastError: d.lastError,
  };
}

export function deliveryView(d: DeliveryRecord, attempts: readonly AttemptRecord[]): DeliveryView {
  return {
    ...deliveryFields(d),
    event: {
      id: d.eventId,
      type: d.eventType as DeliveryView['event']['type'],
      serial: d.serial,
      incident: d.incidentId,
    },
    attemptLog: attempts.map((a) => ({
      at: at(a.at),
      status: a.status,
      latencyMs: a.latencyMs,
      outcome: a.outcome,
      error: a.error,
    })),
  };
}

const nextBefore = <T>(rows: readonly T[], limit: number, key: (t: T) => number): number | null =>
  rows.length === limit && rows.length > 0 ? key(rows[rows.length - 1] as T) : null;

export async function alertEvents(store: Source, f: AlertEventFilter): Promise<AlertEventPage> {
  const rows: AlertEventRecord[] = await store.alertEvents.list(f);
  const events = [];
  for (const e of rows) {
    const deliveries = await store.deliveries.list({ eventId: e.id, limit: 100 });
    events.push({
      id: e.id,
      seq: e.seq,
      type: e.type as AlertEventPage['events'][number]['type'],
      at: at(e.at),
      incident: e.incidentId,
      serial: e.serial,
      rule: e.rule,
      severity: e.severity as Severity | null,
      channel: e.channel,
      routedAt: iso(e.routedAt),
      deliveries: deliveries.reverse().map(deliveryFields),
      body: JSON.parse(e.body) as Record<string, unknown>,
    });
  }
  return { events, nextBefore: nextBefore(rows, f.limit, (e) => e.seq) };
}

export async function alertDeliveries(store: Source, f: DeliveryFilter): Promise<DeliveryPage> {
  const rows = await store.deliveries.list(f);
  const attempts = await store.deliveries.attempts(rows.map((d) => d.id));
  return {
    deliveries: rows.map((d) => deliveryView(d, attempts.get(d.id) ?? [])),
    nextBefore: nextBefore(rows, f.limit, (d) => d.id),
  };
}

export function incidentView(i: IncidentRecord): IncidentView {
  return {
    id: i.id,
    serial: i.serial,
    rule: i.rule,
    user: i.user,
    state: i.state,
    episode: i.episode,
    severity: i.severity,
    failingSince: at(i.failingSince),
    openedAt: at(i.openedAt),
    firstOpenedAt: at(i.firstOpenedAt),
    changedAt: at(i.changedAt),
    resolvedAt: iso(i.resolvedAt),
    reason: i.reason,
  };
}

export async function incidents(store: Source, f: IncidentFilter): Promise<IncidentPage> {
  const rows = await store.incidents.list(f);
  return {
    incidents: rows.map(incidentView),
    nextAfter: rows.length === f.limit ? (rows[rows.length - 1]?.id ?? null) : null,
  };
}

/** Every channel: the configured ones (in their order), then the ones the store knows from before. */
export function channelViews(
  configured: readonly ChannelSettings[],
  records: readonly AlertChannelRecord[],
  stats: readonly ChannelDeliveryStats[],
): ChannelView[] {
  const byName = new Map(records.map((r) => [r.name, r]));
  const counts = new Map(stats.map((s) => [s.channel, s]));
  const names = [...configured.map((c) => c.name), ...records.map((r) => r.name)].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
  return names.map((name) => {
    const c = configured.find((x) => x.name === name);
    const r = byName.get(name);
    const s = counts.get(name);
    return {
      name,
      type: (c?.target.type ?? r?.type ?? 'webhook') as ChannelView['type'],
      configured: c !== undefined,
      disabled:
        r?.disabledAt != null ? { at: at(r.disabledAt), reason: r.disabledReason ?? 'disabled' } : null,
      routing: c
        ? {
            minSeverity: c.routing.minSeverity,
            rules: c.routing.rules,
            immediate: c.routing.immediate,
            digest: c.routing.digest?.cron.expression ?? null,
            timezone: c.routing.digest?.timezone ?? 'UTC',
            reminderDays: c.routing.reminderDays,
            concurrency: c.concurrency,
          }
        : null,
      addedAt: at(r?.addedAt ?? 0),
      lastDigestAt: iso(r?.digestAt ?? null),
      pending: s?.pending ?? 0,
      delivered: s?.delivered ?? 0,
      dead: s?.dead ?? 0,
      oldestPendingAt: iso(s?.oldestPendingAt ?? null),
      lastSuccessAt: iso(r?.lastSuccessAt ?? null),
      lastFailureAt: iso(r?.lastFailureAt ?? null),
      lastFailure: r?.lastFailure ?? null,
    };
  });
}

export async function channels(
  store: Source,
  configured: readonly ChannelSettings[],
): Promise<ChannelView[]> {
  return channelViews(configured, await store.alertChannels.list(), await store.deliveries.stats());
}

/** The jobs of the table with what the store recorded of their last run. */
export function jobViews(
  table: readonly { name: string; cron: string; description: string }[],
  records: readonly JobRecord[],
  now: number,
): JobView[] {
  const byName = new Map(records.map((r) => [r.name, r]));
  return table.map((j) => {
    const r = byName.get(j.name);
    let report: Record<string, unknown> | null = null;
    try {
      report = r?.report ? (JSON.parse(r.report) as Record<string, unknown>) : null;
    } catch {
      report = null;
    }
    return {
      name: j.name,
      schedule: j.cron,
      description: j.description,
      running: r?.leaseOwner != null && (r.leaseUntil ?? 0) > now,
      lastStartedAt: iso(r?.startedAt ?? null),
      lastFinishedAt: iso(r?.finishedAt ?? null),
      lastDurationMs: r?.durationMs ?? null,
      lastOutcome: r?.outcome ?? null,
      lastError: r?.error ?? null,
      lastReport: report,
      runs: r?.runs ?? 0,
      failures: r?.failures ?? 0,
    };
  });
}
