#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Multipoint GRE data path driven by static NHRP maps, three sites.
#
#                    +--------------- $inet ---------------+
#                    |              bridge br0             |
#                    +----+-------------+-------------+----+
#                         |             |             |
#   underlay   192.0.2.1  |  192.0.2.2  |  192.0.2.3  |
#              2001:db8::1| 2001:db8::2 | 2001:db8::3 |
#                    +----+---+    +----+---+    +----+---+
#                    |  $hub  |    |  $s1   |    |  $s2   |  lan0 10.2.0.1/24
#                    +--------+    +--------+    +--------+
#   dmvpn0 (v4 underlay): 10.0.0.N/24, fd00::N/64 (spokes: the hub's
#                         dmvpn0 has no IPv6, so that it sends no MLD or
#                         router solicitation of its own)
#   dmvpn6 (v6 underlay): 10.6.0.N/24
#
# Every site maps every other site statically. Spoke 1 reaches spoke 2's
# LAN through a route whose next hop is spoke 2's tunnel address.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping iperf3 jq
load_dmvpn

hub=$(ns_name hub); s1=$(ns_name s1); s2=$(ns_name s2)
topo_create "$hub" "$s1" "$s2"

for i in 1 2 3; do
	ns=$(topo_site "$i")
	n "$ns" ip link add dmvpn0 type dmvpn local 192.0.2.$i
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	if [ "$i" = 1 ]; then
		n "$ns" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1
	else
		n "$ns" ip addr add fd00::$i/64 dev dmvpn0 nodad
	fi
	n "$ns" ip link set dmvpn0 up
	n "$ns" ip link add dmvpn6 type dmvpn local 2001:db8::$i
	n "$ns" ip addr add 10.6.0.$i/24 dev dmvpn6
	n "$ns" ip link set dmvpn6 up
	for j in 1 2 3; do
		[ "$i" = "$j" ] && continue
		n "$ns" "$DMVPNCTL" map add dmvpn0 10.0.0.$j 192.0.2.$j
		n "$ns" "$DMVPNCTL" map add dmvpn0 fd00::$j 192.0.2.$j
		n "$ns" "$DMVPNCTL" map add dmvpn6 10.6.0.$j 2001:db8::$j
	done
done
n "$s2" ip link add lan0 type dummy
n "$s2" ip addr add 10.2.0.1/24 dev lan0
n "$s2" ip link set lan0 up
n "$s1" ip route add 10.2.0.0/24 via 10.0.0.3 dev dmvpn0


ktap_plan 12

run_test "IPv4 over IPv4 spoke to spoke" ping_ok "$s1" 10.0.0.3
run_test "IPv4 over IPv4 spoke to hub" ping_ok "$s2" 10.0.0.1
run_test "IPv6 over IPv4" ping_ok "$s1" fd00::3
run_test "IPv4 over IPv6 underlay" ping_ok "$s1" 10.6.0.3
run_test "LAN prefix behind spoke via route next hop" ping_ok "$s1" 10.2.0.1

exact_counters()
{
	local tx0 rx0 tx1 rx1 htx0 htx1
	tx0=$(peer_stat "$s1" dmvpn0 192.0.2.3 tx-packets)
	rx0=$(peer_stat "$s1" dmvpn0 192.0.2.3 rx-packets)
	htx0=$(peer_stat "$s1" dmvpn0 192.0.2.1 tx-packets)
	ping_ok "$s1" 10.0.0.3 7 -i 0.1 || return 1
	tx1=$(peer_stat "$s1" dmvpn0 192.0.2.3 tx-packets)
	rx1=$(peer_stat "$s1" dmvpn0 192.0.2.3 rx-packets)
	htx1=$(peer_stat "$s1" dmvpn0 192.0.2.1 tx-packets)
	echo "# spoke2 peer: tx $tx0->$tx1 rx $rx0->$rx1, hub peer tx $htx0->$htx1"
	[ $((tx1 - tx0)) -eq 7 ] && [ $((rx1 - rx0)) -eq 7 ] && [ "$htx1" -eq "$htx0" ]
}
run_test "exact per-peer packet counters, direct path" exact_counters

# Every payload byte the iperf3 server received (its count, in the
# client's JSON; it may stop reading before the last of the 4 MiB it was
# sent arrive) counted at s2 in its peer s1's rx-bytes, with their TCP/IP
# headers on top.
rx_s2() { peer_stat "$s2" dmvpn0 192.0.2.2 rx-bytes; }
_got() { RX1=$(rx_s2); [ $((RX1 - RX0)) -ge "$GOT" ]; }
tcp_v4()
{
	n "$s2" iperf3 -s -1 -D -B 10.0.0.3 >/dev/null
	wait_for 5 n "$s2" sh -c 'ss -ltn | grep -q ":5201"'
	RX0=$(rx_s2)
	n "$s1" timeout 60 iperf3 -c 10.0.0.3 -n 4M -J > "$TMPDIR/iperf.json" || return 1
	GOT=$(jq -r '.end.sum_received.bytes' "$TMPDIR/iperf.json")
	echo "# $(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$TMPDIR/iperf.json") Mbit/s, the server got $GOT bytes"
	[[ $GOT =~ ^[0-9]+$ ]] && [ "$GOT" -gt 0 ] || return 1
	wait_for 10 _got
	echo "# s2 counted +$((RX1 - RX0)) bytes from s1"
	[ $((RX1 - RX0)) -ge "$GOT" ]
}
run_test "TCP over IPv4 underlay (iperf3 4 MB), every byte received counted at the receiver" tcp_v4

tcp_v6_underlay()
{
	n "$s2" iperf3 -s -1 -D -B 10.6.0.3 >/dev/null
	wait_for 5 n "$s2" sh -c 'ss -ltn | grep -q "10.6.0.3:5201"'
	n "$s1" timeout 60 iperf3 -c 10.6.0.3 -n 2M >/dev/null
}
run_test "TCP over IPv6 underlay (iperf3 2 MB)" tcp_v6_underlay

miss()
{
	local before after
	before=$(counter "$s1" tx-no-entry)
	ping_none "$s1" 10.0.0.99 1 || return 1
	after=$(counter "$s1" tx-no-entry)
	echo "# one ping to an address without entry: tx-no-entry $before -> $after"
	[ $((after - before)) -eq 1 ]
}
run_test "no NHRP entry: dropped and counted" miss

no_route()
{
	local before after
	# 203.0.113.9 is not reachable from the spoke's underlay.
	n "$s1" "$DMVPNCTL" map add dmvpn0 10.0.0.9 203.0.113.9
	before=$(counter "$s1" tx-no-route)
	ping_none "$s1" 10.0.0.9 2 || return 1
	after=$(counter "$s1" tx-no-route)
	grep -m1 Unreachable <<< "$PING_OUT" | sed 's/^/# /'
	echo "# $PING_STATS; tx-no-route $before -> $after"
	# Each of the two answered with an ICMP error, none lost silently.
	[ $((after - before)) -eq 2 ] && [ "$PING_ERR" -eq 2 ] &&
	[ "$(grep -c Unreachable <<< "$PING_OUT")" -eq 2 ]
}
run_test "NBMA address without underlay route: unreachable and counted" no_route

multicast()
{
	local a0 b0 c0
	n "$hub" "$DMVPNCTL" map add dmvpn0 10.0.0.2 192.0.2.2 multicast
	n "$hub" "$DMVPNCTL" map add dmvpn0 10.0.0.3 192.0.2.3 multicast
	a0=$(peer_stat "$hub" dmvpn0 192.0.2.2 tx-packets)
	b0=$(peer_stat "$hub" dmvpn0 192.0.2.3 tx-packets)
	c0=$(counter "$hub" tx-mcast-copies)
	# Nobody answers a multicast echo (icmp_echo_ignore_broadcasts).
	ping_none "$hub" 224.0.0.1 3 -i 0.2 -t 1 -I dmvpn0 || return 1
	local a1 b1 c1
	a1=$(peer_stat "$hub" dmvpn0 192.0.2.2 tx-packets)
	b1=$(peer_stat "$hub" dmvpn0 192.0.2.3 tx-packets)
	c1=$(counter "$hub" tx-mcast-copies)
	echo "# 3 multicast pings: spoke1 +$((a1 - a0)), spoke2 +$((b1 - b0)), extra copies +$((c1 - c0))"
	# The pings are all the hub sends (no IPv6 on its tunnel, no IGMP
	# report for 224.0.0.1): each reaches both peers once, one extra
	# copy made per ping.
	[ $((a1 - a0)) -eq 3 ] && [ $((b1 - b0)) -eq 3 ] && [ $((c1 - c0)) -eq 3 ]
}
run_test "multicast replicated to every multicast-flagged entry" multicast

unknown_peer()
{
	local before after
	# Both maps pointing at spoke 1 go, and with them the peer.
	n "$hub" "$DMVPNCTL" map del dmvpn0 10.0.0.2
	n "$hub" "$DMVPNCTL" map del dmvpn0 fd00::2
	before=$(counter "$hub" rx-unknown-peer)
	# The hub cannot answer: it has no entry for 10.0.0.2 any more.
	ping_none "$s1" 10.0.0.1 2 || return 1
	after=$(counter "$hub" rx-unknown-peer)
	local rx entries
	rx=$(peer_stat "$hub" dmvpn0 192.0.2.2 rx-packets)
	entries=$(peer_stat "$hub" dmvpn0 192.0.2.2 entries)
	echo "# hub rx-unknown-peer $before -> $after; sender 192.0.2.2: rx $rx, entries $entries"
	# The first packet finds no peer; the sender is then counted per source.
	[ $((after - before)) -eq 1 ] && [ "$rx" -eq 2 ] && [ "$entries" -eq 0 ]
}
run_test "GRE from an NBMA address without entry is accepted, counted per source" unknown_peer

ktap_finish
