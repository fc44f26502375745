// The FileVault enablement record at the OutputPath `fdesetup showdeferralinfo` prints (seen:
// /var/db/ConfigurationProfiles/fdesetup.plist). fdesetup writes it when the deferred enablement runs,
// and it holds the personal recovery key in clear (a published 10.15.6 report shows `RecoveryKey` in it
// ten months after FileVault was turned on). The agent never opens it: the edge looks with lstat (no
// process, no read, no symbolic link followed) and hands this interpreter what lstat established.
// Present: a record, with its key in clear, is on disk (whatever its size). Missing: not on disk now.
import type { ParseResult, ProbeError } from './result.ts';
import { problem } from './output-lines.ts';
import type { PathStat } from './path-stat.ts';
import { lstatRefused, notAFile } from './path-stat.ts';
import { excerpt } from './excerpt.ts';

/**
 * The path to look at, or the error saying why the OutputPath is not looked at: only an absolute path in
 * its plain form (no `.` or `..` component, no doubled or trailing slash) is.
 */
export function deferralRecordPath(outputPath: string): { path: string } | { error: ProbeError } {
  const parts = outputPath.split('/');
  const plain =
    outputPath.startsWith('/') &&
    parts.slice(1).every((p) => p !== '' && p !== '.' && p !== '..') &&
    !outputPath.includes('\0');
  if (plain) return { path: outputPath };
  return {
    error: problem.unreadable(
      `the deferral's OutputPath is not an absolute path in plain form: not looked at (${excerpt(outputPath)})`,
    ),
  };
}

export function interpretDeferralRecord(path: string, stat: PathStat): ParseResult<boolean> {
  switch (stat.kind) {
    case 'missing':
      return { value: false, errors: [] };
    case 'file':
      return { value: true, errors: [] };
    case 'error':
      return { value: null, errors: [lstatRefused(excerpt(path), stat.code)] };
    default:
      return { value: null, errors: [notAFile(excerpt(path), stat.kind)] };
  }
}
