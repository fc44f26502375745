// The fleet's past, as the read model answers it: which instants the stored history can answer for, the
// summary built from counts (now or then), and the days of a trend.
//
// What the history can answer (the store's FleetQueries *At queries say how): each device's status and
// report facts at any instant from `keptSince` on (retention moves it: historyRetentionDays removes the
// state entries and silences that ended before its cutoff), its findings then, identity conflicts then,
// and exemptions that existed then (a removed exemption is not kept: a finding it exempted shows active).
// Devices removed since (an identity conflict resolved by keeping the claimant) are not in the past fleet.
import type { DeviceStatus, RuleId } from '../rules/index.ts';
import { ruleById } from '../rules/index.ts';
import type { FactCount, FleetQueries, Millis } from '../store/types.ts';
import { Refusal } from './errors.ts';
import { iso } from './instants.ts';
import type { Rate, Summary } from './views.ts';

const DAY = 86_400_000;
/** The longest trend one request asks for. */
export const MAX_TREND_DAYS = 400;

/** A past instant the history answers for, or the refusal that says why not. */
export async function checkAsOf(
  fleet: Pick<FleetQueries, 'historyKeptSince'>,
  asOf: Date,
  now: Date,
): Promise<Millis> {
  const t = asOf.getTime();
  if (Number.isNaN(t)) throw new Refusal('invalid_as_of', 'asOf is not an instant');
  if (t > now.getTime())
    throw new Refusal('invalid_as_of', `asOf ${asOf.toISOString()} is after now (${now.toISOString()})`);
  const kept = await fleet.historyKeptSince();
  if (kept !== null && t < kept)
    throw new Refusal(
      'invalid_as_of',
      `asOf ${asOf.toISOString()} is before the history kept (from ${iso(kept)}; historyRetentionDays sets how long it is kept)`,
    );
  return t;
}

const percent = (n: number, of: number): number | null =>
  of === 0 ? null : Math.round((n / of) * 1000) / 10;

function rate(facts: readonly FactCount[], of: (f: FactCount) => boolean | null, devices: number): Rate {
  const r = { yes: 0, no: 0, unknown: 0 };
  for (const f of facts) {
    const v = of(f);
    r[v === true ? 'yes' : v === false ? 'no' : 'unknown'] += f.devices;
  }
  return { ...r, percent: percent(r.yes, devices) };
}

export function summaryOf(input: {
  generatedAt: Date;
  asOf: Millis | null;
  devices: number;
  byStatus: Record<DeviceStatus, number>;
  /** Per rule; active, pending and exempted only for now (a past instant's history counts devices only). */
  byRule: readonly {
    rule: RuleId;
    devices: number;
    active?: number;
    pending?: number;
    exempted?: number;
  }[];
  facts: readonly FactCount[];
}): Summary {
  const { devices, facts } = input;
  const mdmUpdate = { yes: 0, no: 0, unknown: 0, notApplicable: 0 };
  for (const f of facts) {
    const v = f.mdmUpdate;
    mdmUpdate[v === 'not_applicable' ? 'notApplicable' : v === null ? 'unknown' : v] += f.devices;
  }
  return {
    generatedAt: input.generatedAt.toISOString(),
    asOf: iso(input.asOf),
    devices,
    bootstrapEscrowed: rate(facts, (f) => f.bootstrapEscrowed, devices),
    bootstrapUsable: rate(facts, (f) => f.bootstrapUsable, devices),
    fileVaultOn: rate(facts, (f) => f.fileVaultOn, devices),
    mdmUpdate,
    byStatus: input.byStatus,
    byRule: input.byRule
      .filter((r) => ruleById(r.rule) !== undefined)
      .map((r) => {
        const rule = ruleById(r.rule);
        return {
          rule: r.rule,
          title: rule.title,
          severity: rule.severity,
          devices: r.devices,
          active: r.active ?? null,
          pending: r.pending ?? null,
          exempted: r.exempted ?? null,
        };
      })
      .sort(
        (a, b) => (b.active ?? 0) - (a.active ?? 0) || b.devices - a.devices || a.rule.localeCompare(b.rule),
      ),
  };
}

/**
 * The UTC days of a trend, each with the instant it is read at (its last millisecond, or now for today),
 * from `from`'s day to `to`'s, leaving out those the history does not answer for (before keptSince) and
 * any after now.
 */
export function trendDays(
  range: { from: Date; to: Date },
  now: Date,
  keptSince: Millis | null,
): { day: string; at: Millis }[] {
  const from = Math.floor(range.from.getTime() / DAY) * DAY;
  const to = Math.floor(range.to.getTime() / DAY) * DAY;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Refusal('invalid_as_of', 'from and to are instants');
  if (to < from) throw new Refusal('invalid_as_of', 'to is before from');
  if ((to - from) / DAY + 1 > MAX_TREND_DAYS)
    throw new Refusal('invalid_as_of', `a trend covers at most ${MAX_TREND_DAYS} days`);
  const days = [];
  for (let start = from; start <= to && start <= now.getTime(); start += DAY) {
    const at = Math.min(start + DAY - 1, now.getTime());
    if (keptSince !== null && at < keptSince) continue;
    days.push({ day: new Date(start).toISOString().slice(0, 10), at });
  }
  return days;
}
