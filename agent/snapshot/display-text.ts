// How to show a device-supplied string (a user name, a hostname, an error quoting a tool's output) to a
// person on a terminal. Anything a terminal would act on or that hides itself is replaced by a visible
// escape, so the text cannot recolour, move the cursor, set the title or the clipboard (ESC, CSI, OSC),
// reorder what follows (bidi overrides and isolates), or pass for another name (zero-width and other
// invisible characters), and an admin sees that something was there:
//   C0 and C1 controls, DEL            \x1b  \x00  \x0a  \x7f  \x9b
//   format characters (bidi controls, zero width, BOM, soft hyphen, tags), line/paragraph separators,
//   default-ignorable characters (fillers, variation selectors), noncharacters, lone surrogates
//                                      \u202e  \u200b  \ufeff  \u2028  \ud800  \u{e0041}
// Everything else is kept. A backslash is not escaped: the result is the same when applied twice, and a
// name with a backslash reads as typed (the escapes are for a person, not for decoding).
// Pure, no imports: the agent (collect, status) and the reports (the fleet table, CSV, JSON) share it.

/** Characters never written raw to a terminal, spreadsheet cell or Jamf value. */
export const UNSAFE_CHARACTER =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/u;

const UNSAFE_ALL = new RegExp(UNSAFE_CHARACTER.source, 'gu');

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** The visible escape of one character: `\x1b` up to U+00FF, `\u202e` in the BMP, `\u{e0041}` above. */
export function visibleEscape(char: string): string {
  const cp = char.codePointAt(0) ?? 0;
  if (cp <= 0xff) return `\\x${hex(cp, 2)}`;
  if (cp <= 0xffff) return `\\u${hex(cp, 4)}`;
  return `\\u{${hex(cp, 0)}}`;
}

/** `text` as it may be shown to a person: every unsafe character replaced by its visible escape. */
export function displayText(text: string): string {
  return text.replace(UNSAFE_ALL, visibleEscape);
}
