// A reader for binary property lists (`bplist00`), pure: bytes in, value out.
// Layout: "bplist00", the objects, an offset table (one offset per object), and a 32-byte trailer
// (offset size, reference size, object count, top object, offset table position; big-endian).
// Written here rather than taken from `bplist-parser` (untyped) or `plist` (no bounds or cycle checks:
// a crafted object count loops for ever, a self-referencing array overflows the stack): every offset
// and size is checked against the input before it is used, so a bad file is a PlistError naming the offset.
import { PlistError, PlistUid, setEntry } from './plist-value.ts';
import type { PlistDict, PlistValue } from './plist-value.ts';

const HEADER = 'bplist00';
const TRAILER_SIZE = 32;
const MAX_DEPTH = 512;
/** Seconds between the Unix epoch and the Core Data epoch (2001-01-01T00:00:00Z). */
const EPOCH_2001 = 978307200;

export function parseBinaryPlist(buf: Uint8Array): PlistValue {
  return new BinaryPlistReader(buf).document();
}

class BinaryPlistReader {
  private readonly buf: Buffer;
  private offsets: number[] = [];
  private refSize = 1;
  /** End of the object area (the offset table starts here). */
  private objectsEnd = 0;
  private readonly parsed = new Map<number, PlistValue>();
  private readonly inProgress = new Set<number>();

  constructor(buf: Uint8Array) {
    this.buf = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  document(): PlistValue {
    const len = this.buf.length;
    const header = this.buf.toString('latin1', 0, Math.min(8, len));
    const cutInHeader = len < 8 && HEADER.startsWith(header);
    if (!header.startsWith('bplist') && !cutInHeader)
      throw new PlistError('not a plist: no bplist00 header', 0);
    if (len >= 8 && header !== HEADER) {
      throw new PlistError(`unsupported binary plist version "${header}" (only bplist00 is read)`, 0);
    }
    if (len < 8 + 1 + 1 + TRAILER_SIZE) {
      throw new PlistError(
        `truncated binary plist: ${len} bytes, the header, one object, its offset and the 32-byte trailer need at least 42`,
        len,
      );
    }
    const t = len - TRAILER_SIZE;
    const offsetSize = this.buf.readUInt8(t + 6);
    const refSize = this.buf.readUInt8(t + 7);
    const count = this.buf.readBigUInt64BE(t + 8);
    const top = this.buf.readBigUInt64BE(t + 16);
    const tableAt = this.buf.readBigUInt64BE(t + 24);
    if (![1, 2, 4, 8].includes(offsetSize))
      this.fail(
        `truncated or corrupt binary plist: the trailer (last 32 bytes) is not valid: offset size ${offsetSize} is not 1, 2, 4 or 8`,
        t + 6,
      );
    if (![1, 2, 4, 8].includes(refSize))
      this.fail(
        `truncated or corrupt binary plist: the trailer (last 32 bytes) is not valid: object reference size ${refSize} is not 1, 2, 4 or 8`,
        t + 7,
      );
    if (count < 1n)
      this.fail(
        'truncated or corrupt binary plist: the trailer (last 32 bytes) is not valid: no objects',
        t + 8,
      );
    if (top >= count)
      this.fail(
        `truncated or corrupt binary plist: the trailer (last 32 bytes) is not valid: top object ${top} is not below the object count ${count}`,
        t + 16,
      );
    if (tableAt < 9n || tableAt >= BigInt(t)) {
      this.fail(
        `truncated or corrupt binary plist: offset table at ${tableAt} is outside the objects area 9..${t}`,
        t + 24,
      );
    }
    const tableEnd = tableAt + count * BigInt(offsetSize);
    if (tableEnd > BigInt(t)) {
      this.fail(
        `truncated or corrupt binary plist: offset table at ${tableAt} with ${count} entries of ${offsetSize} bytes runs past the trailer at ${t}`,
        Number(tableAt),
      );
    }
    this.refSize = refSize;
    this.objectsEnd = Number(tableAt);
    for (let i = 0; i < Number(count); i++) {
      const at = this.objectsEnd + i * offsetSize;
      const offset = this.readUInt(at, offsetSize);
      if (offset < 8 || offset >= this.objectsEnd) {
        this.fail(`object ${i} offset ${offset} is outside the objects area 8..${this.objectsEnd - 1}`, at);
      }
      this.offsets.push(offset);
    }
    return this.object(Number(top), 0);
  }

  private object(index: number, depth: number): PlistValue {
    const done = this.parsed.get(index);
    if (done !== undefined) return done;
    const at = this.offsets[index];
    if (at === undefined)
      return this.fail(`reference to object ${index}, beyond the ${this.offsets.length} objects`);
    if (this.inProgress.has(index)) this.fail(`object ${index} contains itself (reference cycle)`, at);
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`, at);
    this.inProgress.add(index);
    const value = this.decode(at, depth);
    this.inProgress.delete(index);
    this.parsed.set(index, value);
    return value;
  }

  private decode(at: number, depth: number): PlistValue {
    const marker = this.byte(at);
    const type = marker >> 4;
    const info = marker & 0x0f;
    switch (type) {
      case 0x0:
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        return this.fail(`unsupported object marker 0x${hex(marker)}`, at);
      case 0x1:
        return this.integer(at + 1, info, at);
      case 0x2: {
        if (info === 2) return this.need(at + 1, 4, at).readFloatBE(at + 1);
        if (info === 3) return this.need(at + 1, 8, at).readDoubleBE(at + 1);
        return this.fail(`real of 2^${info} bytes is not supported`, at);
      }
      case 0x3: {
        if (marker !== 0x33) return this.fail(`unsupported object marker 0x${hex(marker)}`, at);
        const seconds = this.need(at + 1, 8, at).readDoubleBE(at + 1);
        const date = new Date((seconds + EPOCH_2001) * 1000);
        if (Number.isNaN(date.getTime())) this.fail('date out of range', at);
        return date;
      }
      case 0x4: {
        const { length, start } = this.length(at, info);
        return new Uint8Array(this.need(start, length, at).subarray(start, start + length));
      }
      case 0x5: {
        const { length, start } = this.length(at, info);
        return this.need(start, length, at).toString('latin1', start, start + length);
      }
      case 0x6: {
        const { length, start } = this.length(at, info);
        const bytes = Buffer.from(this.need(start, length * 2, at).subarray(start, start + length * 2));
        return bytes.swap16().toString('utf16le');
      }
      case 0x8: {
        const size = info + 1;
        if (![1, 2, 4, 8].includes(size)) this.fail(`UID of ${size} bytes is not supported`, at);
        this.need(at + 1, size, at);
        return new PlistUid(this.readUInt(at + 1, size));
      }
      case 0xa:
      case 0xc: {
        const { length, start } = this.length(at, info);
        this.need(start, length * this.refSize, at);
        const items: PlistValue[] = [];
        for (let i = 0; i < length; i++)
          items.push(this.object(this.ref(start + i * this.refSize), depth + 1));
        return items;
      }
      case 0xd: {
        const { length, start } = this.length(at, info);
        this.need(start, length * 2 * this.refSize, at);
        const dict: PlistDict = {};
        for (let i = 0; i < length; i++) {
          const keyRef = this.ref(start + i * this.refSize);
          const key = this.object(keyRef, depth + 1);
          if (typeof key !== 'string') this.fail(`dictionary key is not a string (object ${keyRef})`, at);
          if (Object.hasOwn(dict, key)) this.fail(`duplicate key "${key}" in dictionary`, at);
          setEntry(dict, key, this.object(this.ref(start + (length + i) * this.refSize), depth + 1));
        }
        return dict;
      }
      default:
        return this.fail(`unsupported object marker 0x${hex(marker)}`, at);
    }
  }

  /** 1, 2 and 4-byte integers are unsigned, 8-byte ones signed, 16-byte ones signed 128-bit. */
  private integer(start: number, sizeLog2: number, at: number): number | bigint {
    if (sizeLog2 > 4) this.fail(`integer of 2^${sizeLog2} bytes is not supported`, at);
    const size = 1 << sizeLog2;
    this.need(start, size, at);
    let value: bigint;
    if (size <= 4) value = BigInt(this.buf.readUIntBE(start, size));
    else if (size === 8) value = this.buf.readBigInt64BE(start);
    else value = (this.buf.readBigInt64BE(start) << 64n) | this.buf.readBigUInt64BE(start + 8);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }

  /** The element count of a data, string, array or dictionary: in the marker, or an integer after it when 0xF. */
  private length(at: number, info: number): { length: number; start: number } {
    if (info !== 0x0f) return { length: info, start: at + 1 };
    const intMarker = this.byte(at + 1);
    if (intMarker >> 4 !== 0x1)
      this.fail(`length of the object is not an integer (marker 0x${hex(intMarker)})`, at + 1);
    const length = this.integer(at + 2, intMarker & 0x0f, at + 1);
    if (typeof length !== 'number' || length < 0) this.fail(`length ${length} is not a valid size`, at + 1);
    return { length, start: at + 2 + (1 << (intMarker & 0x0f)) };
  }

  private ref(at: number): number {
    return this.readUInt(at, this.refSize);
  }

  /** An unsigned big-endian integer of 1, 2, 4 or 8 bytes (offsets, references, UIDs). */
  private readUInt(at: number, size: number): number {
    if (size <= 4) return this.buf.readUIntBE(at, size);
    const big = this.buf.readBigUInt64BE(at);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`value ${big} is too large`, at);
    return Number(big);
  }

  private byte(at: number): number {
    this.need(at, 1, at);
    return this.buf.readUInt8(at);
  }

  /** Checks that `size` bytes from `start` lie inside the objects area; returns the buffer for chaining. */
  private need(start: number, size: number, objectAt: number): Buffer {
    if (start + size > this.objectsEnd) {
      this.fail(
        `truncated binary plist: object at offset ${objectAt} needs ${size} bytes from ${start}, the objects end at ${this.objectsEnd}`,
        objectAt,
      );
    }
    return this.buf;
  }

  private fail(message: string, at: number | null = null): never {
    const where = at === null || message.includes(`offset ${at}`) ? '' : ` (offset ${at})`;
    const prefix =
      message.startsWith('truncated') || message.startsWith('not a plist') ? '' : 'invalid binary plist: ';
    throw new PlistError(`${prefix}${message}${where}`, at);
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
