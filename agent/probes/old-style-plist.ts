// A tokenizer + parser for the old-style (NeXTSTEP) property-list text that Foundation's -description
// prints and mdmclient shows:  { Key = value; "Quoted Key" = "value"; List = ( a, "b" ); }
// Subset handled: dictionaries, arrays, quoted and bare strings, <hex data>, and NSData's description
// "{length = 32, bytes = 0x068b4535 ... 61731ac3}" (read as opaque data: never kept, it is a push token).
// A syntax error throws PlistSyntaxError with its line number; values are never echoed in messages.

export type PlistValue = string | PlistValue[] | PlistDict | PlistData;
export type PlistDict = Map<string, PlistValue>;
export interface PlistData {
  data: true;
}

export interface PlistSyntaxError {
  line: number;
  message: string;
}

export function isSyntaxError(e: unknown): e is PlistSyntaxError {
  return typeof e === 'object' && e !== null && 'line' in e && 'message' in e && !(e instanceof Error);
}

export interface Reader {
  text: string;
  pos: number;
  line: number;
}

const BARE = /[A-Za-z0-9_$+/:.-]+/y;
const NSDATA = /\{length = \d+, bytes = [0-9a-fA-Fx. ]*\}/y;
const HEX_DATA = /<[0-9a-fA-F\s]*>/y;

function fail(r: Reader, message: string): never {
  throw { line: r.line, message } satisfies PlistSyntaxError;
}

function describe(r: Reader): string {
  if (r.pos >= r.text.length) return 'end of output';
  const c = r.text.charAt(r.pos);
  return /[{}()=;,"<>]/.test(c) ? `'${c}'` : 'a word';
}

export function skipSpace(r: Reader): void {
  while (r.pos < r.text.length && /\s/.test(r.text.charAt(r.pos))) {
    if (r.text[r.pos] === '\n') r.line++;
    r.pos++;
  }
}

function sticky(r: Reader, re: RegExp): string | null {
  re.lastIndex = r.pos;
  const m = re.exec(r.text);
  if (!m) return null;
  r.pos += m[0].length;
  r.line += m[0].split('\n').length - 1;
  return m[0];
}

function quoted(r: Reader): string {
  const startLine = r.line;
  let out = '';
  r.pos++; // opening quote
  while (r.pos < r.text.length) {
    const c = r.text.charAt(r.pos);
    if (c === '"') {
      r.pos++;
      return out;
    }
    if (c === '\n') r.line++;
    if (c === '\\' && r.pos + 1 < r.text.length) {
      const n = r.text.charAt(r.pos + 1);
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      r.pos += 2;
      continue;
    }
    out += c;
    r.pos++;
  }
  r.line = startLine;
  return fail(r, 'unterminated quoted string');
}

function string(r: Reader, what: string): string {
  skipSpace(r);
  if (r.text[r.pos] === '"') return quoted(r);
  const word = sticky(r, BARE);
  if (word === null) fail(r, `expected ${what}, found ${describe(r)}`);
  return word;
}

function expect(r: Reader, c: string, context: string): void {
  skipSpace(r);
  if (r.text[r.pos] !== c) fail(r, `expected '${c}' ${context}, found ${describe(r)}`);
  r.pos++;
}

function dict(r: Reader): PlistDict {
  const out: PlistDict = new Map();
  r.pos++; // '{'
  for (;;) {
    skipSpace(r);
    if (r.text[r.pos] === '}') {
      r.pos++;
      return out;
    }
    const key = string(r, 'a key or }');
    expect(r, '=', `after key ${key}`);
    out.set(key, parseValue(r));
    expect(r, ';', `after the value of ${key}`);
  }
}

function array(r: Reader): PlistValue[] {
  const out: PlistValue[] = [];
  r.pos++; // '('
  for (;;) {
    skipSpace(r);
    if (r.text[r.pos] === ')') {
      r.pos++;
      return out;
    }
    out.push(parseValue(r));
    skipSpace(r);
    if (r.text[r.pos] === ',') r.pos++;
    else if (r.text[r.pos] !== ')') fail(r, `expected ',' or ')' in a list, found ${describe(r)}`);
  }
}

/** Parses one value at r.pos (leading whitespace allowed); leaves r after it. Throws PlistSyntaxError. */
export function parseValue(r: Reader): PlistValue {
  skipSpace(r);
  const c = r.text[r.pos];
  if (c === '{') return sticky(r, NSDATA) !== null ? { data: true } : dict(r);
  if (c === '(') return array(r);
  if (c === '<') {
    if (sticky(r, HEX_DATA) === null) fail(r, 'malformed <data>');
    return { data: true };
  }
  return string(r, 'a value');
}

/** Walks dictionaries by key: lookup(v, 'QueryResponses', 'MDMOptions'). */
export function lookup(value: PlistValue | undefined, ...path: string[]): PlistValue | undefined {
  let v = value;
  for (const key of path) v = v instanceof Map ? v.get(key) : undefined;
  return v;
}
