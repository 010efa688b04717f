#!/bin/sh
# manlint.sh PAGE...: each generated manual page is a page (its .TH line
# is there) and renders without a single warning, from groff -ww (any
# output on stderr fails, at two widths) and, where installed, mandoc -T lint -W warning
# (mandoc's style notes, such as long source lines, are not warnings).
set -u
rc=0
for page in "$@"; do
	if ! head -n 1 "$page" | grep -q '^\.TH '; then
		echo "manlint: $page: no .TH line (empty or not a page)" >&2
		rc=1
		continue
	fi
	# at the default width and at a terminal's (man at 80 columns)
	out=$(groff -ww -z -man "$page" 2>&1; groff -ww -z -man -rLL=72n "$page" 2>&1)
	if [ -n "$out" ]; then
		printf 'manlint: %s: groff -ww:\n%s\n' "$page" "$out" >&2
		rc=1
	fi
	if command -v mandoc >/dev/null 2>&1; then
		if ! out=$(mandoc -T lint -W warning "$page" 2>&1) || [ -n "$out" ]; then
			printf 'manlint: %s: mandoc -T lint:\n%s\n' "$page" "$out" >&2
			rc=1
		fi
	fi
	echo "manlint: $page: $(wc -l < "$page") lines"
done
exit $rc
