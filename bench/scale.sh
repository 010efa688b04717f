#!/bin/sh
# The whole path at a large site: osdwarden-lab at SCALE (5000 is about a
# million computer associations), a sync over HTTPS, the checklist, and the
# console opening its dashboard and the association list (script mode,
# key-to-screen times). Prints figures.
#   bench/scale.sh [BUILD_DIR] [SCALE]
set -eu
build=${1:-build}
scale=${2:-5000}
. "$(dirname "$0")/lib.sh"
bench_workdir scale
lab_inventory "$scale"
sync="$secs s, peak RSS $kib KiB"
timed_check check --format json
check="$secs s, peak RSS $kib KiB"
printf '5\n<PgDn>\nG\n/WS01<Enter>\n' > "$work/keys"
console tui "$work/keys"
printf 'lab scale %s: %s\n' "$scale" "$(cat "$work/sync.out")"
printf '  sync           %s\n' "$sync"
printf '  check          %s (%s findings)\n' "$check" "$(json_findings "$work/check.out")"
printf '  console        %s s in all, peak RSS %s KiB; key to screen: ' "$secs" "$kib"
awk '{ printf "%s %s ms  ", $1, $2 }' "$work/tui.t"
echo
printf '  inventory      %s MiB\n' "$(( $(stat -c %s "$work/inv.db") / 1048576 ))"
