#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Phase 3 lab shared by test_nhrp_phase3*.sh. Source after lib.sh.
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
# The hub has "redirect" and routes each spoke's LAN via that spoke's
# tunnel address; the spokes have "shortcut" and route only the summaries
# 10.0.0.0/8 and fd01::/16 via the hub. P3_SPOKE_OPTS: more ip link
# options for the spokes.
#
#   p3_entry NS PROTO TYPE KEY  one field of NS's cache entry of that type
#   p3_shortcut NS PREFIX NBMA  NS has a shortcut PREFIX -> NBMA
#   p3_ping NS SRC DST COUNT    exactly COUNT of COUNT answered, or fail
#   rx_from NBMA                hub's data packets received from NBMA
#   tx_to NS NBMA               NS's data packets sent to NBMA
#   p3_dump NS...               non-zero counters and cache, as comments
#   p3_stat_is NS KEY N [SECS]  poll until counter KEY of NS is N
#   p3_up                       wait until both spokes are registered
FORGE=$REPO/selftests/nhrp_forge.py

hub=$(ns_name hub); s1=$(ns_name s1); s2=$(ns_name s2); evil=$(ns_name evil)
# Site 5 (192.0.2.5) is left to the test.
s3=$(ns_name s3)
topo_create "$hub" "$s1" "$s2" "$evil" "$s3"

n "$hub" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0
n "$hub" ip link add dmvpn0 type dmvpn local 192.0.2.1 holdtime 60 redirect
n "$hub" ip addr add 10.0.0.1/24 dev dmvpn0
n "$hub" ip addr add fd00::1/64 dev dmvpn0 nodad
n "$hub" ip link set dmvpn0 up
for i in 2 3; do
	ns=$(topo_site "$i")
	l=$((i - 1))
	n "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	n "$ns" ip link add dmvpn0 type dmvpn local 192.0.2.$i holdtime 60 \
		registration-timeout 5 shortcut nhs dynamic nbma 192.0.2.1 \
		${P3_SPOKE_OPTS:-}
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	n "$ns" ip addr add fd00::$i/64 dev dmvpn0 nodad
	n "$ns" ip link set dmvpn0 up
	n "$ns" ip link add lan0 type dummy
	n "$ns" ip addr add 10.$l.0.1/24 dev lan0
	n "$ns" ip addr add fd01:$l::1/64 dev lan0 nodad
	n "$ns" ip link set lan0 up
	n "$ns" ip route add 10.0.0.0/8 via 10.0.0.1 dev dmvpn0
	n "$ns" ip route add fd01::/16 via fd00::1 dev dmvpn0
	n "$hub" ip route add 10.$l.0.0/24 via 10.0.0.$i dev dmvpn0
	n "$hub" ip route add fd01:$l::/64 via fd00::$i dev dmvpn0
done

# p3_entry NS PROTO TYPE KEY: one field of the cache entry of that type.
p3_entry()
{
	n "$1" "$DMVPNCTL" -j cache dmvpn0 |
		jq -r --arg p "$2" --arg t "$3" --arg k "$4" \
			'[.[] | select(.proto == $p and .type == $t)][0][$k] // empty'
}
p3_registered() { [ "$(p3_entry "$hub" "$1" dynamic nbma)" = "$2" ]; }
p3_stat_is() { wait_for "${4:-10}" sh -c "[ \"\$(ip netns exec $1 $DMVPNCTL -j stats dmvpn0 | jq '.\"$2\"')\" = $3 ]"; }
p3_shortcut() { [ "$(p3_entry "$1" "$2" shortcut nbma)" = "$3" ]; }
# p3_ping NS SRC DST COUNT: exactly COUNT replies, or fail.
p3_ping()
{
	local out
	# No -w: with a deadline ping sends until COUNT replies came.
	out=$(n "$1" ping -q -I "$2" -c "$4" -i 0.2 -W 2 "$3" 2>&1)
	grep -q "^$4 packets transmitted, $4 received," <<<"$out" ||
		{ echo "# $out" | tail -n 2; return 1; }
}
rx_from() { peer_stat "$hub" dmvpn0 "$1" rx-packets; }
# p3_dump NS...: the non-zero counters and the cache, as KTAP comments.
p3_dump()
{
	local ns tag
	for ns in "$@"; do
		tag=${ns#dv-}
		echo "# ${tag%%-*}: $(n "$ns" "$DMVPNCTL" -j stats dmvpn0 |
			jq -r 'to_entries | map(select(.value != 0 and .key != "dev")) |
				map("\(.key)=\(.value)") | join(" ")')"
		n "$ns" "$DMVPNCTL" -j cache dmvpn0 | jq -c '.[] | [.proto, .prefixlen, .type, .nbma]' |
			sed "s/^/#   /"
	done
}
tx_to() { peer_stat "$1" dmvpn0 "$2" tx-packets; }

p3_up()
{
	local a
	for a in 10.0.0.2:192.0.2.2 10.0.0.3:192.0.2.3 fd00::2:192.0.2.2 fd00::3:192.0.2.3; do
		wait_for 15 p3_registered "${a%:*}" "${a##*:}" ||
			{ echo "# ${a%:*} not registered"; return 1; }
	done
}

