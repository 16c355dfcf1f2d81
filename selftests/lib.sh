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
#   peer_stat NS DEV NBMA KEY   one per-peer counter (dmvpnctl -j peers)
#   dev_stat NS DEV KEY         one device counter (dmvpnctl -j stats)

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

# NHRP captures (tcpdump, tshark):
#   nhrp_capture_start NS IFACE FILE   tcpdump of GRE on IFACE in NS into
#                                      FILE; returns once it is capturing
#   nhrp_capture_stop [FILE]           stop that capture (default: all)
#   nhrp_capture_count FILE            packets in FILE so far
#   nhrp_capture_wait SECS FILE N      wait until FILE holds N packets
#   nhrp_capture_check FILE [OPT...]   fail unless tshark finds NHRP in FILE
#                                      and no packet malformed or with an
#                                      expert item of severity error; the
#                                      decode stays in $TMPDIR/NAME.pdml
#                                      (NAME: FILE's base name)
# Start and stop a capture in the same shell (one run_test function).
# tshark decodes authentication as Cisco's cleartext (no address before
# the password); OPT, more tshark options, may say otherwise.
declare -gA _nhrp_cap_pids=()

_nhrp_gone() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }

_nhrp_capturing()
{
	_nhrp_gone "$2" || [ "$(command stat -c %s "$1" 2>/dev/null || echo 0)" -ge 24 ]
}

nhrp_capture_start()
{
	local ns=$1 ifc=$2 file=$3 pid
	rm -f "$file"
	ip netns exec "$ns" tcpdump -i "$ifc" -U --immediate-mode -s 0 \
		-w "$file" 'ip proto 47' >"$TMPDIR/tcpdump-${file##*/}.log" 2>&1 &
	pid=$!
	_nhrp_cap_pids[$file]=$pid
	# tcpdump writes the file header once its socket is bound and filtering.
	wait_for 10 _nhrp_capturing "$file" "$pid"
	if _nhrp_gone "$pid" || [ "$(command stat -c %s "$file" 2>/dev/null || echo 0)" -lt 24 ]; then
		echo "# tcpdump on $ns/$ifc did not start:"
		sed 's/^/# /' "$TMPDIR/tcpdump-${file##*/}.log"
		nhrp_capture_stop "$file"
		return 1
	fi
}

nhrp_capture_stop()
{
	local f pid files=("$@")

	[ $# -gt 0 ] || files=("${!_nhrp_cap_pids[@]}")
	for f in "${files[@]}"; do
		pid=${_nhrp_cap_pids[$f]:-}
		unset "_nhrp_cap_pids[$f]"
		[ -n "$pid" ] || continue
		kill -INT "$pid" 2>/dev/null
		wait_for 5 _nhrp_gone "$pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

nhrp_capture_count() { tcpdump -q -r "$1" 2>/dev/null | wc -l; }

_nhrp_has() { [ "$(nhrp_capture_count "$1")" -ge "$2" ]; }

nhrp_capture_wait() { wait_for "$1" _nhrp_has "$2" "$3"; }

nhrp_capture_check()
{
	local file=$1 pdml=$TMPDIR/${1##*/}.pdml err=$TMPDIR/tshark.$BASHPID.err
	local counts nhrp nbad
	shift
	if [ ! -s "$file" ]; then
		echo "# $file: no capture"
		return 1
	fi
	# One full decode (tshark is slow under TCG), kept for the caller.
	if ! tshark -r "$file" -o nhrp.auth_ext_has_addr:FALSE "$@" -T pdml \
		>"$pdml" 2>"$err"; then
		sed 's/^/# /' "$err"
		return 1
	fi
	# Per packet: NHRP in it? Malformed, or an expert item of severity
	# Error (0x800000) or worse?
	counts=$(awk '
		function attr(name) {
			if (!match($0, name "=\"[^\"]*\""))
				return ""
			return substr($0, RSTART + length(name) + 2,
				      RLENGTH - length(name) - 3)
		}
		/^<packet>/ { frame = ""; has = 0; bad = 0; msg = "" }
		/<field name="frame.number"/ { frame = attr("show") }
		/<proto name="nhrp"/ { has = 1 }
		/<proto name="_ws.malformed"/ { bad = 1 }
		/<field name="_ws.expert.severity"/ {
			if (attr("show") + 0 >= 8388608)
				bad = 1
		}
		/<field name="_ws.expert.message"/ {
			msg = msg (msg == "" ? "" : "; ") attr("show")
		}
		/^<\/packet>/ {
			nhrp += has
			if (bad) {
				nbad++
				print "#   frame " frame ": " msg > "/dev/stderr"
			}
		}
		END { print nhrp + 0, nbad + 0 }' "$pdml" 2>"$err")
	read -r nhrp nbad <<<"$counts"
	echo "# $nhrp NHRP packets, $nbad malformed or in error (${file##*/})"
	cat "$err"
	rm -f "$err"
	[ "$nhrp" -gt 0 ] && [ "$nbad" -eq 0 ]
}

peer_stat()
{
	n "$1" "$DMVPNCTL" -j peers "$2" |
		jq -r --arg nbma "$3" --arg k "$4" \
			'[.[] | select(.nbma == $nbma)][0][$k] // 0'
}

dev_stat() { n "$1" "$DMVPNCTL" -j stats "$2" | jq -r ".\"$3\""; }
