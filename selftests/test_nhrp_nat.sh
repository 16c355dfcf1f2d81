#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# NHRP hub duties: a spoke behind NAT, unique registrations, hub restart.
#
#              +----------------------- $inet ----------------------+
#              |                      bridge br0                    |
#              +----+------------+-------------+-------------+------+
#                   |            |             |             |
#   underlay 192.0.2.1   192.0.2.2     192.0.2.3     192.0.2.4 (public)
#              +----+---+  +-----+--+   +------+-+   +-------+--+
#              |  $hub  |  |  $s1   |   | $imp   |   |  $nat    | MASQUERADE
#              +--------+  +--------+   +--------+   +----+-----+
#   dmvpn0    10.0.0.1/24  10.0.0.2     10.0.0.2 (!)      | 198.51.100.1/24
#                                                    +----+-----+
#                                                    |  $s3     | 198.51.100.2
#                                                    +----------+ dmvpn0 10.0.0.13
#
# $imp claims $s1's tunnel address from another NBMA address: refused
# (unique) until $s1 withdraws its registration.
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq iptables-legacy
load_dmvpn

hub=$(ns_name hub); s1=$(ns_name s1); imp=$(ns_name imp); nat=$(ns_name nat)
s3=$(ns_name s3)
topo_create "$hub" "$s1" "$imp" "$nat"

nat_site "$nat" "$s3" 198.51.100.2 198.51.100.1

hub() { hub_up "$hub" 192.0.2.1 10.0.0.1/24 holdtime 60; }
spoke() # NS LOCAL TUNNEL
{
	spoke_up "$1" "$2" "$3/24" 192.0.2.1 holdtime 60 registration-timeout 3
}
hub
spoke "$s1" 192.0.2.2 10.0.0.2
spoke "$s3" 198.51.100.2 10.0.0.13

nhs_is() { [ "$(nhs_field "$1" "$2")" = "$3" ]; }	# NS KEY VALUE
bound() { [ "$(entry "$1" "$2" nbma)" = "$3" ] && [ "$(entry "$1" "$2" type)" = "$4" ]; }

ktap_plan 7

nat_registered()
{
	wait_for 15 bound "$hub" 10.0.0.13 192.0.2.4 dynamic || return 1
	echo "# hub: 10.0.0.13 nbma $(entry "$hub" 10.0.0.13 nbma)" \
		"claimed $(entry "$hub" 10.0.0.13 nbma-claimed) flags $(entry "$hub" 10.0.0.13 flags)"
	[ "$(entry "$hub" 10.0.0.13 nbma-claimed)" = 198.51.100.2 ] &&
	entry "$hub" 10.0.0.13 flags | grep -qw nat
}
run_test "spoke behind NAT registers; hub binds the post-NAT address" nat_registered

nat_learned()
{
	wait_for 10 nhs_is "$s3" nat-nbma 192.0.2.4 || return 1
	echo "# spoke learned its post-NAT address $(nhs_field "$s3" nat-nbma)"
	ping_ok "$hub" 10.0.0.13
}
run_test "NATed spoke learns its post-NAT address; hub reaches it" nat_learned

to_natted()
{
	local d0 d1
	wait_for 15 bound "$hub" 10.0.0.2 192.0.2.2 dynamic || return 1
	# The first packets go via the hub while s1 resolves (no claim on
	# their answers).
	ping_run "$s1" 10.0.0.13 2 -i 0.5 -W 2
	echo "# first pings, via the hub: $PING_STATS"
	wait_for 10 bound "$s1" 10.0.0.13 192.0.2.4 resolved || {
		echo "# s1 did not resolve 10.0.0.13 to 192.0.2.4:"
		n "$s1" "$DMVPNCTL" -p cache dmvpn0 | sed 's/^/# /'
		return 1
	}
	d0=$(peer_stat "$s1" dmvpn0 192.0.2.4 tx-packets)
	ping_ok "$s1" 10.0.0.13 5 || return 1
	d1=$(peer_stat "$s1" dmvpn0 192.0.2.4 tx-packets)
	echo "# s1 -> NATed s3 direct +$((d1 - d0))"
	[ $((d1 - d0)) -eq 5 ]
}
run_test "spoke to NATed spoke: resolved to the post-NAT address, direct" to_natted

from_natted()
{
	local d0 d1
	wait_for 5 bound "$s3" 10.0.0.2 192.0.2.2 resolved ||
		{ echo "# s3 did not learn s1"; return 1; }
	d0=$(peer_stat "$s3" dmvpn0 192.0.2.2 tx-packets)
	ping_ok "$s3" 10.0.0.2 5 || return 1
	d1=$(peer_stat "$s3" dmvpn0 192.0.2.2 tx-packets)
	echo "# NATed s3 -> s1 direct +$((d1 - d0))"
	[ $((d1 - d0)) -eq 5 ]
}
run_test "NATed spoke to spoke: direct" from_natted

unique_refused()
{
	local nu0
	nu0=$(dev_stat "$hub" dmvpn0 nhrp-reg-not-unique)
	spoke "$imp" 192.0.2.3 10.0.0.2
	wait_for 10 nhs_is "$imp" last-code 14 ||
		{ echo "# no code 14 at the impostor"; return 1; }
	echo "# impostor: state $(nhs_field "$imp" state), last code $(nhs_field "$imp" last-code);" \
		"hub not-unique $nu0 -> $(dev_stat "$hub" dmvpn0 nhrp-reg-not-unique)"
	[ "$(nhs_field "$imp" state)" = down ] &&
	[ "$(dev_stat "$hub" dmvpn0 nhrp-reg-not-unique)" -gt "$nu0" ] &&
	bound "$hub" 10.0.0.2 192.0.2.2 dynamic
}
run_test "unique: another NBMA claiming a registered address is refused (code 14)" unique_refused

after_purge()
{
	local p0
	p0=$(dev_stat "$hub" dmvpn0 nhrp-purge-rx)
	pp n "$s1" "$DMVPNCTL" nhs del dmvpn0 192.0.2.1
	wait_for 10 bound "$hub" 10.0.0.2 192.0.2.3 dynamic ||
		{ echo "# impostor not registered after the purge"; return 1; }
	echo "# hub purges $p0 -> $(dev_stat "$hub" dmvpn0 nhrp-purge-rx); 10.0.0.2 now at $(entry "$hub" 10.0.0.2 nbma)"
	# One purge: s1 registered IPv4 only.
	[ "$(dev_stat "$hub" dmvpn0 nhrp-purge-rx)" -eq $((p0 + 1)) ] &&
	wait_for 10 nhs_is "$imp" state up
}
run_test "after the owner's purge the other NBMA registers" after_purge

hub_restart()
{
	local t0 t1
	hub
	t0=$(date +%s%N)
	wait_for 15 bound "$hub" 10.0.0.13 192.0.2.4 dynamic || return 1
	wait_for 15 bound "$hub" 10.0.0.2 192.0.2.3 dynamic || return 1
	t1=$(date +%s%N)
	echo "# spokes re-registered $(( (t1 - t0) / 1000000 )) ms after the hub came back (registration-timeout 3 s)"
	ping_ok "$hub" 10.0.0.13 2
}
run_test "hub re-created: spokes re-register within the registration timeout" hub_restart

ktap_finish
