#!/bin/sh
# Sync benchmark: osdwarden sync against osdwarden-lab at a given scale,
# beside the raw transfer of exactly the same URLs with curl (one at a
# time, and with as many in flight as osdwarden has), and the Python
# keep-alive peer an administrator would otherwise write. Prints figures.
#   bench/sync.sh [BUILD_DIR] [SCALE] [LATENCY_MS] [CONCURRENCY]
# LATENCY_MS: the lab waits that long before every answer (--latency), as
# a provider behind WMI and a WAN does. CONCURRENCY: osdwarden's
# --concurrency (default 4, its own default), and curl's --parallel-max.
set -eu
build=${1:-build}
scale=${2:-1000}
latency=${3:-0}
conc=${4:-4}
work=$(mktemp -d /tmp/osdwarden-bench-XXXXXX)
trap 'kill $lab 2>/dev/null; rm -rf "$work"' EXIT

"$build/osdwarden-lab" --port 0 --scale "$scale" --auth none --ca-out "$work/ca.pem" \
	--log "$work/requests.log" --latency "$latency" > "$work/lab.out" 2>/dev/null &
lab=$!
while ! grep -q '^ready' "$work/lab.out" 2>/dev/null; do sleep 0.1; done
url=$(awk '/^url /{print $2}' "$work/lab.out")
origin=${url%/AdminService/}

rss() { awk '/Maximum resident/{print $6}' "$1"; }
secs() { awk '/Elapsed \(wall/{n = split($8, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$1"; }

/usr/bin/time -v "$build/osdwarden" --db "$work/inv.db" sync --provider "$origin" --auth none \
	--cacert "$work/ca.pem" --concurrency "$conc" > "$work/sync.out" 2> "$work/sync.time"
rows=$(awk '/^synced/{print $3}' "$work/sync.out")

# The same URLs osdwarden asked for, fetched by one curl process; and how
# many the lab had in hand at once during the sync.
python3 - "$work/requests.log" "$origin" > "$work/curl.cfg" 2> "$work/inflight" <<'PY'
import json, sys
origin = sys.argv[2]
most = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    most = max(most, r.get("inflight", 0))
    q = "?" + r["query"] if r["query"] else ""
    print(f'url = "{origin}{r["path"]}{q}"\noutput = "/dev/null"')
print(most, file=sys.stderr)
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

ow=$(secs "$work/sync.time")
printf 'sync benchmark, lab scale %s, %s ms per request (%s rows stored, %s requests, ' \
	"$scale" "$latency" "$rows" "$urls"
printf 'osdwarden --concurrency %s: at most %s at the lab at once); load %s\n' "$conc" \
	"$(cat "$work/inflight")" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-36s %10s %12s %10s\n' "" "wall (s)" "peak RSS" "ow / this"
row() { printf '%-36s %10s %9s KiB %9sx\n' "$1" "$(secs "$2")" "$(rss "$2")" \
	"$(awk -v a="$ow" -v b="$(secs "$2")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"; }
row "osdwarden sync" "$work/sync.time"
row "curl, same URLs, one at a time" "$work/curl.time"
row "curl, same URLs, $conc in flight" "$work/curlp.time"
row "python http.client keep-alive" "$work/py.time"
