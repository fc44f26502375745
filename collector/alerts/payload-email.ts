// Email: a subject, a plain-text part and an HTML part (every value escaped). Pure. A report's message is
// its summary; the channel attaches the report's file (channels/email.ts).
import type { AlertEvent, DigestItem } from './event.ts';
import {
  deviceName,
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

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** A header line never carries a line break from a Mac's text. */
const oneLine = (s: string): string => s.replace(/[\r\n\t\u2028\u2029]+/g, ' ').slice(0, 200);

function lists(e: AlertEvent, ctx: RenderContext): { text: string[]; html: string[] } {
  const d = e.digest;
  if (!d) return { text: [], html: [] };
  const text: string[] = [];
  const html: string[] = [];
  const one = (title: string, items: DigestItem[], total: number) => {
    if (total === 0) return;
    text.push('', `${title} (${total}):`, ...items.map((it) => `  - ${digestLine(it)}`));
    html.push(`<h3>${esc(title)} (${total})</h3><ul>`);
    for (const it of items) {
      const url = link(ctx, it.serial);
      html.push(
        `<li>${url ? `<a href="${esc(url)}">${esc(deviceName(it))}</a>: ` : ''}${esc(digestLine(it))}</li>`,
      );
    }
    if (items.length < total) {
      text.push(`  … and ${total - items.length} more`);
      html.push(`<li>… and ${total - items.length} more</li>`);
    }
    html.push('</ul>');
  };
  one('Opened', d.opened, d.counts.opened);
  one(d.kind === 'backfill' ? 'Open' : 'Still open', d.active, d.counts.active);
  one('Resolved', d.resolved, d.counts.resolved);
  return { text, html };
}

/**
 * `notAttached`: why a report's file is not attached (too large, gone), said in the message instead; absent
 * when it is attached.
 */
export function emailMessage(
  e: AlertEvent,
  ctx: RenderContext,
  o: { notAttached?: string } = {},
): EmailMessage {
  const subject = oneLine(`[tokenwatch] ${headline(e)}`);
  const text: string[] = [headline(e), ''];
  const html: string[] = [`<h2>${esc(headline(e))}</h2>`];
  if (e.incident) {
    const i = e.incident;
    const facts = incidentFacts(i);
    const width = Math.max(...facts.map(([k]) => k.length));
    text.push(...facts.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`), '', `Why: ${i.reason}`);
    html.push(
      '<table>',
      ...facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`),
      '</table>',
    );
    html.push(`<p><b>Why:</b> ${esc(i.reason)}</p>`);
    if (e.type !== 'resolved' && i.rule.remediation) {
      text.push('', `Fix: ${i.rule.remediation}`);
      html.push(`<p><b>Fix:</b> ${esc(i.rule.remediation)}</p>`);
    }
    const url = link(ctx, i.device.serial);
    if (url) {
      text.push('', `Device: ${url}`);
      html.push(`<p><a href="${esc(url)}">Open ${esc(i.device.serial)} in tokenwatch</a></p>`);
    }
  } else if (e.digest) {
    const l = lists(e, ctx);
    text.push(`Period: ${e.digest.from ?? 'start'} to ${e.digest.to}`, ...l.text);
    html.push(`<p>Period: ${esc(e.digest.from ?? 'start')} to ${esc(e.digest.to)}</p>`, ...l.html);
  } else if (e.report) {
    const r = e.report;
    const facts = reportFacts(r);
    const width = Math.max(...facts.map(([k]) => k.length));
    text.push(...facts.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`));
    html.push(
      '<table>',
      ...facts.map(([k, v]) => `<tr><th align="left">${esc(k)}</th><td>${esc(v)}</td></tr>`),
      '</table>',
    );
    if (r.byRule.length > 0) {
      text.push('', 'Findings by rule:', ...r.byRule.map((x) => `  - ${reportRuleLine(x)}`));
      html.push(
        '<h3>Findings by rule</h3><ul>',
        ...r.byRule.map((x) => `<li>${esc(reportRuleLine(x))}</li>`),
        '</ul>',
      );
    }
    if (r.noncompliant.length > 0) {
      text.push('', `${reportMacsTitle(r)}:`, ...r.noncompliant.map((m) => `  - ${reportMacLine(m)}`));
      html.push(`<h3>${esc(reportMacsTitle(r))}</h3><ul>`);
      for (const m of r.noncompliant) {
        const url = link(ctx, m.serial);
        html.push(
          `<li>${url ? `<a href="${esc(url)}">${esc(deviceName(m))}</a>: ` : ''}${esc(reportMacLine(m))}</li>`,
        );
      }
      html.push('</ul>');
    }
    const where =
      o.notAttached === undefined
        ? `The report is attached (${r.file}).`
        : `The report is not attached (${o.notAttached}): it is ${r.file} in the collector's report directory.`;
    text.push('', where);
    html.push(`<p>${esc(where)}</p>`);
  } else {
    text.push(`${TEST_TEXT} (channel ${ctx.channel})`);
    html.push(`<p>${esc(TEST_TEXT)} (channel ${esc(ctx.channel)})</p>`);
  }
  text.push('', `-- tokenwatch ${e.type} event ${e.id} at ${e.occurredAt}`);
  html.push(`<p style="color:#888">tokenwatch ${esc(e.type)} event ${esc(e.id)} at ${esc(e.occurredAt)}</p>`);
  return {
    subject,
    text: `${text.join('\n')}\n`,
    html: `<!doctype html><html><body>${html.join('\n')}</body></html>\n`,
  };
}
