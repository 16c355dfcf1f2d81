#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# NBMA peers have a bound of their own: each costs per-CPU counters,
# whatever made it (an entry, a shortcut, an NHS, or a sender without an
# entry, which a hub keeps to count its traffic).
#
#        2001:db8::1 $hub  <---- $evil (2001:db8::2) sends GRE from
#        dmvpn0, max-entries 2    2001:db8::1:0:1 .. ::1:0:1030
#
#   learned: 1030 senders without an entry, each one GRE packet: all 1030
#     taken (rx-unknown-peer), exactly 1024 kept as peers, 6 counted in
#     peers-full
#   cache first: two maps make 1026 peers; a third map is refused by the
#     cache (cache-full 1) and makes no peer (peers 1026, peers-full 6)
#   the cap: 7 NHSes make 1033 peers; with max-entries 1 the cap is
#     1 + 1024 + 8 = 1033, so an 8th NHS is refused with the kernel's
#     message and counted (peers-full 7, peers 1033)
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip jq /usr/bin/python3
load_dmvpn

hub=$(ns_name hub); evil=$(ns_name evil)
topo_create "$hub" "$evil"
n "$hub" ip link add dmvpn0 type dmvpn local 2001:db8::1 max-entries 2 &&
n "$hub" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1 &&
n "$hub" ip addr add 10.0.0.1/24 dev dmvpn0 &&
n "$hub" ip link set dmvpn0 up || { echo "# set-up failed"; exit "$KSFT_FAIL"; }

ktap_plan 3

st() { dev_stat "$hub" dmvpn0 "$1"; }
# counters NAME...: "NAME:VALUE ..." of the hub, in that order.
counters()
{
	local k out=()
	for k in "$@"; do out+=("$k:$(st "$k")"); done
	echo "${out[*]}"
}
_is() { [ "$(st "$1")" = "$2" ]; }

learned()
{
	# One IPv6 packet per source (IPPROTO_RAW: we write the header): GRE
	# carrying an IPv4 header with a good checksum to 10.0.0.99. The hub's
	# neighbour entry first (packets queued on an unresolved one are
	# dropped past a few), then in bursts of 50 the receive backlog holds.
	n "$evil" ping -6 -c 1 -W 5 2001:db8::1 >/dev/null || return 1
	n "$evil" /usr/bin/python3 -S - <<'PY' || return 1
import socket, struct, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
inner = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20, 0, 0, 64, 17, 0,
                    bytes([10, 0, 0, 98]), bytes([10, 0, 0, 99]))
inner = inner[:10] + struct.pack("!H", csum(inner)) + inner[12:]
payload = struct.pack("!HH", 0, 0x0800) + inner
dst = socket.inet_pton(socket.AF_INET6, "2001:db8::1")
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(1, 1031):
    src = socket.inet_pton(socket.AF_INET6, "2001:db8::1:0:%x" % i)
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(payload), 47, 64, src, dst)
    s.sendto(hdr + payload, ("2001:db8::1", 0))
    if i % 50 == 0:
        time.sleep(0.02)
PY
	wait_for 20 _is rx-unknown-peer 1030 || { echo "# $(counters rx-unknown-peer)"; return 1; }
	local got
	got=$(counters rx-unknown-peer peers peers-full)
	echo "# $got"
	[ "$got" = "rx-unknown-peer:1030 peers:1024 peers-full:6" ]
}
run_test "1030 senders without an entry: 1024 kept as peers, 6 counted in peers-full" learned

cache_first()
{
	local out got
	n "$hub" "$DMVPNCTL" map add dmvpn0 10.0.0.2 2001:db8::2 &&
	n "$hub" "$DMVPNCTL" map add dmvpn0 10.0.0.3 2001:db8::3 || return 1
	out=$(n "$hub" "$DMVPNCTL" map add dmvpn0 10.0.0.4 2001:db8::4 2>&1) && return 1
	echo "# $out"
	got=$(counters peers cache-entries cache-full peers-full)
	echo "# $got"
	echo "$out" | grep -q "cache is full" &&
	[ "$got" = "peers:1026 cache-entries:2 cache-full:1 peers-full:6" ]
}
run_test "a map the cache refuses makes no peer: peers 1026, cache-full 1, peers-full 6" cache_first

cap()
{
	local i out got
	for i in $(seq 10 16); do
		echo "nhs add dmvpn0 dynamic 2001:db8::$i"
	done | n "$hub" "$DMVPNCTL" -b - || return 1
	n "$hub" ip link set dmvpn0 type dmvpn max-entries 1 || return 1
	out=$(n "$hub" "$DMVPNCTL" nhs add dmvpn0 dynamic 2001:db8::17 2>&1) && return 1
	echo "# $out"
	got=$(counters peers peers-full)
	echo "# $got"
	echo "$out" | grep -q "Too many NBMA peers" && [ "$got" = "peers:1033 peers-full:7" ]
}
run_test "at max-entries + 1032 peers an NHS is refused: peers 1033, peers-full 7" cap

ktap_finish
