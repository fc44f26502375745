// Request bodies as JSON: the nesting depth is checked by one pass over the bytes BEFORE anything parses or
// recurses (MAX_JSON_DEPTH, the contract's bound, which the digest also keeps); the parsed value is then
// scanned by secure-json-parse, which refuses `__proto__` and `constructor.prototype` keys however they
// were spelt in the text (`"\u005f_proto__"` included), instead of a hand-written check of the raw text.
import sjson from 'secure-json-parse';
import { MAX_JSON_DEPTH } from '../../agent/snapshot/index.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

// safe: scan answers null instead of throwing, so no error text has to be read.
const FORBID = { protoAction: 'error', constructorAction: 'error', safe: true } as const;

export class JsonBodyError extends Error {
  override name = 'JsonBodyError';
}

/**
 * The byte offset at which `bytes` opens an object or array deeper than `max` levels, or -1. A loop over
 * the bytes with a counter (no recursion, no allocation); brackets inside strings do not count. It need
 * not judge well-formedness: the parser does that next.
 */
export function depthExceededAt(bytes: Uint8Array, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return i;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
  return -1;
}

/** Parse a request body; a JsonBodyError says what is wrong (empty, too deep, malformed, forbidden key). */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new JsonBodyError('the body is empty');
  const at = depthExceededAt(bytes, MAX_JSON_DEPTH);
  if (at >= 0) {
    throw new JsonBodyError(
      `the body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels (at byte ${at})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new JsonBodyError(`the body is not valid JSON: ${(e as Error).message}`);
  }
  if (value !== null && typeof value === 'object' && sjson.scan(value, FORBID) === null) {
    throw new JsonBodyError('the body uses a forbidden key: __proto__ or constructor.prototype');
  }
  return value;
}
