#!/bin/sh
# A throwaway Kerberos realm for osdwarden-lab: MIT krb5kdc on a free
# loopback port, its database, configuration and keytabs in one directory.
# No root, no system file touched: everything is pointed at DIR through
# KRB5_CONFIG and KRB5_KDC_PROFILE.
#
#   krbrealm.sh start DIR [USER...]  creates the realm OSDWARDEN.TEST, the
#       service HTTP/localhost (key in DIR/http.keytab) and each USER with a
#       random key (in DIR/users.keytab), starts the KDC, writes DIR/env.sh
#       (KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME=FILE:DIR/ccache) and prints it
#   krbrealm.sh kinit DIR USER [LIFE] a ticket for USER into DIR/ccache
#       (LIFE: a kinit -l lifetime such as 3s, for expired-ticket tests)
#   krbrealm.sh addpw DIR USER       adds USER with the password read from
#       standard input (one line; any characters), never from the command line
#   krbrealm.sh stop DIR             stops the KDC (DIR is left to the caller)
#
# The tests (tests/support/krbrealm.c), `osdwarden demo`, scripts/demo.sh and the
# benchmarks all start their realm through this one script.
set -eu
realm=OSDWARDEN.TEST

die() { echo "krbrealm: $*" >&2; exit 1; }
need() {
	command -v "$1" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin"
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 is not installed (Debian: krb5-kdc krb5-admin-server krb5-user; run scripts/install-deps.sh)"
}

[ $# -ge 2 ] || die "usage: krbrealm.sh start|kinit|addpw|stop DIR [USER...]"
cmd=$1
dir=$2
shift 2
case $dir in /*) ;; *) dir="$(pwd)/$dir" ;; esac
export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf" KRB5CCNAME="FILE:$dir/ccache"

write_conf() {
	port=$1
	cat > "$dir/krb5.conf" <<EOF
[libdefaults]
	default_realm = $realm
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	udp_preference_limit = 1
	ticket_lifetime = 10h
[realms]
	$realm = {
		kdc = 127.0.0.1:$port
	}
[domain_realm]
	localhost = $realm
EOF
	cat > "$dir/kdc.conf" <<EOF
[kdcdefaults]
	kdc_listen = 127.0.0.1:$port
	kdc_tcp_listen = 127.0.0.1:$port
[realms]
	$realm = {
		database_name = $dir/principal
		key_stash_file = $dir/stash
		acl_file = $dir/kadm5.acl
		kdc_listen = 127.0.0.1:$port
		kdc_tcp_listen = 127.0.0.1:$port
		max_life = 10h
	}
[logging]
	kdc = FILE:$dir/kdc.log
EOF
}

kadmin() { kadmin.local -r "$realm" -q "$1" >> "$dir/kadmin.log" 2>&1 || die "kadmin.local '$1' failed (see $dir/kadmin.log)"; }

case $cmd in
start)
	need krb5kdc
	need kdb5_util
	need kadmin.local
	mkdir -p "$dir"
	chmod 700 "$dir"
	: > "$dir/kadm5.acl"
	master=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
	write_conf 88
	kdb5_util create -s -r "$realm" -P "$master" > "$dir/kdb5_util.log" 2>&1 ||
		die "kdb5_util create failed (see $dir/kdb5_util.log)"
	kadmin "addprinc -randkey HTTP/localhost"
	kadmin "ktadd -k $dir/http.keytab HTTP/localhost"
	for u in "$@"; do
		kadmin "addprinc -randkey $u"
		kadmin "ktadd -k $dir/users.keytab $u"
	done
	# A free port: krb5kdc exits when it cannot bind, so try a few.
	tries=0
	while :; do
		tries=$((tries + 1))
		[ $tries -le 20 ] || die "krb5kdc did not start on a free port (see $dir/kdc.log)"
		port=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 + 20000 ))
		write_conf $port
		: > "$dir/kdc.log"
		krb5kdc -n -r "$realm" > "$dir/kdc.out" 2>&1 &
		pid=$!
		ok=0
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			sleep 0.05
			kill -0 $pid 2>/dev/null || break
			if grep -q "commencing operation" "$dir/kdc.log" 2>/dev/null; then
				ok=1
				break
			fi
		done
		if [ $ok = 1 ]; then
			echo $pid > "$dir/kdc.pid"
			break
		fi
		kill $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
	done
	# KRBREALM_WATCH=PID: the KDC lives no longer than that process (a test
	# killed before its teardown leaves no KDC and no realm behind). The
	# watcher holds none of the caller's descriptors open.
	if [ -n "${KRBREALM_WATCH:-}" ]; then
		watch=$KRBREALM_WATCH
		(
			while kill -0 "$watch" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
				sleep 1
			done
			if kill -0 "$pid" 2>/dev/null; then
				kill "$pid" 2>/dev/null
				sleep 0.2
				rm -rf "$dir"
			fi
		) < /dev/null > /dev/null 2>&1 &
	fi
	{
		echo "KRB5_CONFIG='$dir/krb5.conf'"
		echo "KRB5_KDC_PROFILE='$dir/kdc.conf'"
		echo "KRB5CCNAME='FILE:$dir/ccache'"
		echo "export KRB5_CONFIG KRB5_KDC_PROFILE KRB5CCNAME"
	} > "$dir/env.sh"
	cat "$dir/env.sh"
	echo "realm $realm"
	echo "kdc 127.0.0.1:$port"
	echo "keytab $dir/http.keytab"
	;;
kinit)
	need kinit
	[ $# -ge 1 ] || die "kinit DIR USER [LIFETIME]"
	kinit ${2:+-l "$2"} -k -t "$dir/users.keytab" "$1@$realm" ||
		die "kinit $1@$realm failed (is the KDC of $dir running?)"
	;;
addpw)
	need kadmin.local
	[ $# -eq 1 ] || die "addpw DIR USER (password on standard input)"
	IFS= read -r pw || die "no password on standard input"
	printf '%s\n%s\n' "$pw" "$pw" | kadmin.local -r "$realm" -q "addprinc $1" >> "$dir/kadmin.log" 2>&1 ||
		die "kadmin.local addprinc $1 failed (see $dir/kadmin.log)"
	pw=
	;;
stop)
	if [ -s "$dir/kdc.pid" ]; then
		pid=$(cat "$dir/kdc.pid")
		kill "$pid" 2>/dev/null || true
		# krb5kdc is not our child here: wait for it to go.
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		rm -f "$dir/kdc.pid"
	fi
	;;
*)
	die "unknown command '$cmd' (start, kinit, addpw, stop)"
	;;
esac
