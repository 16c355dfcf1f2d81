#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for dmvpn selftests (kselftest style, KTAP output).
# Source it from a test; it sets up cleanup and the tool paths.
#
#   ktap_plan N                 print the KTAP header and plan
#   run_test NAME CMD...        run CMD, print "ok/not ok N NAME"
#   skip_test NAME REASON       print "ok N NAME # SKIP REASON"
#   ktap_finish                 exit 0 if all passed, 1 otherwise
#   skip_all REASON             whole test skipped: exit 4
#   require_cmd CMD...          skip_all unless every CMD exists
#   load_dmvpn                  insmod the freshly built kernel/dmvpn.ko
#   ns_name TAG                 unique namespace name, removed at exit
#   n NS CMD...                 run CMD in namespace NS
#   pp CMD...                   print and run
#   wait_for SECS CMD...        poll CMD until it succeeds or SECS pass
#   topo_create NS...           "internet" bridge namespace, site i gets
#                               192.0.2.i/24 and 2001:db8::i/64 on eth0
#   topo_site I                 namespace of site I (1-based)
#   cleanup_add CMD...          run CMD at exit (before namespaces go)

KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DMVPNCTL=$REPO/userspace/dmvpnctl/dmvpnctl
export IP_LIB_DIR=${IP_LIB_DIR:-$REPO/userspace/iproute2/build}
TMPDIR=$(mktemp -d /tmp/dmvpn-test.XXXXXX)
export TMPDIR

_ktap_n=0 _ktap_failed=0 _cleanup_cmds=() _topo_sites=()
_inet=

_cleanup()
{
	local i ns
	for ((i = ${#_cleanup_cmds[@]} - 1; i >= 0; i--)); do
		eval "${_cleanup_cmds[i]}" >/dev/null 2>&1 || true
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -- "-$$-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMPDIR"
}
trap _cleanup EXIT

cleanup_add() { _cleanup_cmds+=("$*"); }

ktap_plan() { echo "TAP version 13"; echo "1..$1"; }

run_test()
{
	local name=$1 out
	shift
	_ktap_n=$((_ktap_n + 1))
	out=$("$@" 2>&1)
	local rc=$?
	[ -n "$out" ] && [ $rc -ne 0 -o -n "${V:-}" ] && printf '%s\n' "$out" | sed 's/^/# /'
	[ $rc -eq 0 ] && printf '%s\n' "$out" | grep '^# ' || true
	if [ $rc -eq 0 ]; then
		echo "ok $_ktap_n $name"
	else
		_ktap_failed=$((_ktap_failed + 1))
		echo "not ok $_ktap_n $name"
	fi
	return 0
}

skip_test() { _ktap_n=$((_ktap_n + 1)); echo "ok $_ktap_n $1 # SKIP $2"; }

ktap_finish()
{
	echo "# $((_ktap_n - _ktap_failed)) passed, $_ktap_failed failed"
	[ $_ktap_failed -eq 0 ] && exit $KSFT_PASS
	exit $KSFT_FAIL
}

skip_all() { echo "TAP version 13"; echo "1..0 # SKIP $*"; exit $KSFT_SKIP; }

require_cmd()
{
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

load_dmvpn()
{
	[ -f "$REPO/kernel/dmvpn.ko" ] || skip_all "kernel/dmvpn.ko not built"
	lsmod | grep -q '^dmvpn ' || insmod "$REPO/kernel/dmvpn.ko" ||
		{ echo "# insmod dmvpn.ko failed"; exit $KSFT_FAIL; }
	[ -x "$DMVPNCTL" ] || skip_all "dmvpnctl not built"
}

ns_name()
{
	local name="dv-$1-$$-$RANDOM"
	ip netns add "$name" || exit $KSFT_FAIL
	ip -n "$name" link set lo up
	echo "$name"
}

n() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

pp() { echo "# $*"; "$@"; }

wait_for()
{
	local deadline=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -ge $deadline ] && return 1
		sleep 0.05
	done
	return 0
}

topo_create()
{
	local i=0 ns
	_inet=$(ns_name inet)
	ip -n "$_inet" link add br0 type bridge
	ip -n "$_inet" link set br0 up
	for ns in "$@"; do
		i=$((i + 1))
		_topo_sites[i]=$ns
		ip link add eth0 netns "$ns" type veth peer name "s$i" netns "$_inet"
		ip -n "$_inet" link set "s$i" master br0 up
		ip -n "$ns" addr add "192.0.2.$i/24" dev eth0
		ip -n "$ns" addr add "2001:db8::$i/64" dev eth0 nodad
		ip -n "$ns" link set eth0 up
	done
}

topo_site() { echo "${_topo_sites[$1]}"; }
topo_inet() { echo "$_inet"; }
