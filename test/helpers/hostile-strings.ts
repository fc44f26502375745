// The hostile corpus (test/fixtures/hostile-strings.json) and the checks every output kind is held to.
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

export interface HostileString {
  id: string;
  what: string;
  text: string;
}

interface Entry extends HostileString {
  repeat?: number;
}

const FILE = path.resolve(import.meta.dirname, '../fixtures/hostile-strings.json');

export const HOSTILE: readonly HostileString[] = (
  JSON.parse(fs.readFileSync(FILE, 'utf8')) as { strings: Entry[] }
).strings.map((e) => ({ id: e.id, what: e.what, text: e.text.repeat(e.repeat ?? 1) }));

export function hostile(id: string): string {
  const found = HOSTILE.find((h) => h.id === id);
  if (!found) throw new Error(`no hostile string ${id} in ${FILE}`);
  return found.text;
}

// Written out, not taken from the sanitiser under test: C0, DEL, C1; bidi controls; zero width and
// other invisible format characters; separators; noncharacters; lone surrogates. The classes hold
// joiners and variation selectors on purpose (as escapes), which the lint rule takes for a mistake.
const RAW_UNSAFE = new RegExp(
  // eslint-disable-next-line no-misleading-character-class
  [
    '[\\u0000-\\u001f\\u007f-\\u009f]',
    '[\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c]',
    '[\\u200b-\\u200d\\u2060-\\u2064\\ufeff\\u00ad\\u034f\\u115f\\u1160\\u3164\\uffa0\\ufe00-\\ufe0f]',
    '\\udb40[\\udc00-\\udfff]',
    '[\\u2028\\u2029\\ufffe\\uffff]',
    '[\\ud800-\\udbff](?![\\udc00-\\udfff])',
    '(?<![\\ud800-\\udbff])[\\udc00-\\udfff]',
  ].join('|'),
  'g',
);

/** Unsafe characters in `text` as "U+XXXX at N", except those in `allowed` (e.g. the line ends). */
export function unsafeCharacters(text: string, allowed = ''): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(RAW_UNSAFE)) {
    if (allowed.includes(m[0])) continue;
    const cp = m[0].codePointAt(0) ?? 0;
    found.push(`U+${cp.toString(16).toUpperCase().padStart(4, '0')} at ${m.index}`);
    if (found.length >= 10) break;
  }
  return found;
}

/** Fails naming the first unsafe characters that survived into `output`. */
export function assertNoUnsafe(output: string, label: string, allowed = '\n'): void {
  const found = unsafeCharacters(output, allowed);
  assert.deepEqual(found, [], `${label}: raw unsafe characters survived: ${found.join(', ')}`);
}

/** Strips the colour sequences a renderer itself writes (SGR: ESC [ digits ; m) before the check. */
export function withoutOwnColour(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
