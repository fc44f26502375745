// Check an embedded signature against the file: every CodeDirectory's page hashes, its code limit
// and execSeg range, and the special slots whose blobs are embedded (requirements, entitlements).
// Reads any CodeDirectory version and SHA-1/SHA-256 hashes, so Apple's own signatures check too.
import { createHash } from 'node:crypto';
import {
  CSMAGIC_CODEDIRECTORY,
  CSMAGIC_EMBEDDED_SIGNATURE,
  CSSLOT_ALTERNATE_CODEDIRECTORIES,
  CSSLOT_CODEDIRECTORY,
  CS_HASHTYPE_SHA1,
  CS_HASHTYPE_SHA256,
} from './code-signature.ts';
import { MH_EXECUTE, findSegment, parseMacho } from './macho-file.ts';
import type { MachoFile } from './macho-file.ts';

export interface SignatureCheck {
  ok: boolean;
  problems: string[];
  /** Code pages hashed and compared, over all CodeDirectories. */
  pagesChecked: number;
  /** Special slots compared with an embedded blob (requirements, entitlements, DER entitlements). */
  specialSlotsChecked: number;
  codeDirectories: number;
}

const HASHES = new Map([
  [CS_HASHTYPE_SHA1, { name: 'sha1', size: 20 }],
  [CS_HASHTYPE_SHA256, { name: 'sha256', size: 32 }],
]);
/** Special slots whose data is a blob inside the SuperBlob: requirements, entitlements, DER entitlements. */
const EMBEDDED_SPECIAL_SLOTS = [2, 5, 7];

interface Blob {
  type: number;
  bytes: Buffer;
}

function readBlobs(signature: Buffer, problems: string[]): Blob[] {
  if (signature.length < 12 || signature.readUInt32BE(0) !== CSMAGIC_EMBEDDED_SIGNATURE) {
    problems.push('signature data is not an embedded-signature SuperBlob (0xfade0cc0)');
    return [];
  }
  const length = signature.readUInt32BE(4);
  const count = signature.readUInt32BE(8);
  if (length > signature.length || 12 + count * 8 > length) {
    problems.push(
      `SuperBlob length ${length} / count ${count} exceed the ${signature.length} signature bytes`,
    );
    return [];
  }
  const blobs: Blob[] = [];
  for (let i = 0; i < count; i++) {
    const type = signature.readUInt32BE(12 + i * 8);
    const offset = signature.readUInt32BE(16 + i * 8);
    if (offset + 8 > length || offset + signature.readUInt32BE(offset + 4) > length) {
      problems.push(`blob ${i} (slot 0x${type.toString(16)}) lies outside the SuperBlob`);
      continue;
    }
    blobs.push({ type, bytes: signature.subarray(offset, offset + signature.readUInt32BE(offset + 4)) });
  }
  return blobs;
}

interface Counts {
  pages: number;
  specialSlots: number;
}

function checkCodeDirectory(
  buf: Buffer,
  file: MachoFile,
  cd: Buffer,
  blobs: Blob[],
  label: string,
  problems: string[],
  counts: Counts,
): void {
  if (cd.readUInt32BE(0) !== CSMAGIC_CODEDIRECTORY || cd.length < 44) {
    problems.push(`${label}: not a CodeDirectory`);
    return;
  }
  const version = cd.readUInt32BE(8);
  const hashOffset = cd.readUInt32BE(16);
  const nSpecialSlots = cd.readUInt32BE(24);
  const nCodeSlots = cd.readUInt32BE(28);
  const codeLimit32 = cd.readUInt32BE(32);
  const hashSize = cd.readUInt8(36);
  const hash = HASHES.get(cd.readUInt8(37));
  const pageBits = cd.readUInt8(39);
  const codeLimit =
    version >= 0x20300 && cd.length >= 64 && cd.readBigUInt64BE(56) !== 0n
      ? Number(cd.readBigUInt64BE(56))
      : codeLimit32;

  if (hash === undefined || hash.size !== hashSize) {
    problems.push(`${label}: unsupported hash type ${cd.readUInt8(37)} (size ${hashSize})`);
    return;
  }
  const dataoff = file.codeSignature?.dataoff ?? 0;
  if (codeLimit !== dataoff)
    problems.push(
      `${label}: code limit 0x${codeLimit.toString(16)} is not the signature offset 0x${dataoff.toString(16)}`,
    );
  const pageSize = pageBits === 0 ? codeLimit : 2 ** pageBits;
  const expectedSlots = pageSize === 0 ? 0 : Math.ceil(codeLimit / pageSize);
  if (nCodeSlots !== expectedSlots)
    problems.push(`${label}: ${nCodeSlots} code slots for ${expectedSlots} pages`);
  if (hashOffset - nSpecialSlots * hashSize < 0 || hashOffset + nCodeSlots * hashSize > cd.length) {
    problems.push(`${label}: hash slots lie outside the CodeDirectory`);
    return;
  }

  const text = findSegment(file, '__TEXT');
  if (version >= 0x20400 && cd.length >= 88 && text !== undefined) {
    // execSegBase/execSegLimit: the file range of the executable segment. For a main executable
    // codesign, ld64 and Go all write __TEXT's fileoff and filesize. For a bundle or dylib ld64
    // writes a shorter range (better-sqlite3's darwin-arm64 addon: the size of __text), so there
    // the range need only lie inside __TEXT.
    const base = cd.readBigUInt64BE(64);
    const limit = cd.readBigUInt64BE(72);
    const textBase = BigInt(text.fileoff);
    const textLimit = BigInt(text.filesize);
    if (file.fileType === MH_EXECUTE) {
      if (base !== textBase || limit !== textLimit)
        problems.push(`${label}: execSeg ${base}+${limit} is not __TEXT ${textBase}+${textLimit}`);
    } else if (base < textBase || base + limit > textBase + textLimit) {
      problems.push(`${label}: execSeg ${base}+${limit} lies outside __TEXT ${textBase}+${textLimit}`);
    }
  }

  for (const slot of EMBEDDED_SPECIAL_SLOTS) {
    if (slot > nSpecialSlots) continue;
    const stored = cd.subarray(hashOffset - slot * hashSize, hashOffset - (slot - 1) * hashSize);
    const blob = blobs.find((candidate) => candidate.type === slot);
    const empty = stored.every((byte) => byte === 0);
    if (blob === undefined) {
      if (!empty) problems.push(`${label}: special slot -${slot} has a hash but no blob`);
    } else {
      counts.specialSlots++;
      if (!createHash(hash.name).update(blob.bytes).digest().subarray(0, hashSize).equals(stored)) {
        problems.push(`${label}: special slot -${slot} does not match its blob`);
      }
    }
  }

  for (let page = 0; page < nCodeSlots; page++) {
    const start = page * pageSize;
    const end = Math.min(start + pageSize, codeLimit);
    const stored = cd.subarray(hashOffset + page * hashSize, hashOffset + (page + 1) * hashSize);
    const actual = createHash(hash.name).update(buf.subarray(start, end)).digest().subarray(0, hashSize);
    counts.pages++;
    if (!actual.equals(stored))
      problems.push(`${label}: page ${page} (file offset 0x${start.toString(16)}) hash mismatch`);
  }
}

/** Check every page hash of a signed file. Never throws on a malformed signature: it reports it. */
export function verifyPageHashes(buf: Buffer): SignatureCheck {
  const problems: string[] = [];
  let file: MachoFile;
  try {
    file = parseMacho(buf);
  } catch (error) {
    return {
      ok: false,
      problems: [(error as Error).message],
      pagesChecked: 0,
      specialSlotsChecked: 0,
      codeDirectories: 0,
    };
  }
  const command = file.codeSignature;
  if (command === undefined)
    return {
      ok: false,
      problems: ['no LC_CODE_SIGNATURE'],
      pagesChecked: 0,
      specialSlotsChecked: 0,
      codeDirectories: 0,
    };
  if (command.dataoff + command.datasize > buf.length) {
    return {
      ok: false,
      problems: ['signature extends past the end of the file'],
      pagesChecked: 0,
      specialSlotsChecked: 0,
      codeDirectories: 0,
    };
  }
  const linkedit = findSegment(file, '__LINKEDIT');
  if (
    linkedit === undefined ||
    command.dataoff < linkedit.fileoff ||
    command.dataoff + command.datasize > linkedit.fileoff + linkedit.filesize
  ) {
    problems.push('signature is not inside __LINKEDIT');
  } else if (linkedit.vmsize < BigInt(linkedit.filesize)) {
    problems.push('__LINKEDIT vmsize is smaller than its filesize');
  }

  const blobs = readBlobs(buf.subarray(command.dataoff, command.dataoff + command.datasize), problems);
  const directories = blobs.filter(
    (blob) =>
      blob.type === CSSLOT_CODEDIRECTORY ||
      (blob.type >= CSSLOT_ALTERNATE_CODEDIRECTORIES && blob.type < CSSLOT_ALTERNATE_CODEDIRECTORIES + 5),
  );
  if (!directories.some((blob) => blob.type === CSSLOT_CODEDIRECTORY))
    problems.push('no CodeDirectory in slot 0');
  const counts: Counts = { pages: 0, specialSlots: 0 };
  for (const directory of directories) {
    checkCodeDirectory(
      buf,
      file,
      directory.bytes,
      blobs,
      `CodeDirectory slot 0x${directory.type.toString(16)}`,
      problems,
      counts,
    );
  }
  return {
    ok: problems.length === 0,
    problems,
    pagesChecked: counts.pages,
    specialSlotsChecked: counts.specialSlots,
    codeDirectories: directories.length,
  };
}
