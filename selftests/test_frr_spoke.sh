#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# NHRP interop, part (a): an FRR nhrpd 8.4 spoke (Debian frr, on the
# kernel's ip_gre) registers with a dmvpn hub; traffic flows both ways.
# Part (b), dmvpn spokes on an FRR hub, is test_frr_hub.sh.
#
#          +------------- $inet (br0) -------------+
#          |  tcpdump: every GRE packet -> tshark  |
#          +------+-------------------------+------+
#                 |                         |
#  underlay   192.0.2.1                 192.0.2.2
#          +------+------+           +------+------+
#          |    $hub     |           |    $frr     |
#          |   dmvpn0    |           | gre1 ip_gre |
#          | 10.0.0.1/24 |           | 10.0.0.2/32 |
#          |  (no NHS)   |           | nhrpd: nhs  |
#          +-------------+           | dynamic nbma|
#                                    |  192.0.2.1  |
#                                    +-------------+
#
# GRE key 42, holdtime 30, registration no-unique, no NHRP authentication
# (FRR 8.4 has none). The hub has no per-spoke configuration: it learns
# 10.0.0.2 from the registration; the FRR spoke learns the hub's tunnel
# address from the reply and routes 10.0.0.0/24 through it.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_frr.sh"

require_cmd ip ping jq tcpdump tshark
frr_require
load_dmvpn

hub=$(ns_name hub); frr=$(ns_name frr)
topo_create "$hub" "$frr"
frr_capture_start || { echo "# tcpdump did not start"; exit $KSFT_FAIL; }
t_cap=$SECONDS

ktap_plan 5

setup()
{
	dmvpn_node "$hub" 192.0.2.1 10.0.0.1/24 &&
	frr_node "$frr" spoke 192.0.2.2 10.0.0.2 nhs=192.0.2.1 \
		kroute=10.0.0.0/24,10.0.0.1
}
run_test "dmvpn hub and FRR spoke come up" timed setup

registers()
{
	local rc=0
	wait_for 30 has_entry "$hub" 10.0.0.2 dynamic 192.0.2.2 || rc=1
	# nhrpd took the hub's tunnel address from the reply.
	wait_for 10 frr_neigh "$frr" 10.0.0.1 192.0.2.1 || rc=1
	ctl "$hub" -j cache dmvpn0 | jq -r '.[] | select(.proto == "10.0.0.2") |
		"# hub: \(.proto)/\(.prefixlen) \(.type) nbma \(.nbma) expires \(.expires)"'
	[ $rc -eq 0 ] || { show_dmvpn "$hub"; show_frr "$frr"; }
	return $rc
}
run_test "FRR spoke registers with the dmvpn hub" timed registers

traffic()
{
	local d1 d2
	d1=$(counted_ping "$hub" 10.0.0.2 5 "$hub" 192.0.2.2)
	d2=$(counted_ping "$frr" 10.0.0.1 5 "$hub" 192.0.2.2)
	echo "# hub peer 192.0.2.2 tx rx ping-rc: hub->FRR $d1, FRR->hub $d2"
	[ "$d1" = "5 5 0" ] && [ "$d2" = "5 5 0" ]
}
run_test "dmvpn hub <-> FRR spoke, exact per-peer counters" timed traffic

# The FRR spoke registers, and again every holdtime / 3 (10 s): at most
# one request per 10 s begun; the hub answers each. Nothing else: the
# traffic needs no resolution (each side has the other's entry).
underlay()
{
	local r=$((1 + (SECONDS - t_cap) / 10))
	nhrp_capture_stop "$FRR_CAP"
	nhrp_capture_check "$FRR_CAP" \
		"192.0.2.2,192.0.2.1,3:1-$r 192.0.2.1,192.0.2.2,4:1-$r" &&
	nhrp_capture_answered "$FRR_CAP" 3 &&
	[ "$(nhrp_capture_n "$FRR_CAP" 3)" -eq "$(nhrp_capture_n "$FRR_CAP" 4)" ]
}
run_test "NHRP in the underlay: registrations answered, decoded cleanly (tshark)" \
	timed underlay
run_test "FRR's nhrpd logged no dropped NHRP packet" frr_log_clean "$frr"

ktap_finish
