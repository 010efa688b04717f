#!/bin/sh
# Checklist benchmark: evaluate the whole catalogue over an inventory
# synced from osdwarden-lab at a given scale. Prints figures.
#   bench/checks.sh [BUILD_DIR] [SCALE]
set -eu
build=${1:-build}
scale=${2:-1000}
work=$(mktemp -d /tmp/osdwarden-bench-checks-XXXXXX)
trap 'kill $lab 2>/dev/null; rm -rf "$work"' EXIT
"$build/osdwarden-lab" --port 0 --scale "$scale" --auth none --ca-out "$work/ca.pem" \
	> "$work/lab.out" 2>/dev/null &
lab=$!
while ! grep -q '^ready' "$work/lab.out" 2>/dev/null; do sleep 0.1; done
url=$(awk '/^url /{print $2}' "$work/lab.out")
"$build/osdwarden" --db "$work/inv.db" sync --provider "${url%/AdminService/}" --auth none \
	--cacert "$work/ca.pem" > /dev/null
for run in 1 2 3; do
	/usr/bin/time -f "%e %M" "$build/osdwarden" --db "$work/inv.db" check --format json \
		> "$work/out.json" 2> "$work/time.$run"
done
findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$work/out.json")
printf 'checklist benchmark, lab scale %s (%s findings per run)\n' "$scale" "$findings"
for run in 1 2 3; do
	read -r secs rss < "$work/time.$run"
	printf '  run %s: %s s, peak RSS %s KiB\n' "$run" "$secs" "$rss"
done
# The HTML report at this scale: how big a file a reviewer gets and how
# long it takes (the evaluation included, as for the JSON runs above).
/usr/bin/time -f "%e %M" "$build/osdwarden" --db "$work/inv.db" check --format html \
	-o "$work/report.html" 2> "$work/time.html"
read -r secs rss <<END
$(tail -n 1 "$work/time.html")
END
printf '  html report: %s bytes, %s s, peak RSS %s KiB (check --format html -o)\n' \
	"$(wc -c < "$work/report.html" | tr -d ' ')" "$secs" "$rss"
printf 'phases (bench_checks, in-process; evaluate = load + evaluators + baseline, nothing stored):\n'
"$build/bench/bench_checks" "$work/inv.db" 3
