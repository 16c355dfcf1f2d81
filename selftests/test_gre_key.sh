#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# GRE keys: only packets with the device's key reach the device.
#
#            +------------ $inet (br0) ------------+
#            |                  |                  |
#   192.0.2.1|         192.0.2.2|         192.0.2.3|
#        +---+---+          +---+---+          +---+---+
#        |  $a   |          |  $b   |          |  $c   |
#        +-------+          +-------+          +-------+
#   k42: 10.42.0.1/24       10.42.0.2/24       10.42.0.3/24 (key 43!)
#   nokey: 10.0.0.1/24      10.0.0.2/24
#
# a and b carry a keyed (42) and an unkeyed device side by side; c claims
# to be in the key-42 cloud but uses key 43.
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip ping jq
load_dmvpn

a=$(ns_name a); b=$(ns_name b); c=$(ns_name c)
topo_create "$a" "$b" "$c"

mkdev() # NS DEV LOCAL KEY|nokey ADDR
{
	if [ "$4" = nokey ]; then
		n "$1" ip link add "$2" type dmvpn local "$3"
	else
		n "$1" ip link add "$2" type dmvpn local "$3" key "$4"
	fi
	n "$1" ip addr add "$5/24" dev "$2"
	n "$1" ip link set "$2" up
}
mkdev "$a" k42 192.0.2.1 42 10.42.0.1
mkdev "$b" k42 192.0.2.2 42 10.42.0.2
mkdev "$c" k42 192.0.2.3 43 10.42.0.3
mkdev "$a" plain 192.0.2.1 nokey 10.0.0.1
mkdev "$b" plain 192.0.2.2 nokey 10.0.0.2
for x in "$a:1" "$b:2" "$c:3"; do
	ns=${x%:*}
	for j in 1 2 3; do
		[ "${x#*:}" = "$j" ] && continue
		n "$ns" "$DMVPNCTL" map add k42 10.42.0.$j 192.0.2.$j
	done
done
n "$a" "$DMVPNCTL" map add plain 10.0.0.2 192.0.2.2
n "$b" "$DMVPNCTL" map add plain 10.0.0.1 192.0.2.1

rx_packets() { n "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

ktap_plan 4

run_test "matching key 42 delivered" ping_ok "$a" 10.42.0.2

mismatch()
{
	local before after
	before=$(rx_packets "$c" k42)
	ping_none "$a" 10.42.0.3 2 || return 1
	after=$(rx_packets "$c" k42)
	echo "# key-43 device rx_packets $before -> $after"
	[ "$before" -eq "$after" ]
}
run_test "key 42 packets not delivered to a key 43 device" mismatch

run_test "unkeyed device beside a keyed one" ping_ok "$a" 10.0.0.2

both()
{
	local k0 p0
	k0=$(rx_packets "$b" k42); p0=$(rx_packets "$b" plain)
	ping_ok "$a" 10.42.0.2 4 -i 0.1 && ping_ok "$a" 10.0.0.2 4 -i 0.1 || return 1
	echo "# keyed rx +$(( $(rx_packets "$b" k42) - k0 )), unkeyed rx +$(( $(rx_packets "$b" plain) - p0 ))"
	[ $(( $(rx_packets "$b" k42) - k0 )) -eq 4 ] &&
	[ $(( $(rx_packets "$b" plain) - p0 )) -eq 4 ]
}
run_test "each device receives exactly its own packets" both

ktap_finish
