#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The control work a hub does follows what changes, not how many spokes it
# holds. The gc and purges say how many entries they looked at
# (pr_debug "gc|purge <dev>: N entries looked at"; selftests/run.sh loads
# the module with its traces on), and the kernel log is read from a marker
# on.
#
#   192.0.2.1 $hub (10.0.0.1/16) <- $gen  (192.0.2.2): 2000 registrations,
#                                           10.0.1.1.., holding time 7200
#                                 <- $gen2 (192.0.2.3): 3 registrations,
#                                           10.0.100.1..3, then a purge
#
#   gc: 5 more registrations from $gen with a holding time of 2 s: once
#     they expired (2000 entries left) the gc runs since the marker looked
#     at exactly 5 entries, where walking the table would be 2005 a second
#   purge: $gen2 purges 10.0.0.0/16, which covers all 2003 entries: its 3
#     go, the 2000 of $gen's stay. Of the purge's two lookups, the first
#     (registrations it made) walked $gen2's 3 entries and nothing else;
#     they held its peer, so the second (answers it gave) found no peer
#     and looked at nothing: one trace, "3"
set -u
source "$(dirname "$0")/lib.sh"

GEN=$REPO/userspace/tests/build/nhrp_gen
require_cmd ip jq python3
[ -x "$GEN" ] || skip_all "nhrp_gen not built (make -C userspace/tests)"
load_dmvpn
[ -r /sys/kernel/debug/dynamic_debug/control ] &&
	grep -q 'dmvpn.*=p' /sys/kernel/debug/dynamic_debug/control ||
	{ echo "# dmvpn's pr_debug traces are off"; exit "$KSFT_FAIL"; }

hub=$(ns_name hub); gen=$(ns_name gen); gen2=$(ns_name gen2)
topo_create "$hub" "$gen" "$gen2"
n "$hub" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
hub_up "$hub" 192.0.2.1 10.0.0.1/16 max-send 100000 ||
	{ echo "# set-up: hub"; exit "$KSFT_FAIL"; }

st() { dev_stat "$hub" dmvpn0 "$1"; }
_is() { [ "$(st "$1")" = "$2" ]; }
# Registrations paced below what the receive backlog holds: every one is
# accepted, none dropped.
reg() { local ns=$1 src=$2; shift 2; n "$ns" "$GEN" -s "$src" -d 192.0.2.1 -r 1000 "$@" >/dev/null; }
dynamic_from()
{
	n "$hub" "$DMVPNCTL" -j cache dmvpn0 |
		jq --arg nbma "$1" '[.[] | select(.type == "dynamic" and .nbma == $nbma)] | length'
}
# klog_mark: a marker in the kernel log; klog_looked WHAT: the "N" of
# every "WHAT ...: N entries looked at" since the marker, in order.
klog_mark() { KLOG_MARK="dmvpn-test mark $$.$RANDOM"; echo "$KLOG_MARK" > /dev/kmsg; }
klog_looked()
{
	dmesg | awk -v m="$KLOG_MARK" -v w="$1" 'index($0, m) { on = 1; next }
		on && $0 ~ "dmvpn: " w " [0-9a-f]+: [0-9]+ entries looked at" {
			sub(/ entries looked at.*/, ""); sub(/.*: /, ""); printf "%s ", $0 }'
}

ktap_plan 2

gc()
{
	local got
	reg "$gen" 192.0.2.2 -n 2000 -H 7200 -b 10.0.1.1 &&
	reg "$gen2" 192.0.2.3 -n 3 -H 7200 -b 10.0.100.1 || return 1
	wait_for 30 _is cache-entries 2003 || { echo "# cache-entries $(st cache-entries)"; return 1; }
	klog_mark
	reg "$gen" 192.0.2.2 -n 5 -H 2 -b 10.0.200.1 || return 1
	wait_for 10 _is cache-entries 2008 || { echo "# cache-entries $(st cache-entries)"; return 1; }
	wait_for 15 _is cache-entries 2003 || { echo "# cache-entries $(st cache-entries)"; return 1; }
	got=$(klog_looked gc)
	echo "# gc runs since the 5 registrations looked at: ${got:-nothing}"
	[ "$(awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }' <<< "$got")" -eq 5 ]
}
run_test "gc: 2003 entries, 5 expiring: the gc looked at exactly 5" gc

purge()
{
	local got
	klog_mark
	n "$gen2" python3 -S "$REPO/selftests/nhrp_msg.py" --src 192.0.2.3 \
		--dst 192.0.2.1 --type 5 --flags 0x8000 --reqid 0x5501 \
		--src-nbma 192.0.2.3 --src-proto 10.0.100.1 --dst-proto 10.0.0.1 \
		--cie 0/16/-/10.0.0.0 || return 1
	wait_for 10 _is cache-entries 2000 || { echo "# cache-entries $(st cache-entries)"; return 1; }
	got=$(klog_looked purge)
	echo "# purge lookups looked at: ${got:-nothing}; $(dynamic_from 192.0.2.2) of 192.0.2.2's left"
	[ "$got" = "3 " ] && [ "$(dynamic_from 192.0.2.2)" -eq 2000 ] &&
	[ "$(dynamic_from 192.0.2.3)" -eq 0 ]
}
run_test "purge of a /16 from the owner of 3 of 2003 entries: 3 looked at, 3 gone, 2000 kept" purge

ktap_finish
