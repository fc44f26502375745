// The agent's own device credential: one file, 0600, in the root-only state directory.
import fs from 'node:fs';
import path from 'node:path';

export const TOKEN_FILE = 'device-token';

export function readDeviceToken(stateDir: string): string | null {
  try {
    const text = fs.readFileSync(path.join(stateDir, TOKEN_FILE), 'utf8').trim();
    return text || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function writeDeviceToken(stateDir: string, token: string): void {
  const file = path.join(stateDir, TOKEN_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}
