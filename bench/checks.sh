#!/bin/sh
# Checklist benchmark over an inventory synced from osdwarden-lab at a
# given scale: `osdwarden check` as an operator runs it, stored in history,
# three times: the first run, an unchanged second run, and a run after 1%
# of the associations changed (their store path, and half of those
# restored recently: changed evidence and fixed findings). Then the JSON
# and HTML reports, and the phases in-process. Prints figures (time and
# peak RSS), never pass/fail; the machine may be shared, so run it twice.
#   bench/checks.sh [BUILD_DIR] [SCALE]
set -eu
build=${1:-build}
scale=${2:-1000}
. "$(dirname "$0")/lib.sh"
bench_workdir checks
lab_inventory "$scale"

# A timed check run, and what the stored run wrote of its findings
# (db/checkstore.h: lifetimes).
check_run() {
	label=$1
	shift
	timed_check "$@"
	written=$(sqlite3 "$work/inv.db" "SELECT (SELECT count(*) FROM finding_spans WHERE first_run = m)
		|| ' opened, ' || (SELECT count(*) FROM finding_spans WHERE closed_run = m) || ' closed'
		FROM (SELECT max(id) AS m FROM check_runs)")
	printf '  %-34s %6s s, peak RSS %4s MiB; findings %s\n' "$label" "$secs" "$((kib / 1024))" \
		"$written"
}

printf 'checklist benchmark, lab scale %s (%s associations), %s\n' "$scale" "$(assoc_count)" \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
check_run "check, first run" first
check_run "check, unchanged second run" unchanged
change_assocs
check_run "check, after 1% of assocs changed" changed
check_run "check --format json (unchanged)" json --format json
check_run "check --format html -o (unchanged)" html --format html -o "$work/report.html"
printf '  (%s findings per run; HTML report %s bytes; inventory %s MiB)\n' \
	"$(json_findings "$work/json.out")" "$(wc -c < "$work/report.html" | tr -d ' ')" \
	"$(( $(stat -c %s "$work/inv.db") / 1048576 ))"
printf 'phases (bench_checks, in-process; evaluate = load + evaluators + baseline, nothing stored):\n'
"$build/bench/bench_checks" "$work/inv.db" 2
