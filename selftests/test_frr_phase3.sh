#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Phase 3 interop with FRR nhrpd 8.4 (Debian frr, on the kernel's ip_gre):
#
# (a) a dmvpn hub with redirect; FRR spoke A (ip nhrp shortcut) and dmvpn
#     spoke B (shortcut). A's traffic to B's LAN is relayed by our hub,
#     whose Traffic Indication makes nhrpd resolve B's LAN and install its
#     shortcut route; then A sends to B directly.
# (b) an FRR hub with ip nhrp redirect and FRR's documented NFLOG rule;
#     dmvpn spokes C and D with shortcut. nhrpd's TI (hop 1, no
#     extensions) makes C resolve D's LAN; C's shortcut carries the rest.
#
#          +---------------------- $inet (br0) -----------------------+
#          +------+-----------+-----------+-----------+-----------+----+
#   (a)  192.0.2.1    192.0.2.2   192.0.2.3
#        $hub dmvpn   $sa FRR     $sb dmvpn
#        10.0.0.1/24  10.0.0.2/32 10.0.0.3/24
#                     LAN 10.1/24 LAN 10.2/24
#   (b)                                       192.0.2.4   192.0.2.5   192.0.2.6
#                                             $fh FRR     $sc dmvpn   $sd dmvpn
#                                             10.0.0.1/32 10.0.0.5/24 10.0.0.6/24
#                                                         LAN 10.5/24 LAN 10.6/24
# (a) and (b) are two clouds on one bridge, told apart by their GRE keys.
# Spokes route only the summary 10.0.0.0/8 via their hub.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_frr.sh"

require_cmd ip ping jq
frr_require
load_dmvpn

hub=$(ns_name hub); sa=$(ns_name sa); sb=$(ns_name sb)
fh=$(ns_name fh); sc=$(ns_name sc); sd=$(ns_name sd)
topo_create "$hub" "$sa" "$sb" "$fh" "$sc" "$sd"

lan() # NS IF ADDR/LEN
{
	ip -n "$1" link add "$2" type dummy && ip -n "$1" addr add "$3" dev "$2" &&
	ip -n "$1" link set "$2" up
}

# dmvpn spoke with shortcut: NS NBMA ADDR/LEN HUB_NBMA LAN KEY
p3_spoke()
{
	ip -n "$1" link add dmvpn0 type dmvpn local "$2" key "$6" \
		network-id "$FRR_NETID" holdtime "$FRR_HOLDTIME" nounique shortcut \
		nhs dynamic nbma "$4" || return 1
	n "$1" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1 net.ipv4.ip_forward=1
	ip -n "$1" addr add "$3" dev dmvpn0 && ip -n "$1" link set dmvpn0 up &&
	lan "$1" lan0 "$5" &&
	ip -n "$1" route add 10.0.0.0/8 via 10.0.0.1 dev dmvpn0
}

# f_ping NS SRC DST COUNT: exactly COUNT sent and answered.
f_ping()
{
	n "$1" ping -q -I "$2" -c "$4" -i 0.2 -W 2 "$3" 2>&1 |
		grep -q "^$4 packets transmitted, $4 received,"
}

p3_shortcut()
{
	ctl "$1" -j cache dmvpn0 | jq -e --arg p "$2" --arg nb "$3" \
		'any(.[]; .proto == $p and .type == "shortcut" and .nbma == $nb)' >/dev/null
}

ktap_plan 4

setup_a()
{
	local rc=0
	frr_node "$sa" spoke 192.0.2.2 10.0.0.2 nhs=192.0.2.1 \
		kroute=10.0.0.0/8,10.0.0.1 nostart || rc=1
	lan "$sa" lan0 10.1.0.1/24 || rc=1
	frr_start "$sa" || rc=1
	ip -n "$hub" link add dmvpn0 type dmvpn local 192.0.2.1 key "$FRR_KEY" \
		network-id "$FRR_NETID" holdtime "$FRR_HOLDTIME" redirect || rc=1
	n "$hub" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1 net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.dmvpn0.send_redirects=0
	ip -n "$hub" addr add 10.0.0.1/24 dev dmvpn0 && ip -n "$hub" link set dmvpn0 up || rc=1
	ip -n "$hub" route add 10.1.0.0/24 via 10.0.0.2 dev dmvpn0 || rc=1
	ip -n "$hub" route add 10.2.0.0/24 via 10.0.0.3 dev dmvpn0 || rc=1
	p3_spoke "$sb" 192.0.2.3 10.0.0.3/24 192.0.2.1 10.2.0.1/24 "$FRR_KEY" || rc=1
	wait_for 30 has_entry "$hub" 10.0.0.2 dynamic 192.0.2.2 || { echo "# FRR spoke not registered"; rc=1; }
	wait_for 30 has_entry "$hub" 10.0.0.3 dynamic 192.0.2.3 || { echo "# dmvpn spoke not registered"; rc=1; }
	[ $rc -eq 0 ] || { show_dmvpn "$hub"; show_frr "$sa" 30; }
	return $rc
}
run_test "(a) FRR and dmvpn spokes register with the dmvpn redirect hub" timed setup_a

frr_takes_our_ti()
{
	local c0 c1 t0
	t0=$(ctl "$hub" -j stats dmvpn0 | jq '."redirect-tx"')
	c0=$(peer_counts "$hub" 192.0.2.2)
	f_ping "$sa" 10.1.0.1 10.2.0.1 1 ||
		{ echo "# first ping via the hub failed"; return 1; }
	c1=$(peer_counts "$hub" 192.0.2.2)
	echo "# hub relayed $(( ${c1#* } - ${c0#* } )) of A's packets"
	# nhrpd resolves the TI's embedded destination, B answers /24.
	if ! wait_for 20 frr_route "$sa" 10.2.0.0/24; then
		echo "# FRR spoke has no shortcut route to 10.2.0.0/24"
		show_frr "$sa" 40; show_dmvpn "$hub"
		return 1
	fi
	n "$sa" ip route show dev gre1 10.2.0.0/24 | sed 's/^/# A: /'
	wait_for 10 frr_neigh "$sa" 10.0.0.3 192.0.2.3 || { show_frr "$sa" 20; return 1; }
	echo "# hub sent $(( $(ctl "$hub" -j stats dmvpn0 | jq '."redirect-tx"') - t0 )) TIs"
	local h0 h1 b0 b1
	h0=$(peer_counts "$hub" 192.0.2.2); b0=$(peer_counts "$sb" 192.0.2.2)
	f_ping "$sa" 10.1.0.1 10.2.0.1 5 ||
		{ echo "# 5 pings on the shortcut failed"; return 1; }
	h1=$(peer_counts "$hub" 192.0.2.2); b1=$(peer_counts "$sb" 192.0.2.2)
	echo "# then: hub got $(( ${h1#* } - ${h0#* } )), B got $(( ${b1#* } - ${b0#* } )) from A"
	[ $(( ${h1#* } - ${h0#* } )) -eq 0 ] && [ $(( ${b1#* } - ${b0#* } )) -eq 5 ] &&
	[ $(( ${c1#* } - ${c0#* } )) -eq 1 ]
}
run_test "(a) FRR spoke builds its shortcut from our TI: 1 relayed, then 5 of 5 direct" \
	timed frr_takes_our_ti

setup_b()
{
	local rc=0 key=$((FRR_KEY + 1))
	FRR_KEY=$key frr_node "$fh" hub 192.0.2.4 10.0.0.1 redirect \
		kroute=10.5.0.0/24,10.0.0.5 kroute=10.6.0.0/24,10.0.0.6 || rc=1
	p3_spoke "$sc" 192.0.2.5 10.0.0.5/24 192.0.2.4 10.5.0.1/24 "$key" || rc=1
	p3_spoke "$sd" 192.0.2.6 10.0.0.6/24 192.0.2.4 10.6.0.1/24 "$key" || rc=1
	wait_for 30 nhs_up "$sc" 192.0.2.4 10.0.0.1 || rc=1
	wait_for 30 nhs_up "$sd" 192.0.2.4 10.0.0.1 || rc=1
	wait_for 10 frr_neigh "$fh" 10.0.0.5 192.0.2.5 || rc=1
	wait_for 10 frr_neigh "$fh" 10.0.0.6 192.0.2.6 || rc=1
	[ $rc -eq 0 ] || { show_frr "$fh" 30; show_dmvpn "$sc"; }
	return $rc
}
run_test "(b) dmvpn spokes register with an FRR hub with ip nhrp redirect" timed setup_b

we_take_frr_ti()
{
	local h0 h1 d0 d1
	f_ping "$sc" 10.5.0.1 10.6.0.1 1 ||
		{ echo "# first ping via the FRR hub failed"; return 1; }
	if ! wait_for 20 p3_shortcut "$sc" 10.6.0.0 192.0.2.6; then
		echo "# C: ti-rx $(ctl "$sc" -j stats dmvpn0 | jq '."nhrp-ti-rx"')"
		show_dmvpn "$sc"; show_frr "$fh" 40
		return 1
	fi
	echo "# C took $(ctl "$sc" -j stats dmvpn0 | jq '."nhrp-ti-rx"') TI from nhrpd"
	h0=$(peer_counts "$sc" 192.0.2.4); d0=$(peer_counts "$sc" 192.0.2.6)
	f_ping "$sc" 10.5.0.1 10.6.0.1 5 ||
		{ echo "# 5 pings on the shortcut failed"; return 1; }
	h1=$(peer_counts "$sc" 192.0.2.4); d1=$(peer_counts "$sc" 192.0.2.6)
	echo "# then: C sent $(( ${h1% *} - ${h0% *} )) to the hub, $(( ${d1% *} - ${d0% *} )) to D"
	[ $(( ${h1% *} - ${h0% *} )) -eq 0 ] && [ $(( ${d1% *} - ${d0% *} )) -eq 5 ]
}
run_test "(b) we build our shortcut from nhrpd's TI: then 5 of 5 direct" timed we_take_frr_ti

ktap_finish
