// Reads a property list file's bytes, XML or binary, as macOS writes either to /Library/Preferences
// and /Library/Managed Preferences. Pure: the caller reads the file (agent/prefs/file.ts).
// Contract: returns a PlistValue, or throws a PlistError whose message says what is wrong and where;
// never any other exception, whatever the bytes.
import { parseBinaryPlist } from './binary-plist.ts';
import { PlistError } from './plist-value.ts';
import { parseXmlPlist } from './xml-plist.ts';
import type { PlistValue } from './plist-value.ts';

export { PlistError, PlistUid, plistTypeName } from './plist-value.ts';
export type { PlistDict, PlistValue } from './plist-value.ts';

export function parsePlist(buf: Uint8Array): PlistValue {
  try {
    return parse(buf);
  } catch (error) {
    if (error instanceof PlistError) throw error;
    // A reader bug must still surface as a plist error, not take the agent down.
    throw new PlistError(`unreadable plist: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parse(buf: Uint8Array): PlistValue {
  if (buf.length === 0) throw new PlistError('not a plist: the file is empty', 0);
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const head = bytes.toString('latin1', 0, 8);
  // A file cut inside its "bplist00" header is a truncated binary plist too.
  if (head.startsWith('bplist') || (bytes.length < 8 && 'bplist00'.startsWith(head)))
    return parseBinaryPlist(bytes);
  const text = decodeText(bytes);
  const start = text.trimStart();
  if (start.startsWith('<')) return parseXmlPlist(text);
  if (start.startsWith('{') || start.startsWith('(')) {
    throw new PlistError(
      `not a plist this agent reads: starts with "${start[0]}" (JSON or an old-style OpenStep plist); use XML or binary`,
      0,
    );
  }
  const shown = JSON.stringify(bytes.toString('latin1', 0, Math.min(16, bytes.length)));
  throw new PlistError(`not a plist: starts with ${shown}, neither "bplist00" nor XML`, 0);
}

/** XML plists are UTF-8 (with or without a BOM); UTF-16 with a BOM is accepted too. */
function decodeText(bytes: Buffer): string {
  try {
    if (bytes[0] === 0xfe && bytes[1] === 0xff)
      return new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2));
    if (bytes[0] === 0xff && bytes[1] === 0xfe)
      return new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2));
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new PlistError('not a plist: the text is not valid UTF-8 (or UTF-16 with a byte order mark)', 0);
  }
}
