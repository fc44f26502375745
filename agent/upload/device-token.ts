// The agent's own device credential: one file, 0600, in the root-only state directory. Read and written
// without following a symbolic link at its path (a planted link is refused, never followed), and
// replaced atomically (a new file, then rename), so a run killed at any point leaves the old token or
// the new one, never half of one.
import { ensureStateDir } from '../cache/open.ts';
import { readStateFile, replaceStateFile } from '../state-file.ts';

export const TOKEN_FILE = 'device-token';

const WHAT = 'the device token';

export function readDeviceToken(stateDir: string): string | null {
  return readStateFile(stateDir, TOKEN_FILE, WHAT, 0o600)?.trim() || null;
}

export function writeDeviceToken(stateDir: string, token: string): void {
  ensureStateDir(stateDir);
  replaceStateFile(stateDir, TOKEN_FILE, `${token}\n`, 0o600, WHAT);
}
