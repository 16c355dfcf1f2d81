#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Phase 3 under hostile input, in the lab of lib_phase3.sh: $evil, a host on
# the underlay with no dmvpn device, forges Traffic Indications, first as
# itself and then with the hub's NBMA address as source (spoofed); a spoke
# is flooded with TIs; a spoke's shortcut table is filled; an answer that
# would capture the path to the hub is refused. Nothing may move that the
# test does not name, and every drop is counted.
#
#   $s3 (192.0.2.5, 10.0.0.5/24, max-send 10 per hour): the flood target.
#   $s2 has LANs 10.16.0.1/24 .. 10.21.0.1/24 too; the hub routes
#   10.16.0.0/13 via 10.0.0.3.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq python3
load_dmvpn
source "$(dirname "$0")/lib_phase3.sh"

n "$s2" ip link add lan1 type dummy
for i in 16 17 18 19 20 21; do
	n "$s2" ip addr add 10.$i.0.1/24 dev lan1
done
n "$s2" ip link set lan1 up
n "$hub" ip route add 10.16.0.0/13 via 10.0.0.3 dev dmvpn0

# forge ARGS...: one or more TIs from $evil (nhrp_forge.py).
forge() { n "$evil" python3 "$FORGE" "$@" >/dev/null; }

ktap_plan 6

run_test "spokes register with the redirect hub" p3_up

# A stranger's TI, even one claiming the hub's addresses in its header,
# moves nothing.
forged_ti()
{
	local r0 t0 s0
	r0=$(dev_stat "$s1" dmvpn0 nhrp-ti-rx); t0=$(dev_stat "$s1" dmvpn0 nhrp-ti-refused)
	s0=$(dev_stat "$s1" dmvpn0 shortcuts)
	forge --src 192.0.2.4 --dst 192.0.2.2 --nbma 192.0.2.1 --proto 10.0.0.1 \
		--inner-src 10.1.0.1 --inner-dst 10.2.0.1 --count 5 || return 1
	p3_stat_is "$s1" nhrp-ti-refused $((t0 + 5)) ||
		{ echo "# refused $(dev_stat "$s1" dmvpn0 nhrp-ti-refused), wanted $((t0 + 5))"; p3_dump "$s1"; return 1; }
	[ "$(dev_stat "$s1" dmvpn0 nhrp-ti-rx)" -eq "$r0" ] &&
	[ "$(dev_stat "$s1" dmvpn0 shortcuts)" -eq "$s0" ] &&
	[ -z "$(p3_entry "$s1" 10.2.0.1 incomplete type)" ]
}
run_test "forged TI from a non-NHS source: 5 refused, no resolution, no shortcut" forged_ti

# Spoofing the hub's NBMA address gets past the source check; a TI whose
# embedded packet is no whole IP header is still counted and dropped.
truncated_ti()
{
	local r0 b0
	r0=$(dev_stat "$s1" dmvpn0 nhrp-ti-rx); b0=$(dev_stat "$s1" dmvpn0 nhrp-ti-bad)
	forge --src 192.0.2.1 --dst 192.0.2.2 --nbma 192.0.2.1 --proto 10.0.0.1 \
		--inner-src 10.1.0.1 --inner-dst 10.2.0.1 --payload 19 --count 3 || return 1
	forge --src 192.0.2.1 --dst 192.0.2.2 --nbma 192.0.2.1 --proto 10.0.0.1 \
		--inner-src 10.1.0.1 --inner-dst 10.2.0.1 --payload 0 --count 2 || return 1
	p3_stat_is "$s1" nhrp-ti-bad $((b0 + 5)) ||
		{ echo "# bad $(dev_stat "$s1" dmvpn0 nhrp-ti-bad), wanted $((b0 + 5))"; p3_dump "$s1"; return 1; }
	[ "$(dev_stat "$s1" dmvpn0 nhrp-ti-rx)" -eq "$r0" ] &&
	[ -z "$(p3_entry "$s1" 10.2.0.1 incomplete type)" ]
}
run_test "TIs with a truncated or empty embedded packet: 5 counted bad, nothing resolved" truncated_ti

# An answer covering the NHS's own NBMA address must not become a shortcut:
# it would capture the underlay path to the hub. The hub routes
# 192.0.2.0/24 out of its underlay, so it answers for it itself.
covers_nhs()
{
	local rf0
	n "$s1" ip route add 192.0.2.77/32 via 10.0.0.1 dev dmvpn0 || return 1
	rf0=$(dev_stat "$s1" dmvpn0 shortcut-refused)
	forge --src 192.0.2.1 --dst 192.0.2.2 --nbma 192.0.2.1 --proto 10.0.0.1 \
		--inner-src 10.1.0.1 --inner-dst 192.0.2.77 || return 1
	p3_stat_is "$s1" shortcut-refused $((rf0 + 1)) ||
		{ echo "# refused $(dev_stat "$s1" dmvpn0 shortcut-refused), wanted $((rf0 + 1))"; p3_dump "$s1"; return 1; }
	n "$s1" ip route del 192.0.2.77/32
	[ -z "$(p3_entry "$s1" 192.0.2.0 shortcut nbma)" ] &&
	[ "$(dev_stat "$s1" dmvpn0 shortcuts)" -eq 0 ] &&
	p3_ping "$s1" 10.1.0.1 10.2.0.1 2 &&
	wait_for 10 p3_shortcut "$s1" 10.2.0.0 192.0.2.3
}
run_test "an answer covering the NHS's NBMA is refused; traffic still flows" covers_nhs

# max-entries 4: four shortcuts, the fifth and sixth refused and counted;
# traffic to those goes on via the hub.
table_full()
{
	local i
	n "$s1" "$DMVPNCTL" flush dmvpn0 shortcut
	n "$s1" ip link set dmvpn0 type dmvpn max-entries 4 || return 1
	for i in 16 17 18 19 20 21; do
		p3_ping "$s1" 10.1.0.1 10.$i.0.1 1 || return 1
		if [ "$i" -le 19 ]; then
			p3_stat_is "$s1" shortcuts $((i - 15)) || { p3_dump "$s1"; return 1; }
		else
			p3_stat_is "$s1" shortcut-full $((i - 19)) || { p3_dump "$s1"; return 1; }
		fi
	done
	echo "# shortcuts $(dev_stat "$s1" dmvpn0 shortcuts), refused full $(dev_stat "$s1" dmvpn0 shortcut-full)"
	[ "$(dev_stat "$s1" dmvpn0 shortcuts)" -eq 4 ] &&
	[ "$(dev_stat "$s1" dmvpn0 shortcut-full)" -eq 2 ] &&
	p3_ping "$s1" 10.1.0.1 10.21.0.1 2 &&
	n "$s1" ip link set dmvpn0 type dmvpn max-entries 65536
}
run_test "a full shortcut table: 4 installed, 2 refused and counted, traffic flows" table_full

# 200 TIs (spoofed from the hub) for 200 destinations: each is taken, but
# what the spoke sends stays within max-send: 10 NHRP packets in all,
# every other attempt counted against the quota.
flood()
{
	local j tx q reg res
	n "$s3" ip link add dmvpn0 type dmvpn local 192.0.2.5 holdtime 60 shortcut \
		max-send 10 max-send-interval 3600 nhs dynamic nbma 192.0.2.1 || return 1
	n "$s3" ip addr add 10.0.0.5/24 dev dmvpn0
	n "$s3" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1
	n "$s3" ip link set dmvpn0 up
	n "$s3" ip route add 10.0.0.0/8 via 10.0.0.1 dev dmvpn0
	wait_for 15 p3_registered 10.0.0.5 192.0.2.5 || return 1
	forge --src 192.0.2.1 --dst 192.0.2.5 --nbma 192.0.2.1 --proto 10.0.0.1 \
		--inner-src 10.1.0.1 --inner-dst 10.100.0.1 --step-dst --count 200 || return 1
	p3_stat_is "$s3" nhrp-ti-rx 200 20 || { p3_dump "$s3"; return 1; }
	p3_stat_is "$s3" nhrp-tx 10 20 || { p3_dump "$s3"; return 1; }
	# Every TI started a resolution: at least one attempt each.
	wait_for 20 sh -c "[ \$(ip netns exec $s3 $DMVPNCTL -j stats dmvpn0 | jq '.\"nhrp-res-sent\"') -ge 200 ]" ||
		{ p3_dump "$s3"; return 1; }
	j=$(n "$s3" "$DMVPNCTL" -j stats dmvpn0)
	read -r tx q reg res <<<"$(jq -r '[."nhrp-tx", ."nhrp-tx-quota", ."nhrp-reg-sent",
		."nhrp-res-sent"] | join(" ")' <<<"$j")"
	echo "# sent $tx, over quota $q; attempts: registrations $reg, resolutions $res"
	[ "$tx" -eq 10 ] && [ $((tx + q)) -eq $((reg + res)) ]
}
run_test "a TI flood: 200 taken, 10 NHRP packets sent (max-send), the rest counted" flood

ktap_finish
