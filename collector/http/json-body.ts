// Request bodies as JSON: the nesting depth is checked by one pass over the bytes BEFORE anything parses or
// recurses (MAX_JSON_DEPTH, the contract's bound, which the digest also keeps); the parsed value is then
// scanned by secure-json-parse, which refuses `__proto__` and `constructor.prototype` keys however they
// were spelt in the text (`"\u005f_proto__"` included), instead of a hand-written check of the raw text.
import sjson from 'secure-json-parse';
import { MAX_JSON_DEPTH } from '../../agent/snapshot/index.ts';
import { depthExceededAt } from '../services/json-depth.ts';

// safe: scan answers null instead of throwing, so no error text has to be read.
const FORBID = { protoAction: 'error', constructorAction: 'error', safe: true } as const;

export class JsonBodyError extends Error {
  override name = 'JsonBodyError';
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
