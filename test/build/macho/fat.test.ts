// Universal files on hand-built thin files: the layout lipo writes (header, alignment, order), the
// slices kept byte for byte with their signatures, and every malformed header refused. Go's
// debug/macho reads our output in the system suite (fat-go.system.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adhocSign } from '../../../scripts/build/macho/adhoc-sign.ts';
import { MachoError } from '../../../scripts/build/macho/errors.ts';
import {
  FAT_MAGIC,
  createFat,
  fatSlice,
  parseFat,
  sliceAlignment,
} from '../../../scripts/build/macho/fat.ts';
import { CPU_TYPE_ARM64, CPU_TYPE_X86_64 } from '../../../scripts/build/macho/macho-file.ts';
import { verifyPageHashes } from '../../../scripts/build/macho/verify.ts';
import { syntheticMacho } from './synthetic-macho.ts';

const arm64 = adhocSign(syntheticMacho({ arch: 'arm64' }), 'com.tokenwatch.agent');
const x86_64 = adhocSign(syntheticMacho({ arch: 'x86_64' }), 'com.tokenwatch.agent');

function rejects(code: string, action: () => unknown, message: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof MachoError);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

/** Rewrite one big-endian field of the fat header of a copy. */
function withField(fat: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(fat);
  copy.writeUInt32BE(value, offset);
  return copy;
}

describe('createFat', () => {
  it('writes the fat header lipo writes: x86_64 at 2^12, arm64 last at 2^14, each slice unchanged', () => {
    const fat = createFat([arm64, x86_64]);
    assert.equal(fat.readUInt32BE(0), FAT_MAGIC);
    assert.equal(fat.readUInt32BE(4), 2);
    const expected = [
      { cpuType: CPU_TYPE_X86_64, cpuSubtype: 0, offset: 0x1000, size: x86_64.length, align: 12 },
      {
        cpuType: CPU_TYPE_ARM64,
        cpuSubtype: 0,
        offset: Math.ceil((0x1000 + x86_64.length) / 0x4000) * 0x4000,
        size: arm64.length,
        align: 14,
      },
    ];
    assert.deepEqual(parseFat(fat), expected);
    // the fat_arch fields in their big-endian places
    assert.equal(fat.readUInt32BE(8), CPU_TYPE_X86_64);
    assert.equal(fat.readUInt32BE(16), 0x1000);
    assert.equal(fat.readUInt32BE(24), 12);
    assert.equal(fat.readUInt32BE(28), CPU_TYPE_ARM64);
    assert.equal(fat.readUInt32BE(44), 14);
    // nothing but zeros between the slices, and the file ends with the last slice
    const [first, second] = parseFat(fat);
    assert.ok(first && second);
    assert.ok(fat.subarray(48, first.offset).every((byte) => byte === 0));
    assert.ok(fat.subarray(first.offset + first.size, second.offset).every((byte) => byte === 0));
    assert.equal(fat.length, second.offset + second.size);
    assert.deepEqual(fatSlice(fat, first), x86_64);
    assert.deepEqual(fatSlice(fat, second), arm64);
  });

  it('keeps each slice signed: every page hash still verifies inside the universal file', () => {
    const fat = createFat([x86_64, arm64]);
    for (const slice of parseFat(fat)) assert.deepEqual(verifyPageHashes(fatSlice(fat, slice)).problems, []);
  });

  it('gives the same bytes whatever the order of its inputs', () => {
    assert.deepEqual(createFat([x86_64, arm64]), createFat([arm64, x86_64]));
  });

  it('copies the slice header cpusubtype (capability bits included) into its fat_arch', () => {
    const withLib64 = Buffer.from(x86_64);
    withLib64.writeUInt32LE(0x80000003, 8); // CPU_SUBTYPE_X86_64_ALL | CPU_SUBTYPE_LIB64
    const [slice] = parseFat(createFat([withLib64]));
    assert.equal(slice?.cpuSubtype, 0x80000003);
  });

  it("aligns as lipo does: the lowest set bit of every segment's vmaddr, between 2^3 and 2^15", () => {
    assert.equal(sliceAlignment(x86_64), 12);
    assert.equal(sliceAlignment(arm64), 14);
    // __TEXT moved to 0x100000008: a segment at an 8-byte boundary gives 2^3
    const odd = Buffer.from(syntheticMacho({ arch: 'arm64' }));
    const textCommand = 32 + 72; // after the header and __PAGEZERO
    odd.writeBigUInt64LE(0x100000008n, textCommand + 24);
    assert.equal(sliceAlignment(odd), 3);
    odd.writeBigUInt64LE(0x100000001n, textCommand + 24);
    assert.equal(sliceAlignment(odd), 3, 'never below 2^3 for a 64-bit file');
  });

  it('refuses two files of one architecture, a universal file as input and no input', () => {
    rejects('MACHO_BAD_FAT', () => createFat([arm64, arm64]), /two arm64 files/);
    rejects('MACHO_NOT_THIN_64', () => createFat([createFat([arm64])]), /universal/);
    rejects('MACHO_BAD_FAT', () => createFat([]), /no architecture/);
  });
});

describe('parseFat', () => {
  const fat = createFat([x86_64, arm64]);

  it('refuses a thin file and a Java class file (the same magic, then a version number)', () => {
    rejects('MACHO_BAD_FAT', () => parseFat(arm64), /not a universal file/);
    const javaClass = Buffer.from('cafebabe00000034000a0a0002000307', 'hex'); // minor 0, major 52 (Java 8)
    rejects('MACHO_BAD_FAT', () => parseFat(javaClass), /nfat_arch 52/);
  });

  it('refuses a misaligned, overlapping, truncated or mislabelled slice', () => {
    rejects(
      'MACHO_BAD_FAT',
      () => parseFat(withField(fat, 16, 0x1010)),
      /x86_64 at 4112 is not aligned to 2\^12/,
    );
    rejects('MACHO_BAD_FAT', () => parseFat(withField(fat, 16, 0)), /overlaps/);
    rejects('MACHO_TRUNCATED', () => parseFat(fat.subarray(0, fat.length - 1)), /arm64 ends past the end/);
    rejects(
      'MACHO_BAD_FAT',
      () => parseFat(withField(fat, 8, CPU_TYPE_ARM64)),
      /the fat_arch says arm64, its slice is x86_64/,
    );
    rejects('MACHO_BAD_FAT', () => parseFat(withField(fat, 4, 0)), /nfat_arch 0/);
  });
});
