#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Two hubs, NHS priorities: a spoke registers with both, sends what it
# cannot resolve via the preferred one, fails over when it stops
# answering and falls back when it returns.
#
#                    +------------- $inet -------------+
#                    +----+-----------+-----------+----+
#   underlay     192.0.2.1|  192.0.2.2|  192.0.2.3|
#                    +----+---+  +----+---+  +----+---+
#                    |  $ha   |  |  $hb   |  |  $s1   |
#                    +--------+  +--------+  +--------+
#   dmvpn0          10.0.0.1/24  10.0.0.2    10.0.0.3
#   NHS priority      0            1
#
# 10.0.0.99 belongs to nobody: the answer is negative and its packets keep
# going via the current NHS, which the per-peer counters show.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq
load_dmvpn

ha=$(ns_name ha); hb=$(ns_name hb); s1=$(ns_name s1)
topo_create "$ha" "$hb" "$s1"

hub() { hub_up "$1" 192.0.2.$2 10.0.0.$2/24 holdtime 60; }	# NS INDEX
hub "$ha" 1
hub "$hb" 2
n "$s1" ip link add dmvpn0 type dmvpn local 192.0.2.3 holdtime 60 \
	registration-timeout 2 nhs dynamic nbma 192.0.2.1 priority 0 \
	nhs dynamic nbma 192.0.2.2 priority 1
# No IPv6 on the spoke's tunnel: its MLD and RS multicast would reach both
# NHSes and blur the counts.
n "$s1" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1
n "$s1" ip addr add 10.0.0.3/24 dev dmvpn0
n "$s1" ip link set dmvpn0 up

nhs_state() { nhs_field "$s1" state "$1"; }
is_state() { [ "$(nhs_state "$1")" = "$2" ]; }
peer_tx() { peer_stat "$s1" dmvpn0 "$1" tx-packets; }

# via EXPECTED OTHER: 3 packets to nobody go to EXPECTED, none to OTHER.
via()
{
	local e0 o0 e1 o1
	e0=$(peer_tx "$1"); o0=$(peer_tx "$2")
	ping_none "$s1" 10.0.0.99 3 || return 1
	e1=$(peer_tx "$1"); o1=$(peer_tx "$2")
	echo "# unresolvable traffic: $1 +$((e1 - e0)), $2 +$((o1 - o0))"
	[ $((e1 - e0)) -eq 3 ] && [ $((o1 - o0)) -eq 0 ]
}

ktap_plan 3

both_up()
{
	wait_for 15 is_state 192.0.2.1 up && wait_for 15 is_state 192.0.2.2 up ||
		{ n "$s1" "$DMVPNCTL" -p nhs dmvpn0 | sed 's/^/# /'; return 1; }
	via 192.0.2.1 192.0.2.2
}
run_test "registered with both NHSes; traffic via the preferred one" both_up

failover()
{
	local t0 t1
	n "$ha" ip link del dmvpn0
	t0=$(date +%s%N)
	wait_for 20 is_state 192.0.2.1 down || { echo "# NHS A still $(nhs_state 192.0.2.1)"; return 1; }
	t1=$(date +%s%N)
	echo "# preferred NHS down $(( (t1 - t0) / 1000000 )) ms after it stopped answering"
	is_state 192.0.2.2 up && via 192.0.2.2 192.0.2.1
}
run_test "preferred NHS stops answering: marked down, traffic fails over" failover

fallback()
{
	hub "$ha" 1
	wait_for 20 is_state 192.0.2.1 up || { echo "# NHS A still $(nhs_state 192.0.2.1)"; return 1; }
	via 192.0.2.1 192.0.2.2
}
run_test "preferred NHS back: registered again, traffic falls back" fallback

ktap_finish
