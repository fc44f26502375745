// What lstat established about a path, as the interpreters of files.ts take it: the edge
// (agent/path-stat.ts) maps lstat's answer or its error code to this. Pure.
import type { ProbeError } from './result.ts';
import { problem } from './output-lines.ts';

/** lstat's answer: what is at the path (a symbolic link is reported as one, never followed). */
export type PathStat =
  | { kind: 'file' | 'directory' | 'symlink' | 'other'; size: number; modifiedAt: string }
  | { kind: 'missing' }
  | { kind: 'error'; code: string };

const CODES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied: is the agent running as root?',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many symbolic links',
};

/** The error of an lstat that did not answer (tool_error: the system refused to look). */
export function lstatRefused(path: string, code: string): ProbeError {
  return problem.tool(`${path}: ${code} (${CODES[code] ?? 'could not be looked at'})`);
}

/** The error for something at the path that is not a regular file (never looked into). */
export function notAFile(path: string, kind: string): ProbeError {
  return problem.unreadable(`${path} is a ${kind}, not a file: not looked into`);
}
