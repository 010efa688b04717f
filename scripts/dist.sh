#!/bin/sh
# The source tarball, and that it builds and installs on its own:
# `meson dist` makes the tarball of the committed tree (HEAD), which is
# unpacked elsewhere, configured with --prefix=/usr and built (-Werror, no
# network, the suites left to CI); then `meson install --destdir` must put
# the programs, the manual pages and the completions where Debian expects
# them, and the built osdwarden must run. Prints the tarball's path.
#   scripts/dist.sh [OUT_DIR]      (default build-dist)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build-dist}
fail() { echo "dist: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
meson setup "$out/build" "$root" -Dtests=disabled > "$out/setup.log" 2>&1 ||
	{ cat "$out/setup.log"; fail "meson setup of the tree failed"; }
# --allow-dirty: a trial run in a working tree with changes still takes
# HEAD, as CI does.
meson dist -C "$out/build" --formats xztar --no-tests --allow-dirty > "$out/dist.log" 2>&1 ||
	{ cat "$out/dist.log"; fail "meson dist failed"; }
tarball=$(ls "$out"/build/meson-dist/osdwarden-*.tar.xz)
echo "dist: $tarball ($(du -k "$tarball" | cut -f1) KiB)"
mkdir "$out/src"
tar -xJf "$tarball" -C "$out/src"
src=$(ls -d "$out"/src/osdwarden-*)
(meson setup "$out/rebuild" "$src" --prefix=/usr -Dtests=disabled -Dwerror=true &&
	ninja -C "$out/rebuild") > "$out/rebuild.log" 2>&1 ||
	{ tail -40 "$out/rebuild.log"; fail "the tarball does not build (log: $out/rebuild.log)"; }
"$out/rebuild/osdwarden" --version | head -1
DESTDIR="$out/dest" meson install -C "$out/rebuild" --no-rebuild --quiet > "$out/install.log" 2>&1 ||
	{ cat "$out/install.log"; fail "meson install failed"; }
for f in usr/bin/osdwarden usr/bin/osdwarden-lab usr/bin/osdwarden-krbrealm \
	usr/share/man/man1/osdwarden.1 usr/share/man/man5/osdwarden.conf.5 \
	usr/share/man/man1/osdwarden-lab.1 usr/share/bash-completion/completions/osdwarden \
	usr/share/zsh/vendor-completions/_osdwarden; do
	[ -s "$out/dest/$f" ] || fail "meson install did not put $f in place"
done
echo "dist: the tarball builds; meson install puts bin/, man1, man5 and the completions in place"
