// Universal ("fat") Mach-O files, <mach-o/fat.h>: a big-endian fat_header (magic 0xcafebabe,
// nfat_arch) and one fat_arch per architecture (cputype, cpusubtype, offset, size, align as a power
// of two), followed by each thin file, unchanged, at its offset. The kernel maps the slice of the
// running CPU as if it were a file of its own, so each slice keeps its own ad-hoc signature: signing
// is done on the thin files first, and merging changes none of their bytes.
//
// Layout as Apple's lipo writes it (cctools misc/lipo.c): each slice aligned to the largest power of
// two that divides every segment's vmaddr (at least 2^3, at most 2^15; __PAGEZERO's 0 does not
// lower it), so 2^12 for ld64's x86_64 output and 2^14 for arm64; slices ordered by alignment with
// arm64 last.
import { MachoError } from './errors.ts';
import { CPU_TYPE_ARM64, CPU_TYPE_X86_64, parseMacho } from './macho-file.ts';

export const FAT_MAGIC = 0xcafebabe;
const FAT_HEADER_SIZE = 8;
const FAT_ARCH_SIZE = 20;
const ALIGN_MIN_64 = 3;
const ALIGN_MAX = 15;
/** More slices than any real universal file holds; also what tells a Java class file (same magic) apart. */
const MAX_SLICES = 8;

export interface FatSlice {
  cpuType: number;
  cpuSubtype: number;
  offset: number;
  size: number;
  /** log2 of the slice's alignment. */
  align: number;
}

export const cpuName = (cpuType: number): string =>
  cpuType === CPU_TYPE_ARM64
    ? 'arm64'
    : cpuType === CPU_TYPE_X86_64
      ? 'x86_64'
      : `cputype 0x${cpuType.toString(16)}`;

/** lipo's alignment for a thin 64-bit file: the smallest over its segments of the lowest set bit of vmaddr. */
export function sliceAlignment(thin: Buffer): number {
  let align = ALIGN_MAX;
  for (const segment of parseMacho(thin).segments) {
    if (segment.vmaddr === 0n) continue;
    let bit = 0;
    while (((segment.vmaddr >> BigInt(bit)) & 1n) === 0n) bit++;
    align = Math.min(align, Math.max(bit, ALIGN_MIN_64));
  }
  return align;
}

const alignUp = (n: number, log2: number): number => Math.ceil(n / 2 ** log2) * 2 ** log2;

/** Merge thin 64-bit Mach-O files (one per CPU type) into a universal file. The inputs are not changed. */
export function createFat(thins: readonly Buffer[]): Buffer {
  if (thins.length === 0) throw new MachoError('MACHO_BAD_FAT', 'no architecture to merge');
  const slices = thins.map((data) => {
    const header = parseMacho(data);
    return { data, cpuType: header.cpuType, cpuSubtype: data.readUInt32LE(8), align: sliceAlignment(data) };
  });
  const seen = new Set<number>();
  for (const slice of slices) {
    if (seen.has(slice.cpuType))
      throw new MachoError('MACHO_BAD_FAT', `two ${cpuName(slice.cpuType)} files: one per architecture`);
    seen.add(slice.cpuType);
  }
  slices.sort((a, b) =>
    a.cpuType === CPU_TYPE_ARM64 ? 1 : b.cpuType === CPU_TYPE_ARM64 ? -1 : a.align - b.align,
  );
  let offset = FAT_HEADER_SIZE + FAT_ARCH_SIZE * slices.length;
  const placed = slices.map((slice) => {
    offset = alignUp(offset, slice.align);
    const at = offset;
    offset += slice.data.length;
    return { ...slice, offset: at };
  });
  if (offset > 0xffffffff)
    throw new MachoError('MACHO_TOO_LARGE', `a universal file of ${offset} bytes needs 64-bit offsets`);

  const out = Buffer.alloc(offset);
  out.writeUInt32BE(FAT_MAGIC, 0);
  out.writeUInt32BE(placed.length, 4);
  placed.forEach((slice, i) => {
    const at = FAT_HEADER_SIZE + i * FAT_ARCH_SIZE;
    out.writeUInt32BE(slice.cpuType, at);
    out.writeUInt32BE(slice.cpuSubtype, at + 4);
    out.writeUInt32BE(slice.offset, at + 8);
    out.writeUInt32BE(slice.data.length, at + 12);
    out.writeUInt32BE(slice.align, at + 16);
    slice.data.copy(out, slice.offset);
  });
  return out;
}

/** Read a universal file's header and check its layout: aligned, inside the file, not overlapping,
 * each slice a thin 64-bit Mach-O file of the CPU type its fat_arch names. */
export function parseFat(buf: Buffer): FatSlice[] {
  if (buf.length < FAT_HEADER_SIZE || buf.readUInt32BE(0) !== FAT_MAGIC) {
    throw new MachoError('MACHO_BAD_FAT', 'not a universal file (no 0xcafebabe fat_header)');
  }
  const count = buf.readUInt32BE(4);
  if (count === 0 || count > MAX_SLICES) {
    throw new MachoError('MACHO_BAD_FAT', `nfat_arch ${count} (a universal file holds 1 to ${MAX_SLICES})`);
  }
  const headerEnd = FAT_HEADER_SIZE + count * FAT_ARCH_SIZE;
  if (headerEnd > buf.length)
    throw new MachoError('MACHO_TRUNCATED', 'fat_arch table past the end of the file');
  const slices: FatSlice[] = [];
  for (let i = 0; i < count; i++) {
    const at = FAT_HEADER_SIZE + i * FAT_ARCH_SIZE;
    slices.push({
      cpuType: buf.readUInt32BE(at),
      cpuSubtype: buf.readUInt32BE(at + 4),
      offset: buf.readUInt32BE(at + 8),
      size: buf.readUInt32BE(at + 12),
      align: buf.readUInt32BE(at + 16),
    });
  }
  const byOffset = [...slices].sort((a, b) => a.offset - b.offset);
  let end = headerEnd;
  for (const slice of byOffset) {
    const name = cpuName(slice.cpuType);
    if (slice.align > ALIGN_MAX || slice.offset % 2 ** slice.align !== 0)
      throw new MachoError('MACHO_BAD_FAT', `${name} at ${slice.offset} is not aligned to 2^${slice.align}`);
    if (slice.offset < end)
      throw new MachoError('MACHO_BAD_FAT', `${name} at ${slice.offset} overlaps what precedes it`);
    if (slice.offset + slice.size > buf.length)
      throw new MachoError('MACHO_TRUNCATED', `${name} ends past the end of the file`);
    const thin = parseMacho(fatSlice(buf, slice));
    if (thin.cpuType !== slice.cpuType)
      throw new MachoError(
        'MACHO_BAD_FAT',
        `the fat_arch says ${name}, its slice is ${cpuName(thin.cpuType)}`,
      );
    end = slice.offset + slice.size;
  }
  if (new Set(slices.map((s) => s.cpuType)).size !== slices.length)
    throw new MachoError('MACHO_BAD_FAT', 'an architecture appears twice');
  return slices;
}

/** The bytes of one slice (a view, not a copy). */
export function fatSlice(buf: Buffer, slice: FatSlice): Buffer {
  return buf.subarray(slice.offset, slice.offset + slice.size);
}
