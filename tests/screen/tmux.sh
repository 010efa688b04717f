#!/bin/sh
# The console in a real pty: tmux runs `osdwarden tui` on an inventory
# synced from osdwarden-lab; keys are sent with send-keys and the screen
# read with capture-pane. Start, :cert, filter, block with the typed
# confirmation, quit. Exit 77 (skipped) without tmux.
set -eu
build=$1
command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipped"; exit 77; }
# meson sets MALLOC_PERTURB_ for every test; the tmux server itself then
# died now and then ("server exited unexpectedly", 1 run in 5 here). The
# console's own memory is checked by the ASan build of this same test.
unset MALLOC_PERTURB_
work=$(mktemp -d "${TMPDIR:-/tmp}/osdwarden-tmux-XXXXXX")
sock="osdw-$$"
lab=""
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	[ -n "$lab" ] && kill "$lab" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
printf 'pw-tmux\n' > "$work/pw"
chmod 600 "$work/pw"
"$build/osdwarden-lab" --port 0 --seed 1 --now 1780000000 --auth basic --password-file "$work/pw" \
	--ca-out "$work/ca.pem" > "$work/lab.out" 2> "$work/lab.err" &
lab=$!
i=0
until grep -q '^ready' "$work/lab.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "the lab did not start"; exit 1; }; sleep 0.1
done
url=$(awk '/^url /{print $2}' "$work/lab.out")
OSDWARDEN_PASSWORD=pw-tmux "$build/osdwarden" --db "$work/inv.db" sync \
	--provider "${url%/AdminService/}" --auth basic --user labadmin --cacert "$work/ca.pem" >/dev/null

# Waits until the screen shows $1 (fails after ~10 s), printing it on failure.
wait_for() {
	n=0
	while ! tmux -L "$sock" capture-pane -p -t t | grep -qF -- "$1"; do
		n=$((n + 1))
		if [ $n -gt 100 ]; then
			echo "the screen never showed: $1"
			tmux -L "$sock" capture-pane -p -t t
			exit 1
		fi
		sleep 0.1
	done
}

tmux -L "$sock" new-session -d -s t -x 160 -y 30 \
	"env LANG=C.UTF-8 TERM=xterm-256color OSDWARDEN_PASSWORD=pw-tmux $build/osdwarden --db $work/inv.db tui; echo console-exited-\$?; sleep 30"
wait_for "Security  grade"
tmux -L "$sock" send-keys -t t ':cert' Enter
wait_for "ISSUED TO"
tmux -L "$sock" send-keys -t t '/' 'DP00003' Enter
wait_for "(1 of "
smsid=$(tmux -L "$sock" capture-pane -p -t t | grep -o '{[0-9A-F-]*}' | head -1)
tmux -L "$sock" send-keys -t t 'B'
wait_for "to confirm"
last6=$(printf '%s' "$smsid" | tail -c 6)
tmux -L "$sock" send-keys -t t -l "$last6"
tmux -L "$sock" send-keys -t t Enter
wait_for "applied: verified on the site (IsBlocked=true)"
# No escape sequence from the site reached the terminal: the hostile
# names are drawn as text.
tmux -L "$sock" send-keys -t t '/' C-u Escape
tmux -L "$sock" send-keys -t t ':assoc' Enter '/' 'Media' Enter
wait_for "Media^[]52;c;"
tmux -L "$sock" send-keys -t t 'Q'
wait_for "console-exited-0"
"$build/osdwarden" --db "$work/inv.db" audit list | grep -q "cert.block applied" || {
	echo "the block is not in the audit log"; exit 1; }
# r (sync from the console) in terminals of 80, 160 and 250 columns: the
# progress bars are as wide as the terminal and the console survives to
# show the summary (at 146 columns and more it used to crash).
for cols in 80 160 250; do
	tmux -L "$sock" kill-session -t t 2>/dev/null || true
	tmux -L "$sock" new-session -d -s t -x "$cols" -y 30 \
		"env LANG=C.UTF-8 TERM=xterm-256color OSDWARDEN_PASSWORD=pw-tmux $build/osdwarden --db $work/inv.db tui; echo console-exited-\$?; sleep 30"
	wait_for "Security  grade"
	tmux -L "$sock" send-keys -t t 'r'
	wait_for " rows from "   # the count of classes is test_tui's to check
	wait_for "Security  grade"
	width=$(tmux -L "$sock" display -p -t t '#{pane_width}')
	[ "$width" = "$cols" ] || { echo "the pane is $width columns, not $cols"; exit 1; }
	tmux -L "$sock" send-keys -t t 'Q'
	wait_for "console-exited-0"
done
# --read-only promises no writes: :save-display is refused at a terminal.
tmux -L "$sock" kill-session -t t 2>/dev/null || true
tmux -L "$sock" new-session -d -s t -x 120 -y 30 \
	"env LANG=C.UTF-8 TERM=xterm-256color $build/osdwarden --db $work/inv.db --read-only tui; echo console-exited-\$?; sleep 30"
wait_for "Security  grade"
tmux -L "$sock" send-keys -t t ":save-display $work/ro-screen" Enter
wait_for "read-only: :save-display writes a file; refused"
tmux -L "$sock" send-keys -t t 'Q'
wait_for "console-exited-0"
[ ! -e "$work/ro-screen" ] || { echo "--read-only wrote $work/ro-screen"; exit 1; }
echo "ok: start, :cert, filter, block with typed confirmation, hostile names, quit, r at 80/160/250 columns, :save-display refused read-only"
