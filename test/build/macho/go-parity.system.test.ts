// Acceptance check: our ad-hoc signature is byte for byte the one Go's linker writes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { adhocSign } from '../../../scripts/build/macho/adhoc-sign.ts';
import { parseMacho, findSegment } from '../../../scripts/build/macho/macho-file.ts';
import { removeSignature } from '../../../scripts/build/macho/remove-signature.ts';
import { verifyPageHashes } from '../../../scripts/build/macho/verify.ts';
import { assertSameBytes } from './bytes.ts';
import { buildDarwinHello, buildGosign, goToolchain, gosign } from './go-toolchain.ts';

const run = promisify(execFile);
const GO_IDENTIFIER = 'a.out'; // what Go's linker names every binary it signs

describe('ad-hoc signing compared with Go', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tokenwatch-macho-go-'));
  // Built once, on first use, inside the tests: a missing Go then fails every test, with the install command.
  let built: Promise<{ goVersion: string; arm64: Buffer; amd64: Buffer; gosignBinary: string }> | undefined;
  const artifacts = () =>
    (built ??= (async () => {
      const go = await goToolchain(scratch);
      const [arm64, amd64, gosignBinary] = await Promise.all([
        buildDarwinHello(go, 'arm64', scratch),
        buildDarwinHello(go, 'amd64', scratch),
        buildGosign(go, scratch),
      ]);
      return { goVersion: go.version, arm64: readFileSync(arm64), amd64: readFileSync(amd64), gosignBinary };
    })());
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("Go's linker signs darwin/arm64; stripping and re-signing gives Go's exact bytes", async (t) => {
    const { goVersion, arm64 } = await artifacts();
    t.diagnostic(goVersion);
    const signature = parseMacho(arm64).codeSignature;
    assert.ok(signature, 'Go signed its darwin/arm64 output');

    const stripped = removeSignature(arm64);
    const unsigned = parseMacho(stripped);
    assert.equal(unsigned.codeSignature, undefined);
    assert.equal(stripped.length, signature.dataoff);
    const linkedit = findSegment(unsigned, '__LINKEDIT');
    assert.equal(linkedit?.fileoff !== undefined && linkedit.fileoff + linkedit.filesize, stripped.length);

    assertSameBytes(adhocSign(stripped, GO_IDENTIFIER), arm64, 're-signed darwin/arm64');
  });

  it('re-signing a signed binary replaces its signature with the same bytes', async () => {
    const { arm64 } = await artifacts();
    assertSameBytes(adhocSign(arm64, GO_IDENTIFIER), arm64, 'arm64 signed twice');
  });

  it("Go's signature passes our page-hash check, and a changed byte is found on its page", async () => {
    const { arm64 } = await artifacts();
    const check = verifyPageHashes(arm64);
    assert.deepEqual(check.problems, []);
    assert.equal(check.ok, true);
    const dataoff = parseMacho(arm64).codeSignature?.dataoff ?? 0;
    assert.equal(check.pagesChecked, Math.ceil(dataoff / 4096));

    const tampered = Buffer.from(arm64);
    tampered[0x5123] = (tampered[0x5123] ?? 0) ^ 1;
    const bad = verifyPageHashes(tampered);
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.problems, ['CodeDirectory slot 0x0: page 5 (file offset 0x5000) hash mismatch']);
  });

  it("darwin/amd64 (which Go leaves unsigned): Go's codesign package re-signing our output changes nothing", async () => {
    const { arm64, amd64, gosignBinary } = await artifacts();
    assert.equal(parseMacho(amd64).codeSignature, undefined, 'Go does not sign darwin/amd64');
    const ours = adhocSign(amd64, GO_IDENTIFIER);
    assert.equal(verifyPageHashes(ours).ok, true);
    const arm64Ours = adhocSign(removeSignature(arm64), GO_IDENTIFIER);

    const files = [join(scratch, 'ours-amd64'), join(scratch, 'ours-arm64')];
    writeFileSync(files[0] as string, ours);
    writeFileSync(files[1] as string, arm64Ours);
    await gosign(gosignBinary, files);
    assertSameBytes(readFileSync(files[0] as string), ours, "Go's signer over our darwin/amd64 output");
    assertSameBytes(readFileSync(files[1] as string), arm64, "Go's signer over our darwin/arm64 output");
  });

  it('signed as com.tokenwatch.agent, then by Go\'s signer (always "a.out"), gives Go\'s linker output', async () => {
    const { arm64, gosignBinary } = await artifacts();
    const ours = adhocSign(removeSignature(arm64), 'com.tokenwatch.agent');
    assert.equal(verifyPageHashes(ours).ok, true);
    const file = join(scratch, 'ours-identifier');
    writeFileSync(file, ours);
    await gosign(gosignBinary, [file]);
    // Go's signer rewrites the signature as "a.out" (a shorter identifier, so a shorter blob): Go's bytes.
    assertSameBytes(readFileSync(file), arm64, "Go's signer over our com.tokenwatch.agent output");
  });

  it('the CLI signs a copy in place to the same bytes', async () => {
    const { arm64 } = await artifacts();
    const file = join(scratch, 'cli-arm64');
    writeFileSync(file, removeSignature(arm64));
    const sign = join(import.meta.dirname, '..', '..', '..', 'scripts', 'build', 'macho', 'sign.ts');
    const { stdout } = await run(process.execPath, [sign, file, '--identifier', GO_IDENTIFIER]);
    assert.match(stdout, /signed ad hoc as a\.out/);
    assertSameBytes(readFileSync(file), arm64, 'CLI output');
  });
});
