// Finding lifecycle: the device's findings after one evaluation. Pure.
//
// - A failing (rule, user) keeps the firstSeen of its open finding; otherwise a new finding starts at the
//   outcome's `since` (stale: the instant it went stale) or `now`. Its lastSeen is now, its reason the new one.
// - An open finding whose outcome is pass or not_applicable, or that has no outcome any more (the user was
//   removed or excluded), is resolved at now.
// - An UNKNOWN outcome does not resolve it: unknown is not pass. The finding stays open with its old
//   lastSeen (the last time the failure was actually seen). A device-level unknown of a per-user rule
//   (user null: "the user list is incomplete") keeps every open finding of that rule open.
// - A resolved finding that fails again is replaced by a new finding with a new firstSeen.
// The result holds at most one finding per (rule, user): the current one (open, or the latest resolved).
import type { Finding, RuleOutcome } from './types.ts';
import { RULE_IDS } from './types.ts';

export function findingKey(f: { rule: string; user: string | null }): string {
  return `${f.rule}\u0000${f.user ?? ''}`;
}

/** Of several findings for one key, the one to carry forward: an open one, else the latest resolved. */
function current(a: Finding, b: Finding): Finding {
  if (a.resolvedAt === null) return a;
  if (b.resolvedAt === null) return b;
  return b.resolvedAt > a.resolvedAt ? b : a;
}

export function reconcileFindings(
  previous: readonly Finding[],
  outcomes: readonly RuleOutcome[],
  now: Date,
): Finding[] {
  const at = now.getTime();
  const before = new Map<string, Finding>();
  for (const f of previous) {
    const key = findingKey(f);
    const seen = before.get(key);
    before.set(key, seen ? current(seen, f) : f);
  }
  const byKey = new Map<string, RuleOutcome>();
  for (const o of outcomes) byKey.set(findingKey(o), o);
  const rulesUnknownForAll = new Set(
    outcomes.filter((o) => o.user === null && o.result === 'unknown').map((o) => o.rule),
  );

  const out: Finding[] = [];
  const done = new Set<string>();
  for (const [key, o] of byKey) {
    if (o.result !== 'fail') continue;
    done.add(key);
    const open = before.get(key);
    if (open && open.resolvedAt === null) {
      out.push({ ...open, reason: o.reason, lastSeen: at });
    } else {
      out.push({
        rule: o.rule,
        user: o.user,
        reason: o.reason,
        firstSeen: o.since ?? at,
        lastSeen: at,
        resolvedAt: null,
      });
    }
  }
  for (const [key, f] of before) {
    if (done.has(key)) continue;
    if (f.resolvedAt !== null) {
      out.push(f);
      continue;
    }
    const o = byKey.get(key);
    const stillUnknown = o ? o.result === 'unknown' : rulesUnknownForAll.has(f.rule);
    out.push(stillUnknown ? f : { ...f, resolvedAt: at });
  }
  return out.sort(byRuleThenUser);
}

/** Table order of the rules, then user name (device-level first). */
export function byRuleThenUser(
  a: { rule: string; user: string | null },
  b: { rule: string; user: string | null },
): number {
  const r = RULE_IDS.indexOf(a.rule as never) - RULE_IDS.indexOf(b.rule as never);
  if (r !== 0) return r;
  return (a.user ?? '').localeCompare(b.user ?? '');
}
