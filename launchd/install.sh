#!/bin/bash
# Install or upgrade the tokenwatch agent on a Mac and (re)load its LaunchDaemon.
#
#   sudo ./install.sh [--from SOURCE [--sha256 HEX]] [--exe PATH] [--plist PATH] [--newsyslog PATH]
#
# SOURCE is an unpacked release folder, a release tarball (.tar.gz), or the https:// URL of one (a
# URL needs --sha256, the tarball's SHA-256, which is then checked). Without SOURCE the files are
# taken from the folder of this script, the release tarball's layout:
#   ./tokenwatch-agent  ./com.tokenwatch.agent.plist  ./newsyslog.d/com.tokenwatch.agent.conf  ./uninstall.sh
# --exe, --plist and --newsyslog name single files instead (a checkout: --exe dist/tokenwatch-agent-darwin-universal).
#
# As a Jamf Pro script, Jamf passes $1 the target volume ("/"), $2 the computer name and $3 the
# user name, which are not needed, then the admin's parameters: parameter 4 is SOURCE and
# parameter 5 its SHA-256; parameters 6 to 11 are not read.
#
# Idempotent: running it again (an upgrade, or a repair) gives the same result. Each file is copied
# to a temporary name beside its destination and renamed into place, so a running agent keeps its
# old executable and the kernel never sees a signed executable rewritten in place.
set -euo pipefail
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH
umask 022

PROG=install.sh
LABEL=com.tokenwatch.agent

# Where things live on the Mac (fixed by the design; the plist's ProgramArguments[0] is EXE_DEST).
EXE_DIR=/usr/local/tokenwatch/bin
EXE_DEST=$EXE_DIR/tokenwatch-agent
UNINSTALL_DEST=$EXE_DIR/uninstall.sh
EXE_LINK=/usr/local/bin/tokenwatch-agent
PLIST_DEST=/Library/LaunchDaemons/$LABEL.plist
NEWSYSLOG_DEST=/etc/newsyslog.d/$LABEL.conf
LOG_DIR=/Library/Logs/tokenwatch

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }

usage() {
  cat <<EOF
usage: sudo $0 [--from SOURCE [--sha256 HEX]] [--exe PATH] [--plist PATH] [--newsyslog PATH]
   or, as a Jamf Pro script: parameter 4 SOURCE, parameter 5 its SHA-256

Installs the tokenwatch agent to $EXE_DEST (linked from $EXE_LINK),
its uninstaller to $UNINSTALL_DEST, its LaunchDaemon to $PLIST_DEST
and its log rotation to $NEWSYSLOG_DEST, then loads the LaunchDaemon (the first run
starts at once, after a random delay of up to 300 s).
SOURCE: an unpacked release folder, a release tarball (.tar.gz), or its https:// URL (with --sha256).
Without SOURCE or flags the files are taken from the folder of this script.
EOF
}

# --- launchd: the same text in install.sh, uninstall.sh and pkg/scripts (test/launchd checks it) ---
# launchctl's answers are errno values: 3 (No such process) and 113 (Could not find service) mean
# not loaded; 36 (Operation now in progress) means a bootout goes on in the background; 5
# (Input/output error) and 37 (Operation already in progress) that launchd is still busy with an
# earlier request for the label, for several seconds after a bootout.
launchd_reason=""

# unload_agent: boot the service out and wait (about 30 s at most) until launchd no longer knows it.
# Returns 0 when it is gone or was not loaded, 1 when launchctl refused (launchd_reason says why),
# 2 when it is still there after the wait. Sets launchd_was_loaded to yes when there was one.
unload_agent() {
  local out rc=0 tries=0
  out=$(launchctl bootout "system/$LABEL" 2>&1) || rc=$?
  case "$rc" in
    0 | 36) launchd_was_loaded=yes ;;
    3 | 113) return 0 ;;
    *)
      launchd_reason="launchctl bootout system/$LABEL failed ($rc): $out"
      return 1
      ;;
  esac
  while :; do
    rc=0
    out=$(launchctl print "system/$LABEL" 2>&1) || rc=$?
    [ "$rc" -eq 113 ] && return 0
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then
      launchd_reason="system/$LABEL is still loaded $tries s after launchctl bootout (launchctl print answered $rc)"
      return 2
    fi
    sleep 1
  done
}

# load_agent: undo an earlier `launchctl disable`, then bootstrap the LaunchDaemon, retrying for
# about 30 s while launchd answers 5 or 37. Returns 0 when loaded, 1 otherwise (launchd_reason says why).
load_agent() {
  local out rc=0 tries=0
  out=$(launchctl enable "system/$LABEL" 2>&1) || rc=$?
  if [ "$rc" -ne 0 ]; then
    launchd_reason="launchctl enable system/$LABEL failed ($rc): $out"
    return 1
  fi
  while :; do
    rc=0
    out=$(launchctl bootstrap system "$PLIST_DEST" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] && return 0
    tries=$((tries + 1))
    if { [ "$rc" -eq 5 ] || [ "$rc" -eq 37 ]; } && [ "$tries" -lt 30 ]; then
      sleep 1
      continue
    fi
    launchd_reason="launchctl bootstrap system $PLIST_DEST failed ($rc) after $tries tries: $out"
    return 1
  done
}
# --- end of the launchd functions ---
launchd_was_loaded=no

# --- Mach-O: the same text in install.sh and pkg/build-pkg.sh (test/launchd checks it) ---
# cpu_name HEX: the architecture of a Mach-O cputype written as 8 hex digits, most significant first.
cpu_name() {
  case "$1" in
    0100000c) echo arm64 ;;
    01000007) echo x86_64 ;;
    00000007) echo i386 ;;
    00000012) echo ppc ;;
    *) echo "cputype-$1" ;;
  esac
}

# macho_archs FILE: the architectures of a Mach-O executable, space-separated ("arm64",
# "x86_64 arm64"), read from its header with od: a thin 64-bit file starts cf fa ed fe, then its
# cputype (little-endian); a universal file starts ca fe ba be, then the number of architectures
# (big-endian) and 20 bytes for each, its cputype first. Prints nothing for anything else (a Java
# class file has the universal magic, followed by a version number far above any real count).
macho_archs() {
  local bytes count i cpu archs=""
  bytes=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
  [ "${#bytes}" -eq 16 ] || return 0
  case "$bytes" in
    cffaedfe*) cpu_name "${bytes:14:2}${bytes:12:2}${bytes:10:2}${bytes:8:2}" ;;
    cafebabe*)
      count=$((16#${bytes:8:8}))
      [ "$count" -ge 1 ] && [ "$count" -le 8 ] || return 0
      for ((i = 0; i < count; i++)); do
        cpu=$(od -An -tx1 -j $((8 + 20 * i)) -N4 "$1" | tr -d ' \n')
        archs="$archs $(cpu_name "$cpu")"
      done
      echo "${archs# }"
      ;;
  esac
}
# --- end of the Mach-O functions ---

# host_arch: arm64 on Apple silicon, x86_64 on Intel. sysctl hw.optional.arm64 is 1 on Apple
# silicon even for a process that Rosetta translates (where uname -m says x86_64); Intel Macs do
# not know the name, which -i turns into no output.
host_arch() {
  if [ "$(sysctl -in hw.optional.arm64 2>/dev/null || true)" = 1 ]; then echo arm64; else echo x86_64; fi
}

describe_arch() {
  case "$1" in
    arm64) echo "arm64 (Apple silicon)" ;;
    x86_64) echo "x86_64 (Intel)" ;;
    *) echo "$1" ;;
  esac
}

source_arg=""
sha256=""
exe_src=""
plist_src=""
newsyslog_src=""

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  # Run by Jamf Pro: $1 target volume, $2 computer name, $3 user name, $4 SOURCE, $5 its SHA-256.
  [ "$1" = / ] || die "installs onto the running system only; the target volume (parameter 1) is $1"
  source_arg=${4:-}
  sha256=${5:-}
  say "run by Jamf Pro for ${2:-this computer}; release: ${source_arg:-the folder of this script}"
else
  while [ $# -gt 0 ]; do
    case "$1" in
      --from) [ $# -ge 2 ] || die "--from needs a folder, a .tar.gz or an https:// URL"; source_arg=$2; shift 2 ;;
      --sha256) [ $# -ge 2 ] || die "--sha256 needs the tarball's SHA-256"; sha256=$2; shift 2 ;;
      --exe) [ $# -ge 2 ] || die "--exe needs a path"; exe_src=$2; shift 2 ;;
      --plist) [ $# -ge 2 ] || die "--plist needs a path"; plist_src=$2; shift 2 ;;
      --newsyslog) [ $# -ge 2 ] || die "--newsyslog needs a path"; newsyslog_src=$2; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
fi

if [ "$(id -u)" -ne 0 ]; then
  die "must be run as root, for example: sudo $0"
fi
if [ -n "$sha256" ]; then
  sha256=$(printf '%s' "$sha256" | tr 'A-F' 'a-f')
  if [ "${#sha256}" -ne 64 ] || [ -n "${sha256//[0-9a-f]/}" ]; then
    die "the SHA-256 must be 64 hex digits (got: $sha256)"
  fi
fi

# A root-only work folder (mktemp -d makes it 0700): the inputs are copied there and checked there,
# so nothing can swap a file between its check and its installation.
pending_tmp=""
work=$(mktemp -d /tmp/tokenwatch-install.XXXXXX)
cleanup() {
  if [ -n "$pending_tmp" ]; then rm -f "$pending_tmp"; fi
  rm -rf "$work"
}
trap cleanup EXIT

release=$(cd "$(dirname "$0")" && pwd)
archive=""
case "$source_arg" in
  "") ;;
  https://*)
    [ -n "$sha256" ] || die "a download needs its SHA-256 (--sha256, or Jamf parameter 5): $source_arg"
    archive=$work/release.tar.gz
    if ! out=$(curl --fail --silent --show-error --location --proto =https --max-time 900 --output "$archive" "$source_arg" 2>&1); then
      die "could not download $source_arg: $out"
    fi
    ;;
  *://*) die "only https:// downloads are accepted: $source_arg" ;;
  *.tar.gz | *.tgz)
    [ -f "$source_arg" ] || die "release tarball not found: $source_arg"
    archive=$source_arg
    ;;
  *)
    [ -d "$source_arg" ] || die "release folder not found: $source_arg"
    release=$(cd "$source_arg" && pwd)
    ;;
esac
if [ -n "$archive" ]; then
  if [ -n "$sha256" ]; then
    actual=$(shasum -a 256 "$archive" | awk '{print $1}')
    [ "$actual" = "$sha256" ] || die "SHA-256 mismatch for $source_arg: expected $sha256, got $actual"
  fi
  mkdir "$work/unpacked"
  tar -xzf "$archive" -C "$work/unpacked" || die "could not unpack $source_arg"
  release=""
  for dir in "$work/unpacked"/*/; do
    if [ -f "$dir/tokenwatch-agent" ]; then
      [ -z "$release" ] || die "$source_arg holds more than one release folder"
      release=${dir%/}
    fi
  done
  [ -n "$release" ] || die "$source_arg holds no release folder (tokenwatch-agent-<version>-darwin-<arch>/tokenwatch-agent)"
fi
exe_src=${exe_src:-$release/tokenwatch-agent}
plist_src=${plist_src:-$release/$LABEL.plist}
newsyslog_src=${newsyslog_src:-$release/newsyslog.d/$LABEL.conf}
uninstall_src=$release/uninstall.sh
[ -f "$uninstall_src" ] || uninstall_src=$(cd "$(dirname "$0")" && pwd)/uninstall.sh

# Check every input before changing anything.
hint="pass --from SOURCE (Jamf: parameter 4) or --exe PATH"
[ -f "$exe_src" ] || die "executable not found: $exe_src ($hint)"
[ -f "$plist_src" ] || die "LaunchDaemon plist not found: $plist_src (pass --plist PATH)"
[ -f "$newsyslog_src" ] || die "newsyslog configuration not found: $newsyslog_src (pass --newsyslog PATH)"
[ -f "$uninstall_src" ] || die "uninstall.sh not found beside $exe_src or this script"
stage=$work/stage
mkdir "$stage"
cp "$exe_src" "$stage/tokenwatch-agent"
cp "$plist_src" "$stage/$LABEL.plist"
cp "$newsyslog_src" "$stage/$LABEL.conf"
cp "$uninstall_src" "$stage/uninstall.sh"

archs=$(macho_archs "$stage/tokenwatch-agent")
if [ -z "$archs" ]; then
  magic=$(od -An -tx1 -N4 "$stage/tokenwatch-agent" | tr -d ' \n')
  die "$exe_src is not a macOS executable (first bytes: ${magic:-none}); use the darwin-universal release"
fi
host=$(host_arch)
case " $archs " in
  *" $host "*) ;;
  *)
    built=""
    for arch in $archs; do built="$built, $(describe_arch "$arch")"; done
    die "$exe_src is built for ${built#, } only, and this Mac is $(describe_arch "$host"): launchd could not start it. Use the darwin-universal release, which runs on both (an x86_64-only executable would also need Rosetta 2 on Apple silicon)."
    ;;
esac

# install_file SRC DEST OWNER MODE: copy beside DEST, set owner and mode, then rename over DEST.
# A failure part-way leaves DEST as it was, and the EXIT trap removes the temporary copy.
install_file() {
  local src=$1 dest=$2 owner=$3 mode=$4
  pending_tmp="$(dirname "$dest")/.$(basename "$dest").tmp.$$"
  cp "$src" "$pending_tmp"
  chown "$owner" "$pending_tmp"
  chmod "$mode" "$pending_tmp"
  mv -f "$pending_tmp" "$dest"
  pending_tmp=""
}

# ensure_dir DIR OWNER MODE: create DIR (and missing parents) and set owner and mode on DIR itself.
ensure_dir() {
  mkdir -p "$1"
  chown "$2" "$1"
  chmod "$3" "$1"
}

# 1. The executable, its uninstaller, and the admins' symlink.
ensure_dir /usr/local/tokenwatch root:wheel 0755
ensure_dir "$EXE_DIR" root:wheel 0755
install_file "$stage/tokenwatch-agent" "$EXE_DEST" root:wheel 0755
# A tarball downloaded with a browser carries the quarantine flag, which would stop an ad-hoc
# signed executable; the installed copy must not have it. No flag ("No such xattr") is fine.
if ! out=$(xattr -d com.apple.quarantine "$EXE_DEST" 2>&1); then
  case "$out" in
    *"No such xattr"*) ;;
    *) die "could not clear the quarantine flag of $EXE_DEST: $out" ;;
  esac
fi
install_file "$stage/uninstall.sh" "$UNINSTALL_DEST" root:wheel 0755
if [ ! -d /usr/local/bin ]; then
  ensure_dir /usr/local/bin root:wheel 0755
fi
ln -sfn "$EXE_DEST" "$EXE_LINK"

# 2. Logs: the directory, and both files with the owner and mode newsyslog gives their successors.
ensure_dir "$LOG_DIR" root:admin 0755
for log in agent.log launchd.log; do
  [ -e "$LOG_DIR/$log" ] || : >"$LOG_DIR/$log"
  chown root:admin "$LOG_DIR/$log"
  chmod 0640 "$LOG_DIR/$log"
done
mkdir -p /etc/newsyslog.d
install_file "$stage/$LABEL.conf" "$NEWSYSLOG_DEST" root:wheel 0644

# 3. The LaunchDaemon: put the new plist in place (launchd read the old one when it loaded it),
# then unload the old job (if any), wait until launchd has let it go, and load the new one.
# Everything is copied before anything is unloaded, so a failure above leaves the running agent
# as it was.
mkdir -p /Library/LaunchDaemons
install_file "$stage/$LABEL.plist" "$PLIST_DEST" root:wheel 0644
rc=0
unload_agent || rc=$?
case "$rc" in
  0) ;;
  1) die "$launchd_reason" ;;
  *) say "$launchd_reason; loading the new one anyway" ;;
esac
if [ "$launchd_was_loaded" = yes ]; then say "stopped the running $LABEL"; fi
if ! load_agent; then
  die "$launchd_reason. The files are installed and launchd loads the agent at the next startup; to load it now: sudo launchctl bootstrap system $PLIST_DEST (details: log show --last 5m --predicate 'subsystem == \"com.apple.xpc.launchd\"')"
fi

say "installed $EXE_DEST ($archs) and loaded $LABEL; it runs now (after up to 300 s of splay) and hourly"
say "check with: sudo launchctl print system/$LABEL; sudo $EXE_LINK status; remove with: sudo $UNINSTALL_DEST"
