// The generic webhook's body and its Standard Webhooks signature. Pure: golden-tested byte for byte, and
// verified in the tests with the standardwebhooks package as a receiver would.
//   body: {"id", "type", "timestamp", "data"}: the event type (opened, reminder, resolved, reopened,
//         exempted, digest, test), when it happened, and the incident (device with serial, model, OS,
//         console user, host name and link; rule, severity, users, failing since, reason, remediation) or
//         the digest, or the scheduled report (counts, rates, counts by rule, the file's name and sha256, the
//         first noncompliant Macs with their links; the collector's path of the file is not sent).
//   headers: webhook-id (the event id: the same on every retry), webhook-timestamp (seconds, at sending),
//         webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, space-separated).
import { createHmac } from 'node:crypto';
import type { AlertEvent, DigestItem } from './event.ts';
import { link, TEST_TEXT } from './payload-words.ts';
import type { RenderContext } from './payload-words.ts';

const withLink = (ctx: RenderContext) => (item: DigestItem) => ({ ...item, url: link(ctx, item.serial) });

/** The JSON text of the webhook's body. */
export function webhookBody(e: AlertEvent, ctx: RenderContext): string {
  let data: unknown;
  if (e.incident) {
    const i = e.incident;
    data = {
      incident: {
        id: i.id,
        state: i.state,
        episode: i.episode,
        openedAt: i.openedAt,
        resolvedAt: i.resolvedAt,
      },
      device: { ...i.device, url: link(ctx, i.device.serial) },
      rule: { id: i.rule.id, title: i.rule.title },
      severity: i.rule.severity,
      users: i.users,
      failingSince: i.failingSince,
      reason: i.reason,
      remediation: i.rule.remediation,
      exemption: i.exemption,
      reminder: i.reminder,
    };
  } else if (e.digest) {
    const d = e.digest;
    data = {
      digest: {
        ...d,
        opened: d.opened.map(withLink(ctx)),
        active: d.active.map(withLink(ctx)),
        resolved: d.resolved.map(withLink(ctx)),
      },
    };
  } else if (e.report) {
    const { path: _, ...r } = e.report;
    data = {
      report: { ...r, noncompliant: r.noncompliant.map((m) => ({ ...m, url: link(ctx, m.serial) })) },
    };
  } else data = { channel: ctx.channel, message: TEST_TEXT };
  return JSON.stringify({ id: e.id, type: e.type, timestamp: e.occurredAt, data });
}

/** The Standard Webhooks headers of a body sent at `unixSeconds`, signed with each secret (whsec_...). */
export function signedHeaders(
  id: string,
  unixSeconds: number,
  body: string,
  secrets: readonly string[],
): Record<string, string> {
  const signed = `${id}.${unixSeconds}.${body}`;
  const signatures = secrets.map((s) => {
    const key = Buffer.from(s.replace(/^whsec_/, ''), 'base64');
    return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  });
  return {
    'webhook-id': id,
    'webhook-timestamp': String(unixSeconds),
    'webhook-signature': signatures.join(' '),
  };
}
