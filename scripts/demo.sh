#!/bin/sh
# The demo: start osdwarden-lab on loopback, check it with `doctor`, sync
# it into a private demo inventory over HTTPS, show what was read, and run
# the checklist over it.
# On a terminal it ends in the console, on the lab site (writes reach the
# lab with the demo's password); without one it stops after the report.
set -eu
build=${1:-build}
dir="$build/demo"
umask 077
mkdir -p "$dir"
db="$dir/inventory.db"
pw="$dir/lab-password"
[ -s "$pw" ] || head -c 18 /dev/urandom | base64 > "$pw"

"$build/osdwarden-lab" --port 0 --seed 1 --scale 1 --ca-out "$dir/lab-ca.pem" \
	--password-file "$pw" --state "$dir/lab-state.json" > "$dir/lab.out" 2> "$dir/lab.err" &
lab=$!
trap 'kill $lab 2>/dev/null || true' EXIT INT TERM
tries=0
until grep -q '^ready' "$dir/lab.out" 2>/dev/null; do
	tries=$((tries + 1))
	if [ $tries -gt 100 ] || ! kill -0 $lab 2>/dev/null; then
		echo "demo: osdwarden-lab did not start:" >&2
		cat "$dir/lab.err" >&2
		exit 1
	fi
	sleep 0.1
done
url=$(awk '/^url /{print $2}' "$dir/lab.out")
origin=${url%/AdminService/}
site="--provider $origin --auth basic --user labadmin --cacert $dir/lab-ca.pem --password-file $pw"

echo "== osdwarden-lab is serving $url (a generated site, seed 1)"
echo
echo "== osdwarden doctor $site"
# shellcheck disable=SC2086
"$build/osdwarden" doctor $site
echo
echo "== osdwarden sync $site"
# shellcheck disable=SC2086
"$build/osdwarden" --db "$db" sync $site
for list in dps smps ts; do
	echo
	echo "== osdwarden list $list"
	"$build/osdwarden" --db "$db" list "$list" --limit 12
done
echo
echo "== osdwarden check   (the security and privacy checklist over what was synced)"
"$build/osdwarden" --db "$db" check
echo
echo "Inventory: $db   (osdwarden --db $db list assocs|media|admins ...)"
if [ -t 0 ] && [ -t 1 ]; then
	echo
	echo "== osdwarden tui   (the console; ? for help, Q to quit)"
	sleep 1
	OSDWARDEN_PASSWORD=$(cat "$pw") "$build/osdwarden" --db "$db" tui
else
	echo "(not on a terminal: the console is skipped; run: osdwarden --db $db tui)"
fi
