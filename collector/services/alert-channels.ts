// The channels at start: the configured ones are made known to the store (a new one, or one configured
// again, gets a backfill: one digest of what is already open), the others are set inactive. Before the
// first backfill, what is already failing is taken in as incidents without events (the seed), so that
// turning alerting on reports it as one digest per channel instead of a flood of events.
import type { RuleConfig } from '../rules/index.ts';
import type { Millis, Store } from '../store/types.ts';
import type { ChannelSettings } from '../alerts/config.ts';
import { reconcileIncidents } from './incidents.ts';
import { backfill } from './alert-digests.ts';

/** The flag that says existing findings were taken in as incidents. */
export const SEEDED = 'incidents-seeded';
const BATCH = 200;

/** Take in every device's active findings (and stale devices) as incidents, without events; once per database. */
export async function seedIncidents(store: Store, rules: RuleConfig, now: Millis): Promise<number | null> {
  if ((await store.alertChannels.marker(SEEDED)) !== null) return null;
  const ids = new Set<number>(await store.devices.idsWithOpenFindings(null));
  for (const id of await store.devices.lastContactBetween(
    Number.MIN_SAFE_INTEGER,
    now - rules.staleAfterSeconds * 1000,
  ))
    ids.add(id);
  const all = [...ids].sort((a, b) => a - b);
  let opened = 0;
  for (let i = 0; i < all.length; i += BATCH) {
    opened += await store.withTransaction(async (tx) => {
      let n = 0;
      for (const id of all.slice(i, i + BATCH)) {
        const d = await tx.devices.byId(id);
        if (d) n += (await reconcileIncidents(tx, d, rules, now, { silent: true })).opened;
      }
      return n;
    });
  }
  await store.alertChannels.setMarker(SEEDED, new Date(now).toISOString());
  return opened;
}

export interface ChannelSync {
  added: string[];
  /** Configured again after a time without. */
  returned: string[];
  removed: string[];
  /** Backfill digests written, per channel: how many open incidents each listed. */
  backfilled: Record<string, number>;
}

/** Make the configured channels known to the store at `now`, with their backfills. */
export async function syncChannels(
  store: Store,
  channels: readonly ChannelSettings[],
  now: Millis,
): Promise<ChannelSync> {
  const out: ChannelSync = { added: [], returned: [], removed: [], backfilled: {} };
  const known = new Map((await store.alertChannels.list()).map((r) => [r.name, r]));
  for (const c of channels) {
    await store.withTransaction(async (tx) => {
      // Read in the unit: another collector starting at the same time may add the channel first (the unit
      // then runs again and finds it).
      const r = await tx.alertChannels.get(c.name);
      const fresh = !r || !r.active;
      if (!r)
        await tx.alertChannels.add({
          name: c.name,
          type: c.target.type,
          fingerprint: c.fingerprint,
          at: now,
        });
      else
        await tx.alertChannels.update(c.name, {
          type: c.target.type,
          fingerprint: c.fingerprint,
          active: true,
        });
      if (!fresh) return;
      (r ? out.returned : out.added).push(c.name);
      // A channel configured again starts its digests afresh.
      if (r && c.routing.digest) await tx.alertChannels.setDigestAt(c.name, now);
      const b = await backfill(tx, c.name, c.routing, now);
      if (b.written) out.backfilled[c.name] = b.active;
    });
  }
  const configured = new Set(channels.map((c) => c.name));
  for (const r of known.values()) {
    if (configured.has(r.name) || !r.active) continue;
    await store.alertChannels.update(r.name, { type: r.type, fingerprint: r.fingerprint, active: false });
    out.removed.push(r.name);
  }
  return out;
}
