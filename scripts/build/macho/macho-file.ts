// A read-only view of a thin, little-endian, 64-bit Mach-O file: header, load commands,
// segments and their sections, and the LC_CODE_SIGNATURE command. Layouts from
// <mach-o/loader.h>; only what the signer needs is decoded.
import { MachoError } from './errors.ts';

export const MH_MAGIC_64 = 0xfeedfacf;
export const MH_EXECUTE = 0x2;
export const HEADER_SIZE_64 = 32;
export const CPU_TYPE_X86_64 = 0x01000007;
export const CPU_TYPE_ARM64 = 0x0100000c;
export const LC_SEGMENT_64 = 0x19;
export const LC_CODE_SIGNATURE = 0x1d;
export const LINKEDIT_DATA_COMMAND_SIZE = 16;
const SEGMENT_COMMAND_64_SIZE = 72;
const SECTION_64_SIZE = 80;
const ZEROFILL_TYPES = new Set([0x1, 0xc, 0x12]); // S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL

/** Offsets of the fields of segment_command_64 the signer rewrites. */
export const SEGMENT_VMSIZE_FIELD = 32;
export const SEGMENT_FILESIZE_FIELD = 48;

export interface Section {
  segname: string;
  sectname: string;
  size: bigint;
  offset: number;
  flags: number;
}

export interface Segment {
  name: string;
  /** Offset of the segment_command_64 in the file. */
  commandOffset: number;
  vmaddr: bigint;
  vmsize: bigint;
  fileoff: number;
  filesize: number;
  sections: Section[];
}

export interface LoadCommand {
  cmd: number;
  offset: number;
  size: number;
}

export interface CodeSignatureCommand {
  commandOffset: number;
  dataoff: number;
  datasize: number;
}

export interface MachoFile {
  cpuType: number;
  fileType: number;
  ncmds: number;
  sizeofcmds: number;
  commands: LoadCommand[];
  segments: Segment[];
  codeSignature: CodeSignatureCommand | undefined;
}

function cString(buf: Buffer, start: number, length: number): string {
  const raw = buf.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul === -1 ? raw.length : nul).toString('latin1');
}

function toFileNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new MachoError('MACHO_BAD_LOAD_COMMAND', `${what} ${value} is out of range`);
  }
  return Number(value);
}

function describeMagic(magic: number): string {
  switch (magic) {
    case 0xcafebabe:
    case 0xbebafeca:
      return 'a universal (fat) binary: sign each architecture thin (lipo -thin) and merge afterwards';
    case 0xfeedface:
    case 0xcefaedfe:
      return 'a 32-bit Mach-O file';
    case 0xcffaedfe:
      return 'a big-endian 64-bit Mach-O file';
    default:
      return `not a Mach-O file (magic 0x${magic.toString(16).padStart(8, '0')})`;
  }
}

function parseSegment(buf: Buffer, offset: number, size: number): Segment {
  if (size < SEGMENT_COMMAND_64_SIZE) {
    throw new MachoError(
      'MACHO_BAD_LOAD_COMMAND',
      `LC_SEGMENT_64 at 0x${offset.toString(16)} is ${size} bytes`,
    );
  }
  const name = cString(buf, offset + 8, 16);
  const nsects = buf.readUInt32LE(offset + 64);
  if (SEGMENT_COMMAND_64_SIZE + nsects * SECTION_64_SIZE > size) {
    throw new MachoError(
      'MACHO_BAD_LOAD_COMMAND',
      `segment ${name} declares ${nsects} sections that do not fit its command`,
    );
  }
  const sections: Section[] = [];
  for (let i = 0; i < nsects; i++) {
    const at = offset + SEGMENT_COMMAND_64_SIZE + i * SECTION_64_SIZE;
    sections.push({
      sectname: cString(buf, at, 16),
      segname: cString(buf, at + 16, 16),
      size: buf.readBigUInt64LE(at + 40),
      offset: buf.readUInt32LE(at + 48),
      flags: buf.readUInt32LE(at + 64),
    });
  }
  return {
    name,
    commandOffset: offset,
    vmaddr: buf.readBigUInt64LE(offset + 24),
    vmsize: buf.readBigUInt64LE(offset + SEGMENT_VMSIZE_FIELD),
    fileoff: toFileNumber(buf.readBigUInt64LE(offset + 40), `${name} fileoff`),
    filesize: toFileNumber(buf.readBigUInt64LE(offset + SEGMENT_FILESIZE_FIELD), `${name} filesize`),
    sections,
  };
}

/** Parse the header and load commands; throws MachoError on anything the signer cannot handle. */
export function parseMacho(buf: Buffer): MachoFile {
  if (buf.length < HEADER_SIZE_64) {
    throw new MachoError('MACHO_TRUNCATED', `file is ${buf.length} bytes, shorter than a Mach-O header`);
  }
  const magic = buf.readUInt32LE(0);
  if (magic !== MH_MAGIC_64) {
    throw new MachoError('MACHO_NOT_THIN_64', describeMagic(magic));
  }
  const cpuType = buf.readUInt32LE(4);
  if (cpuType !== CPU_TYPE_ARM64 && cpuType !== CPU_TYPE_X86_64) {
    throw new MachoError(
      'MACHO_UNSUPPORTED_CPU',
      `cputype 0x${cpuType.toString(16)} is neither arm64 nor x86_64`,
    );
  }
  const fileType = buf.readUInt32LE(12);
  const ncmds = buf.readUInt32LE(16);
  const sizeofcmds = buf.readUInt32LE(20);
  const end = HEADER_SIZE_64 + sizeofcmds;
  if (end > buf.length) {
    throw new MachoError('MACHO_TRUNCATED', `load commands end at ${end}, past the end of the file`);
  }

  const commands: LoadCommand[] = [];
  const segments: Segment[] = [];
  let codeSignature: CodeSignatureCommand | undefined;
  let offset = HEADER_SIZE_64;
  for (let i = 0; i < ncmds; i++) {
    if (offset + 8 > end) {
      throw new MachoError('MACHO_BAD_LOAD_COMMAND', `load command ${i} starts past sizeofcmds`);
    }
    const cmd = buf.readUInt32LE(offset);
    const size = buf.readUInt32LE(offset + 4);
    if (size < 8 || size % 8 !== 0 || offset + size > end) {
      throw new MachoError(
        'MACHO_BAD_LOAD_COMMAND',
        `load command ${i} (0x${cmd.toString(16)}) has size ${size}`,
      );
    }
    commands.push({ cmd, offset, size });
    if (cmd === LC_SEGMENT_64) {
      segments.push(parseSegment(buf, offset, size));
    } else if (cmd === LC_CODE_SIGNATURE) {
      if (size !== LINKEDIT_DATA_COMMAND_SIZE || codeSignature !== undefined) {
        throw new MachoError(
          'MACHO_BAD_LOAD_COMMAND',
          `unexpected LC_CODE_SIGNATURE at 0x${offset.toString(16)}`,
        );
      }
      codeSignature = {
        commandOffset: offset,
        dataoff: buf.readUInt32LE(offset + 8),
        datasize: buf.readUInt32LE(offset + 12),
      };
    }
    offset += size;
  }
  if (offset !== end) {
    throw new MachoError(
      'MACHO_BAD_LOAD_COMMAND',
      `load commands fill ${offset - HEADER_SIZE_64} bytes, sizeofcmds says ${sizeofcmds}`,
    );
  }
  return { cpuType, fileType, ncmds, sizeofcmds, commands, segments, codeSignature };
}

export function findSegment(file: MachoFile, name: string): Segment | undefined {
  return file.segments.find((segment) => segment.name === name);
}

/**
 * The first file offset holding section or segment contents: new load commands must end at or
 * before it. (__TEXT maps the header too, so its own fileoff 0 does not count.)
 */
export function firstContentOffset(file: MachoFile, fileLength: number): number {
  let first = fileLength;
  for (const segment of file.segments) {
    if (segment.filesize > 0 && segment.fileoff > 0) first = Math.min(first, segment.fileoff);
    for (const section of segment.sections) {
      if (ZEROFILL_TYPES.has(section.flags & 0xff) || section.size === 0n || section.offset === 0) continue;
      first = Math.min(first, section.offset);
    }
  }
  return first;
}

/** Page size of the architecture, the granularity __LINKEDIT's vmsize is rounded to. */
export function vmPageSize(file: MachoFile): number {
  return file.cpuType === CPU_TYPE_ARM64 ? 0x4000 : 0x1000;
}
