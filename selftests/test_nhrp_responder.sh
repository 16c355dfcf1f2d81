#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What a spoke answers for (dmvpn.rst, Resolution): the destinations it
# routes out of another interface, with the covering route's prefix length
# but never shorter than /8 (IPv6 /16), nothing covered only by a default
# route, nothing it routes through the same dmvpn device. Then the NHS of
# ip link (a static entry flagged nhs and multicast that registration and
# multicast use) and static prefix maps chosen by longest prefix.
#
#                    +------------------- $inet -------------------+
#                    |                  bridge br0                 |
#                    +----+---------+---------+---------+---------+---------+
#   underlay     192.0.2.1|192.0.2.2|192.0.2.3|192.0.2.4|192.0.2.5|192.0.2.6|
#                    +----+---+ +---+----+ +--+-----+ +-+------+ +-+------+ +-+------+
#                    |  $hub  | |  $s1   | |   $r   | |   $a   | |   $b   | |  $s6   |
#                    +--------+ +--------+ +--------+ +--------+ +--------+ +--------+
#   dmvpn0        10.0.0.1/24   10.0.0.2   10.0.0.3                          10.0.0.6
#                 fd00::1/64    fd00::2    fd00::3                           (no IPv6)
#   dmvpn1 key 7  10.7.0.1/24                         10.7.0.4   10.7.0.5
#
# $s1 asks, $r answers. $r's lan1 (dummy) carries 10.64.0.0/12, 20.0.0.0/8,
# 32.0.0.0/4, fd40::/16, fc00::/8 and the default routes; it routes
# 10.99.0.0/16 via the hub on dmvpn0. The hub routes all of them via
# $r, and $s1 has them on-link on dmvpn0, so that their destinations are
# the next hops it resolves. $s1 pings with TTL 1: the packet it sends via
# the hub meanwhile dies there; only the resolution matters.
#
# dmvpn1: the hub's namespace maps 10.20.0.0/16 to $a, 10.20.5.0/24 to $b
# and 10.20.5.7/32 to $a; $a owns 10.20.9.1 and 10.20.5.7, $b 10.20.5.1.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq
load_dmvpn

hub=$(ns_name hub); s1=$(ns_name s1); r=$(ns_name r); a=$(ns_name a)
b=$(ns_name b); s6=$(ns_name s6)
topo_create "$hub" "$s1" "$r" "$a" "$b" "$s6"
for ns in "$hub" "$s1" "$r"; do
	n "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
done
for ns in "$a" "$b" "$s6"; do
	n "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
hub_up "$hub" 192.0.2.1 10.0.0.1/24
n "$hub" ip addr add fd00::1/64 dev dmvpn0 nodad
# Both addresses before up: the registration at up names them both.
for i in 2 3; do
	ns=$(topo_site "$i")
	n "$ns" ip link add dmvpn0 type dmvpn local 192.0.2.$i nhs dynamic nbma 192.0.2.1
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	n "$ns" ip addr add fd00::$i/64 dev dmvpn0 nodad
	n "$ns" ip link set dmvpn0 up
done

v4="10.64.0.0/12 20.0.0.0/8 32.0.0.0/4 77.0.0.0/8 10.99.0.0/16"
v6="fd40::/16 fc00::/8 2a00::/16"
{
	echo "link add lan1 type dummy"
	echo "link set lan1 up"
	for p in 10.64.0.0/12 20.0.0.0/8 32.0.0.0/4 default fd40::/16 fc00::/8 ::/0; do
		echo "route add $p dev lan1"
	done
	echo "route add 10.99.0.0/16 via 10.0.0.1 dev dmvpn0"
} | ip -n "$r" -b -
for p in $v4; do echo "route add $p via 10.0.0.3 dev dmvpn0"; done |
	ip -n "$hub" -b -
for p in $v6; do echo "route add $p via fd00::3 dev dmvpn0"; done |
	ip -n "$hub" -b -
for p in $v4 $v6; do echo "route add $p dev dmvpn0"; done | ip -n "$s1" -b -

# ents NS: the cache, one sorted "PROTO/LEN TYPE NBMA VIA" line an entry.
ents()
{
	n "$1" "$DMVPNCTL" -j cache dmvpn0 | jq -r '.[] |
		"\(.proto)/\(.prefixlen) \(.type) \(.nbma // "-") \(.via // "-")"' | sort
}
no_pending() { [ "$(entry "$s1" "$1" type)" != incomplete ]; }	# DST
# Every request $s1 sent has been answered or refused by $r.
r_caught_up()
{
	[ $(( $(counter "$r" nhrp-res-answered) + $(counter "$r" nhrp-res-nak) -
	      A0 - K0 )) -eq $(( $(counter "$s1" nhrp-res-sent) - S0 )) ]
}

# ask "DST..." NEW...: one ping from $s1 to each DST (at once), then wait
# for their resolutions to end. NEW: the lines ents "$s1" must have
# gained, exactly. Sets SENT (requests $s1 sent), ANS and NAK ($r's
# answers and refusals), FWD (relayed by the hub).
ask()
{
	local dsts=$1 dst want got pids=() pid
	shift
	S0=$(counter "$s1" nhrp-res-sent); A0=$(counter "$r" nhrp-res-answered)
	K0=$(counter "$r" nhrp-res-nak); F0=$(counter "$hub" nhrp-res-forwarded)
	ents "$s1" > "$TMPDIR/ents0"
	for dst in $dsts; do
		ping_none "$s1" "$dst" 1 -t 1 & pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid" || return 1; done
	for dst in $dsts; do
		wait_for 10 no_pending "$dst" ||
			{ echo "# $dst: no answer"; ents "$s1" | sed 's/^/#   /'; return 1; }
	done
	wait_for 10 r_caught_up || { echo "# $r did not handle every request"; return 1; }
	SENT=$(( $(counter "$s1" nhrp-res-sent) - S0 ))
	ANS=$(( $(counter "$r" nhrp-res-answered) - A0 ))
	NAK=$(( $(counter "$r" nhrp-res-nak) - K0 ))
	FWD=$(( $(counter "$hub" nhrp-res-forwarded) - F0 ))
	got=$(ents "$s1" | comm -13 "$TMPDIR/ents0" - | paste -sd ';' -)
	want=$(printf '%s\n' "$@" | sort | paste -sd ';' -)
	echo "# $dsts: $SENT sent, responder answered $ANS, refused $NAK, hub relayed $FWD; new: $got"
	[ "$got" = "$want" ] || { echo "# expected new: $want"; return 1; }
}
# Answered by $r for every request: relayed once each, answered directly.
answered() { [ "$SENT" -ge 1 ] && [ "$ANS" -eq "$SENT" ] && [ "$NAK" -eq 0 ] && [ "$FWD" -eq "$SENT" ]; }
# Refused by $r for every request: request and refusal relayed by the hub.
refused() { [ "$SENT" -ge 1 ] && [ "$NAK" -eq "$SENT" ] && [ "$ANS" -eq 0 ] && [ "$FWD" -eq $((2 * SENT)) ]; }

ktap_plan 7

s1_up() { [ "$(nhs_field "$s1" state)" = up ] && [ "$(nhs_field "$r" state)" = up ]; }
up()
{
	wait_for 15 registered "$hub" 10.0.0.2 192.0.2.2 &&
	wait_for 15 registered "$hub" 10.0.0.3 192.0.2.3 &&
	wait_for 15 registered "$hub" fd00::2 192.0.2.2 &&
	wait_for 15 registered "$hub" fd00::3 192.0.2.3 && wait_for 15 s1_up && return 0
	ents "$hub" | sed 's/^/#   hub: /'
	return 1
}
run_test "requester and responder register (IPv4 and IPv6)" up

covering()
{
	ask "10.64.1.1 20.1.2.3 fd40::1" "10.64.0.0/12 resolved 192.0.2.3 10.0.0.3" \
		"20.0.0.0/8 resolved 192.0.2.3 10.0.0.3" \
		"10.0.0.3/32 resolved 192.0.2.3 10.0.0.3" \
		"fd40::/16 resolved 192.0.2.3 fd00::3" \
		"fd00::3/128 resolved 192.0.2.3 fd00::3" && answered
}
run_test "answered with the covering route's prefix: /12, /8 (the least), IPv6 /16 (the least)" covering

shorter()
{
	ask "40.1.2.3 fc12::1" "40.1.2.3/32 negative - -" "fc12::1/128 negative - -" &&
	refused
}
run_test "covering route shorter than /8 (/4) or IPv6 /16 (/8): refused, a negative entry" shorter

default_only()
{
	ask "77.1.2.3 2a00::1" "77.1.2.3/32 negative - -" "2a00::1/128 negative - -" &&
	refused
}
run_test "covered only by a default route (IPv4 and IPv6): refused, a negative entry" default_only

same_device()
{
	ask 10.99.1.1 "10.99.1.1/32 negative - -" && refused
}
run_test "routed through the same dmvpn device: not answered, a negative entry" same_device

# The NHS of ip link: a static entry flagged nhs and multicast toward its
# NBMA, registration with it (to its tunnel address), multicast to it.
# A map flagged nhs shows the flag.
s6_up() { [ "$(nhs_field "$s6" state)" = up ] && registered "$hub" 10.0.0.6 192.0.2.6; }
nhs_map()
{
	local t0 t1 flags
	n "$s6" ip link add dmvpn0 type dmvpn local 192.0.2.6 nhs 10.0.0.1 nbma 192.0.2.1 &&
	n "$s6" ip addr add 10.0.0.6/24 dev dmvpn0 || return 1
	flags=$(entry "$s6" 10.0.0.1/32 flags)
	echo "# before up: 10.0.0.1 $(entry "$s6" 10.0.0.1 type) -> $(entry "$s6" 10.0.0.1 nbma), flags $flags"
	[ "$(entry "$s6" 10.0.0.1/32 type)" = static ] &&
	[ "$(entry "$s6" 10.0.0.1/32 nbma)" = 192.0.2.1 ] &&
	[[ ,$flags, == *,nhs,* && ,$flags, == *,multicast,* ]] || return 1
	n "$s6" ip link set dmvpn0 up || return 1
	wait_for 15 s6_up || { echo "# NHS $(nhs_field "$s6" state)"; return 1; }
	[ "$(nhs_field "$s6" proto)" = 10.0.0.1 ] || return 1
	t0=$(peer_stat "$s6" dmvpn0 192.0.2.1 tx-packets)
	ping_none "$s6" 224.0.0.1 2 -t 1 -I dmvpn0 || return 1
	t1=$(peer_stat "$s6" dmvpn0 192.0.2.1 tx-packets)
	echo "# 2 multicast pings: $((t1 - t0)) packets to the NHS"
	[ $((t1 - t0)) -eq 2 ] || return 1
	n "$s6" "$DMVPNCTL" map add dmvpn0 10.0.0.7 192.0.2.7 nhs || return 1
	flags=$(entry "$s6" 10.0.0.7/32 flags)
	echo "# map 10.0.0.7 ... nhs: flags $flags"
	[[ ,$flags, == *,nhs,* ]]
}
run_test "NHS of ip link: static nhs,multicast entry, registration and multicast go to it" nhs_map

# dmvpn1 (key 7): $a, $b and the hub's namespace ($x), static maps only.
x=$hub
for i in 1 4 5; do
	ns=$(topo_site "$i")
	n "$ns" ip link add dmvpn1 type dmvpn local 192.0.2.$i key 7
	n "$ns" sysctl -qw net.ipv6.conf.dmvpn1.disable_ipv6=1
	n "$ns" ip addr add 10.7.0.$i/24 dev dmvpn1
	n "$ns" ip link set dmvpn1 up
	[ "$i" = 1 ] || n "$ns" "$DMVPNCTL" map add dmvpn1 10.7.0.1 192.0.2.1
done
for p in 10.20.9.1 10.20.5.7; do n "$a" ip addr add $p/32 dev lo; done
n "$b" ip addr add 10.20.5.1/32 dev lo
n "$x" "$DMVPNCTL" map add dmvpn1 10.20.0.0/16 192.0.2.4
n "$x" "$DMVPNCTL" map add dmvpn1 10.20.5.0/24 192.0.2.5
n "$x" "$DMVPNCTL" map add dmvpn1 10.20.5.7/32 192.0.2.4
n "$x" ip route add 10.20.0.0/16 dev dmvpn1

tx1() { peer_stat "$x" dmvpn1 "$1" tx-packets; }	# NBMA
# via OK DST N TO_A TO_B: N pings to DST (all answered when OK is ok,
# none when none); exactly TO_A of them went to $a, TO_B to $b.
via()
{
	local a0 b0 da db
	a0=$(tx1 192.0.2.4); b0=$(tx1 192.0.2.5)
	if [ "$1" = ok ]; then ping_ok "$x" "$2" "$3" -i 0.1 || return 1
	else ping_none "$x" "$2" "$3" -i 0.1 || return 1; fi
	da=$(( $(tx1 192.0.2.4) - a0 )); db=$(( $(tx1 192.0.2.5) - b0 ))
	echo "# $3 to $2: $da to 192.0.2.4, $db to 192.0.2.5"
	[ "$da" -eq "$4" ] && [ "$db" -eq "$5" ]
}
longest()
{
	via ok 10.20.5.1 4 0 4 && via ok 10.20.9.1 4 4 0 &&
	via ok 10.20.5.7 4 4 0 || return 1
	# Without the /24, the /16 covers 10.20.5.1 again ($a does not own it).
	n "$x" "$DMVPNCTL" map del dmvpn1 10.20.5.0/24 &&
	via none 10.20.5.1 2 2 0
}
run_test "overlapping static prefix maps: the longest match (/32, /24, /16) gets every packet" longest

ktap_finish
