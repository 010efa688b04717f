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
work=$(mktemp -d /tmp/osdwarden-bench-checks-XXXXXX)
lab=""
trap '[ -n "$lab" ] && kill $lab 2>/dev/null; rm -rf "$work"' EXIT
"$build/osdwarden-lab" --port 0 --scale "$scale" --auth none --ca-out "$work/ca.pem" \
	> "$work/lab.out" 2>/dev/null &
lab=$!
while ! grep -q '^ready' "$work/lab.out" 2>/dev/null; do sleep 0.1; done
url=$(awk '/^url /{print $2}' "$work/lab.out")
"$build/osdwarden" --db "$work/inv.db" sync --provider "${url%/AdminService/}" --auth none \
	--cacert "$work/ca.pem" > /dev/null
kill $lab; lab=""

# check exits 1 when it has findings at --fail-on; more is a failure.
timed() {
	name=$1; shift
	rc=0
	/usr/bin/time -f "%e %M" "$build/osdwarden" --db "$work/inv.db" "$@" \
		> "$work/out.$name" 2> "$work/time.$name" || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "checks.sh: osdwarden $* failed (exit $rc):" >&2
		cat "$work/time.$name" >&2
		exit 1
	fi
	read -r secs rss <<END
$(tail -n 1 "$work/time.$name")
END
	# what the stored run wrote of its findings (db/checkstore.h: lifetimes)
	written=$(sqlite3 "$work/inv.db" "SELECT (SELECT count(*) FROM finding_spans WHERE first_run = m)
		|| ' opened, ' || (SELECT count(*) FROM finding_spans WHERE closed_run = m) || ' closed'
		FROM (SELECT max(id) AS m FROM check_runs)")
	printf '  %-34s %6s s, peak RSS %4s MiB; findings %s\n' "$name" "$secs" "$((rss / 1024))" \
		"$written"
}

assocs=$(sqlite3 "$work/inv.db" "SELECT count(*) FROM associations")
printf 'checklist benchmark, lab scale %s (%s associations), %s\n' "$scale" "$assocs" \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
timed "check, first run" check
timed "check, unchanged second run" check
sqlite3 "$work/inv.db" "UPDATE associations SET store_path = store_path || '.moved',
	store_released = CASE WHEN id % 200 = 0 THEN strftime('%s', 'now') ELSE store_released END
	WHERE id % 100 = 0"
timed "check, after 1% of assocs changed" check
timed "check --format json (unchanged)" check --format json
findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" \
	"$work/out.check --format json (unchanged)")
timed "check --format html -o (unchanged)" check --format html -o "$work/report.html"
printf '  (%s findings per run; HTML report %s bytes; inventory %s MiB)\n' "$findings" \
	"$(wc -c < "$work/report.html" | tr -d ' ')" "$(( $(stat -c %s "$work/inv.db") / 1048576 ))"
printf 'phases (bench_checks, in-process; evaluate = load + evaluators + baseline, nothing stored):\n'
"$build/bench/bench_checks" "$work/inv.db" 2
