// Slack incoming webhook: `text` (the notification and the fallback) plus Block Kit blocks. Pure.
// Limits Slack enforces: a header's text 150 characters, a section's 3000, at most 50 blocks a message;
// text is escaped (&, <, >) so that nothing from a Mac becomes a mention or a link.
import type { AlertEvent, DigestItem } from './event.ts';
import { DIGEST_ITEMS } from './event.ts';
import {
  cut,
  digestHeadline,
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

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

type Block = Record<string, unknown>;
const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: cut(text, 150) },
});
const section = (markdown: string): Block => ({
  type: 'section',
  text: { type: 'mrkdwn', text: cut(markdown, 3000) },
});
const context = (markdown: string): Block => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: cut(markdown, 3000) }],
});
const button = (url: string, text: string): Block => ({
  type: 'actions',
  elements: [{ type: 'button', text: { type: 'plain_text', text }, url }],
});

/** A digest list as sections of at most 3000 characters each (a line per incident, linked when possible). */
function listSections(
  title: string,
  items: DigestItem[],
  total: number,
  ctx: RenderContext,
  room: number,
): Block[] {
  if (total === 0) return [];
  const lines = items.map((it) => {
    const url = link(ctx, it.serial);
    const line = esc(digestLine(it));
    return url ? `• <${url}|${esc(it.serial)}> ${line}` : `• ${line}`;
  });
  const blocks: Block[] = [];
  let current = `*${title} (${total})*`;
  let shown = 0;
  for (const line of lines) {
    if (current.length + 1 + line.length > 3000) {
      if (blocks.length + 1 >= room) break;
      blocks.push(section(current));
      current = line;
    } else current += `\n${line}`;
    shown++;
  }
  blocks.push(section(current));
  if (shown < total) blocks.push(context(`… and ${total - shown} more: see GET /api/v1/alerts/events`));
  return blocks;
}

export function slackBody(e: AlertEvent, ctx: RenderContext): string {
  // The top-level text is the notification and is read as mrkdwn: escaped like the sections.
  const text = esc(headline(e));
  const blocks: Block[] = [header(headline(e))];
  if (e.incident) {
    const i = e.incident;
    blocks.push({
      type: 'section',
      fields: incidentFacts(i)
        .slice(0, 10)
        .map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${esc(v)}`, 2000) })),
    });
    blocks.push(section(`*Why*\n${esc(i.reason)}`));
    if (e.type !== 'resolved' && i.rule.remediation)
      blocks.push(section(`*Fix*\n${esc(i.rule.remediation)}`));
    const url = link(ctx, i.device.serial);
    if (url) blocks.push(button(url, 'Open device'));
    blocks.push(context(`tokenwatch · ${esc(e.type)} · ${esc(e.occurredAt)} · ${esc(e.id)}`));
  } else if (e.digest) {
    const d = e.digest;
    const room = 50 - 3;
    const per = Math.floor(room / 3);
    blocks.push(...listSections('Opened', d.opened.slice(0, DIGEST_ITEMS), d.counts.opened, ctx, per));
    blocks.push(
      ...listSections(d.kind === 'backfill' ? 'Open' : 'Still open', d.active, d.counts.active, ctx, per),
    );
    blocks.push(...listSections('Resolved', d.resolved, d.counts.resolved, ctx, per));
    blocks.push(context(`tokenwatch · ${esc(d.from ?? 'start')} to ${esc(d.to)} · ${esc(e.id)}`));
    return JSON.stringify({ text: esc(digestHeadline(e)), blocks });
  } else if (e.report) {
    const r = e.report;
    blocks.push({
      type: 'section',
      fields: reportFacts(r)
        .slice(0, 10)
        .map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${esc(v)}`, 2000) })),
    });
    if (r.byRule.length > 0)
      blocks.push(
        section(`*Findings by rule*\n${r.byRule.map((x) => `• ${esc(reportRuleLine(x))}`).join('\n')}`),
      );
    if (r.noncompliant.length > 0) {
      const lines = r.noncompliant.map((m) => {
        const url = link(ctx, m.serial);
        const line = esc(reportMacLine(m));
        return url ? `• <${url}|${esc(m.serial)}> ${line}` : `• ${line}`;
      });
      blocks.push(section(`*${esc(reportMacsTitle(r))}*\n${lines.join('\n')}`));
    }
    blocks.push(context(`tokenwatch · report · ${esc(r.generatedAt)} · ${esc(e.id)}`));
  } else {
    blocks.push(section(esc(`${TEST_TEXT} (channel ${ctx.channel})`)));
  }
  return JSON.stringify({ text, blocks });
}
