#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# NHRP registration and on-demand resolution: a hub with no per-spoke
# configuration and three spokes that register themselves.
#
#                    +------------------- $inet -------------------+
#                    |                  bridge br0                 |
#                    +----+-----------+-----------+-----------+----+
#                         |           |           |           |
#   underlay     192.0.2.1|  192.0.2.2|  192.0.2.3|  192.0.2.4|
#                    +----+---+  +----+---+  +----+---+  +----+---+
#                    |  $hub  |  |  $s1   |  |  $s2   |  |  $s3   |
#                    +--------+  +--------+  +--------+  +--------+
#   dmvpn0          10.0.0.1/24  10.0.0.2    10.0.0.3    10.0.0.4
#                   fd00::1/64   fd00::2     fd00::3     fd00::4
#   LAN                                      10.3.0.1/24 10.4.0.1/24
#
# Spokes: "nhs dynamic nbma 192.0.2.1". Phase 1: s1 reaches s2's LAN via a
# route through the hub. Phase 2: s1 reaches s3's LAN via a route whose
# next hop is s3: resolution, then the direct path.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq tcpdump
load_dmvpn

hub=$(ns_name hub); s1=$(ns_name s1); s2=$(ns_name s2); s3=$(ns_name s3)
topo_create "$hub" "$s1" "$s2" "$s3"

# No router solicitations on the tunnels (new devices): the spokes send
# their multicast to the hub, and the data counts below are exact.
for i in 1 2 3 4; do
	n "$(topo_site "$i")" sysctl -qw net.ipv6.conf.default.router_solicitations=0
done
n "$hub" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
n "$hub" ip link add dmvpn0 type dmvpn local 192.0.2.1 holdtime 60
n "$hub" ip addr add 10.0.0.1/24 dev dmvpn0
n "$hub" ip addr add fd00::1/64 dev dmvpn0 nodad
n "$hub" ip link set dmvpn0 up
for i in 2 3 4; do
	ns=$(topo_site "$i")
	n "$ns" sysctl -qw net.ipv4.ip_forward=1
	n "$ns" ip link add dmvpn0 type dmvpn local 192.0.2.$i holdtime 60 \
		registration-timeout 5 nhs dynamic nbma 192.0.2.1
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	n "$ns" ip addr add fd00::$i/64 dev dmvpn0 nodad
	n "$ns" ip link set dmvpn0 up
done
for i in 3 4; do
	ns=$(topo_site "$i")
	n "$ns" ip link add lan0 type dummy
	n "$ns" ip addr add 10.$i.0.1/24 dev lan0
	n "$ns" ip link set lan0 up
done
n "$hub" ip route add 10.3.0.0/24 via 10.0.0.3 dev dmvpn0
n "$hub" ip route add 10.4.0.0/24 via 10.0.0.4 dev dmvpn0
n "$s1" ip route add 10.3.0.0/24 via 10.0.0.1 dev dmvpn0
n "$s1" ip route add 10.4.0.0/24 via 10.0.0.4 dev dmvpn0

ktap_plan 10

all_registered()
{
	local i
	for i in 2 3 4; do
		wait_for 15 registered "$hub" 10.0.0.$i 192.0.2.$i || { echo "# 10.0.0.$i missing"; return 1; }
		wait_for 10 registered "$hub" fd00::$i 192.0.2.$i || { echo "# fd00::$i missing"; return 1; }
	done
	n "$hub" "$DMVPNCTL" -p cache dmvpn0 | sed -n '1,6p' | sed 's/^/# /'
	echo "# hub accepted $(dev_stat "$hub" dmvpn0 nhrp-reg-accepted) registrations"
}
run_test "three spokes register (IPv4 and IPv6), hub has no per-spoke config" all_registered

nhs_up()
{
	local j
	j=$(n "$s1" "$DMVPNCTL" -j nhs dmvpn0)
	echo "# $(echo "$j" | jq -c '.[0] | {nbma, state, "learned-proto", sent, replies}')"
	[ "$(echo "$j" | jq -r '.[0].state')" = up ] &&
	[ "$(echo "$j" | jq -r '.[0]."learned-proto"')" = 10.0.0.1 ] &&
	[ "$(entry "$s1" 10.0.0.1 nbma)" = 192.0.2.1 ]
}
run_test "spoke: NHS up, hub tunnel address learned from the reply" nhs_up

phase1()
{
	local h0 h1 d0 d1 r0
	r0=$(dev_stat "$s1" dmvpn0 nhrp-res-sent)
	h0=$(peer_stat "$s1" dmvpn0 192.0.2.1 tx-packets)
	d0=$(peer_stat "$s1" dmvpn0 192.0.2.3 tx-packets)
	ping_ok "$s1" 10.3.0.1 5 || return 1
	h1=$(peer_stat "$s1" dmvpn0 192.0.2.1 tx-packets)
	d1=$(peer_stat "$s1" dmvpn0 192.0.2.3 tx-packets)
	echo "# s1 -> hub +$((h1 - h0)), s1 -> s2 direct +$((d1 - d0))"
	[ $((h1 - h0)) -eq 5 ] && [ $((d1 - d0)) -eq 0 ] &&
	[ "$(dev_stat "$s1" dmvpn0 nhrp-res-sent)" -eq "$r0" ]
}
run_test "Phase 1: spoke to spoke LAN via the hub, no resolution sent" phase1

resolved() { [ "$(entry "$1" "$2" type)" = resolved ] && [ "$(entry "$1" "$2" nbma)" = "$3" ]; }
is_type() { [ "$(entry "$1" "$2" type)" = "$3" ]; }	# NS PROTO TYPE
replies_gt() { [ "$(nhs_field "$s1" replies)" -gt "$1" ]; }

# Seconds (3 decimals) from the first data packet s1 sent to the hub for
# s3's LAN to the first one it sent straight to s3, from an underlay capture.
time_to_direct()
{
	tcpdump -tt -nn -r "$1" 2>/dev/null | awk '
		/> 10\.4\.0\.1: ICMP/ && / > 192\.0\.2\.1:/ && !t0 { t0 = $1 }
		/> 10\.4\.0\.1: ICMP/ && / > 192\.0\.2\.4:/ && t0 { printf "%.3f\n", $1 - t0; exit }'
}

phase2()
{
	local via0 h0 h1 d0 d1 dt t0 regs back cap=$TMPDIR/p2.pcap
	via0=$(dev_stat "$s1" dmvpn0 tx-via-nhs)
	nhrp_capture_start "$s1" eth0 "$cap" || return 1
	t0=$SECONDS
	# The first packets go via the hub while s1 resolves 10.0.0.4 (no
	# claim on their answers).
	ping_run "$s1" 10.4.0.1 5 -i 0.05 -W 2
	echo "# first pings: $PING_STATS"
	wait_for 10 resolved "$s1" 10.0.0.4 192.0.2.4 ||
		{ echo "# not resolved"; nhrp_capture_stop "$cap"; return 1; }
	nhrp_capture_stop "$cap"
	dt=$(time_to_direct "$cap")
	echo "# first packet to direct path: ${dt:-?} s (underlay capture)"
	echo "# via NHS meanwhile: $(( $(dev_stat "$s1" dmvpn0 tx-via-nhs) - via0 )) packets"
	[ -n "$dt" ] && [ "$(dev_stat "$s1" dmvpn0 tx-via-nhs)" -gt "$via0" ] || return 1
	# The NHRP of the exchange, as s1's underlay saw it, decodes cleanly:
	# s1's one request, forwarded by the hub, answered by s3 directly.
	# s3 may have answered the first ping (via the hub) before the
	# forwarded request taught it s1: then it resolved s1 too, the hub
	# forwarded that to s1, s1 answered s3 (0 or 1, equal). And s1
	# refreshes its two registrations (IPv4, IPv6) every 5 s: at most
	# one round per 5 s begun. Every request answered.
	regs=$((2 * ((SECONDS - t0 + 1) / 5 + 1)))
	nhrp_capture_check "$cap" "192.0.2.2,192.0.2.1,1:1 192.0.2.4,192.0.2.2,2:1
		192.0.2.1,192.0.2.2,1:0-1 192.0.2.2,192.0.2.4,2:0-1
		192.0.2.2,192.0.2.1,3:0-$regs 192.0.2.1,192.0.2.2,4:0-$regs" &&
	nhrp_capture_answered "$cap" 1 3 || return 1
	back=$(nhrp_capture_n "$cap" 192.0.2.1,192.0.2.2,1)
	[ "$(nhrp_capture_n "$cap" 192.0.2.2,192.0.2.4,2)" -eq "$back" ] ||
		{ echo "# s1 answered s3 without a request"; return 1; }
	# The responder learned the requester from the request.
	wait_for 5 resolved "$s3" 10.0.0.2 192.0.2.2 || { echo "# s3 did not learn s1"; return 1; }
	h0=$(peer_stat "$s1" dmvpn0 192.0.2.1 tx-packets)
	d0=$(peer_stat "$s1" dmvpn0 192.0.2.4 tx-packets)
	ping_ok "$s1" 10.4.0.1 7 || return 1
	h1=$(peer_stat "$s1" dmvpn0 192.0.2.1 tx-packets)
	d1=$(peer_stat "$s1" dmvpn0 192.0.2.4 tx-packets)
	echo "# after resolution: s1 -> s3 direct +$((d1 - d0)), via hub +$((h1 - h0))"
	[ $((d1 - d0)) -eq 7 ] && [ $((h1 - h0)) -eq 0 ]
}
run_test "Phase 2: resolution via the hub, then the direct path (exact counters)" phase2

forwarded()
{
	echo "# hub forwarded $(dev_stat "$hub" dmvpn0 nhrp-res-forwarded), s3 answered $(dev_stat "$s3" dmvpn0 nhrp-res-answered), s1 resolved $(dev_stat "$s1" dmvpn0 nhrp-res-resolved)"
	[ "$(dev_stat "$hub" dmvpn0 nhrp-res-forwarded)" -ge 1 ] &&
	[ "$(dev_stat "$s3" dmvpn0 nhrp-res-answered)" -ge 1 ] &&
	[ "$(dev_stat "$s1" dmvpn0 nhrp-res-resolved)" -ge 1 ] &&
	[ "$(dev_stat "$hub" dmvpn0 nhrp-res-answered)" -eq 0 ]
}
run_test "hub forwarded the request, the owner answered (hub did not)" forwarded

phase2_v6()
{
	local d0 d1
	ping_ok "$s1" fd00::3 1 || return 1
	wait_for 10 resolved "$s1" fd00::3 192.0.2.3 || { echo "# fd00::3 not resolved"; return 1; }
	d0=$(peer_stat "$s1" dmvpn0 192.0.2.3 tx-packets)
	ping_ok "$s1" fd00::3 4 || return 1
	d1=$(peer_stat "$s1" dmvpn0 192.0.2.3 tx-packets)
	echo "# IPv6 after resolution: s1 -> s2 direct +$((d1 - d0))"
	[ $((d1 - d0)) -eq 4 ]
}
run_test "Phase 2 with an IPv6 overlay" phase2_v6

negative()
{
	local nak0
	nak0=$(dev_stat "$hub" dmvpn0 nhrp-res-nak)
	# Nobody has 10.0.0.99: the ping goes via the hub, unanswered.
	ping_none "$s1" 10.0.0.99 1 || return 1
	wait_for 10 is_type "$s1" 10.0.0.99 negative || { echo "# no negative entry"; return 1; }
	echo "# hub NAKs $nak0 -> $(dev_stat "$hub" dmvpn0 nhrp-res-nak)"
	# One request, one negative answer.
	[ "$(dev_stat "$hub" dmvpn0 nhrp-res-nak)" -eq $((nak0 + 1)) ]
}
run_test "unknown destination: negative answer cached, counted" negative

refresh()
{
	local r0
	r0=$(nhs_field "$s1" replies)
	wait_for 15 replies_gt "$r0"
}
run_test "registration refreshed at registration-timeout" refresh

not_resolved() { [ "$(entry "$1" "$2" type)" != resolved ]; }

stale_purged()
{
	local p0
	resolved "$s1" 10.0.0.4 192.0.2.4 || { echo "# s1 lost 10.0.0.4 early"; return 1; }
	p0=$(dev_stat "$hub" dmvpn0 nhrp-purge-tx)
	pp n "$s3" "$DMVPNCTL" nhs del dmvpn0 192.0.2.1
	wait_for 10 not_resolved "$s1" 10.0.0.4 ||
		{ echo "# s1 still holds the stale answer"; return 1; }
	echo "# hub purge requests $p0 -> $(dev_stat "$hub" dmvpn0 nhrp-purge-tx)"
	[ "$(dev_stat "$hub" dmvpn0 nhrp-purge-tx)" -gt "$p0" ]
}
run_test "owner withdraws: hub purges the answer the requester holds" stale_purged

# The same over an IPv6 underlay (NHRP NBMA family 2).
v6_underlay()
{
	local i ns d0 d1
	n "$hub" ip link add dmvpn6 type dmvpn local 2001:db8::1 holdtime 60
	n "$hub" ip addr add 10.6.0.1/24 dev dmvpn6
	n "$hub" ip link set dmvpn6 up
	for i in 2 3; do
		ns=$(topo_site "$i")
		n "$ns" ip link add dmvpn6 type dmvpn local 2001:db8::$i \
			holdtime 60 registration-timeout 5 nhs dynamic nbma 2001:db8::1
		n "$ns" ip addr add 10.6.0.$i/24 dev dmvpn6
		n "$ns" ip link set dmvpn6 up
	done
	wait_for 15 sh -c "ip netns exec $hub $DMVPNCTL -j cache dmvpn6 | jq -e '.[] | select(.proto == \"10.6.0.3\" and .nbma == \"2001:db8::3\")'" ||
		{ echo "# no IPv6-underlay registration"; return 1; }
	# The first goes via the hub while s1 resolves (no claim on it).
	ping_run "$s1" 10.6.0.3 1 -W 2
	wait_for 10 sh -c "ip netns exec $s1 $DMVPNCTL -j cache dmvpn6 | jq -e '.[] | select(.proto == \"10.6.0.3\" and .type == \"resolved\" and .nbma == \"2001:db8::3\")'" ||
		{ echo "# not resolved over the IPv6 underlay"; return 1; }
	d0=$(n "$s1" "$DMVPNCTL" -j peers dmvpn6 | jq '[.[] | select(.nbma == "2001:db8::3")][0]["tx-packets"] // 0')
	ping_ok "$s1" 10.6.0.3 3 || return 1
	d1=$(n "$s1" "$DMVPNCTL" -j peers dmvpn6 | jq '[.[] | select(.nbma == "2001:db8::3")][0]["tx-packets"] // 0')
	echo "# IPv6 underlay: registered, resolved, direct +$((d1 - d0))"
	[ $((d1 - d0)) -eq 3 ]
}
run_test "registration and resolution over an IPv6 underlay" v6_underlay

ktap_finish
