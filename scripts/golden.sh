#!/bin/sh
# Regenerates the golden screens (tests/screen/golden/*.txt): runs the golden
# suite with OW_GOLDEN_UPDATE=1, which writes each screen as the console now
# draws it instead of comparing, then shows what changed. Review that diff
# like code and commit it with the change that caused it.
#   scripts/golden.sh [BUILD_DIR]        (make golden runs it on $(BUILD))
set -eu
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$build/build.ninja" ] || { echo "no meson build in $build: make build (or meson setup $build)" >&2; exit 2; }
ninja -C "$build"
# Written afresh: a screen dropped from the suite's table leaves no file.
rm -f "$root"/tests/screen/golden/*.txt
OW_GOLDEN_UPDATE=1 meson test -C "$build" --print-errorlogs golden
git -C "$root" status --short -- tests/screen/golden
git -C "$root" --no-pager diff --stat -- tests/screen/golden
