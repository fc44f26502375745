#!/bin/bash
# Install or upgrade the tokenwatch agent on a Mac and (re)load its LaunchDaemon.
#
#   sudo ./install.sh [--exe PATH] [--plist PATH] [--newsyslog PATH]
#
# By default the files are taken from the release tarball's layout, next to this script:
#   ./tokenwatch-agent   ./com.tokenwatch.agent.plist   ./newsyslog.d/com.tokenwatch.agent.conf
#
# Idempotent: running it again (an upgrade, or a repair) gives the same result. Each file is copied
# to a temporary name beside its destination and renamed into place, so a running agent keeps its
# old executable and the kernel never sees a signed executable rewritten in place.
#
# For tests only (all unset on a Mac):
#   TOKENWATCH_ROOT  a scratch prefix put in front of every path written (default: empty, i.e. /)
#   LAUNCHCTL, CHOWN, XATTR  replacements for /bin/launchctl, /usr/sbin/chown, /usr/bin/xattr
# The root check has no override: the tests run this script as root, and as an unprivileged user
# to see it refuse.
set -euo pipefail

PROG=install.sh
LABEL=com.tokenwatch.agent
ROOT="${TOKENWATCH_ROOT:-}"
LAUNCHCTL="${LAUNCHCTL:-/bin/launchctl}"
CHOWN="${CHOWN:-/usr/sbin/chown}"
XATTR="${XATTR:-/usr/bin/xattr}"

# Where things live on the Mac (fixed by the design; the plist's ProgramArguments[0] is EXE_DEST).
EXE_DIR=/usr/local/tokenwatch/bin
EXE_DEST=$EXE_DIR/tokenwatch-agent
EXE_LINK=/usr/local/bin/tokenwatch-agent
PLIST_DEST=/Library/LaunchDaemons/$LABEL.plist
NEWSYSLOG_DEST=/etc/newsyslog.d/$LABEL.conf
LOG_DIR=/Library/Logs/tokenwatch

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }

usage() {
  cat <<EOF
usage: sudo $0 [--exe PATH] [--plist PATH] [--newsyslog PATH]

Installs the tokenwatch agent to $EXE_DEST (linked from $EXE_LINK),
its LaunchDaemon to $PLIST_DEST and its log rotation to $NEWSYSLOG_DEST,
then loads the LaunchDaemon (the first run starts at once, after a random delay of up to 300 s).
Without flags the files are taken from the directory of this script.
EOF
}

here=$(cd "$(dirname "$0")" && pwd)
exe_src=$here/tokenwatch-agent
plist_src=$here/$LABEL.plist
newsyslog_src=$here/newsyslog.d/$LABEL.conf

while [ $# -gt 0 ]; do
  case "$1" in
    --exe) [ $# -ge 2 ] || die "--exe needs a path"; exe_src=$2; shift 2 ;;
    --plist) [ $# -ge 2 ] || die "--plist needs a path"; plist_src=$2; shift 2 ;;
    --newsyslog) [ $# -ge 2 ] || die "--newsyslog needs a path"; newsyslog_src=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  die "must be run as root, for example: sudo $0"
fi
case "$ROOT" in
  "" | /*) ;;
  *) die "TOKENWATCH_ROOT must be an absolute path (got: $ROOT)" ;;
esac

# Check every input before changing anything.
[ -f "$exe_src" ] || die "executable not found: $exe_src (pass --exe PATH)"
[ -f "$plist_src" ] || die "LaunchDaemon plist not found: $plist_src (pass --plist PATH)"
[ -f "$newsyslog_src" ] || die "newsyslog configuration not found: $newsyslog_src (pass --newsyslog PATH)"
# A Mach-O 64-bit (cf fa ed fe) or universal (ca fe ba be) executable; anything else is the wrong download.
magic=$(head -c 4 "$exe_src" | od -An -tx1 | tr -d ' \n')
case "$magic" in
  cffaedfe | cafebabe) ;;
  *) die "$exe_src is not a macOS executable (first bytes: ${magic:-none}); use the darwin-arm64 or darwin-x64 release" ;;
esac

# install_file SRC DEST OWNER MODE: copy beside DEST, set owner and mode, then rename over DEST.
# A failure part-way leaves DEST as it was, and the EXIT trap removes the temporary copy.
pending_tmp=""
trap 'if [ -n "$pending_tmp" ]; then rm -f "$pending_tmp"; fi' EXIT
install_file() {
  local src=$1 dest=$ROOT$2 owner=$3 mode=$4
  pending_tmp="$(dirname "$dest")/.$(basename "$dest").tmp.$$"
  cp "$src" "$pending_tmp"
  "$CHOWN" "$owner" "$pending_tmp"
  chmod "$mode" "$pending_tmp"
  mv -f "$pending_tmp" "$dest"
  pending_tmp=""
}

# ensure_dir DIR OWNER MODE: create DIR (and missing parents) and set owner and mode on DIR itself.
ensure_dir() {
  local dir=$ROOT$1 owner=$2 mode=$3
  mkdir -p "$dir"
  "$CHOWN" "$owner" "$dir"
  chmod "$mode" "$dir"
}

# bootout_if_loaded: unload the LaunchDaemon; a service that is not loaded is not an error.
# launchctl answers "not loaded" with 3 (No such process) on older macOS and 113 (Could not find
# specified service) on newer ones; anything else is reported and stops the install.
bootout_if_loaded() {
  local out rc=0
  out=$("$LAUNCHCTL" bootout "system/$LABEL" 2>&1) || rc=$?
  case "$rc" in
    0) say "stopped the running $LABEL" ;;
    3 | 113) ;;
    *) die "launchctl bootout system/$LABEL failed ($rc): $out" ;;
  esac
}

# bootstrap: load the LaunchDaemon. Right after a bootout launchd can still be tearing the old
# service down and answer 5 (Input/output error); try a few times before giving up.
bootstrap() {
  local out rc tries=0
  while :; do
    rc=0
    out=$("$LAUNCHCTL" bootstrap system "$ROOT$PLIST_DEST" 2>&1) || rc=$?
    [ "$rc" -eq 0 ] && return 0
    tries=$((tries + 1))
    if [ "$rc" -ne 5 ] || [ "$tries" -ge 5 ]; then
      die "launchctl bootstrap system $PLIST_DEST failed ($rc): $out (see: sudo launchctl print system/$LABEL; log show --last 5m --predicate 'subsystem == \"com.apple.xpc.launchd\"')"
    fi
    sleep 1
  done
}

# 1. The executable, and the admins' symlink.
ensure_dir /usr/local/tokenwatch root:wheel 0755
ensure_dir "$EXE_DIR" root:wheel 0755
install_file "$exe_src" "$EXE_DEST" root:wheel 0755
# A tarball downloaded with a browser carries the quarantine flag, which would stop an ad-hoc
# signed executable; the installed copy must not have it. No flag ("No such xattr") is fine.
if [ -x "$XATTR" ] && ! out=$("$XATTR" -d com.apple.quarantine "$ROOT$EXE_DEST" 2>&1); then
  case "$out" in
    *"No such xattr"*) ;;
    *) die "could not clear the quarantine flag of $EXE_DEST: $out" ;;
  esac
fi
if [ ! -d "$ROOT/usr/local/bin" ]; then
  ensure_dir /usr/local/bin root:wheel 0755
fi
ln -sfn "$EXE_DEST" "$ROOT$EXE_LINK"

# 2. Logs: the directory, and both files with the owner and mode newsyslog gives their successors.
ensure_dir "$LOG_DIR" root:admin 0755
for log in agent.log launchd.log; do
  [ -e "$ROOT$LOG_DIR/$log" ] || : >"$ROOT$LOG_DIR/$log"
  "$CHOWN" root:admin "$ROOT$LOG_DIR/$log"
  chmod 0640 "$ROOT$LOG_DIR/$log"
done
mkdir -p "$ROOT/etc/newsyslog.d"
install_file "$newsyslog_src" "$NEWSYSLOG_DEST" root:wheel 0644

# 3. The LaunchDaemon: put the new plist in place (launchd read the old one when it loaded it),
# then unload the old job (if any) and load the new one. Everything is copied before anything is
# unloaded, so a failure above leaves the running agent as it was.
mkdir -p "$ROOT/Library/LaunchDaemons"
install_file "$plist_src" "$PLIST_DEST" root:wheel 0644
bootout_if_loaded
# Undo an earlier `launchctl disable`, which would make bootstrap fail with "Service is disabled".
"$LAUNCHCTL" enable "system/$LABEL"
bootstrap

say "installed $EXE_DEST and loaded $LABEL; it runs now (after up to 300 s of splay) and hourly"
say "check with: sudo launchctl print system/$LABEL; sudo $EXE_LINK status"
