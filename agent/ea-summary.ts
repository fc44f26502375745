// The extension attributes' summary: every EA value of the last collection, the collection time and
// when it turns stale, as the XML property list the agent writes at each collection (ea-summary-file.ts)
// so that inventory tools read it without starting the agent: `defaults read`, PlistBuddy, osquery's
// `plist` table, a munki condition. `tokenwatch-agent ea NAME` reads the same file. Pure.
//
// Stale (staleness.ts): a collection older than twice StartIntervalSeconds. Every value then
// reads `Stale`, except last-collection, which keeps its date (it says how stale). The file carries the
// instant (StaleAfter, StaleAfterEpoch for shell arithmetic), so a one-line EA and `ea NAME` agree.
import type { Snapshot } from './snapshot/index.ts';
import { displayText } from './snapshot/display-text.ts';
import { EAS } from './ea.ts';
import { staleAfterMs } from './staleness.ts';

export interface EaSummary {
  /** ISO 8601, whole seconds (a plist <date> has no fraction). */
  collectedAt: string;
  staleAfter: string;
  intervalSeconds: number;
  /** EA name -> value, in EAS order. */
  values: Record<string, string>;
}

/** The EA whose value is the collection time: it is never replaced by Stale. */
export const LAST_COLLECTION_EA = 'last-collection';
export const STALE = 'Stale';
export const NOT_COLLECTED = 'Not collected';

const wholeSeconds = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function eaSummary(snapshot: Snapshot, intervalSeconds: number): EaSummary {
  const collected = Date.parse(snapshot.collectedAt);
  const values: Record<string, string> = {};
  for (const ea of EAS) values[ea.name] = displayText(ea.value(snapshot));
  return {
    collectedAt: wholeSeconds(collected),
    staleAfter: wholeSeconds(staleAfterMs(collected, intervalSeconds)),
    intervalSeconds,
    values,
  };
}

/** What an EA answers from the summary at `now`: its value, Stale, or Not collected. */
export function eaAnswer(summary: EaSummary | null, name: string, now: Date): string {
  if (summary === null) return NOT_COLLECTED;
  const value = summary.values[name];
  if (value === undefined) return `Unknown (not in the summary: written by another agent version)`;
  if (name !== LAST_COLLECTION_EA && now.getTime() > Date.parse(summary.staleAfter)) return STALE;
  return value;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const escapeXml = (s: string) => s.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
const UNESCAPES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n<dict>\n';
const FOOTER = '</dict>\n</plist>\n';

/** The summary as an XML property list: one flat dictionary. */
export function renderSummaryPlist(s: EaSummary): string {
  const entry = (key: string, type: 'string' | 'date' | 'integer', value: string) =>
    `\t<key>${escapeXml(key)}</key>\n\t<${type}>${type === 'string' ? escapeXml(value) : value}</${type}>\n`;
  let body = entry('CollectedAt', 'date', s.collectedAt);
  body += entry('StaleAfter', 'date', s.staleAfter);
  body += entry('StaleAfterEpoch', 'integer', String(Date.parse(s.staleAfter) / 1000));
  body += entry('IntervalSeconds', 'integer', String(s.intervalSeconds));
  for (const [name, value] of Object.entries(s.values)) body += entry(name, 'string', value);
  return HEADER + body + FOOTER;
}

const ENTRY = /^\s*<key>([^<]*)<\/key>\s*<(string|date|integer)>([^<]*)<\/\2>/;
const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Reads back what renderSummaryPlist wrote, and nothing else: one flat dictionary of strings, dates and
 * integers with the four fixed keys. Anything else is an error naming what was wrong.
 */
export function parseSummaryPlist(text: string): { summary: EaSummary } | { error: string } {
  const start = text.indexOf('<dict>');
  const end = text.lastIndexOf('</dict>');
  if (!text.startsWith('<?xml') || start < 0 || end < start)
    return { error: 'not a property list dictionary' };
  let rest = text.slice(start + '<dict>'.length, end);
  const entries = new Map<string, { type: string; value: string }>();
  while (rest.trim() !== '') {
    const m = ENTRY.exec(rest);
    if (!m) return { error: `unexpected content: ${JSON.stringify(rest.trim().slice(0, 40))}` };
    const unescape = (s: string) =>
      s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => UNESCAPES[e] ?? '');
    entries.set(unescape(m[1] ?? ''), { type: m[2] ?? '', value: unescape(m[3] ?? '') });
    rest = rest.slice(m[0].length);
  }
  const take = (key: string, type: string) => {
    const e = entries.get(key);
    entries.delete(key);
    return e?.type === type ? e.value : null;
  };
  const collectedAt = take('CollectedAt', 'date');
  const staleAfter = take('StaleAfter', 'date');
  take('StaleAfterEpoch', 'integer');
  const interval = take('IntervalSeconds', 'integer');
  if (!collectedAt || !DATE.test(collectedAt) || !staleAfter || !DATE.test(staleAfter) || !interval)
    return { error: 'CollectedAt, StaleAfter or IntervalSeconds missing or malformed' };
  const values: Record<string, string> = {};
  for (const [key, e] of entries) if (e.type === 'string') values[key] = e.value;
  return { summary: { collectedAt, staleAfter, intervalSeconds: Number(interval), values } };
}
