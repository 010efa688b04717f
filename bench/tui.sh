#!/bin/sh
# Console benchmark: an inventory with N computer associations (default
# 1,000,000), the console in script mode, the time from each keystroke to
# the finished screen (OSDWARDEN_TUI_TIMING) and the peak RSS. Prints figures.
# With "findings", a stored check run fails every other association, for
# the cost of the STATE column.
#   bench/tui.sh [BUILD_DIR] [N] [findings]
set -eu
build=${1:-build}
n=${2:-1000000}
findings=${3:-}
. "$(dirname "$0")/lib.sh"
bench_workdir tui
start=$(date +%s.%N)
"$build/bench/fill_assocs" "$work/inv.db" "$n" $findings >/dev/null
end=$(date +%s.%N)
printf 'console benchmark: %s associations%s (inventory built in %.1f s)\n' "$n" \
	"${findings:+, a stored run failing half of them}" "$(echo "$end - $start" | bc)"
cat > "$work/keys" <<'KEYS'
5
<PgDn>
<PgDn>
G
/7919<Enter>
KEYS
for run in 1 2 3; do
	console "run$run" "$work/keys" --size 80x24
	# start = the dashboard at launch; 5 = open the association view; then
	# PgDn, PgDn, G, and the four filter keystrokes (each redraws with counts)
	printf '  run %s: ' "$run"
	awk '{ printf "%s %s ms  ", $1, $2 }' "$work/run$run.t"
	printf '| peak RSS %s KiB\n' "$kib"
done
