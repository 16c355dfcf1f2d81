#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# An IPv6 underlay whose links carry 1280 bytes: a tunnel packet larger
# than that leaves in outer IPv6 fragments (the inner packet allows it),
# and the receiving dmvpn gets it whole (IPv6 reassembles after LOCAL_IN,
# where dmvpn's hook is; dmvpn turns on the namespace's IPv6 defrag).
#
#   $a 2001:db8::1 ---- $inet (br0), MTU 1280 ---- 2001:db8::2 $b
#   dmvpn0 10.0.0.1/24, fd00::1/64        dmvpn0 10.0.0.2/24, fd00::2/64
#   (static maps)
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip ping
load_dmvpn

a=$(ns_name a); b=$(ns_name b)
topo_create "$a" "$b"
inet=$(topo_inet)
for i in 1 2; do
	ns=$(topo_site "$i")
	n "$inet" ip link set "s$i" mtu 1280
	n "$ns" ip link set eth0 mtu 1280
	n "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
	n "$ns" ip link add dmvpn0 type dmvpn local 2001:db8::$i
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	n "$ns" ip addr add fd00::$i/64 dev dmvpn0 nodad
	n "$ns" ip link set dmvpn0 up
	n "$ns" "$DMVPNCTL" map add dmvpn0 10.0.0.$((3 - i)) 2001:db8::$((3 - i))
	n "$ns" "$DMVPNCTL" map add dmvpn0 fd00::$((3 - i)) 2001:db8::$((3 - i))
done

ktap_plan 2

# frags NS: outer IPv6 packets NS sent in fragments (Ip6FragOKs).
frags() { n "$1" awk '$1 == "Ip6FragOKs" { print $2 }' /proc/net/snmp6; }

# ping_frag DST SIZE: 5 pings of SIZE bytes to DST, each way one
# fragmented outer packet (a's request, b's reply), all 5 answered.
ping_frag()
{
	local fa0 fb0 fa1 fb1
	fa0=$(frags "$a"); fb0=$(frags "$b")
	ping_ok "$a" "$1" 5 -s "$2" -M dont -i 0.2
	local rc=$?
	fa1=$(frags "$a"); fb1=$(frags "$b")
	echo "# dmvpn0 mtu $(n "$a" cat /sys/class/net/dmvpn0/mtu); 5 pings of $2 bytes to $1: $PING_STATS"
	echo "# fragmented outer packets: a +$((fa1 - fa0)), b +$((fb1 - fb0))"
	[ $rc -eq 0 ] && [ $((fa1 - fa0)) -eq 5 ] && [ $((fb1 - fb0)) -eq 5 ]
}
run_test "IPv4 over an IPv6 underlay of MTU 1280: 1400-byte pings in outer fragments, 5 of 5" \
	ping_frag 10.0.0.2 1400
run_test "IPv6 over it: 1380-byte pings in outer fragments, 5 of 5" \
	ping_frag fd00::2 1380

ktap_finish
