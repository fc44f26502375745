// Reading the launchd/ property lists twice, with two independent parsers: the npm `plist` package
// (xmldom underneath, strict XML) and Debian's libplist (`plistutil`, from libplist-utils), which
// converts each file to a binary plist and back. libplist's re-emitted XML is canonical and keeps
// <integer> apart from <real>, which a JavaScript number cannot, so the element types are read there.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type PlistValue, parse, parseBinary } from 'plist';
import { LAUNCHD_DIR } from './scratch-mac.ts';
import { CONFIG_KEYS, settingOf } from '../../agent/settings/declaration.ts';
import type { PlistElement } from '../../agent/settings/value-types.ts';

export type Dict = { [key: string]: PlistValue };

/** The XML elements a plist element of the settings declaration is written as. */
const XML_ELEMENTS: Record<PlistElement, readonly string[]> = {
  string: ['string'],
  integer: ['integer'],
  boolean: ['true', 'false'],
  'array of strings': ['array'],
  'string or array of strings': ['string', 'array'],
};

/** Every preference key the agent reads (domain com.tokenwatch.agent), from its settings declaration
 * (agent/settings/declaration.ts), with the XML elements it may be written as. */
export const PREFERENCE_KEYS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  CONFIG_KEYS.map((key) => [key, XML_ELEMENTS[settingOf(key).type.plist]]),
);

/** The keys the example profile and managed preferences set (the declaration's `profile: 'example'`). */
export const EXAMPLE_KEYS: readonly string[] = CONFIG_KEYS.filter(
  (key) => settingOf(key).profile === 'example',
);

export const INSTALL_PLISTUTIL =
  'plistutil (Debian package libplist-utils) is required: apt-get install libplist-utils';

export async function readLaunchdFile(relative: string): Promise<string> {
  return readFile(join(LAUNCHD_DIR, relative), 'utf8');
}

export function isDict(value: PlistValue | undefined): value is Dict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}

export function asDict(value: PlistValue | undefined, what: string): Dict {
  if (!isDict(value)) throw new Error(`${what} is not a dictionary`);
  return value;
}

export function parseXml(text: string): PlistValue {
  return parse(text);
}

function plistutil(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('plistutil', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(INSTALL_PLISTUTIL));
      } else if (error !== null) {
        reject(new Error(`plistutil ${args.join(' ')} failed: ${stderr}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/** What libplist makes of a file (relative to launchd/, or absolute): the binary plist it writes and the
 * canonical XML it gives back. */
export interface Libplist {
  binary: Buffer;
  canonicalXml: string;
}

/** Convert with libplist: XML -> binary -> XML. plistutil 2.2 exits 0 even when it cannot parse its
 * input (it prints ERROR), so success is judged by what it wrote. */
export async function throughLibplist(relative: string): Promise<Libplist> {
  const dir = await mkdtemp(join(tmpdir(), 'tokenwatch-plistutil-'));
  try {
    const bin = join(dir, 'out.bplist');
    const toBinary = await plistutil(['-i', resolve(LAUNCHD_DIR, relative), '-f', 'bin', '-o', bin]);
    const binary = await readFile(bin).catch(() => Buffer.alloc(0));
    if (toBinary.stderr !== '' || binary.subarray(0, 8).toString('latin1') !== 'bplist00') {
      throw new Error(`libplist could not read ${relative}: ${toBinary.stderr || 'no binary plist written'}`);
    }
    const back = await plistutil(['-i', bin, '-f', 'xml', '-o', '-']);
    return { binary, canonicalXml: back.stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function parseBinaryPlist(binary: Buffer): PlistValue {
  return parseBinary(binary);
}

/** The element that holds KEY's value in libplist's canonical XML (integer, real, string, true, array, ...).
 * Every key asked about occurs once in its file; a key that occurs twice is an error here. */
export function elementOf(canonicalXml: string, key: string): string {
  const matches = [...canonicalXml.matchAll(new RegExp(`<key>${key}</key>\\s*<(\\w+)`, 'g'))];
  if (matches.length !== 1)
    throw new Error(`expected exactly one <key>${key}</key>, found ${matches.length}`);
  const element = matches[0]?.[1];
  if (element === undefined) throw new Error(`no element after <key>${key}</key>`);
  return element;
}
