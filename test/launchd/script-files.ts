// The shell scripts in launchd/ and a small runner for the tools that check them.
import { execFile } from 'node:child_process';

export const SCRIPTS = [
  'install.sh',
  'uninstall.sh',
  'pkg/build-pkg.sh',
  'pkg/scripts/preinstall',
  'pkg/scripts/postinstall',
];

export const INSTALL_SHELLCHECK =
  'shellcheck (Debian package shellcheck) is required: apt-get install -y shellcheck';

/** Runs FILE; a missing tool rejects with `missing` (how to install it), any exit code resolves. */
export function capture(
  file: string,
  args: string[],
  cwd: string,
  missing = `${file} not found`,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(missing));
        return;
      }
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}
