#!/bin/sh
# Installs what a fresh Debian machine lacks to build and test osdwarden.
# Skips what is present; uses sudo when not root. Safe to run again.
set -eu

packages="build-essential pkg-config meson ninja-build libncurses-dev libsqlite3-dev
libcurl4-openssl-dev libjansson-dev libyajl-dev libcmocka-dev libmicrohttpd-dev libgnutls28-dev
tmux aha clang libclang-rt-14-dev locales"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: everything is already installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "install-deps: missing:$missing, and not root without sudo; install them and retry" >&2
	exit 2
fi

echo "install-deps: installing:$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
