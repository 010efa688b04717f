#!/bin/sh
# The console in a real pty: tmux runs `osdwarden tui` on an inventory
# synced from osdwarden-lab; keys are sent with send-keys and the screen
# read with capture-pane. Start, :cert, filter, block with the typed
# confirmation, quit; then at 80x24, 160x50 and 250x60 every view opened,
# r pressed in each, quit. Exit 77 (skipped) without tmux.
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

screen() { tmux -L "$sock" capture-pane -p -t t; }
# Fails the test, showing the screen.
fail() {
	echo "$1"
	screen
	exit 1
}
# Polls the screen until it shows $1 ($2 = 1: until it no longer does).
# A loaded machine is given 60 s; the console exiting on the way is a
# failure at once, never a wait to the end.
wait_limit=60
wait_for() {
	deadline=$(($(date +%s) + wait_limit))
	while :; do
		shown=$(screen) || fail "tmux lost the console's pane"
		case "$shown" in
		*"$1"*) [ "${2:-0}" = 1 ] || return 0 ;;
		*) [ "${2:-0}" = 0 ] || return 0 ;;
		esac
		case "$1$shown" in
		console-exited-*) ;;
		*console-exited-*) fail "the console exited while the test waited for: $1" ;;
		esac
		[ "$(date +%s)" -lt "$deadline" ] || fail "after $wait_limit s the screen still $([ "${2:-0}" = 1 ] && echo shows || echo lacks): $1"
		sleep 0.1
	done
}
wait_gone() { wait_for "$1" 1; }
# The console in a new session of COLS x ROWS (on the inventory, writable).
console() {
	tmux -L "$sock" kill-session -t t 2>/dev/null || true
	tmux -L "$sock" new-session -d -s t -x "$1" -y "$2" \
		"env LANG=C.UTF-8 TERM=xterm-256color OSDWARDEN_PASSWORD=pw-tmux $build/osdwarden --db $work/inv.db tui; echo console-exited-\$?; sleep 60"
	# An OSC 52 that reached the terminal would become a tmux buffer.
	tmux -L "$sock" set -g set-clipboard on
}

# A session that outlives the console's: killing the console's session
# never leaves the server empty, which made it exit under the next
# new-session ("server exited unexpectedly").
tmux -L "$sock" new-session -d -s keep "sleep 600"
console 160 30
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
# Every view at 80x24, 160x50 and 250x60: opened (the digits, then the
# views without one), r (a sync from the console: the progress bars as
# wide as the terminal, at 146 columns and more it used to crash) and the
# view back with the sync's summary; then quit. Nothing the site sent
# reaches the terminal as a sequence: no tmux buffer from an OSC 52, no
# ESC or BEL in the pane's text.
views="0:dashboard 1:distribution_points 2:state_migration_points 3:boot_media_and_images
4:certificates 5:computer_associations 6:task_sequences 7:security_checklist
8:privacy_checklist 9:guided_tasks :accounts:administrative_accounts :sites:sites
:audit:audit_log :help:help"
esc=$(printf '\033')
bel=$(printf '\007')
for size in 80x24 160x50 250x60; do
	cols=${size%x*}
	rows=${size#*x}
	console "$cols" "$rows"
	wait_for "Security  grade"
	for v in $views; do
		key=${v%:*}
		title=$(printf '%s' "${v##*:}" | tr _ ' ')
		case "$key" in
		:*) tmux -L "$sock" send-keys -t t "$key" Enter ;;
		*) tmux -L "$sock" send-keys -t t "$key" ;;
		esac
		# The key cleared the last sync's summary ("synced N rows from M
		# classes in S s"; the progress screen says "N of M classes").
		wait_gone " classes in "
		wait_for "· $title"
		tmux -L "$sock" send-keys -t t 'r'
		wait_for " classes in "   # the count of classes is test_tui's to check
		wait_for "· $title"
		case "$(screen)" in
		*"$esc"* | *"$bel"*) fail "$size, $title: a control byte on the screen" ;;
		esac
	done
	width=$(tmux -L "$sock" display -p -t t '#{pane_width}x#{pane_height}')
	[ "$width" = "$size" ] || fail "the pane is $width, not $size"
	tmux -L "$sock" send-keys -t t 'Q'
	wait_for "console-exited-0"
	[ -z "$(tmux -L "$sock" list-buffers)" ] || fail "$size: the site set a tmux buffer (OSC 52): $(tmux -L "$sock" list-buffers)"
done
# --read-only promises no writes: :save-display is refused at a terminal.
tmux -L "$sock" kill-session -t t 2>/dev/null || true
tmux -L "$sock" new-session -d -s t -x 120 -y 30 \
	"env LANG=C.UTF-8 TERM=xterm-256color $build/osdwarden --db $work/inv.db --read-only tui; echo console-exited-\$?; sleep 60"
wait_for "Security  grade"
tmux -L "$sock" send-keys -t t ":save-display $work/ro-screen" Enter
wait_for "read-only: :save-display writes a file; refused"
tmux -L "$sock" send-keys -t t 'Q'
wait_for "console-exited-0"
[ ! -e "$work/ro-screen" ] || { echo "--read-only wrote $work/ro-screen"; exit 1; }
echo "ok: start, :cert, filter, block with typed confirmation, hostile names, quit; every view and r at 80x24, 160x50, 250x60; :save-display refused read-only"
