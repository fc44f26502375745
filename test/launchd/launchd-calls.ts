// What the scripts did on a scratch Mac: the launchctl calls in order, the waits, and the files
// they left (a listing that leaves out the scratch Mac's own machinery).
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HARNESS_PATHS, LABEL, PLIST, type ScratchMac } from './scratch-mac.ts';

export const BOOTOUT = ['bootout', `system/${LABEL}`];
export const PRINT = ['print', `system/${LABEL}`];
export const ENABLE = ['enable', `system/${LABEL}`];
export const BOOTSTRAP = ['bootstrap', 'system', PLIST];

export async function launchctlCalls(mac: ScratchMac): Promise<string[][]> {
  return (await mac.calls()).filter((call) => call[0] === 'launchctl').map((call) => call.slice(1));
}

/** The seconds of every `sleep` the scripts asked for, in order. */
export async function sleeps(mac: ScratchMac): Promise<number[]> {
  return (await mac.calls()).filter((call) => call[0] === 'sleep').map((call) => Number(call[1]));
}

/** Every path on the scratch Mac outside its machinery, with its type, mode, owner (per the fake
 * chown) and content. */
export async function tree(mac: ScratchMac): Promise<string[]> {
  const lines: string[] = [];
  async function walk(macDir: string): Promise<void> {
    for (const name of (await readdir(mac.path(macDir))).sort()) {
      const macPath = join(macDir, name);
      if (HARNESS_PATHS.includes(macPath)) continue;
      const path = mac.path(macPath);
      const info = await lstat(path);
      if (info.isSymbolicLink()) {
        lines.push(`${macPath} -> ${await readlink(path)}`);
      } else if (info.isDirectory()) {
        lines.push(`${macPath}/ ${(info.mode & 0o7777).toString(8)} ${await mac.ownerOf(path)}`);
        await walk(macPath);
      } else {
        const body = (await readFile(path)).toString('base64');
        lines.push(`${macPath} ${(info.mode & 0o7777).toString(8)} ${await mac.ownerOf(path)} ${body}`);
      }
    }
  }
  await walk('/');
  return lines;
}
