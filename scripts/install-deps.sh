#!/bin/sh
# Installs what a fresh Debian machine lacks to build and test osdwarden.
# Skips what is present; uses sudo when not root. Safe to run again.
set -eu

packages="build-essential pkg-config meson ninja-build libncurses-dev libsqlite3-dev
libcurl4-openssl-dev libjansson-dev libyajl-dev libcmocka-dev libmicrohttpd-dev libgnutls28-dev
tmux aha clang libclang-rt-14-dev locales
libkrb5-dev krb5-kdc krb5-admin-server krb5-user
chromium fonts-dejavu-core
debhelper dpkg-dev lintian groff-base mandoc man-db zsh sqlite3 time"

# chromium: the HTML report is tested in a real browser (suite html,
# tests/integration/test_report_html.c), which fails when it is missing.
# debhelper, dpkg-dev, lintian: the .deb CI builds (scripts/deb.sh);
# groff-base, mandoc: the lint of the generated manual pages (suite doc);
# man-db: `man -w` on the unpacked package; zsh: the zsh completion is run
# by the suite doc (tests/integration/test_complete.c), which fails without it.
# sqlite3, time: the benchmarks (bench/) and the suite bench's growth test.
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
# Kerberos: the tests and the demo run their own throwaway KDC
# (scripts/krbrealm.sh); the system's krb5kdc and kadmind must not start
# (they have no database, and krb5-admin-server's postinst fails when its
# start fails). Debian's way to say so while installing is a policy-rc.d
# that refuses; one is put in place only when there is none, and removed.
# The noninteractive front end answers krb5-config's questions with its
# defaults, which the tests never read (they point KRB5_CONFIG elsewhere).
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	policy=/usr/sbin/policy-rc.d
	printf '#!/bin/sh\n# install-deps.sh: no service starts while it installs\nexit 101\n' |
		$sudo tee "$policy" >/dev/null
	$sudo chmod 755 "$policy"
	trap '$sudo rm -f "$policy"' EXIT
fi
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
