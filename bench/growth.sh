#!/bin/sh
# Growth figures (issue 18): time and peak RSS at each lab scale for the
# sync (the plain lab: no latency; bench/sync.sh models a provider's), the
# checklist run (first, unchanged second, after 1% of the associations
# changed), each export as the whole `osdwarden check --format F` command
# and, in-process (build/bench/bench_checks, to /dev/null), the export's own
# share, and the console starting on the stored run. Prints one Markdown
# table with issue 18's targets beside it, each judged "met" or "not met"
# from the figures alone: a target missed never fails the script.
#   bench/growth.sh BUILD [SCALE...]   (scales 100 1000 5000 by default;
#                                       5000 takes several minutes)
#   bench/growth.sh --table FIGURES    (the table of a figures file, nothing
#                                       run: lines "assocs SCALE N",
#                                       "requests SCALE N" and "MEASURE SCALE
#                                       SECONDS KIB", KIB "-" where there is
#                                       none, SECONDS "failed" and KIB the
#                                       exit status for a command that failed)
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# The rows, in order: measure|what the row says|targets|how the issue says it.
# A target is WHERE:LIMIT[,LIMIT]; WHERE is a lab scale or assocs>=N (every
# scale whose inventory holds at least N associations); a LIMIT is s<=X
# (seconds) or mib<X (peak RSS).
measures() {
	cat <<'END'
sync|osdwarden sync (lab, no latency)||
check_first|check, first run|1000:s<=1.5,mib<64 5000:s<=5,mib<64|
check_unchanged|check, unchanged second run|1000:s<=1,mib<64 5000:s<=5,mib<64|
check_changed|check, after 1% of associations changed|1000:mib<64 5000:s<=5,mib<64|
export_text|check --format text|1000:s<=1|
export_json|check --format json|1000:s<=1|
export_sarif|check --format sarif|1000:s<=1|
export_markdown|check --format markdown|1000:s<=1|
export_html|check --format html|1000:s<=1|
share_text|text export, its own share|1000:s<=1|
share_json|json export, its own share|1000:s<=1|
share_sarif|sarif export, its own share|1000:s<=1|
share_markdown|markdown export, its own share|1000:s<=1|
share_html|html export, its own share|1000:s<=1|
console_start|console start (the stored run)|assocs>=1000000:s<=0.15|the issue's ≈ 0.1 s|
console_whole|console, launch to exit (no key)||
END
}

# table FIGURES: the Markdown table of a figures file; columns are the
# scales in the order the file names them first.
table() {
	measures | awk -F'|' -v figures="$1" '
	function mib(k) { return int(k / 1024) }
	function cellof(m, s) {
		if (!((m, s) in secs)) return "—"
		if (secs[m, s] == "failed") return "failed (exit " kib[m, s] ")"
		if (kib[m, s] == "-") return sprintf("%.2f s", secs[m, s])
		return sprintf("%.2f s / %d MiB", secs[m, s], mib(kib[m, s]))
	}
	# "≤ 1.5 s, < 64 MiB" for "s<=1.5,mib<64"
	function said(limits,   n, l, i, out) {
		n = split(limits, l, ",")
		for (i = 1; i <= n; i++) {
			if (l[i] ~ /^s<=/) out = out (i > 1 ? ", " : "") "≤ " substr(l[i], 4) " s"
			else out = out (i > 1 ? ", " : "") "< " substr(l[i], 5) " MiB"
		}
		return out
	}
	# "met", or "not met (why)", or "not measured", for one scale
	function judge(m, s, limits,   n, l, i, v, why) {
		if (!((m, s) in secs)) return "not measured"
		if (secs[m, s] == "failed") return "not measured (failed)"
		n = split(limits, l, ",")
		for (i = 1; i <= n; i++) {
			if (l[i] ~ /^s<=/) {
				v = substr(l[i], 4)
				if (secs[m, s] + 0 > v + 0)
					why = why (why ? ", " : "") sprintf("%.2f s > %s s", secs[m, s], v)
			} else {
				v = substr(l[i], 5)
				if (kib[m, s] == "-")
					return "not measured"
				if (kib[m, s] + 0 >= v * 1024)
					why = why (why ? ", " : "") sprintf("%d MiB ≥ %s MiB", mib(kib[m, s]), v)
			}
		}
		return why ? "not met (" why ")" : "met"
	}
	function row(cells) { print "| " cells " |" }
	BEGIN {
		while ((getline line < figures) > 0) {
			split(line, f, " ")
			if (!(f[2] in seen)) { seen[f[2]] = 1; scales[++ns] = f[2] }
			if (f[1] == "assocs") assocs[f[2]] = f[3]
			else if (f[1] == "requests") requests[f[2]] = f[3]
			else { secs[f[1], f[2]] = f[3]; kib[f[1], f[2]] = f[4] }
		}
		head = "measure"; rule = "---"; a = "associations"; r = "sync requests"
		for (i = 1; i <= ns; i++) {
			head = head " | scale " scales[i]; rule = rule " | ---:"
			a = a " | " (scales[i] in assocs ? assocs[scales[i]] : "—")
			r = r " | " (scales[i] in requests ? requests[scales[i]] : "—")
		}
		row(head " | target | met")
		row(rule " | --- | ---")
		row(a " | |")
		row(r " | |")
	}
	{
		cells = $2
		for (i = 1; i <= ns; i++) cells = cells " | " cellof($1, scales[i])
		target = ""; verdict = ""
		nt = split($3, t, " ")
		for (j = 1; j <= nt; j++) {
			where = substr(t[j], 1, index(t[j], ":") - 1)
			limits = substr(t[j], index(t[j], ":") + 1)
			sep = j > 1 ? "; " : ""
			if (where ~ /^assocs>=/) {
				least = substr(where, 9)
				target = target sep "≥ " least " associations: " said(limits)
				found = 0
				for (i = 1; i <= ns; i++)
					if (assocs[scales[i]] + 0 >= least + 0) {
						verdict = verdict (found++ ? "; " : sep) scales[i] ": " \
							judge($1, scales[i], limits)
					}
				if (!found)
					verdict = verdict sep "not measured (no scale with ≥ " least " associations)"
			} else {
				target = target sep where ": " said(limits)
				verdict = verdict sep where ": " judge($1, where, limits)
			}
		}
		if ($4 != "") target = target " (" $4 ")"
		row(cells " | " target " | " verdict)
	}'
}

if [ "${1:-}" = "--table" ]; then
	table "$2"
	exit 0
fi

build=${1:?usage: bench/growth.sh BUILD [SCALE...]}
shift
scales=${*:-100 1000 5000}
. "$here/lib.sh"
bench_workdir growth
# A command that fails is a cell saying so; the table is printed all the
# same, and the script then exits 1.
bench_keep_going=1
# At lab scale 5000 the first sync reads 155,000 certificates' thumbprints
# one request each, paced at 200 a second: about ten minutes.
figures=$work/figures
: > "$figures"

# record MEASURE SCALE: the figure timed last.
record() {
	echo "$1 $2 $secs $kib" >> "$figures"
}

# The exports' own shares: bench_checks evaluates once more, stores that
# run, then writes each export to /dev/null ("... text 0.01 s json 0.52 s ...").
record_shares() {
	timed 0 phases "$build/bench/bench_checks" "$work/inv.db" 1
	for f in text json sarif markdown html; do
		if [ "$secs" != failed ]; then
			secs=$(awk -v f="$f" '{ for (i = 1; i < NF; i++) if ($i == f) { print $(i + 1); exit } }' \
				"$work/phases.out")
			kib=-
		fi
		record "share_$f" "$1"
	done
}

for s in $scales; do
	echo "growth.sh: lab scale $s" >&2
	rm -f "$work/inv.db" "$work/inv.db-wal" "$work/inv.db-shm" "$work/report.html"
	: > "$work/requests.log"
	lab_inventory "$s" --log "$work/requests.log"
	record sync "$s"
	echo "requests $s $(wc -l < "$work/requests.log")" >> "$figures"
	[ "$secs" != failed ] || continue   # no inventory: nothing more at this scale
	echo "assocs $s $(assoc_count)" >> "$figures"
	timed_check first
	record check_first "$s"
	timed_check unchanged
	record check_unchanged "$s"
	change_assocs
	timed_check changed
	record check_changed "$s"
	for f in text json sarif markdown html; do
		timed_check "export_$f" --format "$f"
		record "export_$f" "$s"
	done
	timed_check export_html --format html -o "$work/report.html"
	record export_html "$s"
	record_shares "$s"
	: > "$work/keys"
	console console "$work/keys"
	record console_whole "$s"
	if [ "$secs" != failed ]; then
		secs=$(awk '$1 == "start" { printf "%.3f", $2 / 1000; exit }' "$work/console.t")
	fi
	record console_start "$s"
done

# The commit measured is the build's source tree, wherever the script is.
src=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['directories']['source'])" \
	"$build/meson-info/meson-info.json" 2>/dev/null || echo "$here/..")
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$src" diff --quiet HEAD 2>/dev/null; then
	commit="$commit (with uncommitted changes)"
fi
buildtype=$(python3 -c "import json,sys
print(next(o['value'] for o in json.load(open(sys.argv[1])) if o['name'] == 'buildtype'))" \
	"$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown)
printf 'Growth figures, commit %s, %s build, %s, %s cores (load %s): time / peak RSS.\n\n' \
	"$commit" "$buildtype" "$(date -u +%Y-%m-%d)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
table "$figures"
cat <<'END'

Sync: the plain lab, answering at once (bench/sync.sh models a provider's latency); osdwarden
paces itself at the AdminService's 200 requests/s, so "sync requests" / 200 s is its floor.
Every check row stores its run; each `--format` row is an unchanged run as a whole (evaluate,
store, write), html with `-o FILE`. "Own share": build/bench/bench_checks writing that export
of an evaluated run to /dev/null (the html report is not there). Console start: key to the
first finished dashboard (OSDWARDEN_TUI_TIMING), read-only, on the stored run; the RSS is the
console's; "launch to exit" is the whole process with an empty key script.
`bench/growth.sh BUILD [SCALE...]` reproduces it.
END
[ "$bench_failures" -eq 0 ] || { echo "growth.sh: $bench_failures command(s) failed" >&2; exit 1; }
