#!/usr/bin/env bash
# `make deb`: roster's Debian package, built with Debian's own tools only
# (dpkg-shlibdeps for the library dependencies, dpkg-deb for the archive),
# from what `make install` lays out.
#
#   deploy/debian/mkdeb.sh BINARY OUTDIR
#
# BINARY is a release build (build/roster); it is installed stripped.  Writes
# OUTDIR/roster_VERSION_ARCH.deb and prints its path.  Needs no root: the
# archive's files belong to root through dpkg-deb --root-owner-group.
# BINARY must be what `make install` installs (build/roster).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
PROG=mkdeb.sh
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$SCRIPT_DIR/../lib.sh"

[ $# -eq 2 ] || die "usage: mkdeb.sh BINARY OUTDIR"
BIN=$1
OUT=$2
[ -x "$BIN" ] || die "$BIN is missing: run make first"
for t in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
	command -v "$t" >/dev/null || die "$t not found (package dpkg-dev)"
done

VERSION=$("$BIN" --version | sed -n 's/^roster //p')
[ -n "$VERSION" ] || die "$BIN --version printed no version"
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
STAGE=$OUT/deb-stage
PKG=$OUT/roster_${VERSION}_${ARCH}.deb
DOC=$STAGE/usr/share/doc/roster

rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$OUT"
# The layout of `make install` for a package: /usr, units under /lib as
# Debian 12's systemd packages have them.
make -C "$REPO_ROOT" --no-print-directory install DESTDIR="$STAGE" PREFIX=/usr \
	UNITDIR=/lib/systemd/system TMPFILESDIR=/usr/lib/tmpfiles.d >/dev/null
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$STAGE/usr/bin/roster"

# Debian's documentation rules: copyright, a changelog, compressed manuals.
install -m 0644 "$REPO_ROOT/LICENSE" "$DOC/copyright"
{
	printf 'roster (%s) unstable; urgency=medium\n\n' "$VERSION"
	printf '  * roster %s, packaged by `make deb`.\n\n' "$VERSION"
	printf ' -- The roster authors <roster@example.org>  %s\n' \
		"$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$DOC/changelog.gz"
gzip -9n "$STAGE/usr/share/man/man8/roster.8" "$STAGE/usr/share/man/man5/roster.conf.5"

# Library dependencies as Debian computes them.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debian"
printf 'Source: roster\n\nPackage: roster\nArchitecture: any\n' >"$tmp/debian/control"
cp "$STAGE/usr/bin/roster" "$tmp/roster"
DEPENDS=$(cd "$tmp" && dpkg-shlibdeps -O roster 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPENDS" ] || die "dpkg-shlibdeps found no dependencies"

SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@SIZE@|$SIZE|" \
	-e "s|@DEPENDS@|$DEPENDS|" "$SCRIPT_DIR/control.in" >"$STAGE/DEBIAN/control"
# Unpacked as a plain file (it holds no secret yet); postinst makes it
# root:roster 0640 once the group exists.
chmod 0644 "$STAGE/etc/roster/roster.conf"
# The configuration is the admin's: dpkg keeps their edits across upgrades.
printf '/etc/roster/roster.conf\n' >"$STAGE/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$SCRIPT_DIR/$s" "$STAGE/DEBIAN/$s"
done
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
	xargs -0 md5sum) >"$STAGE/DEBIAN/md5sums"
chmod 0644 "$STAGE/DEBIAN/md5sums" "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/conffiles"

dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$PKG" >/dev/null
rm -rf "$STAGE"
printf '%s\n' "$PKG"
