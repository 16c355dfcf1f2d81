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
# The 2000 go as fast as the hub takes them; what its receive backlog
# drops (a debug kernel's worker is slower) is counted, and the cases
# work with the N it accepted. The few after them are sent one at a time.
#
#   gc: 5 more registrations from $gen with a holding time of 2 s: once
#     they expired (N + 3 entries left) the gc runs since the marker looked
#     at exactly 5 entries, where walking the table would be N + 8 a second
#   purge: $gen2 purges 10.0.0.0/16, which covers all N + 3 entries: its 3
#     go, the N of $gen's stay. Of the purge's two lookups, the first
#     (registrations it made) walked $gen2's 3 entries and nothing else;
#     they held its peer, so the second (answers it gave) found no peer
#     and looked at nothing: one trace, "3"
#   NHS purge: $gen2 becomes the hub's NHS (10.0.100.254) and answers
#     the hub's resolutions of 10.0.60.1..3 (ids read off a capture): 3
#     resolved entries among the N. $gen2's purge of 10.0.0.0/16 comes
#     from an NHS, so it may take any answer in the range: the 3 go, the
#     N stay. Its first lookup walked the NHS's peer (the NHS entry, 1),
#     the second only the resolution results in the range: "1 3"
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
# reg NS SRC OPTS...: registrations from SRC; few_reg: a few, each
# accepted before the next goes.
reg() { local ns=$1 src=$2; shift 2; n "$ns" "$GEN" -s "$src" -d 192.0.2.1 "$@" >/dev/null; }
few_reg()
{
	local ns=$1 src=$2 base=$3 hold=$4 count=$5 i e
	for i in $(seq 0 $((count - 1))); do
		e=$(($(st nhrp-reg-accepted) + 1))
		reg "$ns" "$src" -n 1 -H "$hold" -b "${base%.*}.$((${base##*.} + i))" &&
		wait_for 10 _is nhrp-reg-accepted "$e" || return 1
	done
}
# Every one of N sent was accepted or dropped by the backlog.
_settled() { [ $(($(st nhrp-reg-accepted) + $(st nhrp-rx-backlog))) -eq "$1" ]; }
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

ktap_plan 3

gc()
{
	local got N
	reg "$gen" 192.0.2.2 -n 2000 -H 7200 -b 10.0.1.1 || return 1
	wait_for 60 _settled 2000 || { echo "# accepted $(st nhrp-reg-accepted), backlog $(st nhrp-rx-backlog)"; return 1; }
	N=$(st cache-entries)
	echo "# $N of 2000 accepted, $(st nhrp-rx-backlog) dropped by the backlog"
	[ "$N" -gt 1000 ] || return 1
	few_reg "$gen2" 192.0.2.3 10.0.100.1 7200 3 || { echo "# cache-entries $(st cache-entries)"; return 1; }
	klog_mark
	few_reg "$gen" 192.0.2.2 10.0.200.1 2 5 || { echo "# accepted $(st nhrp-reg-accepted)"; return 1; }
	wait_for 15 _is cache-entries $((N + 3)) || { echo "# cache-entries $(st cache-entries)"; return 1; }
	got=$(klog_looked gc)
	echo "# gc runs since the 5 registrations looked at: ${got:-nothing}"
	[ "$(awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }' <<< "$got")" -eq 5 ]
}
run_test "gc: N + 8 entries, 5 expiring: the gc looked at exactly 5" gc

purge()
{
	local got N
	# run_test runs each case in a subshell: N again, from the table.
	N=$(dynamic_from 192.0.2.2)
	klog_mark
	n "$gen2" python3 -S "$REPO/selftests/nhrp_msg.py" --src 192.0.2.3 \
		--dst 192.0.2.1 --type 5 --flags 0x8000 --reqid 0x5501 \
		--src-nbma 192.0.2.3 --src-proto 10.0.100.1 --dst-proto 10.0.0.1 \
		--cie 0/16/-/10.0.0.0 || return 1
	wait_for 10 _is cache-entries "$N" || { echo "# cache-entries $(st cache-entries)"; return 1; }
	got=$(klog_looked purge)
	echo "# purge lookups looked at: ${got:-nothing}; $(dynamic_from 192.0.2.2) of 192.0.2.2's $N left"
	[ "$got" = "3 " ] && [ "$(dynamic_from 192.0.2.2)" -eq "$N" ] &&
	[ "$(dynamic_from 192.0.2.3)" -eq 0 ]
}
run_test "purge of a /16 from the owner of 3 of N + 3 entries: 3 looked at, 3 gone, N kept" purge

PY=$(python3 -c 'import sys; print(sys.executable)')
msg() { n "$gen2" "$PY" -S "$REPO/selftests/nhrp_msg.py" "$@"; }
of_type() { n "$hub" "$DMVPNCTL" -j cache dmvpn0 | jq --arg t "$1" '[.[] | select(.type == $t)] | length'; }
# res_ids: the ids of the hub's first request for each of 10.0.60.1..3.
res_ids()
{
	"$PY" -S "$REPO/selftests/nhrp_msg.py" --read "$TMPDIR/gen2.pcap" |
		awk '$1 == "192.0.2.1" && $3 == 1 && $5 ~ /^10\.0\.60\.[1-3]$/ && !seen[$5]++ {
			id[$5] = $4 } END { for (i = 1; i <= 3; i++) printf "%s ", id["10.0.60." i] }'
}
_three_ids() { [ "$(wc -w <<< "$(res_ids)")" -eq 3 ]; }

nhs_purge()
{
	local got N ids i=0 id
	N=$(dynamic_from 192.0.2.2)
	nhrp_capture_start "$gen2" eth0 "$TMPDIR/gen2.pcap" || return 1
	n "$hub" "$DMVPNCTL" nhs add dmvpn0 10.0.100.254 192.0.2.3 || return 1
	for i in 1 2 3; do
		n "$hub" ping -c 1 -W 1 "10.0.60.$i" >/dev/null
	done
	wait_for 15 _three_ids || { echo "# requests seen: $(res_ids)"; return 1; }
	ids=$(res_ids)
	nhrp_capture_stop "$TMPDIR/gen2.pcap"
	i=0
	for id in $ids; do
		i=$((i + 1))
		msg --src 192.0.2.3 --dst 192.0.2.1 --type 2 --flags 0x4000 --reqid "$id" \
			--src-nbma 192.0.2.1 --src-proto 10.0.0.1 --dst-proto "10.0.60.$i" \
			--cie "0/32/192.0.2.6$i/10.0.60.$i/7200" || return 1
	done
	wait_for 10 _is nhrp-res-resolved 3 ||
		{ echo "# nhrp-res-resolved $(st nhrp-res-resolved)"; return 1; }
	[ "$(of_type resolved)" -eq 3 ] || { echo "# resolved entries: $(of_type resolved)"; return 1; }
	klog_mark
	msg --src 192.0.2.3 --dst 192.0.2.1 --type 5 --flags 0x8000 --reqid 0x5502 \
		--src-nbma 192.0.2.3 --src-proto 10.0.100.254 --dst-proto 10.0.0.1 \
		--cie 0/16/-/10.0.0.0 || return 1
	wait_for 10 _is nhrp-purge-rx 2 || { echo "# nhrp-purge-rx $(st nhrp-purge-rx)"; return 1; }
	wait_for 10 eval '[ "$(of_type resolved)" -eq 0 ]' ||
		{ echo "# resolved entries left: $(of_type resolved)"; return 1; }
	got=$(klog_looked purge)
	echo "# purge lookups looked at: ${got:-nothing}; $(dynamic_from 192.0.2.2) of 192.0.2.2's $N left"
	[ "$got" = "1 3 " ] && [ "$(dynamic_from 192.0.2.2)" -eq "$N" ]
}
run_test "NHS purge of a /16 holding N + 3: the 3 resolved go, 1 + 3 looked at, N kept" nhs_purge

ktap_finish
