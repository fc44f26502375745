// What package-lock.json pins for a package: its version and the registry's integrity hash (SRI),
// and the check of a downloaded tarball against that hash.
import crypto from 'node:crypto';
import fs from 'node:fs';

export interface LockedPackage {
  name: string;
  version: string;
  /** Subresource Integrity string, e.g. `sha512-<base64>`. */
  integrity: string;
}

interface LockFile {
  packages?: Record<string, { version?: string; integrity?: string }>;
}

export function lockedPackage(lockPath: string, name: string): LockedPackage {
  const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockFile;
  const entry = lock.packages?.[`node_modules/${name}`];
  if (!entry?.version || !entry.integrity) {
    throw new Error(
      `${lockPath} has no version and integrity for ${name}: add it (npm install) and commit the lockfile`,
    );
  }
  return { name, version: entry.version, integrity: entry.integrity };
}

/**
 * True when `data` matches one of the hashes of an SRI string ("sha512-... sha256-..."): the
 * strongest algorithm present must match, as npm (ssri) does.
 */
export function matchesIntegrity(data: Buffer, integrity: string): boolean {
  const order = ['sha512', 'sha384', 'sha256'];
  const entries = integrity
    .trim()
    .split(/\s+/)
    .map((s) => {
      const dash = s.indexOf('-');
      return { algo: s.slice(0, dash), digest: s.slice(dash + 1).split('?')[0] ?? '' };
    })
    .filter((e) => order.includes(e.algo));
  const best = order.find((a) => entries.some((e) => e.algo === a));
  if (!best) throw new Error(`unsupported integrity string: ${integrity}`);
  const actual = crypto.createHash(best).update(data).digest();
  return entries
    .filter((e) => e.algo === best)
    .some((e) => {
      const expected = Buffer.from(e.digest, 'base64');
      return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
    });
}
