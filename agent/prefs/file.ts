// The edge that reads a preferences file from disk for loadConfig (agent/settings/load.ts stays pure).
import { readFileSync } from 'node:fs';

/** The file's bytes, or null when it does not exist; any other failure (permissions, a directory) throws. */
export function readPrefsFile(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}
