// Small pieces of markup every page uses: status, severity and finding-state badges, yes/no/unknown marks
// (a symbol for the eye and a word for screen readers and copy-paste), and instants as <time>.
import type { DeviceStatus, FindingState, Severity } from '../../../collector/rules/index.ts';
import { markup } from './escape.ts';
import type { Html } from './escape.ts';

export function statusBadge(status: DeviceStatus): Html {
  return markup`<span class="badge ${status}">${status}</span>`;
}

export function severityBadge(severity: Severity): Html {
  return markup`<span class="badge ${severity}">${severity}</span>`;
}

/** Nothing for an active finding (the usual case); a badge for pending and exempted ones. */
export function stateBadge(state: FindingState): Html {
  return state === 'active' ? markup`` : markup` <span class="badge ${state}">${state}</span>`;
}

/** A flag as the snapshot has it: true, false, or null (not established). */
export function mark(value: boolean | null | undefined, yes = 'yes', no = 'no'): Html {
  if (value === true)
    return markup`<span class="mark-yes" title="${yes}" aria-hidden="true">&#10003;</span><span class="visually-hidden">${yes}</span>`;
  if (value === false)
    return markup`<span class="mark-no" title="${no}" aria-hidden="true">&#10007;</span><span class="visually-hidden">${no}</span>`;
  return markup`<span class="mark-unknown" title="unknown" aria-hidden="true">?</span><span class="visually-hidden">unknown</span>`;
}

/** `2026-03-02 11:55 UTC` from ISO 8601, in a <time> element; the text as given when it is no instant. */
export function when(iso: string | null | undefined): Html {
  if (iso === null || iso === undefined) return markup`-`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return markup`${iso}`;
  const full = new Date(t).toISOString();
  return markup`<time datetime="${full}">${full.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** How long ago, in the largest whole unit (`3 d`, `5 h`, `12 min`, `now`), from two instants. */
export function age(iso: string | null | undefined, now: Date): string {
  if (iso === null || iso === undefined) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.floor((now.getTime() - t) / 1000));
  if (s >= 86400) return `${Math.floor(s / 86400)} d`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return 'now';
}

/** A share as a percentage with one decimal (`97.3%`), or `-` when there is nothing to divide. */
export function percent(part: number, whole: number): string {
  if (whole <= 0) return '-';
  return `${(Math.round((part / whole) * 1000) / 10).toFixed(1)}%`;
}
