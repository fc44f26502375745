#!/bin/bash
# Build a flat installer package (.pkg) of the tokenwatch agent. NEEDS macOS: pkgbuild,
# productbuild and productsign exist only there (Xcode is not needed; they ship with macOS).
#
#   ./build-pkg.sh --version 1.2.3 [--exe PATH] [--out FILE]
#
# Run it from the unpacked release tarball (pkg/ beside tokenwatch-agent, com.tokenwatch.agent.plist
# and newsyslog.d/), or from a checkout with --exe dist/tokenwatch-agent-darwin-arm64. No sudo
# needed: pkgbuild records every payload file as owned by root:wheel.
#
# Signing: set TOKENWATCH_PKG_SIGNING_IDENTITY to a "Developer ID Installer: Name (TEAMID)"
# identity in your keychain and the product is signed with productsign. MDM "install application"
# commands (and Jamf's PreStage packages) need a signed distribution package; notarize it after with
#   xcrun notarytool submit FILE.pkg --keychain-profile PROFILE --wait && xcrun stapler staple FILE.pkg
#
# The payload:
#   /usr/local/tokenwatch/bin/tokenwatch-agent                  0755
#   /Library/LaunchDaemons/com.tokenwatch.agent.plist           0644
#   /private/etc/newsyslog.d/com.tokenwatch.agent.conf          0644
# and scripts/preinstall (unload the old agent) and scripts/postinstall (symlink, logs, load).
set -euo pipefail

PROG=build-pkg.sh
IDENTIFIER=com.tokenwatch.agent

die() { echo "$PROG: $*" >&2; exit 1; }

usage() {
  cat <<EOF
usage: $0 --version VERSION [--exe PATH] [--out FILE]

Builds a signed (TOKENWATCH_PKG_SIGNING_IDENTITY set) or unsigned distribution package
$IDENTIFIER-VERSION.pkg. Needs macOS.
EOF
}

here=$(cd "$(dirname "$0")" && pwd)
release=$(cd "$here/.." && pwd)
exe=$release/tokenwatch-agent
plist=$release/$IDENTIFIER.plist
newsyslog=$release/newsyslog.d/$IDENTIFIER.conf
version=""
out=""

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value"; version=$2; shift 2 ;;
    --exe) [ $# -ge 2 ] || die "--exe needs a path"; exe=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a path"; out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [ "$(uname -s)" != Darwin ]; then
  die "needs macOS (pkgbuild, productbuild, productsign); this is $(uname -s). Build the .pkg on a Mac, or deploy the release tarball with install.sh."
fi
for tool in pkgbuild productbuild; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (it ships with macOS in /usr/bin)"
done

if [ -n "${TOKENWATCH_PKG_SIGNING_IDENTITY:-}" ]; then
  command -v productsign >/dev/null 2>&1 || die "productsign not found (it ships with macOS in /usr/bin)"
fi

[ -n "$version" ] || { usage >&2; die "--version is required (for example the release's version, 1.2.3)"; }
case "$version" in
  *[!0-9A-Za-z.-]*) die "--version may hold only letters, digits, dots and dashes (got: $version)" ;;
esac
[ -f "$exe" ] || die "executable not found: $exe (pass --exe PATH)"
[ -f "$plist" ] || die "LaunchDaemon plist not found: $plist"
[ -f "$newsyslog" ] || die "newsyslog configuration not found: $newsyslog"
[ -n "$out" ] || out=$PWD/$IDENTIFIER-$version.pkg

work=$(mktemp -d "${TMPDIR:-/tmp}/tokenwatch-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The payload, with the modes it installs with.
payload=$work/root
mkdir -p "$payload/usr/local/tokenwatch/bin" "$payload/Library/LaunchDaemons" "$payload/private/etc/newsyslog.d"
cp "$exe" "$payload/usr/local/tokenwatch/bin/tokenwatch-agent"
cp "$plist" "$payload/Library/LaunchDaemons/$IDENTIFIER.plist"
cp "$newsyslog" "$payload/private/etc/newsyslog.d/$IDENTIFIER.conf"
find "$payload" -type d -exec chmod 0755 {} +
chmod 0755 "$payload/usr/local/tokenwatch/bin/tokenwatch-agent"
chmod 0644 "$payload/Library/LaunchDaemons/$IDENTIFIER.plist" "$payload/private/etc/newsyslog.d/$IDENTIFIER.conf"

scripts=$work/scripts
mkdir -p "$scripts"
cp "$here/scripts/preinstall" "$here/scripts/postinstall" "$scripts/"
chmod 0755 "$scripts/preinstall" "$scripts/postinstall"

pkgbuild --root "$payload" --scripts "$scripts" --identifier "$IDENTIFIER" --version "$version" \
  --install-location / --ownership recommended "$work/component.pkg"
productbuild --package "$work/component.pkg" "$work/product.pkg"

if [ -n "${TOKENWATCH_PKG_SIGNING_IDENTITY:-}" ]; then
  productsign --sign "$TOKENWATCH_PKG_SIGNING_IDENTITY" --timestamp "$work/product.pkg" "$out"
  echo "$PROG: wrote $out, signed by $TOKENWATCH_PKG_SIGNING_IDENTITY (check: pkgutil --check-signature $out)"
else
  mv "$work/product.pkg" "$out"
  echo "$PROG: wrote $out, UNSIGNED (set TOKENWATCH_PKG_SIGNING_IDENTITY to sign it)"
fi
