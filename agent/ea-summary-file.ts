// The EA summary plist on disk (ea-summary.ts says what is in it): `summary.plist` in the agent's state
// directory, root-owned like the directory (0700, so only root reads it: every inventory tool that runs an
// EA, Jamf, Kandji, Intune, osquery and munki, runs as root). Replaced atomically at each collection: a new
// file written, synced and renamed over the old one, so a reader sees the old summary or the new one,
// never half of one. Neither write nor read follows a symbolic link at its path.
import fs from 'node:fs';
import path from 'node:path';
import { checkOwned, openNoFollow } from './cache/open.ts';

export const SUMMARY_FILE = 'summary.plist';
/** Readable by all: nothing in it is secret (states, names, times); the directory keeps others out. */
const MODE = 0o644;
const WHAT = 'the EA summary';
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const LEFTOVER = /^summary\.plist\.\d+\.tmp$/;

export function writeSummaryFile(stateDir: string, text: string): void {
  const file = path.join(stateDir, SUMMARY_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  // Leftovers of runs killed before their rename are removed, never opened (rmSync on a link removes it).
  for (const name of fs.readdirSync(stateDir)) {
    if (LEFTOVER.test(name)) fs.rmSync(path.join(stateDir, name), { force: true });
  }
  const fd = openNoFollow(tmp, O_WRONLY | O_CREAT | O_EXCL, WHAT, MODE);
  try {
    fs.fchmodSync(fd, MODE);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The summary's text, or null when no collection wrote one. */
export function readSummaryFile(stateDir: string): string | null {
  const file = path.join(stateDir, SUMMARY_FILE);
  let fd: number;
  try {
    fd = openNoFollow(file, O_RDONLY, WHAT);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    checkOwned(fd, file, WHAT, 'file');
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
