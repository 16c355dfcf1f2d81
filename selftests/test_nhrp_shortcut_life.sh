#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Life of a resolved entry: a LAN prefix answered by its owner (prefix
# length from the owner's covering route), refresh while in use, expiry
# when unused. Short holding times keep it quick.
#
#                    +------------- $inet -------------+
#                    +----+-----------+-----------+----+
#   underlay     192.0.2.1|  192.0.2.2|  192.0.2.3|
#                    +----+---+  +----+---+  +----+---+
#                    |  $hub  |  |  $s1   |  |  $s2   |  lan0 10.3.0.1/24
#                    +--------+  +--------+  +--------+
#   dmvpn0          10.0.0.1/24  10.0.0.2    10.0.0.3
#
# s1 routes 10.3.0.0/24 on-link out of dmvpn0, so it resolves the LAN
# address itself; the hub routes it via s2, s2 answers with its /24. No
# host answers on that LAN: only what crosses the tunnel matters.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq
load_dmvpn

HOLD=9
hub=$(ns_name hub); s1=$(ns_name s1); s2=$(ns_name s2)
topo_create "$hub" "$s1" "$s2"

n "$hub" sysctl -qw net.ipv4.ip_forward=1
n "$hub" ip link add dmvpn0 type dmvpn local 192.0.2.1 holdtime 60
n "$hub" ip addr add 10.0.0.1/24 dev dmvpn0
n "$hub" ip link set dmvpn0 up
for i in 2 3; do
	ns=$(topo_site "$i")
	n "$ns" ip link add dmvpn0 type dmvpn local 192.0.2.$i holdtime $HOLD \
		registration-timeout 3 nhs dynamic nbma 192.0.2.1
	n "$ns" ip addr add 10.0.0.$i/24 dev dmvpn0
	n "$ns" ip link set dmvpn0 up
done
n "$s2" ip link add lan0 type dummy
n "$s2" ip addr add 10.3.0.1/24 dev lan0
n "$s2" ip link set lan0 up
n "$hub" ip route add 10.3.0.0/24 via 10.0.0.3 dev dmvpn0
n "$s1" ip route add 10.3.0.0/24 dev dmvpn0

is_type() { [ "$(entry "$1" "$2" type)" = "$3" ]; }	# NS PROTO[/LEN] TYPE

ktap_plan 3

lan_prefix()
{
	wait_for 15 registered "$hub" 10.0.0.2 192.0.2.2 &&
	wait_for 15 registered "$hub" 10.0.0.3 192.0.2.3 || return 1
	# 10.3.0.5 is on s2's LAN (not s2's own address): s2 answers the /24.
	# No host there answers the pings.
	ping_none "$s1" 10.3.0.5 2 -i 0.3 || return 1
	wait_for 10 is_type "$s1" 10.3.0.0/24 resolved ||
		{
			n "$s1" "$DMVPNCTL" -p cache dmvpn0 | sed 's/^/# /'
			for ns in "$hub" "$s1" "$s2"; do
				n "$ns" "$DMVPNCTL" -j stats dmvpn0 |
					jq -c 'with_entries(select(.key | test("nhrp-r|via")))'
			done
			return 1
		}
	echo "# s1: 10.3.0.0/24 nbma $(entry "$s1" 10.3.0.0/24 nbma) via $(entry "$s1" 10.3.0.0/24 via)"
	[ "$(entry "$s1" 10.3.0.0/24 nbma)" = 192.0.2.3 ] &&
	[ "$(entry "$s1" 10.3.0.0/24 via)" = 10.0.0.3 ] &&
	[ "$(entry "$s1" 10.0.0.3/32 type)" = resolved ] || return 1
	# Another host of that LAN is covered: nothing new to resolve.
	ping_none "$s1" 10.3.0.77 1 || return 1
	[ -z "$(entry "$s1" 10.3.0.77/32 type)" ]
}
run_test "LAN address resolved to the owner's /24 (covering route)" lan_prefix

# Keep traffic flowing past two thirds of the holding time: refreshed.
refreshed()
{
	local r0 end
	r0=$(dev_stat "$s1" dmvpn0 nhrp-res-sent)
	end=$(( $(date +%s) + HOLD + 3 ))
	while [ "$(date +%s)" -lt "$end" ]; do
		ping_none "$s1" 10.3.0.5 2 -i 0.5 || return 1
	done
	echo "# resolution requests while in use: $r0 -> $(dev_stat "$s1" dmvpn0 nhrp-res-sent)," \
		"entry expires in $(entry "$s1" 10.3.0.0/24 expires) s"
	[ "$(dev_stat "$s1" dmvpn0 nhrp-res-sent)" -gt "$r0" ] &&
	[ "$(entry "$s1" 10.3.0.0/24 type)" = resolved ]
}
run_test "a used resolved entry is refreshed before it expires" refreshed

expired()
{
	local r0
	r0=$(dev_stat "$s1" dmvpn0 nhrp-res-sent)
	wait_for $((HOLD + 5)) is_type "$s1" 10.3.0.0 "" || { echo "# still there"; return 1; }
	echo "# unused: expired; resolution requests $r0 -> $(dev_stat "$s1" dmvpn0 nhrp-res-sent)"
	[ "$(dev_stat "$s1" dmvpn0 nhrp-res-sent)" -le $((r0 + 1)) ]
}
run_test "an unused resolved entry expires with its holding time" expired

ktap_finish
