// Where a Mac path is on this machine: under --sysroot DIR (a simulated Mac) when one is given. Pure;
// shared by the runner (the executables) and the configuration (the preferences files, default paths).
import { isAbsolute, join } from 'node:path';

/** An absolute Mac path as the agent sees it: DIR/usr/sbin/diskutil under --sysroot DIR. */
export function resolveUnderSysroot(sysroot: string | null, absolute: string): string {
  if (!isAbsolute(absolute)) throw new Error(`not an absolute path: ${absolute}`);
  return sysroot ? join(sysroot, absolute) : absolute;
}
