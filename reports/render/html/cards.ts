// Summary cards: one number each, with what it counts; a card with an href links to the devices it counts.
import { markup } from './escape.ts';
import type { Html } from './escape.ts';

export interface Card {
  label: string;
  value: string | number;
  /** A second line under the label (a share, the denominator), optional. */
  hint?: string;
  tone?: 'bad' | 'warn' | 'good' | 'plain';
  href?: string;
}

export function cards(list: readonly Card[]): Html {
  const items = list.map((c) => {
    const cls = `card ${c.tone ?? 'plain'}`;
    const hint = c.hint ? markup`<span class="label">${c.hint}</span>` : '';
    const body = markup`<span class="value">${c.value}</span><span class="label">${c.label}</span>${hint}`;
    const card = c.href
      ? markup`<a class="${cls}" href="${c.href}">${body}</a>`
      : markup`<div class="${cls}">${body}</div>`;
    return markup`<li>${card}</li>`;
  });
  return markup`<ul class="cards">${items}</ul>`;
}
