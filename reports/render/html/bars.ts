// Breakdowns (by rule, OS version, model) as tables with a bar per row: the numbers are text (sortable,
// copyable, read by screen readers), the bar is an SVG drawn at render time (no script, no inline style,
// so it works under the dashboard's Content-Security-Policy, in print and with scripts off).
import { markup } from './escape.ts';
import type { Html, HtmlValue } from './escape.ts';
import { percent } from './marks.ts';

export interface BreakdownRow {
  /** What the row counts (a rule id, an OS version, a model): shown as text. */
  label: string;
  /** Markup beside the label (a title, a severity badge), optional. */
  detail?: HtmlValue;
  /** Devices in this group. */
  devices: number;
  /** Of them, the ones the bar shows (noncompliant, or failing the rule). */
  count: number;
  /** Where the row links to (a filtered device list), optional. */
  href?: string;
}

export interface Breakdown {
  id: string;
  /** Header of the label column. */
  labelHeader: string;
  /** Header of the counted column. */
  countHeader: string;
  /** The share is of the row's devices (noncompliant of this OS) or of the fleet (failing this rule). */
  shareOf: 'row' | 'fleet';
  fleet: number;
  rows: readonly BreakdownRow[];
  /** Shown when there are no rows. */
  empty: string;
}

export function bar(part: number, whole: number, tone: 'bad' | 'plain' = 'plain'): Html {
  const width = whole > 0 ? Math.min(100, Math.max(0, (part / whole) * 100)) : 0;
  return markup`<svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="track" width="100" height="8"></rect><rect class="fill${tone === 'bad' ? ' bad' : ''}" width="${width.toFixed(2)}" height="8"></rect></svg>`;
}

const sortable = (label: string, cls = '') =>
  markup`<th${cls ? markup` class="${cls}"` : ''} aria-sort="none"><button class="sort" type="button">${label}</button></th>`;

export function breakdownTable(b: Breakdown): Html {
  if (b.rows.length === 0) return markup`<p class="note">${b.empty}</p>`;
  const perRow = b.shareOf === 'row';
  const rows = b.rows.map((r) => {
    const whole = perRow ? r.devices : b.fleet;
    const label = r.href ? markup`<a href="${r.href}">${r.label}</a>` : markup`${r.label}`;
    const detail = r.detail ? markup` ${r.detail}` : '';
    const devices = perRow ? markup`<td class="num">${r.devices}</td>` : '';
    return markup`<tr><td class="wrap" data-sort="${r.label}">${label}${detail}</td><td class="num">${r.count}</td>${devices}<td class="num" data-sort="${whole > 0 ? r.count / whole : 0}">${percent(r.count, whole)}</td><td class="bar-cell">${bar(r.count, whole, 'bad')}</td></tr>`;
  });
  const head = [
    sortable(b.labelHeader),
    sortable(b.countHeader, 'num'),
    perRow ? sortable('devices', 'num') : '',
    sortable(perRow ? 'share' : 'of the fleet', 'num'),
    markup`<th><span class="visually-hidden">bar</span></th>`,
  ];
  return markup`<table class="data" id="${b.id}" data-sortable><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}
