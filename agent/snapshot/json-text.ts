// JSON that is as safe on a terminal as it is for a program. JSON.stringify escapes C0 controls, quotes,
// backslashes and lone surrogates, but writes DEL, C1 controls (U+009B is an 8-bit CSI), bidi overrides
// and zero-width characters raw; here those (displayText's set) become \uXXXX escapes too. Outside
// strings JSON holds only ASCII punctuation, digits and literals, so every such character is inside a
// string (the indentation's line feeds aside), where a \uXXXX escape is always valid: JSON.parse gives
// back exactly the same value.
import { UNSAFE_CHARACTER } from './display-text.ts';

// Except the line feeds of the indentation (inside strings JSON.stringify has escaped them already).
const UNSAFE_ALL = new RegExp(`(?!\\n)${UNSAFE_CHARACTER.source}`, 'gu');

const unicodeEscape = (char: string): string => {
  let out = '';
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
};

/** Serialised JSON (JSON.stringify's, or a JSON logger's lines) with those characters escaped. */
export function escapeJson(json: string): string {
  return json.replace(UNSAFE_ALL, unicodeEscape);
}

/** JSON.stringify(value, null, space), with the characters a terminal would act on or hide escaped. */
export function jsonText(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space) as string | undefined;
  if (text === undefined) throw new TypeError('jsonText: the value has no JSON form');
  return escapeJson(text);
}
