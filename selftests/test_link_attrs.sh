#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Link attributes round-trip: `ip link add/set ... type dmvpn` (through
# the iproute2 plugin) -> kernel -> `ip -d -j link show`, and refusals
# carry the kernel's or the plugin's explanation.
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip jq
load_dmvpn
[ -f "$IP_LIB_DIR/link_dmvpn.so" ] || skip_all "iproute2 plugin not built"

ns=$(ns_name a)
ip -n "$ns" link add eth0 type dummy
ip -n "$ns" addr add 192.0.2.1/24 dev eth0
printf 'DMVPN\n' > "$TMPDIR/secret"

info() { n "$ns" ip -d -j link show "$1" | jq -c '.[0].linkinfo.info_data'; }
field() { info "$1" | jq -r ".$2"; }

ktap_plan 7

create_all()
{
	n "$ns" ip link add d0 type dmvpn local 192.0.2.1 dev eth0 key 42 \
		ttl 10 tos inherit network-id 7 holdtime 600 \
		registration-timeout 100 max-entries 1000 redirect noshortcut \
		nounique nat-ext server-only authfile "$TMPDIR/secret" \
		max-send 200 max-send-interval 30 redirect-timeout 7 || return 1
	local got want
	got=$(info d0)
	want='{"local":"192.0.2.1","link":"eth0","key":42,"ttl":10,"tos":"inherit","network_id":7,"holdtime":600,"registration_timeout":100,"max_entries":1000,"max_send":200,"max_send_interval":30,"redirect_timeout":7,"redirect":true,"shortcut":false,"unique":false,"nat-ext":true,"server-only":true,"auth":true}'
	echo "# $got"
	[ "$(jq -S . <<< "$got")" = "$(jq -S . <<< "$want")" ]
}
run_test "every option set at creation reads back" create_all

set_one()
{
	n "$ns" ip link set d0 type dmvpn holdtime 900 shortcut || return 1
	[ "$(field d0 holdtime)" = 900 ] && [ "$(field d0 shortcut)" = true ] &&
	[ "$(field d0 redirect)" = true ] && [ "$(field d0 key)" = 42 ] &&
	[ "$(field d0 unique)" = false ]
}
run_test "ip link set changes what it names and keeps the rest" set_one

nokey()
{
	local m0 m1
	m0=$(n "$ns" cat /sys/class/net/d0/mtu)
	n "$ns" ip link set d0 type dmvpn nokey || return 1
	m1=$(n "$ns" cat /sys/class/net/d0/mtu)
	echo "# mtu $m0 -> $m1 without the key"
	[ "$(field d0 key)" = null ] && [ $((m1 - m0)) -eq 4 ]
}
run_test "nokey removes the key and gives its 4 bytes back to the MTU" nokey

defaults()
{
	n "$ns" ip link add d1 type dmvpn || return 1
	local got
	got=$(info d1 | jq -c '{local,ttl,tos,network_id,holdtime,max_entries,max_send,max_send_interval,redirect_timeout,unique,"nat-ext",redirect}')
	echo "# $got"
	[ "$got" = '{"local":"any","ttl":64,"tos":0,"network_id":1,"holdtime":7200,"max_entries":65536,"max_send":1000,"max_send_interval":10,"redirect_timeout":2,"unique":true,"nat-ext":true,"redirect":false}' ]
}
run_test "defaults without options" defaults

ipv6_underlay()
{
	n "$ns" ip link add d6 type dmvpn local 2001:db8::1 || return 1
	[ "$(field d6 local)" = 2001:db8::1 ] &&
	[ "$(n "$ns" ip -j link show d6 | jq -r '.[0].link_type')" = gre6 ]
}
run_test "IPv6 underlay device" ipv6_underlay

refused()
{
	local out
	out=$(n "$ns" ip link add d2 type dmvpn ttl 256 2>&1) && return 1
	echo "# ttl 256: $out"
	out=$(n "$ns" ip link set d6 type dmvpn local 192.0.2.1 2>&1) && return 1
	echo "# family change: $out"
	echo "$out" | grep -q "underlay address family" || return 1
	out=$(n "$ns" ip link add d3 type dmvpn local 224.0.0.5 2>&1) && return 1
	echo "# multicast local: $out"
	echo "$out" | grep -q "cannot be multicast" || return 1
	# Cisco's range for ip nhrp redirect timeout: 2..30.
	out=$(n "$ns" ip link add d4 type dmvpn redirect-timeout 1 2>&1) && return 1
	echo "# redirect-timeout 1: $out"
	echo "$out" | grep -q "out of range" || return 1
	out=$(n "$ns" ip link add d4 type dmvpn redirect-timeout 31 2>&1) && return 1
	echo "$out" | grep -q "out of range"
}
run_test "invalid values refused with an explanation" refused

map_refused()
{
	local out
	out=$(n "$ns" "$DMVPNCTL" map add d6 10.0.0.2 192.0.2.2 2>&1) && return 1
	echo "# $out"
	echo "$out" | grep -q "family differs" || return 1
	out=$(n "$ns" "$DMVPNCTL" map add d0 10.0.0.1/24 192.0.2.2 2>&1) && return 1
	echo "# $out"
	echo "$out" | grep -q "host bits" || return 1
	n "$ns" ip link set d0 type dmvpn max-entries 1
	n "$ns" "$DMVPNCTL" map add d0 10.0.0.2 192.0.2.2 || return 1
	out=$(n "$ns" "$DMVPNCTL" map add d0 10.0.0.3 192.0.2.3 2>&1) && return 1
	echo "# $out"
	echo "$out" | grep -q "cache is full" &&
	[ "$(n "$ns" "$DMVPNCTL" -j stats d0 | jq '."cache-full"')" = 1 ]
}
run_test "bad mappings refused with the kernel's message, cache limit counted" map_refused

ktap_finish
