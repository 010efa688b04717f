#!/bin/sh
# The demo: what osdwarden can show today, on a private demo inventory.
# It grows into lab + sync + console as those land.
set -eu
build=${1:-build}
demo_dir="$build/demo"
mkdir -p "$demo_dir"
db="$demo_dir/inventory.db"
ow="$build/osdwarden"

"$ow" --version
echo
echo "Inventory: $db"
for list in dps smps media certs assocs ts admins; do
	echo
	echo "== osdwarden list $list"
	"$ow" --db "$db" list "$list"
done
