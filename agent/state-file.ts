// A small file of the agent's in its root-only state directory (the device token, the EA summary): read and
// written without following a symbolic link at its path (a planted link is refused, never followed), owned
// as the directory is, and replaced atomically (a new file, synced, then renamed over the old one), so a run
// killed at any point leaves the old content or the new, never half of it.
import fs from 'node:fs';
import path from 'node:path';
import { checkOwned, openNoFollow } from './cache/open.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;

/**
 * The file's text, or null when there is none. With `mode`, a file others may read or write is narrowed to it
 * as it is read.
 */
export function readStateFile(stateDir: string, name: string, what: string, mode?: number): string | null {
  const file = path.join(stateDir, name);
  let fd: number;
  try {
    fd = openNoFollow(file, O_RDONLY, what);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = checkOwned(fd, file, what, 'file');
    if (mode !== undefined && (st.mode & 0o777 & ~mode) !== 0) fs.fchmodSync(fd, mode);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Replace the file with `text`, mode `mode`. */
export function replaceStateFile(
  stateDir: string,
  name: string,
  text: string,
  mode: number,
  what: string,
): void {
  const file = path.join(stateDir, name);
  const tmp = `${file}.${process.pid}.tmp`;
  // Leftovers of runs killed before their rename (or anything planted under such a name) are removed,
  // never opened: rmSync on a link removes the link.
  const leftover = `${name}.`;
  for (const entry of fs.readdirSync(stateDir)) {
    if (entry.startsWith(leftover) && /^\d+\.tmp$/.test(entry.slice(leftover.length)))
      fs.rmSync(path.join(stateDir, entry), { force: true });
  }
  const fd = openNoFollow(tmp, O_WRONLY | O_CREAT | O_EXCL, what, mode);
  try {
    fs.fchmodSync(fd, mode);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  // rename replaces whatever is at `file` (a link included) without following it.
  fs.renameSync(tmp, file);
}
