// Digests, backfills and reminders: the events addressed to one channel, written to the outbox like the
// others. A digest sums up a period (opened, still open, resolved) for a channel with a digest schedule;
// a backfill is the digest of what is already open when a channel is added (or alerting is turned on), one
// message per channel, never one per device; a reminder repeats an incident still open every N days.
import type { Severity } from '../rules/index.ts';
import type { IncidentRecord, Millis, Repos } from '../store/types.ts';
import { byUrgency, DIGEST_ITEMS } from '../alerts/event.ts';
import type { AlertEvent, DigestItem, EventDigest } from '../alerts/event.ts';
import { covers } from '../alerts/config.ts';
import type { Routing } from '../alerts/config.ts';
import { appendEvent, eventDevice, eventRule, incidentView } from './incidents.ts';
import { iso } from './instants.ts';

const PAGE = 1000;

/** Every incident matching the filter, page by page. */
async function* allIncidents(
  tx: Pick<Repos, 'incidents'>,
  f: { state: 'open' | 'unresolved' },
): AsyncGenerator<IncidentRecord> {
  for (let after: string | undefined; ;) {
    const page = await tx.incidents.list({ ...f, ...(after !== undefined ? { after } : {}), limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]?.id;
  }
}

interface Listed {
  items: DigestItem[];
  count: number;
}

/** A digest list: every matching incident counted, the most urgent DIGEST_ITEMS shown (with their host names). */
async function listOf(
  tx: Pick<Repos, 'devices'>,
  found: Map<string, { i: IncidentRecord; at: Millis }>,
): Promise<Listed> {
  const items: DigestItem[] = [...found.values()].map(({ i, at }) => ({
    incident: i.id,
    serial: i.serial,
    hostname: null,
    rule: i.rule,
    title: eventRule(i.rule).title,
    severity: eventRule(i.rule).severity,
    users: i.user === null ? [] : [i.user],
    failingSince: iso(i.failingSince) as string,
    at: iso(at) as string,
  }));
  items.sort(byUrgency);
  const shown = items.slice(0, DIGEST_ITEMS);
  const hosts = new Map<string, string | null>();
  for (const it of shown) {
    if (!hosts.has(it.serial)) hosts.set(it.serial, (await eventDevice(tx, it.serial)).hostname);
    it.hostname = hosts.get(it.serial) ?? null;
  }
  return { items: shown, count: items.length };
}

const covered = (r: Routing, i: IncidentRecord) => covers(r, i.rule, eventRule(i.rule).severity as Severity);

/**
 * The digest of `channel` for (from, to]: incidents opened or reopened in the period, those open at `to`
 * (as the store holds them now), and those resolved in it, each as the channel's routing covers them.
 */
export async function buildDigest(
  tx: Pick<Repos, 'incidents' | 'alertEvents' | 'devices'>,
  channel: string,
  routing: Routing,
  period: { from: Millis | null; to: Millis; kind: EventDigest['kind'] },
): Promise<EventDigest> {
  const active = new Map<string, { i: IncidentRecord; at: Millis }>();
  for await (const i of allIncidents(tx, { state: 'open' }))
    if (covered(routing, i)) active.set(i.id, { i, at: i.openedAt });
  const opened = new Map<string, { i: IncidentRecord; at: Millis }>();
  const resolved = new Map<string, { i: IncidentRecord; at: Millis }>();
  if (period.from !== null) {
    for (const type of ['opened', 'reopened', 'resolved'] as const) {
      const into = type === 'resolved' ? resolved : opened;
      for (let before: number | undefined; ;) {
        const page = await tx.alertEvents.list({
          type,
          since: period.from + 1,
          until: period.to + 1,
          ...(before !== undefined ? { before } : {}),
          limit: PAGE,
        });
        for (const e of page) {
          if (e.incidentId === null || into.has(e.incidentId)) continue;
          const i = await tx.incidents.get(e.incidentId);
          if (i && covered(routing, i)) into.set(i.id, { i, at: e.at });
        }
        if (page.length < PAGE) break;
        before = page[page.length - 1]?.seq;
      }
    }
  }
  const [o, a, r] = [await listOf(tx, opened), await listOf(tx, active), await listOf(tx, resolved)];
  return {
    kind: period.kind,
    channel,
    from: iso(period.from),
    to: iso(period.to) as string,
    counts: { opened: o.count, active: a.count, resolved: r.count },
    opened: o.items,
    active: a.items,
    resolved: r.items,
  };
}

const digestEvent = (id: string, at: Millis, digest: EventDigest): AlertEvent => ({
  id,
  type: 'digest',
  occurredAt: iso(at) as string,
  incident: null,
  digest,
});

/**
 * The backfill of a channel added at `now`: one digest of what is open, if anything is. Its id names the
 * channel and the instant, so a start repeated after a crash writes it once.
 */
export async function backfill(
  tx: Repos,
  channel: string,
  routing: Routing,
  now: Millis,
): Promise<{ written: boolean; active: number }> {
  const digest = await buildDigest(tx, channel, routing, { from: null, to: now, kind: 'backfill' });
  if (digest.counts.active === 0) return { written: false, active: 0 };
  const written = await appendEvent(tx, digestEvent(`evt_backfill_${channel}_${now}`, now, digest), channel);
  return { written, active: digest.counts.active };
}

/** The scheduled digest of a channel for (from, slot]: written once per slot, whatever it holds. */
export async function scheduledDigest(
  tx: Repos,
  channel: string,
  routing: Routing,
  from: Millis,
  slot: Millis,
): Promise<EventDigest> {
  const digest = await buildDigest(tx, channel, routing, { from, to: slot, kind: 'scheduled' });
  await appendEvent(tx, digestEvent(`evt_digest_${channel}_${slot}`, slot, digest), channel);
  await tx.alertChannels.setDigestAt(channel, slot);
  return digest;
}

/**
 * Reminders due on `channel` at `now` (its incidents open for `everyDays` since they opened or were last
 * reminded): one event each, for the incidents its routing covers. The others are marked too, so they are
 * not looked at again before their next turn.
 */
export async function remind(
  tx: Repos,
  channel: string,
  routing: Routing,
  now: Millis,
  limit: number,
): Promise<{ looked: number; sent: number }> {
  const every = routing.reminderDays * 86_400_000;
  const due = await tx.incidents.dueReminders(channel, now - every, limit);
  let sent = 0;
  for (const i of due) {
    const count = await tx.incidents.reminded(i.id, channel, i.episode, now);
    if (!covered(routing, i)) continue;
    const device = await eventDevice(tx, i.serial);
    await appendEvent(
      tx,
      {
        id: `evt_${i.id.replace(/^inc_/, '')}_${i.episode}_reminder_${count}_${channel}`,
        type: 'reminder',
        occurredAt: iso(now) as string,
        incident: incidentView(i, device, {
          exemption: null,
          reminder: { count, everyDays: routing.reminderDays },
        }),
        digest: null,
      },
      channel,
    );
    sent++;
  }
  return { looked: due.length, sent };
}
