// Exemptions are data: adding or removing one moves the instant affected devices turn noncompliant
// (devices.noncompliantFrom), recomputed here in the same transaction.
import { randomUUID } from 'node:crypto';
import { RULE_IDS } from './rules/index.ts';
import type { RuleId } from './rules/index.ts';
import type { ExemptionRecord, Repos, Store } from './store/types.ts';
import { noncompliantFrom, toRuleExemption } from './evaluation.ts';
import { ApiError } from './http/errors.ts';
import { millis } from './instants.ts';

export interface NewExemption {
  serial: string | null;
  rule: RuleId | null;
  user: string | null;
  reason: string;
  createdBy: string;
  expiresAt: number | null;
}

/** "30d", "12h", "90m" or an ISO 8601 instant -> epoch ms; null for "never"/empty. */
export function parseExpiry(text: string | undefined | null, now: Date): number | null {
  if (text === undefined || text === null || text === '' || text === 'never') return null;
  const rel = /^(\d+)\s*([dhm])$/.exec(text.trim());
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2] === 'd' ? 86400000 : rel[2] === 'h' ? 3600000 : 60000;
    return now.getTime() + n * unit;
  }
  const t = millis(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) {
    throw new ApiError(
      'invalid_body',
      `expires "${text}" is neither an ISO 8601 instant nor a duration like 30d, 12h, 90m`,
    );
  }
  return t;
}

async function recompute(tx: Repos, e: Pick<ExemptionRecord, 'serial' | 'rule'>): Promise<number> {
  let ids: number[];
  if (e.serial !== null) {
    const d = await tx.devices.bySerial(e.serial);
    ids = d ? [d.id] : [];
  } else {
    ids = await tx.devices.idsWithOpenFindings(e.rule);
  }
  if (ids.length === 0) return 0;
  const all = await tx.exemptions.list();
  const open = await tx.findings.openFor(ids);
  for (const id of ids) {
    const d = await tx.devices.byId(id);
    if (!d) continue;
    const applicable = all.filter((x) => x.serial === null || x.serial === d.serial).map(toRuleExemption);
    await tx.devices.setNoncompliantFrom(id, noncompliantFrom(open.get(id) ?? [], applicable, d.serial));
  }
  return ids.length;
}

export async function addExemption(store: Store, input: NewExemption, now: Date): Promise<ExemptionRecord> {
  if (input.rule !== null && !(RULE_IDS as readonly string[]).includes(input.rule)) {
    throw new ApiError('invalid_body', `unknown rule "${input.rule}"`);
  }
  const record: ExemptionRecord = { id: randomUUID(), ...input, createdAt: now.getTime() };
  return store.withTransaction(async (tx) => {
    await tx.exemptions.add(record);
    await recompute(tx, record);
    return record;
  });
}

export async function removeExemption(store: Store, id: string): Promise<ExemptionRecord | null> {
  return store.withTransaction(async (tx) => {
    const removed = await tx.exemptions.remove(id);
    if (removed) await recompute(tx, removed);
    return removed;
  });
}
