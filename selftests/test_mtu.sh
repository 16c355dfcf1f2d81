#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnel MTU and path MTU discovery through the underlay.
#
#   $h 10.1.0.2 ---- 10.1.0.1 $a 192.0.2.1 ---- 192.0.2.254 $r
#                                                  198.51.100.254 (mtu 1400)
#                                                       |
#                                              198.51.100.2 $b
#   dmvpn0: $a 10.0.0.1/24 fd00::1/64   $b 10.0.0.2/24 fd00::2/64
#
# The router's 1400-byte link makes it answer oversized GRE with ICMP
# "fragmentation needed"; dmvpn learns the peer's path MTU from it and
# tells inner senders the tunnel MTU (1400 - 20 - 8 = 1372 with the key).
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip ping iperf3 jq
load_dmvpn

h=$(ns_name h); a=$(ns_name a); r=$(ns_name r); b=$(ns_name b)
ip link add eth0 netns "$h" type veth peer name lan0 netns "$a"
ip link add eth0 netns "$a" type veth peer name ra netns "$r"
ip link add eth0 netns "$b" type veth peer name rb netns "$r"
n "$h" ip addr add 10.1.0.2/24 dev eth0
n "$h" ip link set eth0 up
n "$h" ip route add default via 10.1.0.1
n "$a" ip addr add 10.1.0.1/24 dev lan0
n "$a" ip link set lan0 up
n "$a" ip addr add 192.0.2.1/24 dev eth0
n "$a" ip link set eth0 up
n "$a" ip route add 198.51.100.0/24 via 192.0.2.254
n "$a" sysctl -qw net.ipv4.ip_forward=1
n "$r" ip addr add 192.0.2.254/24 dev ra
n "$r" ip addr add 198.51.100.254/24 dev rb
n "$r" ip link set ra up
n "$r" ip link set rb mtu 1400 up
n "$r" sysctl -qw net.ipv4.ip_forward=1
n "$b" ip addr add 198.51.100.2/24 dev eth0
n "$b" ip link set eth0 mtu 1400 up
n "$b" ip route add 192.0.2.0/24 via 198.51.100.254

n "$a" ip link add dmvpn0 type dmvpn local 192.0.2.1
n "$b" ip link add dmvpn0 type dmvpn local 198.51.100.2 key 7
n "$a" ip link set dmvpn0 type dmvpn key 7
for x in "$a:1:198.51.100.2" "$b:2:192.0.2.1"; do
	IFS=: read -r ns i peer <<< "$x"
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	n "$ns" ip addr add fd00::$i/64 dev dmvpn0 nodad
	n "$ns" ip link set dmvpn0 up
	o=$((3 - i))
	n "$ns" "$DMVPNCTL" map add dmvpn0 10.0.0.$o "$peer"
	n "$ns" "$DMVPNCTL" map add dmvpn0 fd00::$o "$peer"
done
n "$b" ip route add 10.1.0.0/24 via 10.0.0.1 dev dmvpn0

stat() { counter "$a" "$1"; }
pmtu_is() { [ "$(n "$a" "$DMVPNCTL" -j peers dmvpn0 | jq '.[0].pmtu')" = "$1" ]; }

ktap_plan 6

default_mtu()
{
	local m
	m=$(n "$a" cat /sys/class/net/dmvpn0/mtu)
	echo "# dmvpn0 mtu $m (key set, 1500 - 20 - 8)"
	[ "$m" -eq 1472 ]
}
run_test "default MTU is underlay MTU minus outer IPv4 and GRE with key" default_mtu

learn_pmtu()
{
	# The first big DF packet dies at the router, which reports 1400
	# (to the tunnel, not to the sender: no answer, no error).
	ping_none "$h" 10.0.0.2 1 -M "do" -s 1400 || return 1
	wait_for 5 pmtu_is 1400 || return 1
	echo "# peer pmtu 1400, pmtu-updates $(stat pmtu-updates)"
	[ "$PING_ERR" -eq 0 ] && [ "$(stat pmtu-updates)" -eq 1 ]
}
run_test "underlay ICMP frag-needed sets the peer's path MTU" learn_pmtu

frag_needed()
{
	local tb0 tb1
	tb0=$(stat tx-too-big)
	ping_none "$h" 10.0.0.2 2 -i 0.3 -M "do" -s 1400 || return 1
	tb1=$(stat tx-too-big)
	grep -i 'frag needed\|message too long' <<< "$PING_OUT" | sed 's/^/# /'
	echo "# $PING_STATS; tx-too-big $tb0 -> $tb1"
	# The first reaches the tunnel, which answers frag-needed; the second
	# the sender's kernel already refuses (its path MTU is now 1372).
	grep -q 'Frag needed and DF set (mtu = 1372)' <<< "$PING_OUT" &&
	grep -q 'local error: message too long, mtu=1372' <<< "$PING_OUT" &&
	[ "$PING_ERR" -eq 2 ] && [ $((tb1 - tb0)) -eq 1 ]
}
run_test "oversized DF packet: sender gets frag-needed with mtu 1372" frag_needed

run_test "packet at the path MTU passes" \
	ping_ok "$h" 10.0.0.2 2 -M "do" -s $((1372 - 28))

ptb6()
{
	ping_none "$a" fd00::2 2 -i 0.3 -6 -M "do" -s 1400 || return 1
	grep -m1 -i 'mtu' <<< "$PING_OUT" | sed 's/^/# /'
	echo "# $PING_STATS"
	# Both refused, each with the tunnel's MTU.
	[ "$PING_ERR" -eq 2 ] && [ "$(grep -cE 'mtu[=: ]+1372' <<< "$PING_OUT")" -eq 2 ]
}
run_test "IPv6 inner packet too big: sender told 1372" ptb6

tcp_full()
{
	n "$b" iperf3 -s -1 -D -B 10.0.0.2 >/dev/null
	wait_for 5 n "$b" sh -c 'ss -ltn | grep -q "10.0.0.2:5201"'
	n "$h" timeout 60 iperf3 -c 10.0.0.2 -n 2M -M 1460 >/dev/null
}
run_test "TCP through the tunnel at full segment size" tcp_full

ktap_finish
