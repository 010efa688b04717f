#!/bin/sh
# Builds the Debian packages from the committed tree, checks them with
# lintian, unpacks them into a scratch root (no system change) and runs
# what an operator would: the installed osdwarden --version, its manual
# page, its completion. Prints the .deb paths. Exit non-zero on any failure.
#   scripts/deb.sh [--worktree] [OUT_DIR]      (default build-deb)
# --worktree: from the working tree as it is (files git tracks or would
# track), to try a change before committing it.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
worktree=false
[ "${1:-}" = "--worktree" ] && { worktree=true; shift; }
out=${1:-$root/build-deb}
version=$(sed -n "s/^osdwarden (\([^)]*\)).*/\1/p;q" "$root/debian/changelog")
rm -rf "$out"
mkdir -p "$out/src"
# The package is built from what is committed, in a directory named as
# Debian expects (source-version), beside which dpkg-buildpackage writes.
if $worktree; then
	mkdir -p "$out/src/osdwarden-$version"
	(cd "$root" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 tar -cf - --no-recursion) | tar -x -C "$out/src/osdwarden-$version"
else
	git -C "$root" archive --format=tar --prefix="osdwarden-$version/" HEAD | tar -x -C "$out/src"
fi
(cd "$out/src/osdwarden-$version" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
	tail -40 "$out/build.log"; echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
debs=$(ls "$out"/src/*.deb)
echo "deb: built"; for d in $debs; do echo "  $d ($(du -k "$d" | cut -f1) KiB)"; done

# lintian: every tag left is explained in debian/source/lintian-overrides
# or below; an error fails the build.
lintian --fail-on error,warning --suppress-tags-from-file "$root/debian/lintian-accepted" \
	$debs > "$out/lintian.log" 2>&1 || { cat "$out/lintian.log"; echo "deb: lintian failed" >&2; exit 1; }
echo "deb: lintian: $(grep -c "^[EWIPX]: " "$out/lintian.log" || true) tag(s) left (informational)"

# Unpacked into a scratch root, run from there with the system's libraries.
sroot="$out/root"
for d in $debs; do dpkg-deb -x "$d" "$sroot"; done
"$sroot/usr/bin/osdwarden" --version
"$sroot/usr/bin/osdwarden-lab" --help >/dev/null
# The manual pages where man finds them, and rendered without a warning.
for page in osdwarden osdwarden.conf osdwarden-lab; do
	MANPATH="$sroot/usr/share/man" man -w "$page"
	MANPATH="$sroot/usr/share/man" MANWIDTH=80 man --warnings "$page" 2>&1 >/dev/null |
		(! grep .) || { echo "deb: man $page warns" >&2; exit 1; }
done
# A completion as bash does it, with the installed script and program.
reply=$(bash --norc --noprofile -c '. "$1/usr/share/bash-completion/completions/osdwarden" &&
	COMP_WORDS=("$1/usr/bin/osdwarden" check --format j) COMP_CWORD=3 &&
	_osdwarden && echo "${COMPREPLY[*]}"' sh "$sroot")
[ "$reply" = json ] || { echo "deb: completion of 'check --format j' gave '$reply'" >&2; exit 1; }
echo "deb: completion: check --format j -> $reply"
[ -f "$sroot/usr/share/zsh/vendor-completions/_osdwarden" ] ||
	{ echo "deb: no zsh completion in the package" >&2; exit 1; }
echo "deb: ok"
