#!/bin/bash
# Build the tokenwatch agent's installer package (.pkg): ONE package for every Mac, Apple silicon
# and Intel, macOS 11 or later. NEEDS macOS: pkgbuild, productbuild and productsign exist only there
# (they ship with macOS; Xcode is not needed).
#
#   ./build-pkg.sh --version 1.2.3 [--exe PATH] [--out FILE]
#
# Run it from the unpacked universal release tarball (tokenwatch-agent-<version>-darwin-universal/:
# pkg/ beside tokenwatch-agent, com.tokenwatch.agent.plist, newsyslog.d/ and uninstall.sh), or from
# a checkout with --exe dist/tokenwatch-agent-darwin-universal. The executable must be universal
# (arm64 and x86_64): the distribution (pkg/distribution.xml) declares both host architectures. No
# sudo needed: pkgbuild records every payload file as owned by root:wheel.
#
# Signing the package: set TOKENWATCH_PKG_SIGNING_IDENTITY to a "Developer ID Installer: Name
# (TEAMID)" identity in your keychain and productsign signs it. MDM "install application" commands
# (Jamf Pro PreStage packages, Intune line-of-business apps) need a signed package.
#
# Notarization is NOT done here, and cannot succeed on this package as released: Apple's notary
# service requires every executable inside to be signed with a Developer ID Application certificate,
# with the hardened runtime and a secure timestamp, and the release's executable is signed ad hoc.
# Notarizing is a release step of its own, on a Mac with Apple credentials: re-sign the executable
# (codesign --options runtime --timestamp ...), build and sign the package with this script, then
# notarytool and stapler. docs/deploy-macos.md, "Developer ID signing and notarization", has the
# commands, and what admins allow until then.
#
# The payload:
#   /usr/local/tokenwatch/bin/tokenwatch-agent                  0755
#   /usr/local/tokenwatch/bin/uninstall.sh                      0755
#   /Library/LaunchDaemons/com.tokenwatch.agent.plist           0644
#   /private/etc/newsyslog.d/com.tokenwatch.agent.conf          0644
# and scripts/preinstall (unload the old agent) and scripts/postinstall (symlink, logs, load).
set -euo pipefail

PROG=build-pkg.sh
IDENTIFIER=com.tokenwatch.agent
COMPONENT=tokenwatch-agent-component.pkg

die() { echo "$PROG: $*" >&2; exit 1; }

usage() {
  cat <<EOF
usage: $0 --version VERSION [--exe PATH] [--out FILE]

Builds the distribution package $IDENTIFIER-VERSION.pkg (one package for arm64 and x86_64
Macs, macOS 11 or later) from a universal executable; signed with productsign when
TOKENWATCH_PKG_SIGNING_IDENTITY is set, not notarized (see the comment at the top). Needs macOS.
EOF
}

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

here=$(cd "$(dirname "$0")" && pwd)
release=$(cd "$here/.." && pwd)
exe=$release/tokenwatch-agent
plist=$release/$IDENTIFIER.plist
newsyslog=$release/newsyslog.d/$IDENTIFIER.conf
uninstaller=$release/uninstall.sh
distribution=$here/distribution.xml
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
[ -f "$uninstaller" ] || die "uninstall.sh not found: $uninstaller"
[ -f "$distribution" ] || die "distribution not found: $distribution"
archs=$(macho_archs "$exe")
for arch in arm64 x86_64; do
  case " $archs " in
    *" $arch "*) ;;
    *) die "$exe holds ${archs:-no Mach-O executable}; the package is for every Mac and needs the universal executable (arm64 and x86_64): use tokenwatch-agent-<version>-darwin-universal" ;;
  esac
done
[ -n "$out" ] || out=$PWD/$IDENTIFIER-$version.pkg

work=$(mktemp -d "${TMPDIR:-/tmp}/tokenwatch-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The payload, with the modes it installs with.
payload=$work/root
mkdir -p "$payload/usr/local/tokenwatch/bin" "$payload/Library/LaunchDaemons" "$payload/private/etc/newsyslog.d"
cp "$exe" "$payload/usr/local/tokenwatch/bin/tokenwatch-agent"
cp "$uninstaller" "$payload/usr/local/tokenwatch/bin/uninstall.sh"
cp "$plist" "$payload/Library/LaunchDaemons/$IDENTIFIER.plist"
cp "$newsyslog" "$payload/private/etc/newsyslog.d/$IDENTIFIER.conf"
find "$payload" -type d -exec chmod 0755 {} +
chmod 0755 "$payload/usr/local/tokenwatch/bin/tokenwatch-agent" "$payload/usr/local/tokenwatch/bin/uninstall.sh"
chmod 0644 "$payload/Library/LaunchDaemons/$IDENTIFIER.plist" "$payload/private/etc/newsyslog.d/$IDENTIFIER.conf"

scripts=$work/scripts
mkdir -p "$scripts"
cp "$here/scripts/preinstall" "$here/scripts/postinstall" "$scripts/"
chmod 0755 "$scripts/preinstall" "$scripts/postinstall"

mkdir "$work/packages"
pkgbuild --root "$payload" --scripts "$scripts" --identifier "$IDENTIFIER" --version "$version" \
  --install-location / --ownership recommended "$work/packages/$COMPONENT"
sed "s/@VERSION@/$version/g" "$distribution" >"$work/distribution.xml"
productbuild --distribution "$work/distribution.xml" --package-path "$work/packages" "$work/product.pkg"

if [ -n "${TOKENWATCH_PKG_SIGNING_IDENTITY:-}" ]; then
  productsign --sign "$TOKENWATCH_PKG_SIGNING_IDENTITY" --timestamp "$work/product.pkg" "$out"
  echo "$PROG: wrote $out ($archs), signed by $TOKENWATCH_PKG_SIGNING_IDENTITY (check: pkgutil --check-signature $out)"
else
  mv "$work/product.pkg" "$out"
  echo "$PROG: wrote $out ($archs), UNSIGNED (set TOKENWATCH_PKG_SIGNING_IDENTITY to sign it)"
fi
echo "$PROG: not notarized: notarization needs the executable signed with Developer ID first (docs/deploy-macos.md, Developer ID signing and notarization)"
