// The demo's alerts: TOKENWATCH_WEBHOOK_URL (and TOKENWATCH_WEBHOOK_SECRET, or a secret made here and
// printed so the receiver can verify) become the collector's webhook channel; once the fleet has uploaded,
// the events it sent are listed with each delivery's outcome (GET /api/v1/alerts/events).
import { randomBytes } from 'node:crypto';
import type { RunningCollector } from '../collector/main.ts';

export function alertWebhook(env: NodeJS.ProcessEnv): { env: Record<string, string>; made: string | null } {
  const url = env['TOKENWATCH_WEBHOOK_URL'] ?? '';
  if (url === '') return { env: {}, made: null };
  const given = env['TOKENWATCH_WEBHOOK_SECRET'] ?? '';
  const secret = given !== '' ? given : `whsec_${randomBytes(32).toString('base64')}`;
  return {
    env: { TOKENWATCH_WEBHOOK_URL: url, TOKENWATCH_WEBHOOK_SECRET: secret },
    made: given === '' ? secret : null,
  };
}

interface EventRow {
  id: string;
  type: string;
  serial: string | null;
  rule: string | null;
  body: { incident: { users: string[] } | null };
  deliveries: { channel: string; state: string; lastStatus: number | null; lastError: string | null }[];
}

export async function sentEvents(
  collector: RunningCollector,
  adminToken: string,
  madeSecret: string | null,
): Promise<string> {
  await collector.alerts.worker.idle();
  const r = await fetch(`${collector.url}/api/v1/alerts/events?limit=1000`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const { events } = (await r.json()) as { events: EventRow[] };
  const lines = [
    '',
    `alerts     ${events.length} event${events.length === 1 ? '' : 's'} for the webhook channel${madeSecret ? ` (signed with ${madeSecret})` : ''}:`,
  ];
  for (const e of events.reverse()) {
    const d = e.deliveries[0];
    const outcome = d
      ? `${d.state}${d.lastStatus !== null ? ` (${d.lastStatus})` : ''}${d.state !== 'delivered' && d.lastError ? `: ${d.lastError}` : ''}`
      : 'not routed';
    const users = e.body.incident?.users.join(',') ?? '';
    const what = `${e.rule ?? ''}${users ? ` (${users})` : ''}`;
    lines.push(`  ${e.type.padEnd(8)} ${(e.serial ?? '').padEnd(14)} ${what.padEnd(32)} ${outcome}  ${e.id}`);
  }
  return lines.join('\n');
}
