#!/bin/sh
# Regenerates screenshots/*.png: the console on the lab site in a real pty
# (tmux), captured with colours (capture-pane -e), turned into HTML by aha
# and photographed by headless Chromium. Installs what it needs (tmux, aha,
# chromium, a monospace font). CI does not run it; the screen tests check
# the same screens as text.
#   scripts/screenshots.sh [BUILD_DIR]
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/screenshots"

need=""
command -v tmux >/dev/null 2>&1 || need="$need tmux"
command -v aha >/dev/null 2>&1 || need="$need aha"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q "install ok" ||
	need="$need fonts-dejavu-core"
if [ -n "$need" ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
fi
[ -x "$build/osdwarden" ] || { echo "build first: make" >&2; exit 2; }

work=$(mktemp -d /tmp/osdwarden-shots-XXXXXX)
sock="osdw-shots-$$"
lab=""
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	[ -n "$lab" ] && kill "$lab" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
umask 077
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/pw"
"$build/osdwarden-lab" --port 0 --seed 1 --auth basic --password-file "$work/pw" --ca-out "$work/ca.pem" \
	> "$work/lab.out" 2> "$work/lab.err" &
lab=$!
until grep -q '^ready' "$work/lab.out" 2>/dev/null; do sleep 0.1; done
url=$(awk '/^url /{print $2}' "$work/lab.out")
export OSDWARDEN_PASSWORD
OSDWARDEN_PASSWORD=$(cat "$work/pw")
"$build/osdwarden" --db "$work/inv.db" sync --provider "${url%/AdminService/}" --auth basic \
	--user labadmin --cacert "$work/ca.pem" > /dev/null
# A few stored check runs, for the dashboard's trend.
for i in 1 2 3; do "$build/osdwarden" --db "$work/inv.db" check > /dev/null || true; done

cols=100
rows=30
tmux -L "$sock" new-session -d -s s -x $cols -y $rows \
	"env LANG=C.UTF-8 TERM=xterm-256color OSDWARDEN_PASSWORD=$OSDWARDEN_PASSWORD $build/osdwarden --db $work/inv.db tui"

wait_for() {
	n=0
	until tmux -L "$sock" capture-pane -p -t s | grep -qF -- "$1"; do
		n=$((n + 1)); [ $n -lt 100 ] || { echo "never showed: $1" >&2; exit 1; }; sleep 0.1
	done
}

shot() {
	name=$1
	sleep 0.3
	tmux -L "$sock" capture-pane -e -p -t s > "$work/$name.ans"
	aha --black --title "osdwarden $name" < "$work/$name.ans" |
		sed 's|<pre>|<pre style="font-family: DejaVu Sans Mono, monospace; font-size: 14px; line-height: 1.2; margin: 8px">|' \
		> "$work/$name.html"
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--window-size=$((cols * 85 / 10 + 16)),$((rows * 17 + 16)) \
		--screenshot="$out/$name.png" "file://$work/$name.html" > /dev/null 2>&1
	echo "screenshots/$name.png"
}

mkdir -p "$out"
# The HTML report (check --format html), photographed the way its test
# loads it: no host resolves, none of the browser's own fetches.
"$build/osdwarden" --db "$work/inv.db" check --format html -o "$work/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/chromium" \
	--disable-background-networking --disable-component-update --disable-sync --no-first-run \
	--host-resolver-rules='MAP * ~NOTFOUND' --window-size=1280,1500 \
	--screenshot="$out/report.png" "file://$work/report.html" > /dev/null 2>&1
echo "screenshots/report.png"
wait_for "Security  grade"
shot dashboard
tmux -L "$sock" send-keys -t s ':cert' Enter '/' 'PXE' Enter
wait_for "/PXE ("
shot certificates-filtered
tmux -L "$sock" send-keys -t s '7' '/' 'PXE-004' Enter Enter
wait_for "Why"
shot check-explained
tmux -L "$sock" send-keys -t s '4' '/' 'OLDPXE' Enter 'B'
wait_for "to confirm"
shot cert-block-confirm
tmux -L "$sock" send-keys -t s Escape Escape '2' '/' 'SMP02' Enter 'W'
wait_for "step 1 of 7"
tmux -L "$sock" send-keys -t s 'a'
tmux -L "$sock" send-keys -t s -l 'owners agreed to lose two stores'
tmux -L "$sock" send-keys -t s Enter
wait_for "step 2 of 7"
shot decommission-wizard
tmux -L "$sock" send-keys -t s 'Q'
