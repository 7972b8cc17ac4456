# shellcheck shell=bash
# shellcheck disable=SC2034 # with_exim: the callers read it
# SPDX-License-Identifier: ISC
#
# bench/common.sh - what bench/run and bench/tls-w1 share: messages, the
# exim install, processes and ports, medians and number formats.  Sourced;
# the caller sets `set -euo pipefail` and $work, $servers as it needs.

say() {
	printf '%s\n' "bench: $*" >&2
}

die() {
	say "$*"
	exit 1
}

pkg_installed() {
	case $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) in
	*" installed") return 0 ;;
	*) return 1 ;;
	esac
}

# install_exim - exim4-daemon-light without a system MTA left listening.
with_exim=1
install_exim() {
	local created_policy=0 sendmail
	pkg_installed exim4-daemon-light && return 0
	sendmail=$(readlink -f /usr/sbin/sendmail 2>/dev/null || true)
	if [ -n "$sendmail" ] && [ -e "$sendmail" ] &&
	    ! dpkg-query -S "$sendmail" 2>/dev/null | grep -q exim4; then
		say "another MTA owns /usr/sbin/sendmail: leaving exim out"
		with_exim=0
		return 0
	fi
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		created_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends exim4-daemon-light >&2 || true
	[ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
	pkg_installed exim4-daemon-light || die "could not install exim4"
	update-rc.d exim4 disable >/dev/null 2>&1 || true
	if [ -s /run/exim4/exim.pid ]; then
		say "stopping the exim daemon the install started"
		kill "$(cat /run/exim4/exim.pid)" 2>/dev/null || true
	fi
}

# alive PID - true while PID runs (a zombie counts as gone).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# stop PID - end one process started here: TERM, up to 2 s, then KILL.
stop() {
	kill -TERM "$1" 2>/dev/null || return 0
	for _ in $(seq 20); do
		alive "$1" || return 0
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
}

# port_used PORT [STATE] - a socket on PORT in /proc/net (0A: LISTEN).
port_used() {
	local hex
	hex=$(printf ':%04X' "$1")
	awk -v port="$hex" -v state="${2-}" '
	    FNR > 1 && substr($2, length($2) - 4) == port &&
	    (state == "" || $4 == state) { found = 1 }
	    END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

pick_port() {
	local port
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 10000))
		port_used "$port" || { echo "$port"; return 0; }
	done
	return 1
}

# median - the middle of the numbers on stdin (the lower of two).
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# fmt KIND VALUE - instructions in k or M (M: always M), times in ms, RSS in MiB.
fmt() {
	[ -n "$2" ] || { echo "—"; return; }
	case $1 in
	ir) awk -v v="$2" 'BEGIN { if (v >= 1e7) printf "%.2f M", v / 1e6;
	    else printf "%.1f k", v / 1e3 }' ;;
	M) awk -v v="$2" 'BEGIN { printf "%.2f M", v / 1e6 }' ;;
	ms) awk -v v="$2" 'BEGIN { printf "%.2f", v * 1000 }' ;;
	mib) awk -v v="$2" 'BEGIN { printf "%.2f", v / 1024 }' ;;
	*) awk -v v="$2" 'BEGIN { printf "%.0f", v }' ;;
	esac
}

