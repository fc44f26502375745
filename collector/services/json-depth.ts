// How deep a JSON text nests, found without parsing or recursing: one loop over the bytes with a counter.
// Request bodies are checked with it before they are parsed, stored bodies before they are read back.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The byte offset at which `bytes` opens an object or array deeper than `max` levels, or -1. A loop over
 * the bytes with a counter (no recursion, no allocation); a string is skipped with indexOf to its closing
 * quote (one preceded by an even number of backslashes), so brackets inside strings do not count. It need
 * not judge well-formedness: the parser does that next.
 */
export function depthExceededAt(bytes: Uint8Array, max: number): number {
  let depth = 0;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b === QUOTE) {
      let from = i + 1;
      for (;;) {
        const q = bytes.indexOf(QUOTE, from);
        if (q < 0) return -1; // unterminated: the parser refuses it
        let backslashes = 0;
        while (bytes[q - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) {
          i = q + 1;
          break;
        }
        from = q + 1;
      }
      continue;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return i;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
    i++;
  }
  return -1;
}
