#!/bin/sh
# The demo, over the path a real site needs: a throwaway Kerberos realm
# (scripts/krbrealm.sh: MIT krb5kdc on loopback, no system file touched)
# and a ticket for the demo user, osdwarden-lab taking Negotiate on
# https://localhost:PORT; check it with `doctor`, sync it into a private
# demo inventory, show what was read, and run the checklist over it.
# On a terminal it ends in the console, on the lab site (writes reach the
# lab with the demo user's ticket); without one it stops after the report.
set -eu
build=${1:-build}
dir="$build/demo"
umask 077
mkdir -p "$dir"
db="$dir/inventory.db"
realm="$dir/realm"

rm -rf "$realm"
if ! sh "$build/osdwarden-krbrealm" start "$realm" labadmin > "$dir/realm.out" 2>&1; then
	echo "demo: the throwaway Kerberos realm did not start:" >&2
	cat "$dir/realm.out" >&2
	exit 1
fi
lab=
trap 'kill $lab 2>/dev/null || true; sh "$build/osdwarden-krbrealm" stop "$realm"' EXIT INT TERM
# KRB5_CONFIG, KRB5_KDC_PROFILE and KRB5CCNAME for everything below.
. "$realm/env.sh"
sh "$build/osdwarden-krbrealm" kinit "$realm" labadmin

# The last run's lab.out says "ready" with its old port: gone before the wait.
rm -f "$dir/lab.out"
"$build/osdwarden-lab" --port 0 --seed 1 --scale 1 --auth negotiate --keytab "$realm/http.keytab" \
	--ca-out "$dir/lab-ca.pem" --state "$dir/lab-state.json" > "$dir/lab.out" 2> "$dir/lab.err" &
lab=$!
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
# The lab answers on a new port each run; the inventory keeps one provider
# row for it (`demo --adopt` moves an earlier run's row to this URL).
"$build/osdwarden" --db "$db" demo --adopt "$origin"
site="--provider $origin --auth negotiate --cacert $dir/lab-ca.pem"

echo "== a throwaway Kerberos realm OSDWARDEN.TEST ($(awk '/^kdc /{print $2}' "$dir/realm.out")):"
klist | sed 's/^/   /'
echo "== osdwarden-lab is serving $url (a generated site, seed 1), Negotiate only"
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
	"$build/osdwarden" --db "$db" tui
else
	echo "(not on a terminal: the console is skipped; run: osdwarden --db $db tui)"
fi
