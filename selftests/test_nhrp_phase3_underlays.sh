#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Phase 3 over the underlays users have: a spoke behind NAT (the shortcut
# to it must use its post-NAT address, and its own shortcut works through
# the NAT), and an IPv6 underlay.
#
#        +---------------------------- $inet (br0) -----------------------------+
#        +----+----------+-----------+------------+------------+-----------+----+
#   192.0.2.1  192.0.2.2   192.0.2.4 (public)   2001:db8::5  2001:db8::6  2001:db8::7
#   $hub       $s1         $nat MASQUERADE      $h6          $a6          $b6
#   10.0.0.1   10.0.0.2    | 198.51.100.1       10.60.0.1    10.60.0.2    10.60.0.3
#   redirect   LAN 10.1/24 $s3 198.51.100.2     redirect     LAN 10.61/24 LAN 10.62/24
#                          10.0.0.13, LAN 10.13/24
#
# Spokes: shortcut, and only the summary 10.0.0.0/8 via their hub.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq iptables-legacy
load_dmvpn

hub=$(ns_name hub); s1=$(ns_name s1); spare=$(ns_name spare); nat=$(ns_name nat)
h6=$(ns_name h6); a6=$(ns_name a6); b6=$(ns_name b6); s3=$(ns_name s3)
topo_create "$hub" "$s1" "$spare" "$nat" "$h6" "$a6" "$b6"

nat_site "$nat" "$s3" 198.51.100.2 198.51.100.1

# u_hub NS LOCAL ADDR/LEN; u_spoke NS LOCAL ADDR/LEN HUB_NBMA HUB LAN/LEN
u_hub()
{
	n "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0
	n "$1" ip link add dmvpn0 type dmvpn local "$2" holdtime 60 redirect
	n "$1" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1
	n "$1" ip addr add "$3" dev dmvpn0
	n "$1" ip link set dmvpn0 up
}
u_spoke()
{
	n "$1" sysctl -qw net.ipv4.ip_forward=1
	n "$1" ip link add dmvpn0 type dmvpn local "$2" holdtime 60 \
		registration-timeout 5 shortcut nhs dynamic nbma "$4"
	n "$1" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1
	n "$1" ip addr add "$3" dev dmvpn0
	n "$1" ip link set dmvpn0 up
	n "$1" ip link add lan0 type dummy
	n "$1" ip addr add "$6" dev lan0
	n "$1" ip link set lan0 up
	n "$1" ip route add 10.0.0.0/8 via "$5" dev dmvpn0
}
u_hub "$hub" 192.0.2.1 10.0.0.1/24
u_spoke "$s1" 192.0.2.2 10.0.0.2/24 192.0.2.1 10.0.0.1 10.1.0.1/24
u_spoke "$s3" 198.51.100.2 10.0.0.13/24 192.0.2.1 10.0.0.1 10.13.0.1/24
n "$hub" ip route add 10.1.0.0/24 via 10.0.0.2 dev dmvpn0
n "$hub" ip route add 10.13.0.0/24 via 10.0.0.13 dev dmvpn0
u_hub "$h6" 2001:db8::5 10.60.0.1/24
u_spoke "$a6" 2001:db8::6 10.60.0.2/24 2001:db8::5 10.60.0.1 10.61.0.1/24
u_spoke "$b6" 2001:db8::7 10.60.0.3/24 2001:db8::5 10.60.0.1 10.62.0.1/24
n "$h6" ip route add 10.61.0.0/24 via 10.60.0.2 dev dmvpn0
n "$h6" ip route add 10.62.0.0/24 via 10.60.0.3 dev dmvpn0

u_entry() # NS PROTO TYPE KEY
{
	n "$1" "$DMVPNCTL" -j cache dmvpn0 |
		jq -r --arg p "$2" --arg t "$3" --arg k "$4" \
			'[.[] | select(.proto == $p and .type == $t)][0][$k] // empty'
}
u_is() { [ "$(u_entry "$1" "$2" "$3" "$4")" = "$5" ]; }	# NS PROTO TYPE KEY VALUE
u_ping() # NS SRC DST COUNT: exactly COUNT replies
{
	n "$1" ping -q -I "$2" -c "$4" -i 0.2 -W 2 "$3" 2>&1 |
		grep -q "^$4 packets transmitted, $4 received,"
}
u_peer() { peer_stat "$1" dmvpn0 "$2" "$3"; }	# NS NBMA KEY

ktap_plan 4

all_registered()
{
	wait_for 20 u_is "$hub" 10.0.0.2 dynamic nbma 192.0.2.2 &&
	wait_for 20 u_is "$hub" 10.0.0.13 dynamic nbma 192.0.2.4 &&
	wait_for 20 u_is "$h6" 10.60.0.2 dynamic nbma 2001:db8::6 &&
	wait_for 20 u_is "$h6" 10.60.0.3 dynamic nbma 2001:db8::7
}
run_test "spokes register: one behind NAT (bound post-NAT), two over IPv6" all_registered

# s1 -> the NATed spoke's LAN: the shortcut names the post-NAT address.
to_natted()
{
	local h0 h1 d0 d1
	u_ping "$s1" 10.1.0.1 10.13.0.1 1 || return 1
	wait_for 10 u_is "$s1" 10.13.0.0 shortcut nbma 192.0.2.4 ||
		{ n "$s1" "$DMVPNCTL" -j cache dmvpn0 | jq -c '.[]' | sed 's/^/# /'; return 1; }
	echo "# s1: 10.13.0.0/$(u_entry "$s1" 10.13.0.0 shortcut prefixlen) nbma" \
	     "$(u_entry "$s1" 10.13.0.0 shortcut nbma) claimed $(u_entry "$s1" 10.13.0.0 shortcut nbma-claimed)"
	[ "$(u_entry "$s1" 10.13.0.0 shortcut nbma-claimed)" = 198.51.100.2 ] || return 1
	h0=$(u_peer "$hub" 192.0.2.2 rx-packets); d0=$(u_peer "$s1" 192.0.2.4 tx-packets)
	u_ping "$s1" 10.1.0.1 10.13.0.1 5 || return 1
	h1=$(u_peer "$hub" 192.0.2.2 rx-packets); d1=$(u_peer "$s1" 192.0.2.4 tx-packets)
	echo "# then: via hub $((h1 - h0)), direct to 192.0.2.4 $((d1 - d0))"
	[ $((h1 - h0)) -eq 0 ] && [ $((d1 - d0)) -eq 5 ]
}
run_test "to a spoke behind NAT: shortcut to its post-NAT address, 5 of 5 direct" to_natted

# The NATed spoke's own shortcut toward s1 works through its NAT.
from_natted()
{
	local h0 h1 d0 d1
	wait_for 10 u_is "$s3" 10.1.0.0 shortcut nbma 192.0.2.2 ||
		{ u_ping "$s3" 10.13.0.1 10.1.0.1 1; wait_for 10 u_is "$s3" 10.1.0.0 shortcut nbma 192.0.2.2; } ||
		{ n "$s3" "$DMVPNCTL" -j cache dmvpn0 | jq -c '.[]' | sed 's/^/# /'; return 1; }
	h0=$(u_peer "$hub" 192.0.2.4 rx-packets); d0=$(u_peer "$s3" 192.0.2.2 tx-packets)
	u_ping "$s3" 10.13.0.1 10.1.0.1 5 || return 1
	h1=$(u_peer "$hub" 192.0.2.4 rx-packets); d1=$(u_peer "$s3" 192.0.2.2 tx-packets)
	echo "# NATed spoke: via hub $((h1 - h0)), direct $((d1 - d0))"
	[ $((h1 - h0)) -eq 0 ] && [ $((d1 - d0)) -eq 5 ]
}
run_test "from the spoke behind NAT: its shortcut, 5 of 5 direct" from_natted

over_ipv6()
{
	local h0 h1 d0 d1 r0 r1
	r0=$(u_peer "$h6" 2001:db8::6 rx-packets)
	u_ping "$a6" 10.61.0.1 10.62.0.1 1 || return 1
	r1=$(u_peer "$h6" 2001:db8::6 rx-packets)
	[ $((r1 - r0)) -eq 1 ] || { echo "# first: hub relayed $((r1 - r0))"; return 1; }
	wait_for 10 u_is "$a6" 10.62.0.0 shortcut nbma 2001:db8::7 || return 1
	h0=$(u_peer "$h6" 2001:db8::6 rx-packets); d0=$(u_peer "$a6" 2001:db8::7 tx-packets)
	u_ping "$a6" 10.61.0.1 10.62.0.1 5 || return 1
	h1=$(u_peer "$h6" 2001:db8::6 rx-packets); d1=$(u_peer "$a6" 2001:db8::7 tx-packets)
	echo "# IPv6 underlay: via hub $((h1 - h0)), direct $((d1 - d0))"
	[ $((h1 - h0)) -eq 0 ] && [ $((d1 - d0)) -eq 5 ]
}
run_test "IPv6 underlay: 1 relayed, shortcut to 2001:db8::7, 5 of 5 direct" over_ipv6

ktap_finish
