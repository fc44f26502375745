// better-sqlite3's addon inside the single executable. The build embeds the target's prebuilt
// `.node` file as a SEA asset; a `.node` file can only be loaded from disk, so it is extracted once
// into the agent's state directory, named by its SHA-256 (a new agent version brings a new file,
// a damaged file is replaced), and its path is passed to better-sqlite3 as `nativeBinding`.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getRawAsset, isSea } from 'node:sea';

/** The SEA asset key the build (scripts/build/agent.ts) stores the addon under. */
export const SQLITE_ADDON_ASSET = 'better_sqlite3.node';

/**
 * The path to pass as better-sqlite3's `nativeBinding` option: the embedded addon extracted into
 * `<stateDir>/native/`, or undefined when not running as a single executable (better-sqlite3 then
 * finds its own prebuilt addon in node_modules). Throws when the file cannot be written.
 */
export function nativeSqliteBinding(stateDir: string): string | undefined {
  if (!isSea()) return undefined;
  const addon = new Uint8Array(getRawAsset(SQLITE_ADDON_ASSET));
  return extractAddon(addon, path.join(stateDir, 'native'));
}

/**
 * Write `bytes` to `<dir>/<sha256>.node` (file 0600, dir 0700) unless a file with that content is
 * already there. Written to a temporary file and renamed, so a reader never sees a partial file
 * and agents starting together do not clash. Returns the file's path.
 */
export function extractAddon(bytes: Uint8Array, dir: string): string {
  const digest = sha256(bytes);
  const file = path.join(dir, `${digest}.node`);
  privateDir(dir);
  if (isIntact(file, digest)) return file;
  const temporary = path.join(dir, `.${digest}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (err) {
    fs.rmSync(temporary, { force: true });
    throw err;
  }
  if (!isIntact(file, digest)) throw new Error(`${file}: the extracted addon does not match its SHA-256`);
  return file;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** Create `dir` 0700, or check that the existing one is a real directory and make it 0700. */
function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if ((st.mode & 0o777) !== 0o700) fs.chmodSync(dir, 0o700);
}

/** A regular file (not a link), mode 0600, whose content has the expected hash. */
function isIntact(file: string, digest: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return false;
  }
  if (!st.isFile()) {
    fs.rmSync(file, { recursive: true, force: true });
    return false;
  }
  if (sha256(fs.readFileSync(file)) !== digest) return false;
  if ((st.mode & 0o777) !== 0o600) fs.chmodSync(file, 0o600);
  return true;
}
