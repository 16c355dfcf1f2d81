#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# DMVPN Phase 3: a hub with "redirect" that routes only summaries, spokes
# with "shortcut". Spoke-to-spoke traffic is relayed by the hub until its
# Traffic Indication has made the sender resolve the destination; then it
# goes direct on a shortcut that overrides the summary route.
#
#                    +------------------- $inet -------------------+
#                    |                  bridge br0                 |
#                    +----+-----------+-----------+-----------+----+
#   underlay     192.0.2.1|  192.0.2.2|  192.0.2.3|  192.0.2.4|
#                    +----+---+  +----+---+  +----+---+  +----+---+
#                    |  $hub  |  |  $s1   |  |  $s2   |  |  $evil |
#                    +--------+  +--------+  +--------+  +--------+
#   dmvpn0          10.0.0.1/24  10.0.0.2    10.0.0.3    (no dmvpn;
#                   fd00::1/64   fd00::2     fd00::3      forges NHRP)
#   LAN (dummy)                  10.1.0.1/24 10.2.0.1/24
#                                fd01:1::1   fd01:2::1
#
# Spokes route 10.0.0.0/8 and fd01::/16 via the hub, nothing more; the hub
# routes each spoke's LAN via that spoke's tunnel address (lib_phase3.sh).
# Forged and hostile input: test_nhrp_phase3_hostile.sh.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq python3
load_dmvpn
source "$(dirname "$0")/lib_phase3.sh"

ktap_plan 9

run_test "spokes register with the redirect hub" p3_up

# One packet each way goes through the hub; each spoke gets one TI and
# installs one shortcut; then everything goes direct.
phase3_v4()
{
	local h1a h2a d12a d21a h1b h2b d12b d21b ti
	h1a=$(rx_from 192.0.2.2); h2a=$(rx_from 192.0.2.3)
	p3_ping "$s1" 10.1.0.1 10.2.0.1 1 || return 1
	h1b=$(rx_from 192.0.2.2); h2b=$(rx_from 192.0.2.3)
	echo "# first ping: hub relayed s1->s2 $((h1b - h1a)), s2->s1 $((h2b - h2a))"
	[ $((h1b - h1a)) -eq 1 ] && [ $((h2b - h2a)) -eq 1 ] || return 1
	wait_for 10 p3_shortcut "$s1" 10.2.0.0 192.0.2.3 ||
		{ echo "# s1 has no shortcut to 10.2.0.0/24"; p3_dump "$hub" "$s1" "$s2"; return 1; }
	wait_for 10 p3_shortcut "$s2" 10.1.0.0 192.0.2.2 ||
		{ echo "# s2 has no shortcut to 10.1.0.0/24"; return 1; }
	ti=$(dev_stat "$hub" dmvpn0 redirect-tx)
	echo "# hub sent $ti traffic indications;" \
	     "s1 took $(dev_stat "$s1" dmvpn0 nhrp-ti-rx), s2 $(dev_stat "$s2" dmvpn0 nhrp-ti-rx)"
	[ "$ti" -eq 2 ] && [ "$(dev_stat "$s1" dmvpn0 nhrp-ti-rx)" -eq 1 ] &&
	[ "$(dev_stat "$s2" dmvpn0 nhrp-ti-rx)" -eq 1 ] || return 1
	[ "$(p3_entry "$s1" 10.2.0.0 shortcut prefixlen)" = 24 ] &&
	[ "$(p3_entry "$s1" 10.2.0.0 shortcut via)" = 10.0.0.3 ] || return 1

	h1a=$(rx_from 192.0.2.2); h2a=$(rx_from 192.0.2.3)
	d12a=$(tx_to "$s1" 192.0.2.3); d21a=$(tx_to "$s2" 192.0.2.2)
	p3_ping "$s1" 10.1.0.1 10.2.0.1 9 || return 1
	h1b=$(rx_from 192.0.2.2); h2b=$(rx_from 192.0.2.3)
	d12b=$(tx_to "$s1" 192.0.2.3); d21b=$(tx_to "$s2" 192.0.2.2)
	echo "# then: via hub $((h1b - h1a))+$((h2b - h2a)), direct $((d12b - d12a))+$((d21b - d21a))"
	[ $((h1b - h1a)) -eq 0 ] && [ $((h2b - h2a)) -eq 0 ] &&
	[ $((d12b - d12a)) -eq 9 ] && [ $((d21b - d21a)) -eq 9 ]
}
run_test "IPv4: 1 packet each way via the hub, then 9 of 9 direct on shortcuts" phase3_v4

phase3_v6()
{
	local h1a h1b d12a d12b
	p3_ping "$s1" fd01:1::1 fd01:2::1 1 || return 1
	wait_for 10 p3_shortcut "$s1" fd01:2:: 192.0.2.3 ||
		{ echo "# s1 has no shortcut to fd01:2::/64"; return 1; }
	wait_for 10 p3_shortcut "$s2" fd01:1:: 192.0.2.2 || return 1
	[ "$(p3_entry "$s1" fd01:2:: shortcut prefixlen)" = 64 ] || return 1
	h1a=$(rx_from 192.0.2.2); d12a=$(tx_to "$s1" 192.0.2.3)
	p3_ping "$s1" fd01:1::1 fd01:2::1 5 || return 1
	h1b=$(rx_from 192.0.2.2); d12b=$(tx_to "$s1" 192.0.2.3)
	echo "# IPv6 then: via hub $((h1b - h1a)), direct $((d12b - d12a))"
	[ $((h1b - h1a)) -eq 0 ] && [ $((d12b - d12a)) -eq 5 ]
}
run_test "IPv6 overlay: /64 shortcut, then 5 of 5 direct" phase3_v6

# What dmvpnctl shows of a shortcut (Cisco: show dmvpn T2, show ip nhrp).
visible()
{
	local j show
	# "used" is cleared by a refresh: use it now, whatever the machine's
	# speed made of the time since the last case.
	p3_ping "$s1" 10.1.0.1 10.2.0.1 1 || return 1
	j=$(n "$s1" "$DMVPNCTL" -j cache dmvpn0 |
		jq -c '.[] | select(.type == "shortcut" and .proto == "10.2.0.0")')
	echo "# $j"
	show=$(n "$s1" "$DMVPNCTL" show | grep -F 10.2.0.0)
	echo "# show: $show"
	[ "$(jq -r '[.prefixlen, .nbma, .via, (.flags | index("used") != null),
		(.expires > 0 and .expires <= 60)] | join(" ")' <<<"$j")" = \
		"24 192.0.2.3 10.0.0.3 true true" ] &&
	[ "$(awk '{print $NF}' <<<"$show")" = T ]
}
run_test "dmvpnctl cache and show: prefix, via, NBMA, expiry, used; show marks T" visible

# The monitor sees the flush (one purge per shortcut, IPv4 and IPv6) and
# the shortcut the next redirect brings back, in order.
events()
{
	local pid got want h0 h1
	ip netns exec "$s1" "$DMVPNCTL" -j monitor dmvpn0 count 3 \
		> "$TMPDIR/p3.mon" 2> "$TMPDIR/p3.err" &
	pid=$!
	wait_for 10 subscribed "$s1" "$pid" ||
		{ echo "# monitor did not subscribe"; return 1; }
	n "$s1" "$DMVPNCTL" flush dmvpn0 shortcut || return 1
	[ -z "$(p3_entry "$s1" 10.2.0.0 shortcut nbma)" ] &&
	[ "$(dev_stat "$s1" dmvpn0 shortcuts)" -eq 0 ] || return 1
	h0=$(rx_from 192.0.2.2)
	p3_ping "$s1" 10.1.0.1 10.2.0.1 1 || return 1
	h1=$(rx_from 192.0.2.2)
	[ $((h1 - h0)) -eq 1 ] || { echo "# via hub +$((h1 - h0))"; return 1; }
	wait_for 15 exited "$pid" || { echo "# monitor saw $(wc -l < "$TMPDIR/p3.mon")"; return 1; }
	sed 's/^/# /' "$TMPDIR/p3.mon"
	got=$(jq -r '[.event, .proto, .prefixlen, .type] | join(" ")' "$TMPDIR/p3.mon" | sort)
	want="shortcut-new 10.2.0.0 24 shortcut
shortcut-purged 10.2.0.0 24 shortcut
shortcut-purged fd01:2:: 64 shortcut"
	[ "$got" = "$want" ] &&
	[ "$(jq -r .event "$TMPDIR/p3.mon" | tail -n 1)" = shortcut-new ] &&
	p3_shortcut "$s1" 10.2.0.0 192.0.2.3
}
run_test "flush: 2 shortcut-purged events, then 1 relayed packet and shortcut-new" events

route_gone()
{
	n "$s1" ip route del 10.0.0.0/8 via 10.0.0.1 dev dmvpn0 || return 1
	wait_for 5 sh -c "! ip netns exec $s1 $DMVPNCTL -j cache dmvpn0 | jq -e '.[] | select(.type == \"shortcut\" and .proto == \"10.2.0.0\")' >/dev/null"
	local rc=$?
	n "$s1" ip route add 10.0.0.0/8 via 10.0.0.1 dev dmvpn0
	return $rc
}
run_test "the shortcut goes when the route it overrides goes" route_gone

# The egress spoke withdraws its registration: the hub purges the answers
# it relayed for it, and the shortcut goes with them.
withdraw()
{
	p3_shortcut "$s1" 10.2.0.0 192.0.2.3 || p3_ping "$s1" 10.1.0.1 10.2.0.1 1
	wait_for 10 p3_shortcut "$s1" 10.2.0.0 192.0.2.3 || return 1
	n "$s2" "$DMVPNCTL" nhs del dmvpn0 192.0.2.1 || return 1
	wait_for 10 sh -c "! ip netns exec $s1 $DMVPNCTL -j cache dmvpn0 |
		jq -e '.[] | select(.type == \"shortcut\" and .via == \"10.0.0.3\")' >/dev/null" ||
		{ echo "# shortcut still there"; p3_dump "$s1"; return 1; }
	n "$s2" "$DMVPNCTL" nhs add dmvpn0 dynamic 192.0.2.1 || return 1
	p3_up
}
run_test "the egress spoke withdraws: the hub's purge removes the shortcut" withdraw

# Lifetime: s2 grants 12 s. A shortcut kept in use is refreshed before its
# holding time ends (it outlives it); left unused it expires, with an event.
lifetime()
{
	local t0 pid
	n "$s2" ip link set dmvpn0 type dmvpn holdtime 12 || return 1
	n "$s1" "$DMVPNCTL" flush dmvpn0 shortcut
	p3_ping "$s1" 10.1.0.1 10.2.0.1 1 || return 1
	wait_for 10 p3_shortcut "$s1" 10.2.0.0 192.0.2.3 || return 1
	[ "$(p3_entry "$s1" 10.2.0.0 shortcut expires)" -le 12 ] || return 1
	t0=$SECONDS
	# 20 s of traffic: longer than the 12 s granted.
	n "$s1" ping -q -c 40 -i 0.5 -W 2 -I 10.1.0.1 10.2.0.1 | grep -q "^40 packets transmitted, 40 received," ||
		{ echo "# pings lost while in use"; return 1; }
	echo "# in use for $((SECONDS - t0)) s: still there, expires in $(p3_entry "$s1" 10.2.0.0 shortcut expires) s"
	p3_shortcut "$s1" 10.2.0.0 192.0.2.3 || { p3_dump "$s1"; return 1; }
	# Other entries (the peer's IPv6 tunnel address, granted 12 s too)
	# come and go meanwhile: only the shortcut events are judged.
	ip netns exec "$s1" "$DMVPNCTL" -j monitor dmvpn0 > "$TMPDIR/exp.mon" 2>&1 &
	pid=$!
	cleanup_add "kill $pid"
	wait_for 10 subscribed "$s1" "$pid" || return 1
	# Used after its last refresh, it is refreshed once more: up to two
	# holding times after the traffic stops.
	wait_for 30 grep -q '"shortcut-' "$TMPDIR/exp.mon" || { echo "# no event"; return 1; }
	kill "$pid"
	wait_for 5 exited "$pid"
	sed 's/^/# /' "$TMPDIR/exp.mon"
	[ "$(jq -r 'select(.event | startswith("shortcut-")) | [.event, .proto] | join(" ")' \
		"$TMPDIR/exp.mon")" = "shortcut-expired 10.2.0.0" ] &&
	[ -z "$(p3_entry "$s1" 10.2.0.0 shortcut nbma)" ] &&
	n "$s2" ip link set dmvpn0 type dmvpn holdtime 60
}
run_test "lifetime: used past its 12 s it is refreshed; unused it expires (event)" lifetime

# The shortcut's peer goes silent (its GRE from and to s1 dropped): a used
# shortcut with nothing heard for 10 s is probed, the probe goes
# unanswered for 5 s, the shortcut goes and traffic takes the hub again.
# s2 has no shortcut of its own here, so its replies always take the hub.
fallback()
{
	local t0 t h0 h1
	n "$s2" ip link set dmvpn0 type dmvpn noshortcut || return 1
	p3_ping "$s1" 10.1.0.1 10.2.0.1 1 || return 1
	wait_for 10 p3_shortcut "$s1" 10.2.0.0 192.0.2.3 || return 1
	p3_ping "$s1" 10.1.0.1 10.2.0.1 2 || return 1
	n "$s2" iptables -A INPUT -s 192.0.2.2 -p gre -j DROP || return 1
	n "$s2" iptables -A OUTPUT -d 192.0.2.2 -p gre -j DROP || return 1
	t0=$(date +%s%N)
	# Keep using the shortcut; the first answer comes back via the hub.
	until n "$s1" ping -q -c 1 -W 1 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1; do
		[ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 40 ] || break
	done
	t=$(( ($(date +%s%N) - t0) / 1000000 ))
	echo "# traffic back via the hub after $t ms (bound: 10 s quiet + 5 s probe + 1 s gc)"
	# Still blocked: a new shortcut cannot be confirmed.
	[ -z "$(p3_entry "$s1" 10.2.0.0 shortcut nbma)" ] || { p3_dump "$s1"; t=99999; }
	h0=$(rx_from 192.0.2.2)
	p3_ping "$s1" 10.1.0.1 10.2.0.1 2 || t=99999
	h1=$(rx_from 192.0.2.2)
	echo "# two more pings: hub relayed $((h1 - h0))"
	n "$s2" iptables -F INPUT; n "$s2" iptables -F OUTPUT
	n "$s2" ip link set dmvpn0 type dmvpn shortcut
	[ $((h1 - h0)) -eq 2 ] && [ "$t" -le 20000 ]
	[ "$t" -le 20000 ]
}
run_test "peer silent: shortcut probed, removed, traffic via the hub within 20 s" fallback

ktap_finish
