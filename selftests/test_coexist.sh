#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn beside the kernel's ip_gre in the same namespaces.
#
#                 +----------- $inet (br0) -----------+
#                 |                 |                 |
#          192.0.2.1 $a      192.0.2.2 $b      192.0.2.3 $c
#   dmvpn0 (local any) 10.0.0.1/24 <-> 10.0.0.2/24 $b  (static maps)
#   gtun   10.99.0.1/30 <-> 10.99.0.2/30 $c            (point-to-point ip_gre)
#   gtap   10.98.0.1/30 <-> 10.98.0.2/30 $c            (point-to-point gretap)
#
# (gre0 is ip_gre's per-namespace fallback device, hence gtun.) All three
# keyless, with rp_filter on: a packet decapsulated by the wrong device is
# dropped. $a's dmvpn0 listens on any address, so every keyless GRE
# packet to $a is one it could claim. ip_gre owns the GRE
# protocol slot; dmvpn's hook sees GRE first and leaves what a
# point-to-point tunnel of ip_gre's matches, and payloads it does not
# carry (Ethernet), to ip_gre: each tunnel gets exactly its own packets,
# and unloading either module leaves the other working.
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip ping modprobe
load_dmvpn
modprobe ip_gre || skip_all "ip_gre not available"

a=$(ns_name a); b=$(ns_name b); c=$(ns_name c)
topo_create "$a" "$b" "$c"
# Strict reverse-path filtering; no IPv6 (no router solicitations or MLD
# on the tunnels: the counts below are the pings' alone).
for ns in "$a" "$b" "$c"; do
	n "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1 \
		net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done

gre_up()
{
	n "$a" ip link add gtun type gre local 192.0.2.1 remote 192.0.2.3 &&
	n "$c" ip link add gtun type gre local 192.0.2.3 remote 192.0.2.1 &&
	n "$a" ip addr add 10.99.0.1/30 dev gtun &&
	n "$c" ip addr add 10.99.0.2/30 dev gtun &&
	n "$a" ip link set gtun up && n "$c" ip link set gtun up &&
	n "$a" ip link add gtap type gretap local 192.0.2.1 remote 192.0.2.3 &&
	n "$c" ip link add gtap type gretap local 192.0.2.3 remote 192.0.2.1 &&
	n "$a" ip addr add 10.98.0.1/30 dev gtap &&
	n "$c" ip addr add 10.98.0.2/30 dev gtap &&
	n "$a" ip link set gtap up && n "$c" ip link set gtap up
}
gre_down() { local ns; for ns in "$a" "$c"; do n "$ns" ip link del gtun; n "$ns" ip link del gtap; done; }

dmvpn_up()
{
	n "$a" ip link add dmvpn0 type dmvpn &&
	n "$b" ip link add dmvpn0 type dmvpn local 192.0.2.2 &&
	n "$a" ip addr add 10.0.0.1/24 dev dmvpn0 &&
	n "$b" ip addr add 10.0.0.2/24 dev dmvpn0 &&
	n "$a" ip link set dmvpn0 up && n "$b" ip link set dmvpn0 up &&
	n "$a" "$DMVPNCTL" map add dmvpn0 10.0.0.2 192.0.2.2 &&
	n "$b" "$DMVPNCTL" map add dmvpn0 10.0.0.1 192.0.2.1
}

ktap_plan 5

both_up() { gre_up && dmvpn_up; }
run_test "both tunnels come up" both_up

rx() { n "$a" cat "/sys/class/net/$1/statistics/rx_packets"; }
together()
{
	local p1 p2 p3 rc=0 g0 g1 d0 d1
	g0=$(rx gtun); d0=$(rx dmvpn0)
	ping_ok "$a" 10.99.0.2 20 -i 0.05 & p1=$!
	ping_ok "$a" 10.0.0.2 20 -i 0.05 & p2=$!
	ping_ok "$a" 10.98.0.2 20 -i 0.05 & p3=$!
	wait $p1 || rc=1
	wait $p2 || rc=1
	wait $p3 || rc=1
	g1=$(rx gtun); d1=$(rx dmvpn0)
	echo "# 20 pings on each: gtun received +$((g1 - g0)), dmvpn0 +$((d1 - d0)) (from 192.0.2.2: $(peer_stat "$a" dmvpn0 192.0.2.2 rx-packets)), dmvpn0 rx-bad-proto $(dev_stat "$a" dmvpn0 rx-bad-proto)"
	[ $rc -eq 0 ] && [ $((g1 - g0)) -eq 20 ] && [ $((d1 - d0)) -eq 20 ] &&
	[ "$(dev_stat "$a" dmvpn0 rx-bad-proto)" -eq 0 ]
}
run_test "gre, gretap and dmvpn carry traffic at the same time, each exactly its own (rp_filter on)" together

unload_gre()
{
	gre_down
	rmmod ip_gre || return 1
	ping_ok "$a" 10.0.0.2
}
run_test "rmmod ip_gre: dmvpn still works" unload_gre

unload_dmvpn()
{
	modprobe ip_gre && gre_up || return 1
	n "$a" ip link del dmvpn0; n "$b" ip link del dmvpn0
	rmmod dmvpn || return 1
	ping_ok "$a" 10.99.0.2 && ping_ok "$a" 10.98.0.2
}
run_test "rmmod dmvpn: ip_gre still works" unload_dmvpn

reload()
{
	# ip_gre's tunnels exist before dmvpn loads: it must find them.
	insmod "$DMVPN_KO" && dmvpn_up && ping_ok "$a" 10.0.0.2 &&
	ping_ok "$a" 10.99.0.2 && ping_ok "$a" 10.98.0.2
}
run_test "dmvpn reloaded beside ip_gre" reload

ktap_finish
