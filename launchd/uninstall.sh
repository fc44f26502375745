#!/bin/bash
# Remove the tokenwatch agent from a Mac: unload its LaunchDaemon, delete its files (this script
# too) and forget the .pkg receipt.
#
#   sudo /usr/local/tokenwatch/bin/uninstall.sh [--purge]     (installed with the agent)
#   sudo ./uninstall.sh [--purge]                              (from the release tarball)
#
# Keeps the agent's state (/Library/Application Support/tokenwatch: its cache, outbox and device
# token) and its logs, so a reinstall carries on as the same device. --purge removes them too;
# the Mac then enrolls afresh if the agent is installed again.
#
# As a Jamf Pro script, Jamf passes $1 the target volume ("/"), $2 the computer name and $3 the
# user name, which are not needed; parameter 4 "purge" is --purge. munki's uninstall_method can
# name the installed copy directly.
#
# Idempotent: removing what is already gone is not an error.
set -euo pipefail
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH

PROG=uninstall.sh
LABEL=com.tokenwatch.agent

EXE_DEST=/usr/local/tokenwatch/bin/tokenwatch-agent
EXE_LINK=/usr/local/bin/tokenwatch-agent
PLIST_DEST=/Library/LaunchDaemons/$LABEL.plist
NEWSYSLOG_DEST=/etc/newsyslog.d/$LABEL.conf
STATE_DIR="/Library/Application Support/tokenwatch"
LOG_DIR=/Library/Logs/tokenwatch

die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*"; }

usage() {
  cat <<EOF2
usage: sudo $0 [--purge]
   or, as a Jamf Pro script: parameter 4 "purge" for --purge

Unloads the $LABEL LaunchDaemon and removes $PLIST_DEST, /usr/local/tokenwatch
(the agent and this uninstaller), $EXE_LINK and $NEWSYSLOG_DEST, and forgets
the package receipt $LABEL.
Keeps "$STATE_DIR" and $LOG_DIR unless --purge is given.
EOF2
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
# --- end of the launchd functions ---
launchd_was_loaded=no

purge=no
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  # Run by Jamf Pro: $1 target volume, $2 computer name, $3 user name, $4 "purge" or nothing.
  [ "$1" = / ] || die "removes the agent from the running system only; the target volume (parameter 1) is $1"
  case "${4:-}" in
    "") ;;
    purge | --purge) purge=yes ;;
    *) die "parameter 4 is \"purge\" or empty (got: $4)" ;;
  esac
else
  while [ $# -gt 0 ]; do
    case "$1" in
      --purge) purge=yes; shift ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
  done
fi

if [ "$(id -u)" -ne 0 ]; then
  die "must be run as root, for example: sudo $0"
fi

# 1. Stop and unload, and wait until launchd has let the job go.
rc=0
unload_agent || rc=$?
case "$rc" in
  0) if [ "$launchd_was_loaded" = yes ]; then say "stopped and unloaded $LABEL"; else say "$LABEL was not loaded"; fi ;;
  1) die "$launchd_reason" ;;
  *) echo "$PROG: $launchd_reason; removing its files anyway (launchd forgets it at the next startup)" >&2 ;;
esac

# 2. The installed files, this script among them (bash has already read it; removing the file
# does not stop it).
rm -f "$PLIST_DEST" "$NEWSYSLOG_DEST"
# The admins' symlink, only if it is ours (never a file someone else put there).
if [ -L "$EXE_LINK" ] && [ "$(readlink "$EXE_LINK")" = "$EXE_DEST" ]; then
  rm -f "$EXE_LINK"
fi
rm -rf /usr/local/tokenwatch
# Forget the receipt of the .pkg, if the agent was installed from one (no receipt is fine), so that
# Jamf, munki and `pkgutil --pkgs` no longer see it installed.
if ! out=$(pkgutil --forget "$LABEL" 2>&1); then
  case "$out" in
    *"No receipt for"*) ;;
    *) die "pkgutil --forget $LABEL failed: $out" ;;
  esac
fi

# 3. State and logs.
if [ "$purge" = yes ]; then
  rm -rf "$STATE_DIR" "$LOG_DIR"
  say "removed the agent, its state and its logs"
else
  say "removed the agent; kept \"$STATE_DIR\" and $LOG_DIR (--purge removes them)"
fi
