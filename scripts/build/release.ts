// Step 5: what is handed to Mac admins: per macOS architecture, and for the universal executable, a
// tarball holding the executable, the launchd files exactly as they sit in launchd/ (install.sh and
// pkg/build-pkg.sh expect them beside it), the third-party notices and a SHA256SUMS; and
// dist/manifest.json describing every output.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { tarGz, type TarEntry } from './tar.ts';
import { EXECUTABLE_NAME, tarballName, type OutputName } from './targets.ts';

/** Locale-independent order, so the archive is the same on every build machine. */
const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

interface FileEntry {
  path: string;
  mode: number;
  data: Buffer;
}

/** Every file under `dir`, sorted, with 0755 for files executable in the tree and 0644 otherwise. */
export function filesUnder(dir: string, prefix = ''): FileEntry[] {
  const out: FileEntry[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = fs.lstatSync(full);
    if (st.isDirectory()) out.push(...filesUnder(full, rel));
    else if (st.isFile())
      out.push({ path: rel, mode: st.mode & 0o111 ? 0o755 : 0o644, data: fs.readFileSync(full) });
    else throw new Error(`${full}: only regular files and directories go into a release`);
  }
  return out;
}

/** `sha256sum` / `shasum -a 256 -c` format. */
export function sha256sums(files: { path: string; data: Buffer }[]): string {
  return files.map((f) => `${sha256(f.data)}  ${f.path}\n`).join('');
}

export interface ReleaseInput {
  /** A darwin target, or the universal executable (what the one installer package is built from). */
  target: { name: OutputName };
  version: string;
  executable: Buffer;
  launchdDir: string;
  notices: string;
  mtime: number;
}

/** The tarball's name and bytes. Everything sits under one folder named like the tarball. */
export function releaseTarball(input: ReleaseInput): { name: string; data: Buffer; files: string[] } {
  const name = tarballName(input.target, input.version);
  const top = name.replace(/\.tar\.gz$/, '');
  const launchd = filesUnder(input.launchdDir);
  if (launchd.some((f) => f.path === EXECUTABLE_NAME || f.path === 'SHA256SUMS')) {
    throw new Error(`launchd/ must not hold ${EXECUTABLE_NAME} or SHA256SUMS: the build writes them`);
  }
  const files: FileEntry[] = [
    { path: EXECUTABLE_NAME, mode: 0o755, data: input.executable },
    ...launchd,
    { path: 'THIRD-PARTY-NOTICES.txt', mode: 0o644, data: Buffer.from(input.notices) },
  ].sort((a, b) => byCodeUnits(a.path, b.path));
  const sums: FileEntry = { path: 'SHA256SUMS', mode: 0o644, data: Buffer.from(sha256sums(files)) };
  const all = [...files, sums];
  const dirs = new Set<string>([top]);
  for (const f of all) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${top}/${parts.slice(0, i).join('/')}`);
  }
  const entries: TarEntry[] = [
    ...[...dirs].sort().map((d) => ({ path: d, mode: 0o755 })),
    ...all.map((f) => ({ path: `${top}/${f.path}`, mode: f.mode, data: f.data })),
  ];
  return { name, data: tarGz(entries, input.mtime), files: all.map((f) => f.path) };
}
