#!/bin/sh
# Runs every libFuzzer target for SECONDS on a scratch copy of its seed
# corpus (tests/fuzz/corpus/TARGET), prints executions per target, and
# fails on any crash (the reproducer is kept in the build directory).
#   scripts/fuzz.sh FUZZ_BUILD_DIR [SECONDS]
set -eu
build=$1
seconds=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/osdwarden-fuzz-run-XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
printf '%-10s %12s %8s  %s\n' target executions seconds result
for t in page sanitize timeparse out; do
	mkdir -p "$work/$t"
	cp "$root/tests/fuzz/corpus/$t/"* "$work/$t/"
	if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$build/crash-$t-" -rss_limit_mb=1024 "$work/$t" \
		> "$work/$t.log" 2>&1; then
		result=ok
	else
		result="CRASH (see $build/crash-$t-*)"
		status=1
		tail -30 "$work/$t.log"
	fi
	execs=$(sed -n 's/.*number_of_executed_units: *//p' "$work/$t.log" | tail -1)
	printf '%-10s %12s %8s  %s\n' "$t" "${execs:-?}" "$seconds" "$result"
done
exit $status
