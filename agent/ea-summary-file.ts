// The EA summary plist on disk (ea-summary.ts says what is in it): `summary.plist` in the agent's state
// directory, root-owned like the directory (0700, so only root reads it: every inventory tool that runs an
// EA, Jamf, Kandji, Intune, osquery and munki, runs as root). Replaced atomically at each collection: a new
// file written, synced and renamed over the old one, so a reader sees the old summary or the new one,
// never half of one. Neither write nor read follows a symbolic link at its path.
import { readStateFile, replaceStateFile } from './state-file.ts';

export const SUMMARY_FILE = 'summary.plist';
/** Readable by all: nothing in it is secret (states, names, times); the directory keeps others out. */
const MODE = 0o644;
const WHAT = 'the EA summary';

export function writeSummaryFile(stateDir: string, text: string): void {
  replaceStateFile(stateDir, SUMMARY_FILE, text, MODE, WHAT);
}

/** The summary's text, or null when no collection wrote one. */
export function readSummaryFile(stateDir: string): string | null {
  return readStateFile(stateDir, SUMMARY_FILE, WHAT);
}
