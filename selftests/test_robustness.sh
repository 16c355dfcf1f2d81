#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lifetimes: nothing leaks, nothing crashes when things go away under load.
#
#   $a 192.0.2.1 ---- $inet (br0) ---- 192.0.2.2 $b
#   dmvpn0: 10.0.0.1/24 <-> 10.0.0.2/24, iperf3 between them
#
# The VM runs with panic_on_warn=1: any WARN or oops ends the run, so a
# step that survives and leaves a clean log has passed. Object creation
# and destruction are traced with pr_debug (dynamic debug) and counted.
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip ping iperf3
load_dmvpn
ddc=/sys/kernel/debug/dynamic_debug/control
[ -w "$ddc" ] || skip_all "dynamic debug not available"
echo 'module dmvpn +p' > "$ddc"

pair_up() # NS_A NS_B
{
	local x ns i o
	for x in "$1:1:2" "$2:2:1"; do
		IFS=: read -r ns i o <<< "$x"
		n "$ns" ip link add dmvpn0 type dmvpn local 192.0.2.$i || return 1
		n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
		n "$ns" ip link set dmvpn0 up
		n "$ns" "$DMVPNCTL" map add dmvpn0 10.0.0.$o 192.0.2.$o || return 1
	done
}

traffic() # NS_CLIENT NS_SERVER: iperf3 running in the background
{
	n "$2" iperf3 -s -D -B 10.0.0.2 >/dev/null
	wait_for 5 n "$2" sh -c 'ss -ltn | grep -q "10.0.0.2:5201"' || return 1
	n "$1" timeout 30 iperf3 -c 10.0.0.2 -t 20 >/dev/null 2>&1 &
	# Running once bytes flow through the tunnel.
	wait_for 10 sh -c "[ \$(ip netns exec $2 cat /sys/class/net/dmvpn0/statistics/rx_bytes) -gt 1000000 ]"
}

count() { dmesg | grep -c "dmvpn: $1"; }

balanced() # what: created == freed, once RCU callbacks have run
{
	wait_for 30 sh -c "[ \$(dmesg | grep -c 'dmvpn: $1 .* created') -eq \$(dmesg | grep -c 'dmvpn: $1 .* freed') ]"
}

ktap_plan 5

a=$(ns_name a); b=$(ns_name b)
topo_create "$a" "$b"

create_delete_loop()
{
	local i
	dmesg -C
	for i in $(seq 1 100); do
		n "$a" ip link add dmvpn0 type dmvpn local 192.0.2.1 || return 1
		n "$a" "$DMVPNCTL" map add dmvpn0 10.0.0.2 192.0.2.2 multicast
		n "$a" "$DMVPNCTL" map add dmvpn0 10.0.0.3 192.0.2.3
		n "$a" "$DMVPNCTL" map add dmvpn0 10.9.0.0/16 192.0.2.2
		n "$a" ip link del dmvpn0 || return 1
	done
	balanced device && balanced peer || return 1
	echo "# 100 devices: $(count 'device .* created') created, $(count 'device .* freed') freed;" \
	     "peers $(count 'peer .* created')/$(count 'peer .* freed')"
	[ "$(count 'device .* created')" -eq 100 ] && [ "$(count 'peer .* created')" -eq 200 ]
}
run_test "create/delete 100 devices with maps: every object freed" create_delete_loop

netns_move()
{
	local o
	o=$(ns_name overlay)
	n "$a" ip link add dmvpn0 type dmvpn local 192.0.2.1 &&
	n "$a" ip link set dmvpn0 netns "$o" &&
	n "$o" ip addr add 10.0.0.1/24 dev dmvpn0 &&
	n "$o" ip link set dmvpn0 up &&
	n "$o" "$DMVPNCTL" map add dmvpn0 10.0.0.2 192.0.2.2 || return 1
	n "$b" ip link add dmvpn0 type dmvpn local 192.0.2.2
	n "$b" ip addr add 10.0.0.2/24 dev dmvpn0
	n "$b" ip link set dmvpn0 up
	n "$b" "$DMVPNCTL" map add dmvpn0 10.0.0.1 192.0.2.1
	# The overlay namespace has no underlay route at all.
	ping_ok "$o" 10.0.0.2 || return 1
	n "$o" ip link del dmvpn0 && n "$b" ip link del dmvpn0 && ip netns del "$o"
}
run_test "device moved to another namespace keeps its underlay" netns_move

delete_ns_under_load()
{
	local c d
	c=$(ns_name c); d=$(ns_name d)
	topo_create "$c" "$d"
	pair_up "$c" "$d" && traffic "$c" "$d" || return 1
	# A namespace lives while processes are in it: delete, then kill them.
	local pids
	pids=$(ip netns pids "$c"; ip netns pids "$d")
	ip netns del "$c"; ip netns del "$d"
	kill $pids
	balanced device
}
run_test "namespaces deleted while iperf3 runs" delete_ns_under_load

delete_dev_under_load()
{
	pair_up "$a" "$b" && traffic "$a" "$b" || return 1
	n "$a" ip link del dmvpn0 && n "$b" ip link del dmvpn0 || return 1
	pkill iperf3; balanced device && balanced peer
}
run_test "devices deleted while iperf3 runs" delete_dev_under_load

rmmod_under_load()
{
	pair_up "$a" "$b" && traffic "$a" "$b" || return 1
	rmmod dmvpn || return 1
	pkill iperf3
	insmod "$DMVPN_KO" && pair_up "$a" "$b" &&
	ping_ok "$a" 10.0.0.2 2
}
run_test "rmmod while iperf3 runs, then reload" rmmod_under_load

ktap_finish
