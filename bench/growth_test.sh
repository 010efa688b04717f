#!/bin/sh
# bench/growth.sh, cheaply (suite bench): every benchmark script parses
# (sh -n); the table judges the issue's targets from figures alone (a
# figures file written here, one figure on each side of a target: nothing
# is run); and the whole instrument runs at lab scale 10 and prints a figure
# in every cell of its one column, its targets "not measured".
#   bench/growth_test.sh BUILD_DIR
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/osdwarden-growth-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
	echo "not ok - $*"
	failed=1
}

# cell TABLE MEASURE COLUMN: the cell of the row MEASURE under the heading
# COLUMN ("scale 1000", "target", "met"), without its padding.
cell() {
	awk -F'|' -v m="$2" -v c="$3" '{
		for (i = 2; i < NF; i++) { v = $i; gsub(/^ +| +$/, "", v); f[i - 1] = v }
		if (f[1] == "measure")
			for (i = 1; i < NF - 1; i++) if (f[i] == c) col = i
		if (col && f[1] == m) { print f[col]; exit }
	}' "$1"
}

# expect TABLE MEASURE COLUMN TEXT: that cell holds TEXT.
expect() {
	got=$(cell "$1" "$2" "$3")
	case $got in
	*"$4"*) ;;
	*) fail "'$2', $3: '$got' does not hold '$4'" ;;
	esac
}

for f in growth.sh lib.sh checks.sh scale.sh tui.sh run; do
	sh -n "$here/$f" || fail "bench/$f does not parse"
done

# The targets, judged from figures only: scale 1000, 5000 and 6000 (200,000,
# 1,150,000 and 1,380,000 associations), each figure just inside or just
# outside its target (a MiB is 1024 KiB: 65535 KiB is under 64 MiB), and a
# command that failed.
cat > "$work/figures" <<'END'
assocs 1000 200000
requests 1000 20391
assocs 5000 1150000
check_first 1000 1.49 65000
check_unchanged 1000 1.01 60000
check_changed 1000 3.00 66000
check_first 5000 5.00 65535
check_unchanged 5000 4.00 70000
export_sarif 1000 1.20 60000
export_json 1000 0.90 60000
share_sarif 1000 0.40 -
export_html 1000 failed 139
console_start 1000 0.05 20000
console_start 5000 0.12 30000
assocs 6000 1380000
console_start 6000 0.20 30000
END
sh "$here/growth.sh" --table "$work/figures" > "$work/dry" || fail "growth.sh --table failed"
expect "$work/dry" "associations" "scale 5000" "1150000"
expect "$work/dry" "sync requests" "scale 1000" "20391"
expect "$work/dry" "sync requests" "scale 5000" "—"
expect "$work/dry" "check, first run" "scale 1000" "1.49 s / 63 MiB"
expect "$work/dry" "check, first run" met "1000: met"
expect "$work/dry" "check, first run" met "5000: met"
expect "$work/dry" "check, unchanged second run" met "1000: not met (1.01 s > 1 s)"
expect "$work/dry" "check, unchanged second run" met "5000: not met (68 MiB ≥ 64 MiB)"
expect "$work/dry" "check, after 1% of associations changed" met "1000: not met (64 MiB ≥ 64 MiB)"
expect "$work/dry" "check, after 1% of associations changed" met "5000: not measured"
expect "$work/dry" "check --format sarif" met "1000: not met (1.20 s > 1 s)"
expect "$work/dry" "check --format json" met "1000: met"
expect "$work/dry" "check --format html" "scale 1000" "failed (exit 139)"
expect "$work/dry" "check --format html" met "1000: not measured (failed)"
expect "$work/dry" "sarif export, its own share" "scale 1000" "0.40 s"
expect "$work/dry" "sarif export, its own share" met "1000: met"
expect "$work/dry" "console start (the stored run)" met "5000: met"
expect "$work/dry" "console start (the stored run)" met "6000: not met (0.20 s > 0.15 s)"

# The instrument itself, at a scale that takes seconds.
if sh "$here/growth.sh" "$build" 10 > "$work/out" 2> "$work/err"; then
	grep '^| [a-z]' "$work/out" | grep -v '^| measure ' > "$work/rows" || true
	rows=$(wc -l < "$work/rows")
	[ "$rows" -eq 18 ] || fail "scale 10: $rows rows in the table, expected 18"
	while IFS='|' read -r _ measure figure _; do
		measure=$(echo $measure)
		case $measure in
		"associations" | "sync requests") pat='^ *[1-9][0-9]* *$' ;;
		*"own share"*) pat='^ *[0-9]+\.[0-9][0-9] s *$' ;;
		*) pat='^ *[0-9]+\.[0-9][0-9] s / [0-9]+ MiB *$' ;;
		esac
		echo "$figure" | grep -Eq "$pat" || fail "scale 10:$measure: '$figure' is no figure"
	done < "$work/rows"
	expect "$work/out" "check, first run" met "1000: not measured"
else
	fail "growth.sh $build 10 failed:"
	cat "$work/err"
fi
[ "$failed" -eq 0 ] && echo "ok - growth.sh: scripts parse, targets judged, scale 10 measured"
exit "$failed"
