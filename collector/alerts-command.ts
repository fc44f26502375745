// `tokenwatch alerts test CHANNEL`: send a test event to one configured channel and print the receiver's
// answer (status, time, the start of its body); exit 0 when it took it. `tokenwatch alerts list`: every
// channel (configured, and known to the database from before), its routing, its last delivery and last
// failure, what waits and what is dead. Text from receivers is shown with visible escapes.
import type { CollectorConfig } from './config.ts';
import { readAlertSettings, AlertConfigError } from './alerts/config.ts';
import type { SecretSources } from './alerts/config.ts';
import { createChannel } from './alerts/channels/index.ts';
import type { AlertEvent } from './alerts/event.ts';
import { openConfiguredStore } from './store/open.ts';
import { channels } from './services/alert-read-model.ts';
import type { ChannelView } from './services/alert-views.ts';
import { displayText } from '../agent/snapshot/display-text.ts';

export const ALERTS_USAGE = `tokenwatch alerts test CHANNEL [--config FILE]          send a test event, print the receiver's answer
  tokenwatch alerts list (--db FILE | --database-url URL) [--config FILE] [--json] channels, last delivery and failures`;

export interface AlertsCommandDeps {
  config: CollectorConfig;
  json: boolean;
  secrets: SecretSources;
  now: Date;
  monotonic: () => number;
  out: (s: string) => void;
  err: (s: string) => void;
}

export async function alertsCommand(positionals: string[], d: AlertsCommandDeps): Promise<number> {
  const [action, name] = positionals;
  let settings;
  try {
    settings = readAlertSettings(d.config, d.secrets);
  } catch (e) {
    if (!(e instanceof AlertConfigError)) throw e;
    d.err(`tokenwatch alerts: ${e.message}\n`);
    return 2;
  }
  if (action === 'test') {
    const c = settings.channels.find((x) => x.name === name);
    if (name === undefined || !c) {
      const known = settings.channels.map((x) => x.name).join(', ') || 'none configured';
      d.err(
        `tokenwatch alerts test: ${name === undefined ? 'give a channel' : `no channel ${name}`} (channels: ${known})\n`,
      );
      return 2;
    }
    const channel = createChannel(c, {
      publicUrl: settings.publicUrl,
      timeoutMs: settings.timeoutSeconds * 1000,
    });
    const event: AlertEvent = {
      id: `evt_test_${c.name}_${d.now.getTime()}`,
      type: 'test',
      occurredAt: d.now.toISOString(),
      incident: null,
      digest: null,
    };
    const t0 = d.monotonic();
    try {
      const r = await channel.send(event, d.now);
      const ms = Math.round(d.monotonic() - t0);
      const status =
        r.status === null ? 'no answer' : `${c.target.type === 'email' ? 'SMTP' : 'HTTP'} ${r.status}`;
      d.out(`${c.name} (${c.target.type}): ${status} in ${ms} ms${r.ok ? ', delivered' : ''}\n`);
      if (r.answer !== '') d.out(`answer: ${displayText(r.answer)}\n`);
      if (!r.ok) d.out(`failed: ${displayText(r.error ?? 'unknown')}\n`);
      if (r.gone)
        d.out(
          'the receiver says the endpoint is gone (410): the collector disables a channel that answers this\n',
        );
      return r.ok ? 0 : 1;
    } finally {
      await channel.close();
    }
  }
  if (action === 'list') {
    const store = openConfiguredStore(d.config, { mustExist: true });
    if (store === null) {
      d.err(
        'tokenwatch alerts list: --db FILE (or TOKENWATCH_DB) or --database-url URL (or TOKENWATCH_DATABASE_URL) is required\n',
      );
      return 2;
    }
    try {
      const views = await channels(store, settings.channels);
      d.out(d.json ? `${JSON.stringify(views, null, 2)}\n` : listText(views));
      return 0;
    } finally {
      await store.close();
    }
  }
  d.err(`usage:\n  ${ALERTS_USAGE}\n`);
  return 2;
}

/** One block per channel. */
export function listText(views: readonly ChannelView[]): string {
  if (views.length === 0) return 'no alert channels (docs/alerts.md)\n';
  const lines: string[] = [];
  for (const v of views) {
    const state = v.disabled
      ? `DISABLED since ${v.disabled.at}: ${displayText(v.disabled.reason)}`
      : v.configured
        ? 'active'
        : 'not configured now';
    lines.push(`${v.name} (${v.type}): ${state}`);
    if (v.routing)
      lines.push(
        `  routing: severity ${v.routing.minSeverity}+, rules ${v.routing.rules?.join(',') ?? 'all'}, ${v.routing.immediate ? 'immediate' : 'no immediate events'}${v.routing.digest ? `, digest "${v.routing.digest}" ${v.routing.timezone}` : ''}${v.routing.reminderDays ? `, reminders every ${v.routing.reminderDays} d` : ''}`,
      );
    lines.push(`  last delivery: ${v.lastSuccessAt ?? 'never'}`);
    lines.push(
      `  last failure:  ${v.lastFailureAt ? `${v.lastFailureAt}: ${displayText(v.lastFailure ?? '')}` : 'none'}`,
    );
    lines.push(
      `  deliveries:    ${v.delivered} delivered, ${v.pending} pending${v.oldestPendingAt ? ` (oldest ${v.oldestPendingAt})` : ''}, ${v.dead} dead`,
    );
  }
  return `${lines.join('\n')}\n`;
}
