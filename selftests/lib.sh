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
#                               (run.sh counts a skip, of a case or of the
#                               whole file, as a failure unless
#                               selftests/skip-allow lists it)
#   load_dmvpn                  insmod the freshly built kernel/dmvpn.ko
#                               ($DMVPN_KO: the one built for another
#                               kernel, as make check-debug does)
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
#   dmvpn_traced WHAT EVENT     pr_debug traces in dmesg: WHAT device|peer,
#                               EVENT created|freed; prints the count
#   dmvpn_tracing               true if every pr_debug of dmvpn prints
#   dmvpn_balanced [SECS]       wait (30 s) until every device and peer
#                               traced as created is traced as freed;
#                               prints the counts as a comment

KSFT_PASS=0 KSFT_FAIL=1 KSFT_SKIP=4
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DMVPNCTL=$REPO/userspace/dmvpnctl/dmvpnctl
DMVPN_KO=${DMVPN_KO:-$REPO/kernel/dmvpn.ko}
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
	local name=$1 out t0=$(date +%s%N)
	shift
	_ktap_n=$((_ktap_n + 1))
	out=$("$@" 2>&1)
	local rc=$?
	# Where a file's time goes (TCG makes every exec cost ~40 ms).
	out+="${out:+$'\n'}# took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
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
	[ -f "$DMVPN_KO" ] || skip_all "$DMVPN_KO not built"
	# insmod does not load what dmvpn.ko depends on (modinfo: depends).
	modprobe -q nf_defrag_ipv6
	lsmod | grep -q '^dmvpn ' || insmod "$DMVPN_KO" ||
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

# Deadlines stretch with DMVPN_TIME_SCALE like the tests' timeouts: a
# debug kernel (make check-debug) runs several times slower.
_time_scale=${DMVPN_TIME_SCALE:-1}
[[ $_time_scale =~ ^[1-9][0-9]*$ ]] || _time_scale=1
wait_for()
{
	local deadline=$(($(date +%s%N) / 1000000 + $1 * 1000 * _time_scale))
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
#   nhrp_capture_nhrp FILE             NHRP packets (GRE type 0x2001, IPv4
#                                      or IPv6, no VLAN) in FILE so far
#   nhrp_capture_wait_nhrp SECS FILE N wait until FILE holds N of them
#   nhrp_capture_check FILE EXPECT [OPT...]
#                                      fail unless the NHRP packets in FILE
#                                      are exactly EXPECT and no packet is
#                                      malformed or has an expert item of
#                                      severity error (a bad checksum is
#                                      one); the decode stays in
#                                      $TMPDIR/NAME.pdml, one line a NHRP
#                                      packet (frame, time, outer source,
#                                      outer destination, type, request
#                                      id; tab-separated) in
#                                      $TMPDIR/NAME.nhrp (NAME: FILE's base
#                                      name)
# EXPECT: words [SRC,DST,]TYPE:COUNT. TYPE is the NHRP packet type (1/2
# resolution request/reply, 3/4 registration, 5/6 purge, 7 error
# indication, 8 traffic indication), SRC and DST the outer (NBMA)
# addresses, COUNT a number or MIN-MAX (a count that legitimately varies:
# say why where it is used). Each word's count must hold, and every NHRP
# packet must be counted by some word; "" expects no NHRP at all. E.g.
# "3:1 4:1" is one registration request and one reply, whoever sent them.
#   nhrp_capture_n FILE [SRC,DST,]TYPE NHRP packets of that type (and
#                                      outer addresses) in FILE, from the
#                                      table nhrp_capture_check made
#   nhrp_capture_answered FILE [SRC,DST,]TYPE...
#                                      every request (types 1, 3, 5) of
#                                      these has a later answer in FILE (the
#                                      type after it, same request id);
#                                      only the capture's last NHRP packet
#                                      may be a request still unanswered
#                                      (the capture stopped first)
# Start and stop a capture in the same shell (one run_test function), or
# start it outside run_test and stop it in one.
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

nhrp_capture_nhrp()
{
	tcpdump -q -r "$1" '(ip proto 47 and ip[((ip[0] & 0xf) << 2) + 2:2] = 0x2001) or
		(ip6 proto 47 and ip6[42:2] = 0x2001)' 2>/dev/null | wc -l
}

_nhrp_has_nhrp() { [ "$(nhrp_capture_nhrp "$1")" -ge "$2" ]; }

nhrp_capture_wait_nhrp() { wait_for "$1" _nhrp_has_nhrp "$2" "$3"; }

nhrp_capture_check()
{
	local file=$1 expect=$2 name=${1##*/}
	local pdml=$TMPDIR/${1##*/}.pdml table=$TMPDIR/${1##*/}.nhrp
	local err=$TMPDIR/tshark.$BASHPID.err counts nhrp nbad
	shift 2
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
	# Per packet: its NHRP (first header: an error indication quotes
	# another), outer addresses. Malformed, or an expert item of severity
	# Error (0x800000) or worse?
	counts=$(awk -v table="$table" '
		function attr(name) {
			if (!match($0, name "=\"[^\"]*\""))
				return ""
			return substr($0, RSTART + length(name) + 2,
				      RLENGTH - length(name) - 3)
		}
		BEGIN { printf "" > table }
		/^<packet>/ { frame = t = src = dst = type = reqid = msg = ""
			      has = bad = 0 }
		/<field name="frame.number"/ { frame = attr("show") }
		/<field name="frame.time_relative"/ { t = attr("show") }
		/<field name="ipv?6?\.src"/ && src == "" { src = attr("show") }
		/<field name="ipv?6?\.dst"/ && dst == "" { dst = attr("show") }
		/<proto name="nhrp"/ { has = 1 }
		/<field name="nhrp.hdr.op.type"/ && type == "" { type = attr("show") }
		/<field name="nhrp.reqid"/ && reqid == "" { reqid = attr("show") }
		/<proto name="_ws.malformed"/ { bad = 1 }
		/<field name="_ws.expert.severity"/ {
			if (attr("show") + 0 >= 8388608)
				bad = 1
		}
		/<field name="_ws.expert.message"/ {
			msg = msg (msg == "" ? "" : "; ") attr("show")
		}
		/^<\/packet>/ {
			if (has) {
				nhrp++
				printf "%s\t%s\t%s\t%s\t%s\t%s\n", frame, t, src,
					dst, type, reqid > table
			}
			if (bad) {
				nbad++
				print "#   frame " frame ": " msg > "/dev/stderr"
			}
		}
		END { print nhrp + 0, nbad + 0 }' "$pdml" 2>"$err")
	read -r nhrp nbad <<<"$counts"
	echo "# $nhrp NHRP packets, $nbad malformed or in error ($name)"
	cat "$err"
	rm -f "$err"
	# Each word of EXPECT against the table; then what no word counted.
	awk -F'\t' -v expect="$expect" '
		BEGIN { nw = split(expect, w, " ") }
		{ src[NR] = $3; dst[NR] = $4; type[NR] = $5 }
		END {
			rc = 0
			for (i = 1; i <= nw; i++) {
				spec = w[i]
				cnt = substr(spec, index(spec, ":") + 1)
				sel = substr(spec, 1, index(spec, ":") - 1)
				ns = split(sel, f, ",")
				if (!index(spec, ":") || (ns != 1 && ns != 3) ||
				    cnt !~ /^[0-9]+(-[0-9]+)?$/) {
					print "# nhrp_capture_check: bad word " spec
					rc = 1
					continue
				}
				lo = hi = cnt
				if (index(cnt, "-")) {
					lo = substr(cnt, 1, index(cnt, "-") - 1)
					hi = substr(cnt, index(cnt, "-") + 1)
				}
				got = 0
				for (p = 1; p <= NR; p++) {
					if (ns == 1 && type[p] != f[1])
						continue
					if (ns == 3 && (src[p] != f[1] ||
					    dst[p] != f[2] || type[p] != f[3]))
						continue
					got++
					seen[p] = 1
				}
				ok = got >= lo + 0 && got <= hi + 0
				printf "# %s%s: %d%s\n", ok ? "" : "WRONG ", spec,
				       got, ok ? "" : " (want " cnt ")"
				if (!ok)
					rc = 1
			}
			for (p = 1; p <= NR; p++) {
				if (seen[p])
					continue
				printf "# UNEXPECTED type %s %s -> %s\n", type[p],
				       src[p], dst[p]
				rc = 1
			}
			exit rc
		}' "$table" || { sed 's/^/#   /' "$table"; return 1; }
	[ "$nbad" -eq 0 ]
}

# _nhrp_sel SEL: awk condition on a table line for [SRC,DST,]TYPE.
_nhrp_sel()
{
	local IFS=,
	# shellcheck disable=SC2086 # split at the commas
	set -- $1
	if [ $# -eq 3 ]; then
		echo "\$3 == \"$1\" && \$4 == \"$2\" && \$5 == \"$3\""
	else
		echo "\$5 == \"$1\""
	fi
}

nhrp_capture_n()
{
	awk -F'\t' "$(_nhrp_sel "$2") { n++ } END { print n + 0 }" \
		"$TMPDIR/${1##*/}.nhrp"
}

nhrp_capture_answered()
{
	local table=$TMPDIR/${1##*/}.nhrp sel cond=0
	shift
	for sel in "$@"; do
		cond="$cond || ($(_nhrp_sel "$sel"))"
	done
	awk -F'\t' '
		{ line[NR] = $0; type[NR] = $5; id[NR] = $6; fr[NR] = $1 }
		'"$cond"' { req[NR] = 1 }
		END {
			rc = 0
			for (i = 1; i <= NR; i++) {
				if (!req[i] || type[i] % 2 == 0)
					continue
				for (j = i + 1; j <= NR; j++)
					if (type[j] == type[i] + 1 && id[j] == id[i])
						break
				if (j <= NR || i == NR)
					continue
				print "# unanswered: frame " fr[i] " type " type[i] \
				      " id " id[i]
				rc = 1
			}
			exit rc
		}' "$table"
}

peer_stat()
{
	n "$1" "$DMVPNCTL" -j peers "$2" |
		jq -r --arg nbma "$3" --arg k "$4" \
			'[.[] | select(.nbma == $nbma)][0][$k] // 0'
}

dev_stat() { n "$1" "$DMVPNCTL" -j stats "$2" | jq -r ".\"$3\""; }

source "$(dirname "${BASH_SOURCE[0]}")/lib_net.sh"

# The leak oracle. dmvpn traces each device and peer it allocates and frees
# with pr_debug ("dmvpn: device %p created", "... freed", same for "peer").
# Under selftests/run.sh every insmod turns them on, and run.sh clears
# dmesg before each test, so the counts are this test's; run.sh checks the
# whole run again after unloading the module (its "leaks" line).
dmvpn_traced() { dmesg | grep -c "dmvpn: $1 .* $2"; }

dmvpn_tracing()
{
	local ddc=/sys/kernel/debug/dynamic_debug/control
	[ -r "$ddc" ] && grep -q '\[dmvpn\]' "$ddc" &&
		! grep '\[dmvpn\]' "$ddc" | grep -q ' =_ '
}

_dmvpn_even()
{
	[ "$(dmvpn_traced device created)" -eq "$(dmvpn_traced device freed)" ] &&
		[ "$(dmvpn_traced peer created)" -eq "$(dmvpn_traced peer freed)" ]
}

# Frees run from RCU callbacks and namespace cleanup work: poll.
dmvpn_balanced()
{
	local rc=0
	wait_for "${1:-30}" _dmvpn_even || rc=1
	echo "# devices $(dmvpn_traced device created) created," \
	     "$(dmvpn_traced device freed) freed; peers" \
	     "$(dmvpn_traced peer created) created, $(dmvpn_traced peer freed) freed"
	return $rc
}
