#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn beside the kernel's ip_gre in the same namespaces.
#
#   $a 192.0.2.1 ---- $inet (br0) ---- 192.0.2.2 $b
#   gtun:  10.99.0.1/30 <-> 10.99.0.2/30   (point-to-point ip_gre)
#   dmvpn0: 10.0.0.1/24 <-> 10.0.0.2/24    (static maps)
#
# (gre0 is ip_gre's per-namespace fallback device, hence gtun.)
# ip_gre owns the GRE protocol slot; dmvpn's hook claims only its own
# (local, key), so both tunnels work, and unloading either module leaves
# the other working.
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip ping modprobe
load_dmvpn
modprobe ip_gre || skip_all "ip_gre not available"

a=$(ns_name a); b=$(ns_name b)
topo_create "$a" "$b"

gre_up()
{
	n "$a" ip link add gtun type gre local 192.0.2.1 remote 192.0.2.2 &&
	n "$b" ip link add gtun type gre local 192.0.2.2 remote 192.0.2.1 &&
	n "$a" ip addr add 10.99.0.1/30 dev gtun &&
	n "$b" ip addr add 10.99.0.2/30 dev gtun &&
	n "$a" ip link set gtun up && n "$b" ip link set gtun up
}

dmvpn_up()
{
	n "$a" ip link add dmvpn0 type dmvpn local 192.0.2.1 &&
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

together()
{
	local p1 p2 rc=0
	ping_ok "$a" 10.99.0.2 20 -i 0.05 & p1=$!
	ping_ok "$a" 10.0.0.2 20 -i 0.05 & p2=$!
	wait $p1 || rc=1
	wait $p2 || rc=1
	return $rc
}
run_test "ip_gre and dmvpn carry traffic at the same time" together

unload_gre()
{
	n "$a" ip link del gtun; n "$b" ip link del gtun
	rmmod ip_gre || return 1
	ping_ok "$a" 10.0.0.2
}
run_test "rmmod ip_gre: dmvpn still works" unload_gre

unload_dmvpn()
{
	modprobe ip_gre && gre_up || return 1
	n "$a" ip link del dmvpn0; n "$b" ip link del dmvpn0
	rmmod dmvpn || return 1
	ping_ok "$a" 10.99.0.2
}
run_test "rmmod dmvpn: ip_gre still works" unload_dmvpn

reload()
{
	insmod "$REPO/kernel/dmvpn.ko" && dmvpn_up && ping_ok "$a" 10.0.0.2 &&
	ping_ok "$a" 10.99.0.2
}
run_test "dmvpn reloaded beside ip_gre" reload

ktap_finish
