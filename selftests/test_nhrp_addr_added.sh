#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# An address added to a spoke's dmvpn device while it is up is registered
# at once, not at the next refresh (a third of the holding time: 40 min by
# default).
#
#   1. The spoke is up with only 10.0.0.2/24: it registers IPv4 once.
#   2. fd00::2/64 is added: the hub holds fd00::2 -> 192.0.2.2 within 5 s,
#      from exactly one more registration request (the IPv4 one keeps its
#      timer), and ping6 to the hub gives 3 of 3.
#   3. A second address of a family already registered (fd00::22, then
#      10.0.0.22) sends nothing: the registration is per family.
#
#   hub  192.0.2.1  dmvpn0 10.0.0.1/24 fd00::1/64
#   s1   192.0.2.2  dmvpn0 10.0.0.2/24, then fd00::2/64
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq
load_dmvpn

hub=$(ns_name hub); s1=$(ns_name s1)
topo_create "$hub" "$s1"

hub_up "$hub" 192.0.2.1 10.0.0.1/24
n "$hub" ip addr add fd00::1/64 dev dmvpn0 nodad
n "$s1" ip link add dmvpn0 type dmvpn local 192.0.2.2 nhs dynamic nbma 192.0.2.1
n "$s1" ip addr add 10.0.0.2/24 dev dmvpn0
n "$s1" ip link set dmvpn0 up

reg_sent() { counter "$s1" nhrp-reg-sent; }

ktap_plan 3

ipv4_first()
{
	wait_for 20 registered "$hub" 10.0.0.2 192.0.2.2 || return 1
	# The link-local address IPv6 gives the device at link up is not one
	# we register: still one request.
	echo "# registration requests so far: $(reg_sent)"
	[ "$(reg_sent)" -eq 1 ] && [ -z "$(entry "$hub" fd00::2 nbma)" ]
}
run_test "up with IPv4 only: one registration, no IPv6 binding" ipv4_first

ipv6_added()
{
	local r0 t0
	r0=$(reg_sent)
	t0=$(date +%s%N)
	n "$s1" ip addr add fd00::2/64 dev dmvpn0 nodad || return 1
	wait_for 5 registered "$hub" fd00::2 192.0.2.2 ||
		{ echo "# no IPv6 binding 5 s after the address came"; return 1; }
	echo "# fd00::2 registered $(ms_since "$t0") ms after it was added;" \
	     "requests +$(( $(reg_sent) - r0 ))"
	[ $(( $(reg_sent) - r0 )) -eq 1 ] && ping_ok "$s1" fd00::1 3
}
run_test "IPv6 address added while up: registered within 5 s, one request, ping6 3 of 3" \
	ipv6_added

same_family()
{
	local r0
	r0=$(reg_sent)
	n "$s1" ip addr add fd00::22/64 dev dmvpn0 nodad &&
	n "$s1" ip addr add 10.0.0.22/24 dev dmvpn0 || return 1
	# The registration would be queued by the address itself and sent
	# within milliseconds; the 3 pings that follow take over 0.4 s.
	ping_ok "$s1" 10.0.0.1 3 || return 1
	echo "# requests +$(( $(reg_sent) - r0 ))"
	[ $(( $(reg_sent) - r0 )) -eq 0 ] && [ -z "$(entry "$hub" fd00::22 nbma)" ] &&
	[ -z "$(entry "$hub" 10.0.0.22 nbma)" ]
}
run_test "another address of a registered family: no request" same_family

ktap_finish
