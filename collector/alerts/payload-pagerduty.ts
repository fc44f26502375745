// PagerDuty Events API v2: an incident's opened, reopened and reminder events trigger, its resolved and
// exempted events resolve, with dedup_key = the incident id, so PagerDuty closes what tokenwatch closes. A
// digest (a backfill included) is one trigger of its own; a test is an info trigger. The scheduled report is
// a change event (informational: it opens no incident), sent to the Events API's change endpoint beside the
// channel's URL (pagerdutyChangeUrl). Pure.
import type { AlertEvent } from './event.ts';
import type { Severity } from '../rules/types.ts';
import {
  cut,
  digestHeadline,
  headline,
  incidentFacts,
  link,
  reportFacts,
  reportMacLine,
  reportRuleLine,
  TEST_TEXT,
} from './payload-words.ts';
import type { RenderContext } from './payload-words.ts';

/** PagerDuty knows critical, error, warning and info. */
const PD_SEVERITY: Record<Severity, string> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'warning',
  info: 'info',
};
const RANK: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** The change events endpoint beside the events one: .../v2/enqueue -> .../v2/change/enqueue. */
export function pagerdutyChangeUrl(eventsUrl: string): string {
  return new URL('change/enqueue', eventsUrl).toString();
}

export function pagerdutyBody(e: AlertEvent, ctx: RenderContext & { routingKey: string }): string {
  if (e.report) {
    const r = e.report;
    return JSON.stringify({
      routing_key: ctx.routingKey,
      payload: {
        summary: cut(headline(e), 1024),
        timestamp: e.occurredAt,
        source: 'tokenwatch',
        custom_details: {
          ...Object.fromEntries(reportFacts(r)),
          byRule: r.byRule.map(reportRuleLine),
          noncompliant: r.noncompliant.map(reportMacLine),
          event: e.id,
        },
      },
      ...(ctx.publicUrl ? { links: [{ href: ctx.publicUrl, text: 'Open the tokenwatch dashboard' }] } : {}),
    });
  }
  const base = {
    routing_key: ctx.routingKey,
    client: 'tokenwatch',
    ...(ctx.publicUrl ? { client_url: ctx.publicUrl } : {}),
  };
  const i = e.incident;
  if (i && (e.type === 'resolved' || e.type === 'exempted'))
    return JSON.stringify({ ...base, event_action: 'resolve', dedup_key: i.id });
  if (i) {
    const url = link(ctx, i.device.serial);
    return JSON.stringify({
      ...base,
      event_action: 'trigger',
      dedup_key: i.id,
      payload: {
        summary: cut(headline(e), 1024),
        source: i.device.hostname ?? i.device.serial,
        severity: PD_SEVERITY[i.rule.severity],
        timestamp: e.occurredAt,
        component: i.device.serial,
        group: 'tokenwatch',
        class: i.rule.id,
        custom_details: {
          ...Object.fromEntries(incidentFacts(i)),
          reason: i.reason,
          remediation: i.rule.remediation,
          event: e.id,
        },
      },
      ...(url ? { links: [{ href: url, text: 'Open device in tokenwatch' }] } : {}),
    });
  }
  if (e.digest) {
    const d = e.digest;
    const worst = [...d.opened, ...d.active].reduce<Severity>(
      (w, it) => (RANK.indexOf(it.severity) > RANK.indexOf(w) ? it.severity : w),
      'info',
    );
    return JSON.stringify({
      ...base,
      event_action: 'trigger',
      dedup_key: e.id,
      payload: {
        summary: cut(digestHeadline(e), 1024),
        source: 'tokenwatch',
        severity: PD_SEVERITY[worst],
        timestamp: e.occurredAt,
        group: 'tokenwatch',
        class: `digest-${d.kind}`,
        custom_details: {
          counts: d.counts,
          from: d.from,
          to: d.to,
          open: d.active
            .slice(0, 50)
            .map((it) => `${it.serial} ${it.rule}${it.users.length ? ` (${it.users.join(', ')})` : ''}`),
        },
      },
    });
  }
  return JSON.stringify({
    ...base,
    event_action: 'trigger',
    dedup_key: e.id,
    payload: {
      summary: `tokenwatch test (channel ${ctx.channel})`,
      source: 'tokenwatch',
      severity: 'info',
      timestamp: e.occurredAt,
      group: 'tokenwatch',
      class: 'test',
      custom_details: { message: TEST_TEXT },
    },
  });
}
