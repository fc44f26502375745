#!/bin/bash
# Remove the tokenwatch agent from a Mac: unload its LaunchDaemon and delete its files.
#
#   sudo ./uninstall.sh [--purge]
#
# Keeps the agent's state (/Library/Application Support/tokenwatch: its cache, outbox and device
# token) and its logs, so a reinstall carries on as the same device. --purge removes them too;
# the Mac then enrolls afresh if the agent is installed again.
#
# Idempotent: removing what is already gone is not an error.
#
# For tests only (all unset on a Mac):
#   TOKENWATCH_ROOT  a scratch prefix put in front of every path (default: empty, i.e. /)
#   LAUNCHCTL, PKGUTIL  replacements for /bin/launchctl, /usr/sbin/pkgutil
# The root check has no override: the tests run this script as root, and as an unprivileged user
# to see it refuse.
set -euo pipefail

PROG=uninstall.sh
LABEL=com.tokenwatch.agent
ROOT="${TOKENWATCH_ROOT:-}"
LAUNCHCTL="${LAUNCHCTL:-/bin/launchctl}"
PKGUTIL="${PKGUTIL:-/usr/sbin/pkgutil}"

EXE_DEST=/usr/local/tokenwatch/bin/tokenwatch-agent
EXE_LINK=/usr/local/bin/tokenwatch-agent
PLIST_DEST=/Library/LaunchDaemons/$LABEL.plist
NEWSYSLOG_DEST=/etc/newsyslog.d/$LABEL.conf
STATE_DIR="/Library/Application Support/tokenwatch"
LOG_DIR=/Library/Logs/tokenwatch

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }

usage() {
  cat <<EOF
usage: sudo $0 [--purge]

Unloads the $LABEL LaunchDaemon and removes $PLIST_DEST, /usr/local/tokenwatch,
$EXE_LINK and $NEWSYSLOG_DEST.
Keeps "$STATE_DIR" and $LOG_DIR unless --purge is given.
EOF
}

purge=no
while [ $# -gt 0 ]; do
  case "$1" in
    --purge) purge=yes; shift ;;
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

# 1. Stop and unload. Not loaded (3 on older macOS, 113 on newer) is fine.
rc=0
out=$("$LAUNCHCTL" bootout "system/$LABEL" 2>&1) || rc=$?
case "$rc" in
  0) say "stopped and unloaded $LABEL" ;;
  3 | 113) say "$LABEL was not loaded" ;;
  *) die "launchctl bootout system/$LABEL failed ($rc): $out" ;;
esac

# 2. The installed files.
rm -f "$ROOT$PLIST_DEST" "$ROOT$NEWSYSLOG_DEST"
# The admins' symlink, only if it is ours (never a file someone else put there).
if [ -L "$ROOT$EXE_LINK" ] && [ "$(readlink "$ROOT$EXE_LINK")" = "$EXE_DEST" ]; then
  rm -f "$ROOT$EXE_LINK"
fi
rm -rf "$ROOT/usr/local/tokenwatch"
# Forget the receipt of the .pkg, if the agent was installed from one (no receipt is fine).
if [ -x "$PKGUTIL" ] && ! out=$("$PKGUTIL" --forget "$LABEL" 2>&1); then
  case "$out" in
    *"No receipt for"*) ;;
    *) die "pkgutil --forget $LABEL failed: $out" ;;
  esac
fi

# 3. State and logs.
if [ "$purge" = yes ]; then
  rm -rf "$ROOT$STATE_DIR" "$ROOT$LOG_DIR"
  say "removed the agent, its state and its logs"
else
  say "removed the agent; kept \"$STATE_DIR\" and $LOG_DIR (--purge removes them)"
fi
