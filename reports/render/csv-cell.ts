// One CSV cell of text that may come from a Mac (hostnames, user names, reasons quoting a tool's output).
// 1. Controls and invisible characters are shown as in the terminal (displayText): no raw ESC, NUL,
//    bidi override or zero-width character reaches a spreadsheet or a terminal that prints the file,
//    and no CR or LF splits a record, so every record is one line.
// 2. A cell a spreadsheet would run as a formula gets a leading single quote. Spreadsheets skip leading
//    spaces and invisible characters and accept the full-width and small forms of the starters, so the
//    test looks past whitespace (including U+00A0 and U+3000), controls and invisible characters for
//    = + - @ and their forms U+FF1D U+FF0B U+FF0D U+FF20 U+FE66 U+FE62 U+FE63 U+FE6B; a cell starting
//    with a tab or CR is guarded too (OWASP's list).
// 3. RFC 4180: a field holding , " CR or LF is quoted, quotes doubled.
import { displayText } from '../../agent/snapshot/display-text.ts';

const FORMULA =
  /^[\s\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\uFE6B]/u;

/** Whether a spreadsheet could read `text` (as received, before escaping) as a formula. */
export function formulaLike(text: string): boolean {
  return text.startsWith('\t') || text.startsWith('\r') || FORMULA.test(text);
}

/** One CSV field: display text, formula-guarded, then quoted when RFC 4180 requires it. */
export function csvField(value: string | null): string {
  const raw = value ?? '';
  const text = formulaLike(raw) ? `'${displayText(raw)}` : displayText(raw);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
