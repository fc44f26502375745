// scripts/build/universal.ts on hand-built signed executables: the merge keeps both slices, says
// which macOS they need, and refuses what the one package must not ship (a slice whose signature
// does not verify, slices that need different macOS versions).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adhocSign } from '../../scripts/build/macho/adhoc-sign.ts';
import { fatSlice, parseFat } from '../../scripts/build/macho/fat.ts';
import { universalExecutable } from '../../scripts/build/universal.ts';
import { syntheticMacho } from './macho/synthetic-macho.ts';

const LC_BUILD_VERSION = 0x32;

/** A synthetic executable with an LC_BUILD_VERSION (platform macOS, minos) in its header pad, signed ad hoc. */
function executable(arch: 'arm64' | 'x86_64', minos: [number, number]): Buffer {
  const file = Buffer.from(syntheticMacho({ arch, headerpad: 128 }));
  const ncmds = file.readUInt32LE(16);
  const sizeofcmds = file.readUInt32LE(20);
  const at = 32 + sizeofcmds;
  file.writeUInt32LE(LC_BUILD_VERSION, at);
  file.writeUInt32LE(24, at + 4);
  file.writeUInt32LE(1, at + 8); // PLATFORM_MACOS
  file.writeUInt32LE((minos[0] << 16) | (minos[1] << 8), at + 12);
  file.writeUInt32LE(15 << 16, at + 16); // sdk
  file.writeUInt32LE(0, at + 20); // ntools
  file.writeUInt32LE(ncmds + 1, 16);
  file.writeUInt32LE(sizeofcmds + 24, 20);
  return adhocSign(file, 'com.tokenwatch.agent');
}

test('merges the two signed darwin executables unchanged, x86_64 first, and names their common minimum macOS', () => {
  const arm64 = executable('arm64', [11, 0]);
  const x86_64 = executable('x86_64', [11, 0]);
  const universal = universalExecutable([arm64, x86_64]);
  assert.deepEqual(universal.architectures, ['x86_64', 'arm64']);
  assert.equal(universal.minimumMacOS, '11.0');
  const [first, second] = parseFat(universal.data);
  assert.ok(first && second);
  assert.deepEqual(fatSlice(universal.data, first), x86_64);
  assert.deepEqual(fatSlice(universal.data, second), arm64);
  assert.ok(universal.pagesChecked >= 4, `${universal.pagesChecked} pages`);
});

test('refuses a slice whose signature no longer verifies', () => {
  const tampered = executable('arm64', [11, 0]);
  tampered[0x3010] = (tampered[0x3010] ?? 0) ^ 1;
  assert.throws(
    () => universalExecutable([tampered, executable('x86_64', [11, 0])]),
    /universal executable, arm64 slice: CodeDirectory slot 0x0: page 3 \(file offset 0x3000\) hash mismatch/,
  );
});

test('refuses slices that need different macOS versions: the package declares one minimum', () => {
  assert.throws(
    () => universalExecutable([executable('arm64', [11, 0]), executable('x86_64', [10, 15])]),
    /the slices need different macOS versions \(10\.15, 11\.0\)|the slices need different macOS versions \(11\.0, 10\.15\)/,
  );
});
