// A scratch Mac for the launchd scripts: a directory standing in for `/` (TOKENWATCH_ROOT), a release
// directory laid out like the tarball, and fake launchctl, chown, xattr and pkgutil executables.
// The fakes are real processes that check their arguments, answer as the real tools do (launchctl's
// "not loaded" is exit 113), record every call in order to calls.log, and keep launchd's state
// (loaded or not) in files, so a wrong call or a wrong order fails the run the way it would on a Mac.
import { execFile } from 'node:child_process';
import { after } from 'node:test';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LAUNCHD_DIR = new URL('../../launchd/', import.meta.url).pathname;
export const LABEL = 'com.tokenwatch.agent';
export const EXE = '/usr/local/tokenwatch/bin/tokenwatch-agent';
export const PLIST = `/Library/LaunchDaemons/${LABEL}.plist`;
export const NEWSYSLOG = `/etc/newsyslog.d/${LABEL}.conf`;
export const LOG_DIR = '/Library/Logs/tokenwatch';
export const STATE_DIR = '/Library/Application Support/tokenwatch';
/** The uid and gid of `nobody` on Debian, for the refusal tests. */
export const NOBODY = 65534;

export interface ScratchMac {
  base: string;
  /** Stands in for `/`. */
  root: string;
  /** The unpacked release tarball: install.sh, uninstall.sh, the plist, newsyslog.d/, tokenwatch-agent. */
  release: string;
  /** Where the fakes keep launchd's state and their records. */
  state: string;
  env: Record<string, string>;
  /** Every fake call so far, in order, as [tool, ...argv], with the scratch root written as `$ROOT`. */
  calls(): Promise<string[][]>;
  /** The owner the fake chown last gave to this file (by inode, so a rename keeps it). */
  ownerOf(path: string): Promise<string | undefined>;
  /** Make launchd answer as if the service were already loaded. */
  markLoaded(): Promise<void>;
  isLoaded(): Promise<boolean>;
  /** The next bootstrap fails once with 5 (Input/output error), as right after a bootout. */
  failNextBootstrap(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a script directly (its shebang), without a shell, optionally as another user. */
export function run(
  file: string,
  args: string[],
  env: Record<string, string>,
  user?: { uid: number; gid: number },
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000, ...user }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The first bytes of a 64-bit Mach-O executable for this machine's CPU (enough for install.sh's check). */
export function fakeMachO(): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32LE(0xfeedfacf, 0); // MH_MAGIC_64, stored little-endian: cf fa ed fe
  header.writeUInt32LE(process.arch === 'arm64' ? 0x0100000c : 0x01000007, 4); // CPU_TYPE_ARM64 / X86_64
  header.writeUInt32LE(2, 12); // MH_EXECUTE
  return header;
}

const RECORD = `record() { (IFS=$'\\t'; printf '%s\\n' "$*") >>"$STATE/calls.log"; }`;

function launchctlStub(root: string, state: string): string {
  return `#!/bin/bash
# fake launchctl: system domain only, one service (${LABEL}); state in $STATE/loaded
set -u
STATE='${state}'
ROOT='${root}'
${RECORD}
record launchctl "$@"
service=system/${LABEL}
plist="$ROOT${PLIST}"
bad() { echo "fake launchctl: unexpected arguments: $*" >&2; exit 64; }
case "\${1:-}" in
  bootout)
    [ $# -eq 2 ] && [ "$2" = "$service" ] || bad "$@"
    if [ -e "$STATE/loaded" ]; then rm -f "$STATE/loaded"; exit 0; fi
    echo "Boot-out failed: 113: Could not find specified service" >&2
    exit 113 ;;
  enable)
    [ $# -eq 2 ] && [ "$2" = "$service" ] || bad "$@"
    exit 0 ;;
  bootstrap)
    [ $# -eq 3 ] && [ "$2" = system ] && [ "$3" = "$plist" ] || bad "$@"
    [ -f "$plist" ] || { echo "Bootstrap failed: 2: No such file or directory" >&2; exit 2; }
    # launchd refuses a daemon plist that is not root:wheel 0644 (and loads nothing it cannot run)
    ino=$(ls -i "$plist" | awk '{print $1}')
    owner=$(awk -F '\\t' -v i="$ino" '$1 == i {o = $2} END {print o}' "$STATE/owners.tsv" 2>/dev/null)
    if [ "$owner" != root:wheel ] || [ -z "$(find "$plist" -maxdepth 0 -perm 0644)" ]; then
      echo "Bootstrap failed: 5: Input/output error (bad ownership/permissions: '$owner')" >&2; exit 5
    fi
    [ -x "$ROOT${EXE}" ] || { echo "fake launchctl: bootstrap before the executable is in place" >&2; exit 78; }
    if [ -e "$STATE/bootstrap-fails-once" ]; then
      rm -f "$STATE/bootstrap-fails-once"; echo "Bootstrap failed: 5: Input/output error" >&2; exit 5
    fi
    if [ -e "$STATE/loaded" ]; then echo "Bootstrap failed: 5: Input/output error" >&2; exit 5; fi
    : >"$STATE/loaded"
    exit 0 ;;
  *) bad "$@" ;;
esac
`;
}

function chownStub(state: string): string {
  return `#!/bin/bash
# fake chown: records the owner against the file's inode (the tests run where there is no wheel group)
set -u
STATE='${state}'
${RECORD}
record chown "$@"
[ $# -eq 2 ] || { echo "usage: chown owner[:group] file" >&2; exit 64; }
case "$1" in root:wheel | root:admin) ;; *) echo "fake chown: unexpected owner $1" >&2; exit 64 ;; esac
[ -e "$2" ] || { echo "chown: $2: No such file or directory" >&2; exit 1; }
printf '%s\\t%s\\n' "$(ls -di "$2" | awk '{print $1}')" "$1" >>"$STATE/owners.tsv"
`;
}

function xattrStub(state: string): string {
  return `#!/bin/bash
# fake xattr: only "-d com.apple.quarantine FILE"; answers as for a file without the flag, or
# refuses when $STATE/xattr-denied exists
set -u
STATE='${state}'
${RECORD}
record xattr "$@"
[ $# -eq 3 ] && [ "$1" = -d ] && [ "$2" = com.apple.quarantine ] && [ -f "$3" ] || { echo "fake xattr: unexpected arguments: $*" >&2; exit 64; }
[ -e "$STATE/xattr-denied" ] && { echo "xattr: [Errno 1] Operation not permitted: '$3'" >&2; exit 1; }
echo "xattr: $3: No such xattr: com.apple.quarantine" >&2
exit 1
`;
}

function pkgutilStub(state: string): string {
  return `#!/bin/bash
# fake pkgutil: only "--forget ${LABEL}"; answers as on a Mac where the tarball was used, or
# fails otherwise when $STATE/pkgutil-fails exists
set -u
STATE='${state}'
${RECORD}
record pkgutil "$@"
[ $# -eq 2 ] && [ "$1" = --forget ] && [ "$2" = ${LABEL} ] || { echo "fake pkgutil: unexpected arguments: $*" >&2; exit 64; }
[ -e "$STATE/pkgutil-fails" ] && { echo "Error forgetting package: Operation not permitted" >&2; exit 1; }
echo "No receipt for '${LABEL}' found at '/'." >&2
exit 1
`;
}

/** Build a scratch Mac. Everything is world-readable (and the root and records world-writable) so
 * that a script run as `nobody` could act; the refusal tests then see that it did not. */
export async function scratchMac(): Promise<ScratchMac> {
  const base = await mkdtemp(join(tmpdir(), 'tokenwatch-launchd-'));
  await chmod(base, 0o755);
  const root = join(base, 'root');
  const release = join(base, 'release');
  const bin = join(base, 'bin');
  const state = join(base, 'state');
  for (const dir of [root, release, join(release, 'newsyslog.d'), bin, state]) {
    await mkdir(dir);
    await chmod(dir, dir === root || dir === state ? 0o777 : 0o755);
  }
  await writeFile(join(state, 'calls.log'), '');
  await writeFile(join(state, 'owners.tsv'), '');
  await chmod(join(state, 'calls.log'), 0o666);
  await chmod(join(state, 'owners.tsv'), 0o666);

  for (const name of ['install.sh', 'uninstall.sh', `${LABEL}.plist`]) {
    await copyFile(join(LAUNCHD_DIR, name), join(release, name));
  }
  await copyFile(
    join(LAUNCHD_DIR, 'newsyslog.d', `${LABEL}.conf`),
    join(release, 'newsyslog.d', `${LABEL}.conf`),
  );
  await chmod(join(release, 'install.sh'), 0o755);
  await chmod(join(release, 'uninstall.sh'), 0o755);
  await writeFile(join(release, 'tokenwatch-agent'), fakeMachO(), { mode: 0o755 });

  const stubs: Record<string, string> = {
    launchctl: launchctlStub(root, state),
    chown: chownStub(state),
    xattr: xattrStub(state),
    pkgutil: pkgutilStub(state),
  };
  for (const [name, text] of Object.entries(stubs)) {
    await writeFile(join(bin, name), text, { mode: 0o755 });
  }

  const env = {
    PATH: '/usr/bin:/bin:/usr/sbin:/sbin',
    TOKENWATCH_ROOT: root,
    LAUNCHCTL: join(bin, 'launchctl'),
    CHOWN: join(bin, 'chown'),
    XATTR: join(bin, 'xattr'),
    PKGUTIL: join(bin, 'pkgutil'),
  };

  return {
    base,
    root,
    release,
    state,
    env,
    async calls() {
      const text = await readFile(join(state, 'calls.log'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t').map((arg) => arg.split(root).join('$ROOT')));
    },
    async ownerOf(path) {
      const { ino } = await stat(path);
      const rows = (await readFile(join(state, 'owners.tsv'), 'utf8')).split('\n');
      let owner: string | undefined;
      for (const row of rows) {
        const [inode, who] = row.split('\t');
        if (inode === String(ino)) owner = who;
      }
      return owner;
    },
    async markLoaded() {
      await writeFile(join(state, 'loaded'), '');
    },
    async isLoaded() {
      return stat(join(state, 'loaded')).then(
        () => true,
        () => false,
      );
    },
    async failNextBootstrap() {
      await writeFile(join(state, 'bootstrap-fails-once'), '');
    },
    async cleanup() {
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Permission bits of a path (following symlinks, as stat does). */
export async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o7777;
}

/** Scratch Macs for one test file: each call makes one; all are removed after the file's tests. */
export function scratchMacs(): () => Promise<ScratchMac> {
  const made: ScratchMac[] = [];
  after(async () => {
    for (const mac of made) await mac.cleanup();
  });
  return async () => {
    const mac = await scratchMac();
    made.push(mac);
    return mac;
  };
}
