// A strict reader for XML property lists (the Apple PLIST 1.0 DTD subset), pure: text in, value out.
// Written here rather than taken from `plist`: that package prints xmldom diagnostics to the console,
// reads `<integer>12abc</integer>` as 12 and fills a key without a value with "", where a
// configuration reader must say precisely what is wrong and where.
import { PlistError, setEntry } from './plist-value.ts';
import type { PlistDict, PlistValue } from './plist-value.ts';

const MAX_DEPTH = 512;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const INTEGER = /^[+-]?[0-9]+$/;
const REAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SPECIAL_REALS: Record<string, number> = {
  nan: Number.NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};
// CoreFoundation writes dates as 2024-01-02T03:04:05Z.
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

interface Tag {
  name: string;
  selfClosing: boolean;
  at: number;
}

/** Parses the text of an XML plist. Throws PlistError (with line and column) on anything else. */
export function parseXmlPlist(text: string): PlistValue {
  return new XmlPlistReader(text).document();
}

class XmlPlistReader {
  private readonly s: string;
  private pos = 0;

  constructor(text: string) {
    this.s = text;
  }

  document(): PlistValue {
    this.skipMisc(true);
    const root = this.openTag();
    if (root.name !== 'plist') this.fail(`the root element is <${root.name}>, expected <plist>`, root.at);
    if (root.selfClosing) this.fail('<plist> is empty: it holds no value', root.at);
    this.skipMisc(false);
    if (this.s.startsWith('</', this.pos)) this.fail('<plist> is empty: it holds no value');
    const value = this.value(this.openTag(), 1);
    this.skipMisc(false);
    if (!this.s.startsWith('</', this.pos)) this.fail('<plist> holds more than one value');
    this.closeTag('plist');
    this.skipMisc(false);
    if (this.pos < this.s.length) this.fail('content after </plist>');
    return value;
  }

  private value(tag: Tag, depth: number): PlistValue {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`, tag.at);
    switch (tag.name) {
      case 'dict':
        return this.dict(tag, depth);
      case 'array':
        return this.array(tag, depth);
      case 'string':
        return this.text(tag);
      case 'integer':
        return this.integer(tag);
      case 'real':
        return this.real(tag);
      case 'true':
      case 'false':
        if (this.text(tag) !== '') this.fail(`<${tag.name}> must be empty`, tag.at);
        return tag.name === 'true';
      case 'date':
        return this.date(tag);
      case 'data':
        return this.data(tag);
      case 'key':
        return this.fail('<key> outside a <dict>', tag.at);
      default:
        return this.fail(`unknown plist element <${tag.name}>`, tag.at);
    }
  }

  private dict(tag: Tag, depth: number): PlistDict {
    const dict: PlistDict = {};
    if (tag.selfClosing) return dict;
    for (;;) {
      this.skipMisc(false);
      if (this.s.startsWith('</', this.pos)) {
        this.closeTag('dict');
        return dict;
      }
      const keyTag = this.openTag();
      if (keyTag.name !== 'key') this.fail(`expected <key> in <dict>, found <${keyTag.name}>`, keyTag.at);
      const key = this.text(keyTag);
      if (Object.hasOwn(dict, key)) this.fail(`duplicate key "${key}" in <dict>`, keyTag.at);
      this.skipMisc(false);
      if (this.s.startsWith('</', this.pos)) this.fail(`key "${key}" has no value`);
      const valueTag = this.openTag();
      if (valueTag.name === 'key') this.fail(`key "${key}" has no value`, valueTag.at);
      setEntry(dict, key, this.value(valueTag, depth + 1));
    }
  }

  private array(tag: Tag, depth: number): PlistValue[] {
    const items: PlistValue[] = [];
    if (tag.selfClosing) return items;
    for (;;) {
      this.skipMisc(false);
      if (this.s.startsWith('</', this.pos)) {
        this.closeTag('array');
        return items;
      }
      items.push(this.value(this.openTag(), depth + 1));
    }
  }

  private integer(tag: Tag): number | bigint {
    const raw = this.text(tag).trim();
    if (!INTEGER.test(raw)) this.fail(`<integer> holds "${clip(raw)}", not an integer`, tag.at);
    const big = BigInt(raw);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(big)
      : big;
  }

  private real(tag: Tag): number {
    const raw = this.text(tag).trim();
    const special = SPECIAL_REALS[raw.toLowerCase()];
    if (special !== undefined) return special;
    if (!REAL.test(raw)) this.fail(`<real> holds "${clip(raw)}", not a number`, tag.at);
    return Number(raw);
  }

  private date(tag: Tag): Date {
    const raw = this.text(tag).trim();
    const m = DATE.exec(raw);
    const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m ? m.slice(1).map(Number) : [];
    const date = m ? new Date(Date.UTC(year, month - 1, day, hour, minute, second)) : null;
    // Date.UTC rolls 2024-02-30 over to March: a round trip catches impossible dates.
    if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) + 'Z' !== raw) {
      return this.fail(`<date> holds "${clip(raw)}", expected YYYY-MM-DDThh:mm:ssZ`, tag.at);
    }
    return date;
  }

  private data(tag: Tag): Uint8Array {
    const raw = this.text(tag).replace(/\s+/g, '');
    if (raw.length % 4 !== 0 || !BASE64.test(raw)) this.fail('<data> is not valid base64', tag.at);
    return new Uint8Array(Buffer.from(raw, 'base64'));
  }

  /** Character data up to the closing tag: entities decoded, CDATA kept, comments skipped. */
  private text(tag: Tag): string {
    if (tag.selfClosing) return '';
    let out = '';
    for (;;) {
      const lt = this.s.indexOf('<', this.pos);
      if (lt < 0) this.fail(`<${tag.name}> is not closed`, tag.at);
      out += this.decodeEntities(this.s.slice(this.pos, lt), this.pos);
      this.pos = lt;
      if (this.s.startsWith('<![CDATA[', lt)) {
        const end = this.s.indexOf(']]>', lt);
        if (end < 0) this.fail('CDATA section is not closed');
        out += this.s.slice(lt + 9, end);
        this.pos = end + 3;
      } else if (this.s.startsWith('<!--', lt)) {
        this.comment();
      } else if (this.s.startsWith('</', lt)) {
        this.closeTag(tag.name);
        return out;
      } else {
        this.fail(`unexpected element inside <${tag.name}>`);
      }
    }
  }

  private decodeEntities(raw: string, at: number): string {
    return raw.replace(/&([^;&\s]{0,10});?/g, (whole, name: string, index: number) => {
      if (!whole.endsWith(';')) this.fail('"&" must be written &amp;', at + index);
      if (name.startsWith('#')) {
        const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        const digits = name[1] === 'x' ? /^#x[0-9A-Fa-f]+$/ : /^#[0-9]+$/;
        if (!digits.test(name) || !(code >= 1 && code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
          this.fail(`invalid character reference &${name};`, at + index);
        }
        return String.fromCodePoint(code);
      }
      const decoded = ENTITIES[name];
      if (decoded === undefined) this.fail(`unknown entity &${name};`, at + index);
      return decoded;
    });
  }

  private openTag(): Tag {
    const at = this.pos;
    if (this.pos >= this.s.length) this.fail('unexpected end of document, expected an element');
    if (this.s[this.pos] !== '<' || this.s[this.pos + 1] === '/') this.fail('expected an element');
    this.pos++;
    const name = this.name();
    // Attributes (plist version="1.0") are read and ignored.
    for (;;) {
      this.skipSpace();
      if (this.s.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { name, selfClosing: true, at };
      }
      if (this.s[this.pos] === '>') {
        this.pos++;
        return { name, selfClosing: false, at };
      }
      this.name();
      this.skipSpace();
      if (this.s[this.pos] !== '=') this.fail(`malformed attribute in <${name}>`);
      this.pos++;
      this.skipSpace();
      const quote = this.s[this.pos];
      if (quote !== '"' && quote !== "'") this.fail(`attribute value in <${name}> is not quoted`);
      const end = this.s.indexOf(quote, this.pos + 1);
      if (end < 0) this.fail(`attribute value in <${name}> is not closed`);
      this.pos = end + 1;
    }
  }

  private closeTag(expected: string): void {
    const at = this.pos;
    if (!this.s.startsWith('</', this.pos)) this.fail(`expected </${expected}>`);
    this.pos += 2;
    const name = this.name();
    this.skipSpace();
    if (this.s[this.pos] !== '>') this.fail(`malformed closing tag </${name}`);
    this.pos++;
    if (name !== expected) this.fail(`</${name}> closes <${expected}>`, at);
  }

  private name(): string {
    NAME.lastIndex = this.pos;
    const m = NAME.exec(this.s);
    if (!m) this.fail('expected an element name');
    this.pos += m[0].length;
    return m[0];
  }

  /** Whitespace, comments, processing instructions and (before the root only) the XML declaration and DOCTYPE. */
  private skipMisc(prolog: boolean): void {
    for (;;) {
      this.skipSpace();
      if (this.s.startsWith('<!--', this.pos)) {
        this.comment();
      } else if (this.s.startsWith('<?', this.pos)) {
        const end = this.s.indexOf('?>', this.pos);
        if (end < 0) this.fail('processing instruction is not closed');
        this.pos = end + 2;
      } else if (prolog && this.s.startsWith('<!DOCTYPE', this.pos)) {
        const end = this.s.indexOf('>', this.pos);
        const bracket = this.s.indexOf('[', this.pos);
        if (bracket >= 0 && (end < 0 || bracket < end))
          this.fail('DOCTYPE with an internal subset is not supported');
        if (end < 0) this.fail('DOCTYPE is not closed');
        this.pos = end + 1;
      } else {
        return;
      }
    }
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('comment is not closed');
    this.pos = end + 3;
  }

  private skipSpace(): void {
    while (this.pos < this.s.length && /\s/.test(this.s.charAt(this.pos))) this.pos++;
  }

  private fail(message: string, at: number = this.pos): never {
    const before = this.s.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new PlistError(`invalid XML plist at line ${line}, column ${column}: ${message}`, at);
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
