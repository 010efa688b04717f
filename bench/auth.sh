#!/bin/sh
# What Kerberos costs a sync: osdwarden sync over Negotiate (a throwaway
# realm from scripts/krbrealm.sh, a fresh GSS-API exchange and token on
# every request, as the real service wants) against the same sync over
# Basic (lab only), at the given lab scales. Figures only; a failed sync
# prints no figure and stops the script.
#   bench/auth.sh [BUILD_DIR] [SCALE...]      (scales 100 1000 by default)
set -eu
build=${1:-build}
shift $(( $# > 0 ? 1 : 0 ))
scales=${*:-100 1000}
runs=${RUNS:-3}
work=$(mktemp -d /tmp/osdwarden-bench-auth-XXXXXX)
lab=
trap 'for p in $lab; do kill "$p" 2>/dev/null; done; sh "$build/osdwarden-krbrealm" stop "$work/realm"; rm -rf "$work"' EXIT

sh "$build/osdwarden-krbrealm" start "$work/realm" labadmin > "$work/realm.out"
. "$work/realm/env.sh"
sh "$build/osdwarden-krbrealm" kinit "$work/realm" labadmin
head -c 18 /dev/urandom | base64 > "$work/pw"

# lab NAME SCALE AUTH-ARGS...: starts a lab; its origin in $work/NAME.origin.
start_lab() {
	n=$1
	s=$2
	shift 2
	: > "$work/$n.log"
	"$build/osdwarden-lab" --port 0 --scale "$s" --ca-out "$work/$n.ca" --log "$work/$n.log" \
		"$@" > "$work/$n.out" 2> "$work/$n.err" &
	echo $! > "$work/$n.pid"
	while ! grep -q '^ready' "$work/$n.out" 2>/dev/null; do
		kill -0 "$(cat "$work/$n.pid")" 2>/dev/null || { cat "$work/$n.err" >&2; exit 1; }
		sleep 0.05
	done
	url=$(awk '/^url /{print $2}' "$work/$n.out")
	echo "${url%/AdminService/}" > "$work/$n.origin"
	lab="$lab $(cat "$work/$n.pid")"
}

stop_labs() { for p in $lab; do kill "$p"; wait "$p" 2>/dev/null || true; done; lab=; }

# One sync of lab NAME into a fresh inventory; appends its wall time (s).
one_sync() {
	n=$1
	shift
	rm -f "$work"/inv.db*
	t0=$(date +%s.%N)
	"$build/osdwarden" --db "$work/inv.db" sync --provider "$(cat "$work/$n.origin")" \
		--cacert "$work/$n.ca" "$@" > "$work/sync.out" 2> "$work/sync.err" ||
		{ cat "$work/sync.err" "$work/$n.err" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}' >> "$work/$n.times"
}

median() { sort -n "$1" | awk -v n="$(wc -l < "$1")" 'NR == int((n + 1) / 2) {print}'; }
best() { sort -n "$1" | head -1; }
# The lab's own time per request (its log's "ms": from the request line to
# the last byte queued, the GSS-API acceptor included), mean over the log.
lab_ms() { sed -n 's/.*"ms":\([0-9.]*\).*/\1/p' "$1" | awk '{t += $1} END {printf "%.2f", t / NR}'; }

# The same small request N times over one kept-alive connection with curl:
# the per-request cost of authentication alone.
curl_loop() {
	n=$1
	shift
	o=$(cat "$work/$n.origin")
	i=0
	: > "$work/$n.curl"
	while [ $i -lt 300 ]; do
		i=$((i + 1))
		printf 'url = "%s/AdminService/wmi/SMS_Site?$top=1"\noutput = "/dev/null"\n' "$o" >> "$work/$n.curl"
	done
	t0=$(date +%s.%N)
	curl -s --fail --cacert "$work/$n.ca" "$@" -K "$work/$n.curl"
	t1=$(date +%s.%N)
	echo "$t0 $t1" | awk '{printf "%.2f", ($2 - $1) * 1000 / 300}'
}

pw=$(cat "$work/pw")
echo "sync over Negotiate vs Basic: $runs syncs of each, alternated, fresh inventory each"
echo "(wall: best / median of the runs; lab: the lab's mean time per request, from its log)"
printf '%-6s %7s %5s %15s %15s %14s %15s\n' "scale" "rows" "reqs" "basic wall (s)" "negot. wall (s)" \
	"extra/request" "lab ms/req b/n"
for s in $scales; do
	start_lab basic "$s" --auth basic --password-file "$work/pw"
	start_lab nego "$s" --auth negotiate --keytab "$work/realm/http.keytab"
	: > "$work/basic.times"
	: > "$work/nego.times"
	i=0
	while [ $i -lt $runs ]; do
		i=$((i + 1))
		OSDWARDEN_PASSWORD=$pw one_sync basic --auth basic --user labadmin
		one_sync nego --auth negotiate
	done
	rows=$(awk '/^synced/{print $3}' "$work/sync.out")
	reqs=$(( $(wc -l < "$work/nego.log") / runs ))
	# Every request of the Negotiate runs carried its own accepted token.
	named=$(grep -c '"user":"labadmin@OSDWARDEN.TEST"' "$work/nego.log" || true)
	[ "$named" -eq $((reqs * runs)) ] ||
		{ echo "auth.sh: $named of $((reqs * runs)) requests authenticated" >&2; exit 1; }
	basic=$(best "$work/basic.times")
	nego=$(best "$work/nego.times")
	extra=$(echo "$basic $nego $reqs" | awk '{printf "%+.2f ms", ($2 - $1) * 1000 / $3}')
	printf '%-6s %7s %5s %15s %15s %14s %15s\n' "$s" "$rows" "$reqs" \
		"$basic / $(median "$work/basic.times")" "$nego / $(median "$work/nego.times")" "$extra" \
		"$(lab_ms "$work/basic.log") / $(lab_ms "$work/nego.log")"
	if [ "$s" = "$(echo $scales | awk '{print $1}')" ]; then
		cb=$(curl_loop basic -u "labadmin:$pw")
		cn=$(curl_loop nego --negotiate -u :)
	fi
	stop_labs
done
echo "one small GET (SMS_Site, \$top=1), 300 times over one kept-alive connection (curl):"
printf '  basic %s ms/request, negotiate %s ms/request\n' "$cb" "$cn"
