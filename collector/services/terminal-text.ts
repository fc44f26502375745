// Text for a terminal from values partly written by others (an agent's hostname, an address from
// X-Forwarded-For, an admin's reason): control and format characters (escape sequences, bidi overrides,
// zero-width) are shown as \uXXXX, so a line prints as what it says.
const uEscape = (ch: string) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;

/** The text with every control and format character as \uXXXX. */
export const printable = (s: string): string => s.replace(/[\p{Cc}\p{Cf}]/gu, uEscape);

/** JSON for a terminal: JSON.stringify leaves DEL, C1 controls and format characters raw; these are escaped. */
export const terminalJson = (value: unknown): string =>
  JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\p{Cf}]/gu, uEscape);
