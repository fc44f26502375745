// A scratch Mac for the launchd scripts, which run exactly as shipped: no test hook, no path prefix,
// tools called by their macOS paths. A directory becomes `/` for the script (a private mount
// namespace and chroot; the tests run as root), laid out as a Mac's:
//   /bin, /usr/bin, /usr/sbin   only the commands a stock Mac has there that the scripts may use:
//                               Debian's own programs (bash, cp, od, tar, shasum, ...) linked from a
//                               read-only view of the host's /usr (/.host/usr), and fakes for the
//                               macOS tools: launchctl, chown, xattr, pkgutil, sysctl, curl, sleep
//   /etc, /tmp, /var            symlinks into /private, as on a Mac
//   /Library, /usr/local        empty, for the scripts to fill
//   /Users/Shared/release       the unpacked release tarball (RELEASE)
//   /.tokenwatch-test/state     where the fakes keep their state and record their calls
// The fakes are real processes that check their arguments, answer as the real tools do (launchctl's
// "not loaded" is exit 113, its 36/37/5 while launchd is busy), record every call in order, and
// keep launchd's state (loaded, going away, disabled) in files, so that a wrong call or a wrong
// order fails the run the way it would on a Mac. The fake sleep returns at once and records how
// long it was asked to wait, so a 30-second wait costs nothing and is counted exactly.
import { execFile } from 'node:child_process';
import { after } from 'node:test';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LAUNCHD_DIR = new URL('../../launchd/', import.meta.url).pathname;
export const LABEL = 'com.tokenwatch.agent';
export const EXE = '/usr/local/tokenwatch/bin/tokenwatch-agent';
export const UNINSTALLER = '/usr/local/tokenwatch/bin/uninstall.sh';
export const PLIST = `/Library/LaunchDaemons/${LABEL}.plist`;
export const NEWSYSLOG = `/etc/newsyslog.d/${LABEL}.conf`;
export const LOG_DIR = '/Library/Logs/tokenwatch';
export const STATE_DIR = '/Library/Application Support/tokenwatch';
/** Where the unpacked release tarball sits on the scratch Mac. */
export const RELEASE = '/Users/Shared/release';
/** Where Installer would run the package's scripts from (addPkgScripts puts them there). */
export const PKG_SCRIPTS = '/private/var/installer/Scripts';
export const PREINSTALL = `${PKG_SCRIPTS}/preinstall`;
export const POSTINSTALL = `${PKG_SCRIPTS}/postinstall`;
/** The uid and gid of `nobody` on Debian, for the refusal tests. */
export const NOBODY = 65534;

const TEST_DIR = '/.tokenwatch-test';
const STATE = `${TEST_DIR}/state`;
/** Paths that belong to the scratch Mac's machinery, not to what a script installs. */
export const HARNESS_PATHS = [
  TEST_DIR,
  '/.host',
  '/bin',
  '/sbin',
  '/usr/bin',
  '/usr/sbin',
  '/usr/lib',
  '/usr/share',
  '/lib',
  '/lib64',
  '/dev',
  '/etc',
  '/tmp',
  '/var',
  RELEASE,
];

/** Debian programs the scripts may use, placed where macOS has them (all ship with every Mac). */
const REAL_TOOLS: Record<string, string[]> = {
  '/bin': [
    'bash',
    'cat',
    'chmod',
    'cp',
    'date',
    'echo',
    'ln',
    'ls',
    'mkdir',
    'mv',
    'pwd',
    'rm',
    'rmdir',
    'test',
  ],
  '/usr/bin': [
    'awk',
    'basename',
    'cmp',
    'cut',
    'dirname',
    'env',
    'false',
    'find',
    'grep',
    'gzip',
    'head',
    'id',
    'mktemp',
    'od',
    'perl',
    'readlink',
    'sed',
    'shasum',
    'sort',
    'stat',
    'tail',
    'tar',
    'touch',
    'tr',
    'true',
    'wc',
  ],
};

export type HostArch = 'arm64' | 'x86_64';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ScratchMac {
  base: string;
  /** Stands in for `/`. */
  root: string;
  /** The unpacked release tarball (RELEASE on the Mac): install.sh, uninstall.sh, the plist, newsyslog.d/, tokenwatch-agent. */
  release: string;
  /** Where the fakes keep launchd's state and their records. */
  state: string;
  /** The host path of a path on the scratch Mac. */
  path(macPath: string): string;
  /** Run a file of the scratch Mac (a Mac path) as root, or as `nobody`, with only the given environment. */
  run(
    file: string,
    args: string[],
    options?: { user?: 'nobody'; env?: Record<string, string> },
  ): Promise<RunResult>;
  /** Every fake call so far, in order, as [tool, ...argv]. */
  calls(): Promise<string[][]>;
  /** The owner the fake chown last gave to this host path (by inode, so a rename keeps it). */
  ownerOf(path: string): Promise<string | undefined>;
  /** The CPU of the scratch Mac (what sysctl hw.optional.arm64 says); arm64 unless set. */
  setHost(arch: HostArch): Promise<void>;
  /** Make launchd answer as if the service were already loaded. */
  markLoaded(): Promise<void>;
  isLoaded(): Promise<boolean>;
  /** The next bootouts answer these exit codes (36: the job goes away in the background). */
  bootoutAnswers(codes: number[]): Promise<void>;
  /** After a bootout, launchctl print still finds the job this many times. */
  lingers(prints: number): Promise<void>;
  /** The next bootstraps answer these exit codes (5, 37: launchd still busy with the label). */
  bootstrapAnswers(codes: number[]): Promise<void>;
  /** Every bootstrap answers this exit code. */
  bootstrapAlways(code: number): Promise<void>;
  /** A `launchctl disable` happened earlier: bootstrap answers 119 until `enable`. */
  markDisabled(): Promise<void>;
  /** The .pkg's receipt is on the Mac (pkgutil --forget then succeeds). */
  markReceipt(): Promise<void>;
  hasReceipt(): Promise<boolean>;
  /** The fake curl serves this file for this URL. */
  serve(url: string, file: string): Promise<void>;
  cleanup(): Promise<void>;
}

const CPU_TYPE = { arm64: 0x0100000c, x86_64: 0x01000007 } as const;

/** The first bytes of a thin 64-bit Mach-O executable (enough for install.sh's checks). */
export function fakeMachO(arch: HostArch = 'arm64'): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32LE(0xfeedfacf, 0); // MH_MAGIC_64, stored little-endian: cf fa ed fe
  header.writeUInt32LE(CPU_TYPE[arch], 4);
  header.writeUInt32LE(2, 12); // MH_EXECUTE
  return header;
}

/** The first bytes of a universal file holding these architectures (fat header, big-endian). */
export function fakeUniversal(arches: HostArch[] = ['x86_64', 'arm64']): Buffer {
  const header = Buffer.alloc(8 + 20 * arches.length);
  header.writeUInt32BE(0xcafebabe, 0);
  header.writeUInt32BE(arches.length, 4);
  const slices = arches.map((arch) => fakeMachO(arch));
  let offset = 0x4000;
  arches.forEach((arch, i) => {
    header.writeUInt32BE(CPU_TYPE[arch], 8 + 20 * i);
    header.writeUInt32BE(offset, 8 + 20 * i + 8);
    header.writeUInt32BE(64, 8 + 20 * i + 12);
    header.writeUInt32BE(14, 8 + 20 * i + 16);
    offset += 0x4000;
  });
  const file = Buffer.alloc(offset);
  header.copy(file, 0);
  slices.forEach((slice, i) => slice.copy(file, 0x4000 * (i + 1)));
  return file;
}

const RECORD = `record() { (IFS=$'\\t'; printf '%s\\n' "$*") >>"$STATE/calls.log"; }`;
const PREAMBLE = `#!/bin/bash
set -u
STATE='${STATE}'
${RECORD}`;

const LAUNCHCTL = `${PREAMBLE}
# fake /bin/launchctl: system domain, one service (${LABEL})
record launchctl "$@"
service=system/${LABEL}
plist='${PLIST}'
bad() { echo "fake launchctl: unexpected arguments: $*" >&2; exit 64; }
message() {
  case "$1" in
    1) echo "Operation not permitted" ;;
    5) echo "Input/output error" ;;
    36) echo "Operation now in progress" ;;
    37) echo "Operation already in progress" ;;
    113) echo "Could not find specified service" ;;
    119) echo "Service is disabled" ;;
    *) echo "Error $1" ;;
  esac
}
# next QUEUE: the first queued answer (removed from the queue), or nothing
next() {
  local file="$STATE/$1" first
  [ -s "$file" ] || return 0
  first=$(head -n 1 "$file")
  tail -n +2 "$file" >"$file.rest"; mv "$file.rest" "$file"
  echo "$first"
}
lingering() { [ -s "$STATE/lingering" ] && [ "$(cat "$STATE/lingering")" -gt 0 ]; }
going_away() { rm -f "$STATE/loaded"; cat "$STATE/linger" 2>/dev/null >"$STATE/lingering" || echo 0 >"$STATE/lingering"; }
case "\${1:-}" in
  bootout)
    [ $# -eq 2 ] && [ "$2" = "$service" ] || bad "$@"
    answer=$(next bootout-answers)
    if [ -n "$answer" ]; then
      [ "$answer" = 36 ] && going_away
      echo "Boot-out failed: $answer: $(message "$answer")" >&2; exit "$answer"
    fi
    if [ -e "$STATE/loaded" ]; then going_away; exit 0; fi
    if lingering; then echo "Boot-out failed: 36: $(message 36)" >&2; exit 36; fi
    echo "Boot-out failed: 113: $(message 113)" >&2
    exit 113 ;;
  print)
    [ $# -eq 2 ] && [ "$2" = "$service" ] || bad "$@"
    if lingering && [ ! -e "$STATE/loaded" ]; then
      echo $(( $(cat "$STATE/lingering") - 1 )) >"$STATE/lingering"
    elif [ ! -e "$STATE/loaded" ]; then
      echo "Could not find service \\"${LABEL}\\" in domain for system" >&2; exit 113
    fi
    # the shape only: the scripts read the exit status, never this text
    printf '%s = {\\n\\tpath = %s\\n}\\n' "$service" "$plist"
    exit 0 ;;
  enable)
    [ $# -eq 2 ] && [ "$2" = "$service" ] || bad "$@"
    rm -f "$STATE/disabled"
    exit 0 ;;
  bootstrap)
    [ $# -eq 3 ] && [ "$2" = system ] && [ "$3" = "$plist" ] || bad "$@"
    [ -f "$plist" ] || { echo "Bootstrap failed: 2: No such file or directory" >&2; exit 2; }
    # launchd refuses a daemon plist that is not root:wheel 0644 (and loads nothing it cannot run)
    ino=$(ls -i "$plist" | awk '{print $1}')
    owner=$(awk -F '\\t' -v i="$ino" '$1 == i {o = $2} END {print o}' "$STATE/owners.tsv")
    if [ "$owner" != root:wheel ] || [ -z "$(find "$plist" -maxdepth 0 -perm 0644)" ]; then
      echo "Bootstrap failed: 5: Input/output error (bad ownership/permissions: '$owner')" >&2; exit 5
    fi
    [ -x '${EXE}' ] || { echo "fake launchctl: bootstrap before the executable is in place" >&2; exit 78; }
    answer=$(next bootstrap-answers)
    [ -n "$answer" ] || answer=$(cat "$STATE/bootstrap-always" 2>/dev/null || true)
    if [ -n "$answer" ]; then echo "Bootstrap failed: $answer: $(message "$answer")" >&2; exit "$answer"; fi
    if [ -e "$STATE/disabled" ]; then echo "Bootstrap failed: 119: $(message 119)" >&2; exit 119; fi
    if lingering; then echo "Bootstrap failed: 37: $(message 37)" >&2; exit 37; fi
    if [ -e "$STATE/loaded" ]; then echo "Bootstrap failed: 5: $(message 5)" >&2; exit 5; fi
    : >"$STATE/loaded"
    exit 0 ;;
  *) bad "$@" ;;
esac
`;

const CHOWN = `${PREAMBLE}
# fake /usr/sbin/chown: records the owner against the file's inode (Debian has no wheel group)
record chown "$@"
[ $# -eq 2 ] || { echo "usage: chown owner[:group] file" >&2; exit 64; }
case "$1" in root:wheel | root:admin) ;; *) echo "fake chown: unexpected owner $1" >&2; exit 64 ;; esac
[ -e "$2" ] || { echo "chown: $2: No such file or directory" >&2; exit 1; }
[ -e "$STATE/chown-fails-on" ] && case "$2" in *"$(cat "$STATE/chown-fails-on")"*) echo "chown: $2: Operation not permitted" >&2; exit 1 ;; esac
printf '%s\\t%s\\n' "$(ls -di "$2" | awk '{print $1}')" "$1" >>"$STATE/owners.tsv"
`;

const XATTR = `${PREAMBLE}
# fake /usr/bin/xattr: only "-d com.apple.quarantine FILE"; answers as for a file without the flag,
# or refuses when $STATE/xattr-denied exists
record xattr "$@"
[ $# -eq 3 ] && [ "$1" = -d ] && [ "$2" = com.apple.quarantine ] && [ -f "$3" ] || { echo "fake xattr: unexpected arguments: $*" >&2; exit 64; }
[ -e "$STATE/xattr-denied" ] && { echo "xattr: [Errno 1] Operation not permitted: '$3'" >&2; exit 1; }
echo "xattr: $3: No such xattr: com.apple.quarantine" >&2
exit 1
`;

const PKGUTIL = `${PREAMBLE}
# fake /usr/sbin/pkgutil: only "--forget ${LABEL}"; forgets the receipt when there is one
record pkgutil "$@"
[ $# -eq 2 ] && [ "$1" = --forget ] && [ "$2" = ${LABEL} ] || { echo "fake pkgutil: unexpected arguments: $*" >&2; exit 64; }
[ -e "$STATE/pkgutil-fails" ] && { echo "Error forgetting package: Operation not permitted" >&2; exit 1; }
if [ -e "$STATE/receipt" ]; then rm -f "$STATE/receipt"; echo "Forgot package '${LABEL}' on '/'."; exit 0; fi
echo "No receipt for '${LABEL}' found at '/'." >&2
exit 1
`;

const SYSCTL = `${PREAMBLE}
# fake /usr/sbin/sysctl: only hw.optional.arm64, 1 on Apple silicon; on Intel the name is unknown,
# which -i turns into no output and status 0 (whatever process asks, so also under Rosetta)
record sysctl "$@"
[ $# -eq 2 ] && { [ "$1" = -in ] || [ "$1" = -n ]; } && [ "$2" = hw.optional.arm64 ] || { echo "fake sysctl: unexpected arguments: $*" >&2; exit 64; }
if [ "$(cat "$STATE/host")" = arm64 ]; then echo 1; exit 0; fi
[ "$1" = -in ] && exit 0
echo "sysctl: unknown oid 'hw.optional.arm64'" >&2
exit 1
`;

const CURL = `${PREAMBLE}
# fake /usr/bin/curl: "--fail --silent --show-error --location --proto =https --max-time N --output FILE URL";
# serves the files listed in $STATE/urls.tsv, answers 404 for anything else
record curl "$@"
[ $# -eq 11 ] && [ "$1" = --fail ] && [ "$2" = --silent ] && [ "$3" = --show-error ] && [ "$4" = --location ] \\
  && [ "$5" = --proto ] && [ "$6" = =https ] && [ "$7" = --max-time ] && [ "$9" = --output ] \\
  || { echo "fake curl: unexpected arguments: $*" >&2; exit 64; }
file=$(awk -F '\\t' -v u="\${11}" '$1 == u {f = $2} END {print f}' "$STATE/urls.tsv")
[ -n "$file" ] || { echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; }
cp "$file" "\${10}"
`;

const SLEEP = `${PREAMBLE}
# fake /bin/sleep: records the wait and returns at once
record sleep "$@"
[ $# -eq 1 ] && [ -n "$1" ] && [ -z "\${1//[0-9.]/}" ] || { echo "usage: sleep seconds" >&2; exit 64; }
`;

const FAKES: Record<string, string> = {
  '/bin/launchctl': LAUNCHCTL,
  '/bin/sleep': SLEEP,
  '/usr/sbin/chown': CHOWN,
  '/usr/bin/xattr': XATTR,
  '/usr/sbin/pkgutil': PKGUTIL,
  '/usr/sbin/sysctl': SYSCTL,
  '/usr/bin/curl': CURL,
};

/** Runs in the new mount namespace, on the host: the read-only /usr and /dev/null, then chroot. */
const ENTER = `set -eu
root=$1 user=$2
shift 2
/usr/bin/mount --bind -o ro /usr "$root/.host/usr"
/usr/bin/mount --bind /dev/null "$root/dev/null"
if [ "$user" = root ]; then exec /usr/sbin/chroot "$root" "$@"; fi
exec /usr/sbin/chroot --userspec=${NOBODY}:${NOBODY} --groups= "$root" "$@"`;

function exec(file: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Build a scratch Mac with the release tarball's files of launchd/ and an arm64 executable. */
export async function scratchMac(): Promise<ScratchMac> {
  const base = await mkdtemp(join(tmpdir(), 'tokenwatch-launchd-'));
  await chmod(base, 0o755);
  const root = join(base, 'root');
  const at = (macPath: string) => join(root, macPath);
  for (const dir of [
    '/.host/usr',
    '/bin',
    '/sbin',
    '/usr/bin',
    '/usr/sbin',
    '/usr/local',
    '/dev',
    '/private/etc',
    '/private/var',
    '/Library',
    '/Users/Shared',
    RELEASE,
    `${RELEASE}/newsyslog.d`,
    STATE,
  ]) {
    await mkdir(at(dir), { recursive: true });
  }
  await mkdir(at('/private/tmp'));
  await chmod(at('/private/tmp'), 0o1777);
  await writeFile(at('/dev/null'), '');
  for (const [link, target] of [
    ['/etc', 'private/etc'],
    ['/tmp', 'private/tmp'],
    ['/var', 'private/var'],
    ['/lib', '.host/usr/lib'],
    ['/lib64', '.host/usr/lib64'],
    ['/usr/lib', '../.host/usr/lib'],
    ['/usr/share', '../.host/usr/share'],
  ]) {
    await symlink(target as string, at(link as string));
  }
  for (const [dir, tools] of Object.entries(REAL_TOOLS)) {
    for (const tool of tools) {
      const real = await realpath(join('/usr/bin', tool));
      if (!real.startsWith('/usr/')) throw new Error(`${tool} resolves outside /usr: ${real}`);
      await symlink(`/.host${real}`, at(join(dir, tool)));
    }
  }
  for (const [path, text] of Object.entries(FAKES)) await writeFile(at(path), text, { mode: 0o755 });
  for (const file of ['calls.log', 'owners.tsv', 'urls.tsv']) await writeFile(at(`${STATE}/${file}`), '');
  await writeFile(at(`${STATE}/host`), 'arm64');
  await chmod(at(STATE), 0o777);

  const release = at(RELEASE);
  for (const name of ['install.sh', 'uninstall.sh', `${LABEL}.plist`]) {
    await copyFile(join(LAUNCHD_DIR, name), join(release, name));
  }
  await copyFile(
    join(LAUNCHD_DIR, 'newsyslog.d', `${LABEL}.conf`),
    join(release, 'newsyslog.d', `${LABEL}.conf`),
  );
  await chmod(join(release, 'install.sh'), 0o755);
  await chmod(join(release, 'uninstall.sh'), 0o755);
  await writeFile(join(release, 'tokenwatch-agent'), fakeUniversal(), { mode: 0o755 });

  const state = at(STATE);
  const exists = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );
  return {
    base,
    root,
    release,
    state,
    path: at,
    run(file, args, options = {}) {
      const env = options.env ?? { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' };
      const user = options.user ?? 'root';
      return exec(
        '/usr/bin/unshare',
        [
          '--mount',
          '--propagation',
          'private',
          '--fork',
          '--',
          '/usr/bin/bash',
          '--norc',
          '--noprofile',
          '-c',
          ENTER,
          'enter',
          root,
          user,
          file,
          ...args,
        ],
        env,
      );
    },
    async calls() {
      const text = await readFile(join(state, 'calls.log'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t'));
    },
    async ownerOf(path) {
      const { ino } = await stat(path);
      let owner: string | undefined;
      for (const row of (await readFile(join(state, 'owners.tsv'), 'utf8')).split('\n')) {
        const [inode, who] = row.split('\t');
        if (inode === String(ino)) owner = who;
      }
      return owner;
    },
    async setHost(arch) {
      await writeFile(join(state, 'host'), arch);
    },
    async markLoaded() {
      await writeFile(join(state, 'loaded'), '');
    },
    isLoaded: () => exists(join(state, 'loaded')),
    async bootoutAnswers(codes) {
      await writeFile(join(state, 'bootout-answers'), codes.map((c) => `${c}\n`).join(''));
    },
    async lingers(prints) {
      await writeFile(join(state, 'linger'), String(prints));
    },
    async bootstrapAnswers(codes) {
      await writeFile(join(state, 'bootstrap-answers'), codes.map((c) => `${c}\n`).join(''));
    },
    async bootstrapAlways(code) {
      await writeFile(join(state, 'bootstrap-always'), String(code));
    },
    async markDisabled() {
      await writeFile(join(state, 'disabled'), '');
    },
    async markReceipt() {
      await writeFile(join(state, 'receipt'), '');
    },
    hasReceipt: () => exists(join(state, 'receipt')),
    async serve(url, file) {
      await writeFile(join(state, 'urls.tsv'), `${url}\t${file}\n`, { flag: 'a' });
    },
    async cleanup() {
      // The mounts live only in each run's namespace; refuse to delete through one that leaked.
      const mounts = await readFile('/proc/self/mounts', 'utf8');
      if (mounts.includes(base)) throw new Error(`a mount under ${base} is still there: not deleting`);
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Put launchd/pkg/scripts where Installer would run them from. */
export async function addPkgScripts(mac: ScratchMac): Promise<void> {
  await mkdir(mac.path(PKG_SCRIPTS), { recursive: true });
  for (const name of ['preinstall', 'postinstall']) {
    await copyFile(join(LAUNCHD_DIR, 'pkg', 'scripts', name), mac.path(`${PKG_SCRIPTS}/${name}`));
    await chmod(mac.path(`${PKG_SCRIPTS}/${name}`), 0o755);
  }
}

/** What Installer leaves before postinstall runs: the payload (build-pkg.sh's), owned root:wheel,
 * under the target volume (a Mac path). */
export async function layPayload(mac: ScratchMac, volume = '/'): Promise<void> {
  const files: [string, Buffer, number][] = [
    [EXE, fakeUniversal(), 0o755],
    [UNINSTALLER, await readFile(join(LAUNCHD_DIR, 'uninstall.sh')), 0o755],
    [PLIST, await readFile(join(LAUNCHD_DIR, `${LABEL}.plist`)), 0o644],
    [`/private${NEWSYSLOG}`, await readFile(join(LAUNCHD_DIR, 'newsyslog.d', `${LABEL}.conf`)), 0o644],
  ];
  for (const [path, body, mode] of files) {
    const target = join(volume, path);
    await mkdir(mac.path(join(target, '..')), { recursive: true });
    await writeFile(mac.path(target), body, { mode });
    await chmod(mac.path(target), mode);
    const chown = await mac.run('/usr/sbin/chown', ['root:wheel', target]);
    if (chown.code !== 0) throw new Error(chown.stderr);
  }
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

/** Why a suite of scripts run on a scratch Mac cannot run here, or false. */
export const cannotRunScripts: string | false =
  process.platform !== 'linux'
    ? 'the scratch Mac is a Linux mount namespace and chroot'
    : process.getuid?.() !== 0
      ? 'needs root: the scratch Mac is a chroot (CI runs the tests as root)'
      : false;
