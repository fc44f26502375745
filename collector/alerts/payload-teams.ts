// Microsoft Teams through a Workflows webhook ("When a Teams webhook request is received"): a message with
// one Adaptive Card attachment (version 1.4; the retired Office 365 connectors' MessageCard is not used).
// Pure.
import type { AlertEvent, DigestItem } from './event.ts';
import {
  cut,
  digestLine,
  headline,
  incidentFacts,
  link,
  reportFacts,
  reportMacLine,
  reportMacsTitle,
  reportRuleLine,
  TEST_TEXT,
} from './payload-words.ts';
import type { RenderContext } from './payload-words.ts';

type Element = Record<string, unknown>;
const COLOR: Record<AlertEvent['type'], string> = {
  opened: 'Attention',
  reopened: 'Attention',
  reminder: 'Warning',
  resolved: 'Good',
  exempted: 'Accent',
  digest: 'Default',
  report: 'Default',
  test: 'Default',
};
/** Teams rejects cards over about 28 KB: digest lists stop at this many lines each. */
const TEAMS_LINES = 40;

const text = (t: string, more: Element = {}): Element => ({
  type: 'TextBlock',
  text: t,
  wrap: true,
  ...more,
});

function list(title: string, items: DigestItem[], total: number): Element[] {
  if (total === 0) return [];
  const shown = items.slice(0, TEAMS_LINES);
  const lines = shown.map((it) => `- ${cut(digestLine(it), 300)}`);
  if (total > shown.length) lines.push(`- … and ${total - shown.length} more`);
  return [text(`${title} (${total})`, { weight: 'Bolder', spacing: 'Medium' }), text(lines.join('\n'))];
}

export function teamsBody(e: AlertEvent, ctx: RenderContext): string {
  const body: Element[] = [
    text(cut(headline(e), 300), { size: 'Medium', weight: 'Bolder', color: COLOR[e.type], style: 'heading' }),
  ];
  const actions: Element[] = [];
  if (e.incident) {
    const i = e.incident;
    body.push({ type: 'FactSet', facts: incidentFacts(i).map(([title, value]) => ({ title, value })) });
    body.push(text(`**Why:** ${i.reason}`));
    if (e.type !== 'resolved' && i.rule.remediation) body.push(text(`**Fix:** ${i.rule.remediation}`));
    const url = link(ctx, i.device.serial);
    if (url) actions.push({ type: 'Action.OpenUrl', title: 'Open device', url });
  } else if (e.digest) {
    const d = e.digest;
    body.push(...list('Opened', d.opened, d.counts.opened));
    body.push(...list(d.kind === 'backfill' ? 'Open' : 'Still open', d.active, d.counts.active));
    body.push(...list('Resolved', d.resolved, d.counts.resolved));
  } else if (e.report) {
    const r = e.report;
    body.push({ type: 'FactSet', facts: reportFacts(r).map(([title, value]) => ({ title, value })) });
    if (r.byRule.length > 0)
      body.push(
        text('Findings by rule', { weight: 'Bolder', spacing: 'Medium' }),
        text(r.byRule.map((x) => `- ${reportRuleLine(x)}`).join('\n')),
      );
    if (r.noncompliant.length > 0)
      body.push(
        text(reportMacsTitle(r), { weight: 'Bolder', spacing: 'Medium' }),
        text(r.noncompliant.map((m) => `- ${cut(reportMacLine(m), 300)}`).join('\n')),
      );
    if (ctx.publicUrl)
      actions.push({ type: 'Action.OpenUrl', title: 'Open the dashboard', url: ctx.publicUrl });
  } else body.push(text(`${TEST_TEXT} (channel ${ctx.channel})`));
  body.push(text(`tokenwatch · ${e.type} · ${e.occurredAt} · ${e.id}`, { isSubtle: true, size: 'Small' }));
  return JSON.stringify({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          ...(actions.length ? { actions } : {}),
        },
      },
    ],
  });
}
