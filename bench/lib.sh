# Shell the benchmarks share (sourced, POSIX sh). The caller sets $build (the
# build directory) and calls bench_workdir before anything else here.

# bench_workdir NAME: a fresh $work under /tmp, removed on exit together with
# a lab still running.
bench_workdir() {
	work=$(mktemp -d "/tmp/osdwarden-bench-$1-XXXXXX")
	lab=""
	trap '[ -n "$lab" ] && kill "$lab" 2>/dev/null; rm -rf "$work"' EXIT
}

# lab_start SCALE [LAB-OPTION...]: osdwarden-lab on a free loopback port,
# without authentication, at lab scale SCALE. Sets $lab (its pid) and
# $origin; its CA is $work/ca.pem.
lab_start() {
	scale_=$1
	shift
	"$build/osdwarden-lab" --port 0 --scale "$scale_" --auth none --ca-out "$work/ca.pem" "$@" \
		> "$work/lab.out" 2> "$work/lab.err" &
	lab=$!
	until grep -q '^ready' "$work/lab.out" 2>/dev/null; do
		if ! kill -0 "$lab" 2>/dev/null; then
			echo "bench: osdwarden-lab --scale $scale_ stopped before it was ready:" >&2
			cat "$work/lab.err" >&2
			lab=""
			exit 1
		fi
		sleep 0.1
	done
	origin=$(awk '/^url /{ sub(/\/AdminService\/$/, "", $2); print $2 }' "$work/lab.out")
}

lab_stop() {
	kill "$lab"
	wait "$lab" 2>/dev/null || true
	lab=""
}

# timed MAXRC NAME COMMAND...: runs COMMAND under /usr/bin/time, its output
# in $work/NAME.out. Sets $secs (wall) and $kib (peak RSS). An exit status
# above MAXRC (osdwarden check exits 1 for findings) is a failure, which has
# no figure: it stops the benchmark, or with $bench_keep_going set, sets
# $secs to "failed" and $kib to the exit status and counts it in
# $bench_failures.
bench_failures=0
timed() {
	maxrc_=$1
	name_=$2
	shift 2
	rc_=0
	/usr/bin/time -f "%e %M" "$@" > "$work/$name_.out" 2> "$work/$name_.time" || rc_=$?
	if [ "$rc_" -gt "$maxrc_" ]; then
		echo "bench: $* failed (exit $rc_):" >&2
		cat "$work/$name_.time" >&2
		[ -n "${bench_keep_going:-}" ] || exit 1
		secs=failed
		kib=$rc_
		bench_failures=$((bench_failures + 1))
		return 0
	fi
	read -r secs kib <<END
$(tail -n 1 "$work/$name_.time")
END
}

# sync_inventory: osdwarden sync from the running lab into $work/inv.db,
# timed (sets $secs and $kib), with $bench_sync_options if set.
sync_inventory() {
	# shellcheck disable=SC2086 # options, split on purpose
	timed 0 sync "$build/osdwarden" --db "$work/inv.db" sync --provider "$origin" --auth none \
		--cacert "$work/ca.pem" ${bench_sync_options:-}
}

# lab_inventory SCALE [LAB-OPTION...]: $work/inv.db synced from a lab at
# SCALE, the sync timed (sets $secs and $kib); the lab is stopped again.
lab_inventory() {
	lab_start "$@"
	sync_inventory
	lab_stop
}

# timed_check NAME [CHECK-OPTION...]: osdwarden check on $work/inv.db, the
# run stored in its history, timed (sets $secs and $kib).
timed_check() {
	name_=$1
	shift
	timed 1 "$name_" "$build/osdwarden" --db "$work/inv.db" check "$@"
}

# change_assocs: 1% of the associations change (their store path, and half
# of those restored just now): changed evidence and fixed findings for the
# next check run.
change_assocs() {
	sqlite3 "$work/inv.db" "UPDATE associations SET store_path = store_path || '.moved',
		store_released = CASE WHEN id % 200 = 0 THEN strftime('%s', 'now')
		ELSE store_released END WHERE id % 100 = 0"
}

# assoc_count: how many computer associations the inventory holds.
assoc_count() {
	sqlite3 "$work/inv.db" "SELECT count(*) FROM associations"
}

# json_findings FILE: how many findings a JSON report holds.
json_findings() {
	python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$1"
}

# console NAME KEYS [TUI-OPTION...]: the console on $work/inv.db, read-only,
# driven by the key script KEYS (script mode, 80x24), timed as a whole (sets
# $secs and $kib); the time from each key to its finished screen, in ms, is
# in $work/NAME.t ("start" is the dashboard at launch).
console() {
	name_=$1
	keys_=$2
	shift 2
	timed 0 "$name_" env OSDWARDEN_TUI_TIMING="$work/$name_.t" LANG=C.UTF-8 TERM=xterm \
		"$build/osdwarden" --db "$work/inv.db" --read-only tui --script "$keys_" "$@"
}

# key_ms NAME KEY: the ms from KEY to its screen in the console run NAME.
key_ms() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$work/$1.t"
}
