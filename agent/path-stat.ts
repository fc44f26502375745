// The edge that looks at a file for agent/probes/files.ts: lstat of the Mac path (under --sysroot when
// given), never open, never read, never a symbolic link followed; no process is started. Every answer is
// a PathStat, never an exception.
import { lstat } from 'node:fs/promises';
import type { PathStat } from './probes/path-stat.ts';
import { resolveUnderSysroot } from './sysroot.ts';

export type PathStatter = (macPath: string) => Promise<PathStat>;

export function createPathStat(sysroot: string | null): PathStatter {
  return async (macPath: string): Promise<PathStat> => {
    let file: string;
    try {
      file = resolveUnderSysroot(sysroot, macPath);
    } catch {
      return { kind: 'error', code: 'ENOTABSOLUTE' };
    }
    try {
      const st = await lstat(file);
      const kind = st.isFile()
        ? 'file'
        : st.isDirectory()
          ? 'directory'
          : st.isSymbolicLink()
            ? 'symlink'
            : 'other';
      return { kind, size: st.size, modifiedAt: st.mtime.toISOString() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'error', code };
    }
  };
}
