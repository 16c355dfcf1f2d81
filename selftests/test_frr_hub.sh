#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# NHRP interop, part (b): dmvpn spokes register with an FRR nhrpd 8.4 hub
# (Debian frr, on the kernel's ip_gre) and resolve other spokes through it
# (Phase 2). Part (a), an FRR spoke on a dmvpn hub, is test_frr_spoke.sh.
#
#          +---------------------- $inet (br0) ----------------------+
#          |          tcpdump: every GRE packet -> tshark            |
#          +-------+--------------+--------------+--------------+----+
#                  |              |              |              |
#  underlay    192.0.2.1      192.0.2.2      192.0.2.3      192.0.2.4
#          +-------+----+  +------+-----+  +-----+------+  +-----+------+
#          |   $hub     |  |    $sa     |  |    $sb     |  |    $sc     |
#          | FRR hub    |  | dmvpn0     |  | FRR spoke  |  | dmvpn0     |
#          | gre1       |  | spoke A    |  | gre1       |  | spoke C    |
#          | 10.0.0.1/32|  | 10.0.0.2/24|  | 10.0.0.3/32|  | 10.0.0.4/24|
#          +------------+  +------------+  +------------+  +------------+
#
# Every spoke: NHS dynamic, NBMA 192.0.2.1. GRE key 42, holdtime 120 (a
# resolved entry left unused expires with its holding time: slow emulated
# runs must not outlive it between resolving and counting),
# registration no-unique, no NHRP authentication (FRR 8.4 has none); the
# FRR hub has no redirect. B routes 10.0.0.0/24 via the hub, which is also
# what makes nhrpd answer resolution requests (with ip nhrp shortcut).
# A's first packet to B (and to C) has no entry: it goes via the NHS while
# A sends a Resolution Request, which the FRR hub relays to B (C), whose
# reply gives A a resolved entry; from then on A sends directly.
set -u
FRR_HOLDTIME=120
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_frr.sh"

require_cmd ip ping jq tcpdump tshark
frr_require
load_dmvpn

hub=$(ns_name hub); sa=$(ns_name sa); sb=$(ns_name sb); sc=$(ns_name sc)
topo_create "$hub" "$sa" "$sb" "$sc"
frr_capture_start || { echo "# tcpdump did not start"; exit $KSFT_FAIL; }
t_cap=$SECONDS

ktap_plan 6

# Everything is set up even when one node fails: later tests then show
# which side is at fault.
setup()
{
	local rc=0 t=$SECONDS
	frr_node "$hub" hub 192.0.2.1 10.0.0.1 nostart || rc=1
	frr_node "$sb" spoke 192.0.2.3 10.0.0.3 nhs=192.0.2.1 \
		kroute=10.0.0.0/24,10.0.0.1 nostart || rc=1
	[ -z "${V:-}" ] || echo "# configured after $((SECONDS - t))s"
	frr_start "$hub" "$sb" || rc=1
	dmvpn_node "$sa" 192.0.2.2 10.0.0.2/24 192.0.2.1 || rc=1
	dmvpn_node "$sc" 192.0.2.4 10.0.0.4/24 192.0.2.1 || rc=1
	return $rc
}
run_test "FRR hub, FRR spoke and two dmvpn spokes come up" timed setup

registers()
{
	local rc=0 s
	wait_for 30 nhs_up "$sa" 192.0.2.1 10.0.0.1 || rc=1
	wait_for 30 nhs_up "$sc" 192.0.2.1 10.0.0.1 || rc=1
	# nhrpd on the hub bound both, and its own spoke B as reference.
	wait_for 10 frr_neigh "$hub" 10.0.0.2 192.0.2.2 || rc=1
	wait_for 10 frr_neigh "$hub" 10.0.0.4 192.0.2.4 || rc=1
	wait_for 10 frr_neigh "$hub" 10.0.0.3 192.0.2.3 || rc=1
	for s in "$sa" "$sc"; do
		ctl "$s" -j nhs dmvpn0 | jq -r '.[] | "# \(.nbma) \(.state) learned \(."learned-proto") sent \(.sent) replies \(.replies) code \(."last-code")"'
	done
	[ $rc -eq 0 ] || { show_dmvpn "$sa"; show_dmvpn "$sc"; show_frr "$hub" 40; }
	return $rc
}
run_test "dmvpn spokes register with the FRR hub" timed registers

# resolve DST NBMA: A's first packet to DST goes via the NHS and starts a
# resolution; the FRR hub relays it, DST's owner answers, A installs a
# resolved entry and then sends to NBMA directly.
resolve()
{
	local dst=$1 nbma=$2 v0 v1 h0 h1 t
	v0=$(ctl "$sa" -j stats dmvpn0 | jq '."tx-via-nhs"')
	h0=$(peer_counts "$sa" 192.0.2.1)
	# (no claim on the first packet's answer)
	ping_run "$sa" "$dst" 1 -W 3 ||
		echo "# first packet to $dst (via the NHS) got no answer"
	v1=$(ctl "$sa" -j stats dmvpn0 | jq '."tx-via-nhs"')
	h1=$(peer_counts "$sa" 192.0.2.1)
	echo "# first packet: tx-via-nhs +$((v1 - v0)), hub peer tx +$((${h1% *} - ${h0% *}))"
	t=$SECONDS
	if ! wait_for 15 has_entry "$sa" "$dst" resolved "$nbma"; then
		echo "# no resolved entry for $dst"
		show_dmvpn "$sa"; show_frr "$hub" 40; show_frr "$sb" 25
		return 1
	fi
	ctl "$sa" -j cache dmvpn0 | jq -r --arg p "$dst" '.[] | select(.proto == $p) |
		"# A: \(.proto)/\(.prefixlen) \(.type) nbma \(.nbma) via \(.via // "-") expires \(.expires)"'
	echo "# resolved entry seen $((SECONDS - t))s after the first packet's answer"
	# Now direct; the answers may still come back through the hub.
	local txd rxd txh rxh rc
	read -r txd rxd txh rxh rc <<< "$(counted_ping "$sa" "$dst" 5 "$sa" "$nbma" 192.0.2.1)"
	echo "# resolved, 5 pings: tx/rx to $nbma $txd/$rxd, to the hub $txh/$rxh, ping rc $rc"
	[ $((v1 - v0)) -eq 1 ] && [ $((${h1% *} - ${h0% *})) -ge 1 ] &&
	[ "$rc" = 0 ] && [ "$txd" = 5 ] && [ "$txh" = 0 ] && [ $((rxd + rxh)) -eq 5 ]
}
run_test "dmvpn spoke A resolves FRR spoke B through the FRR hub" \
	timed resolve 10.0.0.3 192.0.2.3
run_test "dmvpn spoke A resolves dmvpn spoke C through the FRR hub" \
	timed resolve 10.0.0.4 192.0.2.4

# Every NHRP packet of the scenario, exactly:
# - A, B and C register, and again every holdtime / 3 (40 s): at most one
#   request each per 40 s begun; the hub answers each.
# - A resolves B and C through the hub (requests A -> hub, relayed hub ->
#   B and hub -> C); B answers through the hub (B -> hub -> A), C
#   directly (C -> A). A retries an unanswered request after 1, 2, 4 and
#   7 s: at most 5 tries each within the 15 s the test waits, and every
#   try relayed and answered alike (the equalities below).
# - C may answer A's first ping (which reaches it via the hub) before
#   A's request has taught it A: then C resolves A too (C -> hub, hub ->
#   A, A answers C directly): 0 or more tries, same equalities.
frr_count() { nhrp_capture_n "$FRR_CAP" "$1"; }	# SRC,DST,TYPE
underlay()
{
	local r=$((1 + (SECONDS - t_cap) / 40)) t=5 rb rc q
	nhrp_capture_stop "$FRR_CAP"
	nhrp_capture_check "$FRR_CAP" "
		192.0.2.2,192.0.2.1,3:1-$r 192.0.2.1,192.0.2.2,4:1-$r
		192.0.2.3,192.0.2.1,3:1-$r 192.0.2.1,192.0.2.3,4:1-$r
		192.0.2.4,192.0.2.1,3:1-$r 192.0.2.1,192.0.2.4,4:1-$r
		192.0.2.2,192.0.2.1,1:2-$((2 * t))
		192.0.2.1,192.0.2.3,1:1-$t 192.0.2.3,192.0.2.1,2:1-$t
		192.0.2.1,192.0.2.2,2:1-$t
		192.0.2.1,192.0.2.4,1:1-$t 192.0.2.4,192.0.2.2,2:1-$t
		192.0.2.4,192.0.2.1,1:0-$t 192.0.2.1,192.0.2.2,1:0-$t
		192.0.2.2,192.0.2.4,2:0-$t" &&
	nhrp_capture_answered "$FRR_CAP" 1 3 || return 1
	rb=$(frr_count 192.0.2.1,192.0.2.3,1) rc=$(frr_count 192.0.2.1,192.0.2.4,1)
	q=$(frr_count 192.0.2.4,192.0.2.1,1)
	echo "# A's tries for B $rb, for C $rc; C's for A $q"
	[ "$(frr_count 192.0.2.2,192.0.2.1,1)" -eq $((rb + rc)) ] &&
	[ "$(frr_count 192.0.2.3,192.0.2.1,2)" -eq "$rb" ] &&
	[ "$(frr_count 192.0.2.1,192.0.2.2,2)" -eq "$rb" ] &&
	[ "$(frr_count 192.0.2.4,192.0.2.2,2)" -eq "$rc" ] &&
	[ "$(frr_count 192.0.2.1,192.0.2.2,1)" -eq "$q" ] &&
	[ "$(frr_count 192.0.2.2,192.0.2.4,2)" -eq "$q" ] &&
	for s in 2 3 4; do
		[ "$(frr_count 192.0.2.$s,192.0.2.1,3)" -eq \
		  "$(frr_count 192.0.2.1,192.0.2.$s,4)" ] || return 1
	done
}
run_test "NHRP in the underlay: exactly the scenario's, decoded cleanly (tshark)" \
	timed underlay
run_test "FRR's nhrpd logged no dropped or unrelayable NHRP packet" \
	frr_log_clean "$hub" "$sb"

ktap_finish
