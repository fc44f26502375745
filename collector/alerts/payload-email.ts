// Email: a subject, a plain-text part and an HTML part (every value escaped). Pure.
import type { AlertEvent, DigestItem } from './event.ts';
import { deviceName, digestLine, headline, incidentFacts, link, TEST_TEXT } from './payload-words.ts';
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

export function emailMessage(e: AlertEvent, ctx: RenderContext): EmailMessage {
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
