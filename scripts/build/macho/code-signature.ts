// The embedded signature blob: a SuperBlob holding one CodeDirectory, laid out exactly as Go's
// linker writes it (cmd/internal/codesign/codesign.go) and as ld64 does for linker-signed code.
// Constants from xnu osfmk/kern/cs_blobs.h. All blob fields are big-endian.
import { createHash } from 'node:crypto';

export const CSMAGIC_REQUIREMENTS = 0xfade0c01;
export const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
export const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
export const CSMAGIC_EMBEDDED_ENTITLEMENTS = 0xfade7171;
export const CSMAGIC_EMBEDDED_DER_ENTITLEMENTS = 0xfade7172;
export const CSSLOT_CODEDIRECTORY = 0;
export const CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000;
export const CS_HASHTYPE_SHA1 = 1;
export const CS_HASHTYPE_SHA256 = 2;
export const CS_ADHOC = 0x2;
export const CS_LINKER_SIGNED = 0x20000;
export const CS_EXECSEG_MAIN_BINARY = 0x1;
/** The CodeDirectory version with the execSeg fields (ld64 and Go write this one). */
export const CODEDIRECTORY_VERSION = 0x20400;
export const PAGE_SIZE_BITS = 12;
export const PAGE_SIZE = 1 << PAGE_SIZE_BITS;
export const SHA256_SIZE = 32;

const SUPERBLOB_HEADER_SIZE = 12;
const BLOB_INDEX_SIZE = 8;
/** Size of the version 0x20400 CodeDirectory header, before the identifier. */
export const CODEDIRECTORY_HEADER_SIZE = 88;

export interface AdhocSignatureInput {
  /** The file contents the signature covers: everything before the signature (the code limit). */
  code: Buffer;
  identifier: string;
  /** File offset and size of __TEXT (the executable segment). */
  execSegBase: number;
  execSegLimit: number;
  /** MH_EXECUTE: sets CS_EXECSEG_MAIN_BINARY. */
  isMainBinary: boolean;
  /** Set CS_LINKER_SIGNED as Go's and Apple's linkers do (default true). */
  linkerSigned: boolean;
}

function pageCount(codeLimit: number): number {
  return Math.ceil(codeLimit / PAGE_SIZE);
}

/** Bytes of the signature for a code limit and identifier (Go's codesign.Size). */
export function adhocSignatureSize(codeLimit: number, identifier: string): number {
  const identifierSize = Buffer.byteLength(identifier, 'utf8') + 1;
  return (
    SUPERBLOB_HEADER_SIZE +
    BLOB_INDEX_SIZE +
    CODEDIRECTORY_HEADER_SIZE +
    identifierSize +
    pageCount(codeLimit) * SHA256_SIZE
  );
}

/** Build the SuperBlob: no special slots and no requirements blob, as Go writes it. */
export function buildAdhocSignature(input: AdhocSignatureInput): Buffer {
  const { code, identifier } = input;
  const codeLimit = code.length;
  const size = adhocSignatureSize(codeLimit, identifier);
  const nCodeSlots = pageCount(codeLimit);
  const cdOffset = SUPERBLOB_HEADER_SIZE + BLOB_INDEX_SIZE;
  const identOffset = CODEDIRECTORY_HEADER_SIZE;
  const hashOffset = identOffset + Buffer.byteLength(identifier, 'utf8') + 1;
  const out = Buffer.alloc(size);

  out.writeUInt32BE(CSMAGIC_EMBEDDED_SIGNATURE, 0);
  out.writeUInt32BE(size, 4);
  out.writeUInt32BE(1, 8); // count
  out.writeUInt32BE(CSSLOT_CODEDIRECTORY, 12);
  out.writeUInt32BE(cdOffset, 16);

  const cd = out.subarray(cdOffset);
  cd.writeUInt32BE(CSMAGIC_CODEDIRECTORY, 0);
  cd.writeUInt32BE(size - cdOffset, 4); // length
  cd.writeUInt32BE(CODEDIRECTORY_VERSION, 8);
  cd.writeUInt32BE(CS_ADHOC | (input.linkerSigned ? CS_LINKER_SIGNED : 0), 12); // flags
  cd.writeUInt32BE(hashOffset, 16);
  cd.writeUInt32BE(identOffset, 20);
  cd.writeUInt32BE(0, 24); // nSpecialSlots
  cd.writeUInt32BE(nCodeSlots, 28);
  cd.writeUInt32BE(codeLimit, 32);
  cd.writeUInt8(SHA256_SIZE, 36); // hashSize
  cd.writeUInt8(CS_HASHTYPE_SHA256, 37); // hashType
  cd.writeUInt8(0, 38); // platform
  cd.writeUInt8(PAGE_SIZE_BITS, 39); // pageSize (log2)
  // 40 spare2, 44 scatterOffset, 48 teamOffset, 52 spare3, 56 codeLimit64: all zero.
  cd.writeBigUInt64BE(BigInt(input.execSegBase), 64);
  cd.writeBigUInt64BE(BigInt(input.execSegLimit), 72);
  cd.writeBigUInt64BE(input.isMainBinary ? BigInt(CS_EXECSEG_MAIN_BINARY) : 0n, 80);
  cd.write(identifier, identOffset, 'utf8'); // the NUL after it is already zero

  for (let page = 0; page < nCodeSlots; page++) {
    const start = page * PAGE_SIZE;
    const digest = createHash('sha256')
      .update(code.subarray(start, Math.min(start + PAGE_SIZE, codeLimit)))
      .digest();
    digest.copy(cd, hashOffset + page * SHA256_SIZE);
  }
  return out;
}
