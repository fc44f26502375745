// Steps 3 and 4: a copy of the target's Node.js binary with the SEA blob injected (postject), and
// for macOS the signature work: Node's own signature is removed before injection (it no longer
// matches afterwards) and the result is signed ad hoc by the project's signer, then every page
// hash is checked.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { adhocSign, removeSignature, verifyPageHashes } from './macho/sign.ts';
import { SEA_FUSE, SEA_MACHO_SEGMENT, SEA_RESOURCE, SIGNING_IDENTIFIER, type Target } from './targets.ts';

interface Postject {
  inject(
    filename: string,
    resourceName: string,
    resourceData: Buffer,
    options?: { machoSegmentName?: string; overwrite?: boolean; sentinelFuse?: string },
  ): Promise<void>;
}
// postject ships CommonJS without type declarations.
const postject = createRequire(import.meta.url)('postject') as Postject;

export interface Injected {
  /** Pages checked in the ad-hoc signature (darwin), for the build log. */
  pagesChecked?: number;
}

/** Write `out`: the Node.js binary at `nodePath` carrying `blob`, signed for darwin targets. */
export async function makeExecutable(
  target: Target,
  nodePath: string,
  blob: Buffer,
  out: string,
): Promise<Injected> {
  let node: Buffer = fs.readFileSync(nodePath);
  if (countFuse(node) !== 1) throw new Error(`${nodePath}: the SEA fuse must occur exactly once`);
  if (target.platform === 'darwin') node = removeSignature(node);
  fs.writeFileSync(out, node, { mode: 0o755 });
  await silenced(() =>
    postject.inject(out, SEA_RESOURCE, blob, {
      sentinelFuse: SEA_FUSE,
      ...(target.platform === 'darwin' ? { machoSegmentName: SEA_MACHO_SEGMENT } : {}),
    }),
  );
  if (!fs.readFileSync(out).includes(`${SEA_FUSE}:1`))
    throw new Error(`${out}: postject did not flip the SEA fuse`);
  if (target.platform !== 'darwin') return {};
  const signed = adhocSign(fs.readFileSync(out), SIGNING_IDENTIFIER);
  const check = verifyPageHashes(signed);
  if (!check.ok) throw new Error(`${out}: signature does not verify: ${check.problems.join('; ')}`);
  fs.writeFileSync(out, signed, { mode: 0o755 });
  return { pagesChecked: check.pagesChecked };
}

function countFuse(buf: Buffer): number {
  let n = 0;
  for (let at = buf.indexOf(SEA_FUSE); at !== -1; at = buf.indexOf(SEA_FUSE, at + 1)) n++;
  return n;
}

/**
 * postject's LIEF prints notes about Node's ELF sections ("Can't find string offset for section
 * name '.note.100'") that are harmless; they are shown only when the injection fails.
 */
async function silenced<T>(fn: () => Promise<T>): Promise<T> {
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write);
  let captured = '';
  for (const s of streams) {
    s.write = ((chunk: string | Uint8Array) => {
      captured += chunk.toString();
      return true;
    }) as typeof s.write;
  }
  try {
    return await fn();
  } catch (err) {
    streams.forEach((s, i) => (s.write = writes[i] ?? s.write));
    if (captured) process.stderr.write(captured);
    throw err;
  } finally {
    streams.forEach((s, i) => (s.write = writes[i] ?? s.write));
  }
}
