#!/bin/sh
# Sync benchmark: osdwarden sync against osdwarden-lab at a given scale,
# beside the raw transfer of exactly the same URLs with curl, and the
# Python script an administrator would otherwise write. Prints figures.
#   bench/sync.sh [BUILD_DIR] [SCALE] [LATENCY_MS]
# LATENCY_MS: the lab waits that long before every answer (--latency), as
# a provider behind WMI and a WAN does; the raw transfer is then also timed
# with as many requests in flight as osdwarden uses (--concurrency, 8).
set -eu
build=${1:-build}
scale=${2:-1000}
latency=${3:-0}
conc=8
work=$(mktemp -d /tmp/osdwarden-bench-XXXXXX)
trap 'kill $lab 2>/dev/null; rm -rf "$work"' EXIT

"$build/osdwarden-lab" --port 0 --scale "$scale" --auth none --ca-out "$work/ca.pem" \
	--log "$work/requests.log" --latency "$latency" > "$work/lab.out" 2>/dev/null &
lab=$!
while ! grep -q '^ready' "$work/lab.out" 2>/dev/null; do sleep 0.1; done
url=$(awk '/^url /{print $2}' "$work/lab.out")
origin=${url%/AdminService/}

rss() { awk '/Maximum resident/{print $6}' "$1"; }
secs() { awk '/Elapsed \(wall/{print $8}' "$1"; }

/usr/bin/time -v "$build/osdwarden" --db "$work/inv.db" sync --provider "$origin" --auth none \
	--cacert "$work/ca.pem" > "$work/sync.out" 2> "$work/sync.time"
rows=$(awk '/^synced/{print $3}' "$work/sync.out")

# The same URLs osdwarden asked for, in order, fetched by one curl process.
python3 - "$work/requests.log" "$origin" > "$work/curl.cfg" <<'PY'
import json, sys
origin = sys.argv[2]
for line in open(sys.argv[1]):
    r = json.loads(line)
    q = "?" + r["query"] if r["query"] else ""
    print(f'url = "{origin}{r["path"]}{q}"\noutput = "/dev/null"')
PY
cp "$work/requests.log" "$work/requests.keep"
: > "$work/requests.log"
/usr/bin/time -v curl -s --cacert "$work/ca.pem" -K "$work/curl.cfg" 2> "$work/curl.time"
urls=$(grep -c '^url' "$work/curl.cfg")
: > "$work/requests.log"
/usr/bin/time -v curl -s --parallel --parallel-max "$conc" --cacert "$work/ca.pem" \
	-K "$work/curl.cfg" 2> "$work/curlp.time"
: > "$work/requests.log"

# The Python peer replays the same requests over one kept-alive connection.
cp "$work/requests.keep" "$work/requests.osdwarden"
/usr/bin/time -v python3 "$(dirname "$0")/sync_urllib.py" "$origin" "$work/ca.pem" \
	"$work/py.db" "$work/requests.osdwarden" 2> "$work/py.time" || { cat "$work/py.time"; exit 1; }

printf 'sync benchmark, lab scale %s, %s ms per request (%s rows stored, %s requests)\n' \
	"$scale" "$latency" "$rows" "$urls"
printf '%-34s %10s %12s\n' "" "wall (s)" "peak RSS"
printf '%-34s %10s %9s KiB\n' "osdwarden sync" "$(secs "$work/sync.time")" "$(rss "$work/sync.time")"
printf '%-34s %10s %9s KiB\n' "curl, same URLs, to /dev/null" "$(secs "$work/curl.time")" "$(rss "$work/curl.time")"
printf '%-34s %10s %9s KiB\n' "curl, same URLs, $conc in flight" "$(secs "$work/curlp.time")" "$(rss "$work/curlp.time")"
printf '%-34s %10s %9s KiB\n' "python http.client keep-alive" "$(secs "$work/py.time")" "$(rss "$work/py.time")"
