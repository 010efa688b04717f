#!/bin/sh
# The whole path at a large site: osdwarden-lab at SCALE (5000 is about a
# million computer associations), a sync over HTTPS, the checklist, and the
# console opening its dashboard and the association list (script mode,
# key-to-screen times). Prints figures.
#   bench/scale.sh [BUILD_DIR] [SCALE]
set -eu
build=${1:-build}
scale=${2:-5000}
work=$(mktemp -d /tmp/osdwarden-scale-XXXXXX)
lab=""
trap '[ -n "$lab" ] && kill $lab 2>/dev/null; rm -rf "$work"' EXIT
"$build/osdwarden-lab" --port 0 --scale "$scale" --auth none --ca-out "$work/ca.pem" \
	> "$work/lab.out" 2>/dev/null &
lab=$!
until grep -q '^ready' "$work/lab.out" 2>/dev/null; do sleep 0.2; done
url=$(awk '/^url /{print $2}' "$work/lab.out")
/usr/bin/time -f "%e %M" "$build/osdwarden" --db "$work/inv.db" sync \
	--provider "${url%/AdminService/}" --auth none --cacert "$work/ca.pem" \
	> "$work/sync.out" 2> "$work/sync.time"
kill $lab; lab=""
# check exits 1 when it has findings at --fail-on; anything else is a failure
# and no figure is printed for it.
rc=0
/usr/bin/time -f "%e %M" "$build/osdwarden" --db "$work/inv.db" check --format json \
	> "$work/check.json" 2> "$work/check.time" || rc=$?
if [ "$rc" -gt 1 ]; then
	echo "scale.sh: osdwarden check failed (exit $rc):" >&2
	cat "$work/check.time" >&2
	exit 1
fi
printf '5\n<PgDn>\nG\n/WS01<Enter>\n' > "$work/keys"
OSDWARDEN_TUI_TIMING="$work/tui.t" LANG=C.UTF-8 TERM=xterm /usr/bin/time -f "%e %M" \
	"$build/osdwarden" --db "$work/inv.db" --read-only tui --script "$work/keys" \
	2> "$work/tui.time"
printf 'lab scale %s: %s\n' "$scale" "$(cat "$work/sync.out")"
printf '  sync           %s s, peak RSS %s KiB\n' $(tail -1 "$work/sync.time")
printf '  check          %s s, peak RSS %s KiB (%s findings)\n' $(tail -1 "$work/check.time") \
	"$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$work/check.json")"
printf '  console        %s s in all, peak RSS %s KiB; key to screen: ' $(tail -1 "$work/tui.time")
awk '{ printf "%s %s ms  ", $1, $2 }' "$work/tui.t"
echo
printf '  inventory      %s MiB\n' "$(( $(stat -c %s "$work/inv.db") / 1048576 ))"
