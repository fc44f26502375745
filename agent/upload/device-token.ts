// The agent's own device credential: one file, 0600, in the root-only state directory. Read and written
// without following a symbolic link at its path (a planted link is refused, never followed), and
// replaced atomically (a new file, then rename), so a run killed at any point leaves the old token or
// the new one, never half of one.
import fs from 'node:fs';
import path from 'node:path';
import { checkOwned, ensureStateDir, openNoFollow } from '../cache/open.ts';

export const TOKEN_FILE = 'device-token';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const WHAT = 'the device token';

export function readDeviceToken(stateDir: string): string | null {
  const file = path.join(stateDir, TOKEN_FILE);
  let fd: number;
  try {
    fd = openNoFollow(file, O_RDONLY, WHAT);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = checkOwned(fd, file, WHAT, 'file');
    if ((st.mode & 0o077) !== 0) fs.fchmodSync(fd, 0o600);
    const text = fs.readFileSync(fd, 'utf8').trim();
    return text || null;
  } finally {
    fs.closeSync(fd);
  }
}

export function writeDeviceToken(stateDir: string, token: string): void {
  ensureStateDir(stateDir);
  const file = path.join(stateDir, TOKEN_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  // Leftovers of runs killed before their rename (or anything planted under such a name) are removed,
  // never opened: rmSync on a link removes the link.
  for (const name of fs.readdirSync(stateDir)) {
    if (/^device-token\.\d+\.tmp$/.test(name)) fs.rmSync(path.join(stateDir, name), { force: true });
  }
  const fd = openNoFollow(tmp, O_WRONLY | O_CREAT | O_EXCL, WHAT, 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, `${token}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // rename replaces whatever is at `file` (a link included) without following it.
  fs.renameSync(tmp, file);
}
