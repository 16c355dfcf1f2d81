#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Two FRR nhrpd 8.4 spokes (Debian bookworm's frr, on the kernel's ip_gre)
# and a dmvpn spoke on one dmvpn hub, resolving each other through it:
#
# (a) FRR A <-> FRR B: A's packets to B are relayed by our hub, whose
#     Traffic Indication makes nhrpd resolve B (nhrpd resolves only on a
#     TI: it answers the kernel's neighbour requests from its cache alone,
#     netlink_arp.c, so the hub runs "redirect"). Our hub relays the
#     Resolution Request to B, and B's reply (nhrpd sends it along its
#     route, via the hub) back to A; B resolves A the same way for its
#     answers. Then 5 of 5 each way directly: our hub relays 0 data packets
#     (its per-peer counters) and the underlay carries exactly the 5 + 5
#     between A's and B's NBMA addresses.
# (b) dmvpn C -> FRR A: C resolves A on demand (Phase 2: its first packet
#     has no entry), our hub relays the request to A, A answers; A's
#     answers to C, relayed by the hub, make A resolve C (TI). Then 5 of 5
#     directly, 0 relayed.
# (c) FRR B -> dmvpn C: B resolves C (TI), C answers B directly; then 5 of 5
#     directly, 0 relayed.
# Every NHRP packet of the run is accounted for in an underlay capture:
# each resolution (by request id) one clean exchange: relayed once by our
# hub to the owner of its target, answered once, an answer sent via the
# hub relayed once; or a refresh nhrpd sends along its shortcut, directly
# to the owner and answered directly.
#
#          +------------------------ $inet (br0) ------------------------+
#          |             tcpdump: every GRE packet -> tshark             |
#          +-------+----------------+----------------+----------------+--+
#                  |                |                |                |
#  underlay    192.0.2.1        192.0.2.2        192.0.2.3        192.0.2.4
#          +-------+------+  +------+------+  +------+------+  +------+------+
#          |     $hub     |  |     $fa     |  |     $fb     |  |     $dc     |
#          | dmvpn0       |  | FRR spoke A |  | FRR spoke B |  | dmvpn0      |
#          | 10.0.0.1/24  |  | 10.0.0.2/32 |  | 10.0.0.3/32 |  | 10.0.0.4/24 |
#          | redirect     |  | gre1        |  | gre1        |  | spoke C     |
#          +--------------+  +-------------+  +-------------+  +-------------+
#
# GRE key 42, holdtime 30, no-unique, IPv4 only. The hub has no per-spoke
# configuration; FRR spokes route 10.0.0.0/24 via the hub (kernel route,
# which zebra hands to nhrpd), C has the /24 on dmvpn0 (no shortcut).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_frr.sh"

require_cmd ip ping jq tcpdump tshark
frr_require
load_dmvpn

hub=$(ns_name hub); fa=$(ns_name fa); fb=$(ns_name fb); dc=$(ns_name dc)
topo_create "$hub" "$fa" "$fb" "$dc"

ktap_plan 7

# What the interop claims below were checked against: FRR 8.4's nhrpd.
frr_version()
{
	local v
	v=$("$FRR_BIN/nhrpd" --version 2>&1 | head -n 1)
	echo "# $FRR_BIN/nhrpd: $v"
	[[ $v =~ ^nhrpd\ version\ 8\.4(\.[0-9]+)?$ ]] && return 0
	echo "# nhrpd is not FRR 8.4 (Debian bookworm's frr 8.4.x): this test's" \
		"expectations are 8.4's behaviour; install frr 8.4 or update the test"
	return 1
}
run_test "nhrpd is FRR 8.4" frr_version

setup()
{
	local rc=0 n
	frr_node "$fa" spoke 192.0.2.2 10.0.0.2 nhs=192.0.2.1 \
		kroute=10.0.0.0/24,10.0.0.1 nostart || rc=1
	frr_node "$fb" spoke 192.0.2.3 10.0.0.3 nhs=192.0.2.1 \
		kroute=10.0.0.0/24,10.0.0.1 nostart || rc=1
	frr_start "$fa" "$fb" || rc=1
	ip -n "$hub" link add dmvpn0 type dmvpn local 192.0.2.1 key "$FRR_KEY" \
		network-id "$FRR_NETID" holdtime "$FRR_HOLDTIME" redirect || rc=1
	# A hub relays but sends no ICMP redirect: data counts stay exact.
	n "$hub" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1 net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.dmvpn0.send_redirects=0
	ip -n "$hub" addr add 10.0.0.1/24 dev dmvpn0 && ip -n "$hub" link set dmvpn0 up || rc=1
	dmvpn_node "$dc" 192.0.2.4 10.0.0.4/24 192.0.2.1 || rc=1
	for n in 2 3 4; do
		wait_for 30 has_entry "$hub" 10.0.0.$n dynamic 192.0.2.$n ||
			{ echo "# 10.0.0.$n not registered"; rc=1; }
	done
	# nhrpd took the hub's address from the reply; C is up.
	wait_for 10 frr_neigh "$fa" 10.0.0.1 192.0.2.1 || rc=1
	wait_for 10 frr_neigh "$fb" 10.0.0.1 192.0.2.1 || rc=1
	wait_for 10 nhs_up "$dc" 192.0.2.1 10.0.0.1 || rc=1
	[ $rc -eq 0 ] || { show_dmvpn "$hub"; show_frr "$fa" 20; show_frr "$fb" 20; }
	return $rc
}
run_test "dmvpn hub, FRR spokes A and B, dmvpn spoke C: all registered" setup

# Everything from here on, for the last test.
frr_capture_start || { echo "# tcpdump did not start"; exit $KSFT_FAIL; }
t_cap=$SECONDS
r0_tx=$(dev_stat "$hub" dmvpn0 redirect-tx)

# hub_data NBMA...: data packets our hub received from and sent to them.
hub_data()
{
	local nb s=0
	for nb in "$@"; do
		s=$((s + $(peer_stat "$hub" dmvpn0 "$nb" rx-packets) +
		     $(peer_stat "$hub" dmvpn0 "$nb" tx-packets)))
	done
	echo $s
}

# frr_shortcut NS ADDR NBMA: nhrpd installed its shortcut to ADDR (the
# kernel route on gre1 and the neighbour nhrpd wrote).
frr_shortcut() { frr_route "$1" "$2/32" && frr_neigh "$1" "$2" "$3"; }

# icmp_in T0 T1 FILTER: GRE-carried ICMP echo requests and replies in the
# capture between epochs T0 and T1 whose outer header matches FILTER.
icmp_in()
{
	tcpdump -tt -nn -r "$FRR_CAP" "$3" 2>/dev/null |
		awk -v t0="$1" -v t1="$2" '$1 >= t0 && $1 <= t1 && / ICMP echo /' | wc -l
}

frr_pair()
{
	local h0 h1 e0 e1 ab ba hub_icmp
	# The first packets go via our hub (no claim on their answers).
	ping_run "$fa" 10.0.0.3 3 -W 2
	echo "# first pings, via our hub: $PING_STATS"
	if ! wait_for 20 frr_shortcut "$fa" 10.0.0.3 192.0.2.3 ||
	   ! wait_for 20 frr_shortcut "$fb" 10.0.0.2 192.0.2.2; then
		echo "# no shortcut A -> B and B -> A"
		show_frr "$fa" 30; show_frr "$fb" 30; show_dmvpn "$hub"
		return 1
	fi
	n "$fa" ip route show dev gre1 10.0.0.3/32 | sed 's/^/# A: /'
	n "$fb" ip route show dev gre1 10.0.0.2/32 | sed 's/^/# B: /'
	h0=$(hub_data 192.0.2.2 192.0.2.3)
	e0=$(date +%s.%N)
	ping_ok "$fa" 10.0.0.3 5 -i 0.1 || return 1
	e1=$(date +%s.%N)
	h1=$(hub_data 192.0.2.2 192.0.2.3)
	# tcpdump writes each packet at once (-U): the last reply is in.
	ab=$(icmp_in "$e0" "$e1" "src 192.0.2.2 and dst 192.0.2.3")
	ba=$(icmp_in "$e0" "$e1" "src 192.0.2.3 and dst 192.0.2.2")
	hub_icmp=$(icmp_in "$e0" "$e1" "host 192.0.2.1")
	echo "# 5 pings A -> B: hub relayed $((h1 - h0)); underlay A->B $ab, B->A $ba, via the hub $hub_icmp"
	[ $((h1 - h0)) -eq 0 ] && [ "$ab" -eq 5 ] && [ "$ba" -eq 5 ] && [ "$hub_icmp" -eq 0 ]
}
run_test "(a) FRR A <-> FRR B resolve through our hub, then 5 of 5 direct: hub relays 0, underlay 5 + 5" \
	frr_pair

# C's per-peer counters toward NBMA, as "tx rx".
c_counts() { peer_counts "$dc" "$1"; }

dmvpn_to_frr()
{
	local h0 h1 c0 c1 s0 s1
	s0=$(dev_stat "$dc" dmvpn0 nhrp-res-sent)
	ping_run "$dc" 10.0.0.2 3 -W 2
	echo "# first pings, via our hub: $PING_STATS"
	s1=$(dev_stat "$dc" dmvpn0 nhrp-res-sent)
	if ! wait_for 20 has_entry "$dc" 10.0.0.2 resolved 192.0.2.2 ||
	   ! wait_for 20 frr_shortcut "$fa" 10.0.0.4 192.0.2.4; then
		echo "# C and A did not resolve each other"
		show_dmvpn "$dc"; show_frr "$fa" 30; show_dmvpn "$hub"
		return 1
	fi
	# (counted exactly in the underlay, last test)
	echo "# C sent $((s1 - s0)) resolution requests"
	h0=$(hub_data 192.0.2.2 192.0.2.4)
	read -r -a c0 <<< "$(c_counts 192.0.2.2)"
	ping_ok "$dc" 10.0.0.2 5 -i 0.1 || return 1
	read -r -a c1 <<< "$(c_counts 192.0.2.2)"
	h1=$(hub_data 192.0.2.2 192.0.2.4)
	echo "# 5 pings C -> A: C sent A +$((c1[0] - c0[0])), got +$((c1[1] - c0[1])); hub relayed $((h1 - h0))"
	[ $((c1[0] - c0[0])) -eq 5 ] && [ $((c1[1] - c0[1])) -eq 5 ] && [ $((h1 - h0)) -eq 0 ]
}
run_test "(b) dmvpn C resolves FRR A (Phase 2) and A resolves C (TI), then 5 of 5 direct, hub relays 0" \
	dmvpn_to_frr

frr_to_dmvpn()
{
	local h0 h1 c0 c1
	ping_run "$fb" 10.0.0.4 3 -W 2
	echo "# first pings, via our hub: $PING_STATS"
	if ! wait_for 20 frr_shortcut "$fb" 10.0.0.4 192.0.2.4 ||
	   ! wait_for 10 has_entry "$dc" 10.0.0.3 resolved 192.0.2.3; then
		echo "# B and C did not resolve each other"
		show_dmvpn "$dc"; show_frr "$fb" 30; show_dmvpn "$hub"
		return 1
	fi
	h0=$(hub_data 192.0.2.3 192.0.2.4)
	read -r -a c0 <<< "$(c_counts 192.0.2.3)"
	ping_ok "$fb" 10.0.0.4 5 -i 0.1 || return 1
	read -r -a c1 <<< "$(c_counts 192.0.2.3)"
	h1=$(hub_data 192.0.2.3 192.0.2.4)
	echo "# 5 pings B -> C: C got +$((c1[1] - c0[1])) from B, sent +$((c1[0] - c0[0])); hub relayed $((h1 - h0))"
	[ $((c1[0] - c0[0])) -eq 5 ] && [ $((c1[1] - c0[1])) -eq 5 ] && [ $((h1 - h0)) -eq 0 ]
}
run_test "(c) FRR B resolves dmvpn C through our hub (TI), then 5 of 5 direct, hub relays 0" \
	frr_to_dmvpn

# res_table: from nhrp_capture_check's decode, every Resolution Request
# and Reply as "SRC DST TYPE REQUESTER TARGET REQID" (outer addresses).
nbma_of() { echo "192.0.2.${1##*.}"; }	# tunnel 10.0.0.N -> NBMA 192.0.2.N
res_table()
{
	local pdml=$TMPDIR/${FRR_CAP##*/}.pdml
	awk '
		function attr(name) {
			if (!match($0, name "=\"[^\"]*\""))
				return ""
			return substr($0, RSTART + length(name) + 2,
				      RLENGTH - length(name) - 3)
		}
		/^<packet>/ { src = dst = type = sp = dp = id = "" }
		/<field name="ip\.src"/ && src == "" { src = attr("show") }
		/<field name="ip\.dst"/ && dst == "" { dst = attr("show") }
		/<field name="nhrp.hdr.op.type"/ && type == "" { type = attr("show") }
		/<field name="nhrp.src.prot.addr"/ && sp == "" { sp = attr("show") }
		/<field name="nhrp.dst.prot.addr"/ && dp == "" { dp = attr("show") }
		/<field name="nhrp.reqid"/ && id == "" { id = attr("show") }
		/^<\/packet>/ && (type == 1 || type == 2) { print src, dst, type, sp, dp, id }
	' "$pdml"
}

# res_flows: the packets of each resolution (requester, target, request id)
# sorted, as "REQUESTER TARGET PATH", PATH one of
#   hub     requester -> hub -> target's owner -> hub -> requester
#   hubdir  requester -> hub -> target's owner, answered directly
#   direct  requester -> target's owner and back (nhrpd refreshes a
#           shortcut it has along the shortcut: its route to the target)
#   bad     anything else (a request relayed twice, unanswered, ...)
res_flows()
{
	awk '
		function nbma(a) { sub(/.*\./, "", a); return "192.0.2." a }
		{ k = $4 " " $5 " " $6; f[k] = f[k] " " $1 ">" $2 ":" $3 }
		END {
			for (k in f) {
				split(k, x, " "); q = nbma(x[1]); t = nbma(x[2])
				n = split(f[k], p, " "); s = ""
				# sort the group: order of capture does not matter
				for (i = 1; i <= n; i++)
					for (j = i + 1; j <= n; j++)
						if (p[j] < p[i]) { y = p[i]; p[i] = p[j]; p[j] = y }
				for (i = 1; i <= n; i++) s = s " " p[i]
				h = "192.0.2.1"
				path = "bad"
				if (s == srt(q ">" h ":1", h ">" t ":1", t ">" h ":2", h ">" q ":2"))
					path = "hub"
				else if (s == srt(q ">" h ":1", h ">" t ":1", t ">" q ":2"))
					path = "hubdir"
				else if (s == srt(q ">" t ":1", t ">" q ":2"))
					path = "direct"
				print x[1], x[2], path, (path == "bad" ? s : "")
			}
		}
		function srt(a, b, c, d,   v, m, i, j, y, r) {
			m = split(a " " b " " c " " d, v, " ")
			for (i = 1; i <= m; i++)
				for (j = i + 1; j <= m; j++)
					if (v[j] < v[i]) { y = v[i]; v[i] = v[j]; v[j] = y }
			r = ""
			for (i = 1; i <= m; i++) r = r " " v[i]
			return r
		}' <<< "$tbl"
}

# flows_n REQUESTER TARGET PATH: such resolutions in $flows.
flows_n()
{
	awk -v q="$1" -v t="$2" -v p="$3" '$1 == q && $2 == t && $3 == p { n++ }
		END { print n + 0 }' <<< "$flows"
}

underlay()
{
	local r=$((1 + (SECONDS - t_cap) / 10)) rc=0 pair q t min
	local ti rt s bad nh nd nr
	nhrp_capture_stop "$FRR_CAP"
	rt=$(( $(dev_stat "$hub" dmvpn0 redirect-tx) - r0_tx ))
	# Registrations: every holdtime / 3 (10 s) from each spoke, each
	# answered. Resolutions (types 1 and 2): any number here, each one
	# accounted for by request id below. TIs: as many as the hub counted
	# sending. Nothing else (no error indication, no purge).
	nhrp_capture_check "$FRR_CAP" "
		192.0.2.2,192.0.2.1,3:0-$r 192.0.2.1,192.0.2.2,4:0-$r
		192.0.2.3,192.0.2.1,3:0-$r 192.0.2.1,192.0.2.3,4:0-$r
		192.0.2.4,192.0.2.1,3:0-$r 192.0.2.1,192.0.2.4,4:0-$r
		1:0-999 2:0-999 8:$rt" || rc=1
	nhrp_capture_answered "$FRR_CAP" 3 || rc=1
	for s in 2 3 4; do
		[ "$(nhrp_capture_n "$FRR_CAP" "192.0.2.$s,192.0.2.1,3")" -eq \
		  "$(nhrp_capture_n "$FRR_CAP" "192.0.2.1,192.0.2.$s,4")" ] ||
			{ echo "# registration of 192.0.2.$s not answered 1:1"; rc=1; }
	done
	ti=$(nhrp_capture_n "$FRR_CAP" 8)
	echo "# hub sent $rt TIs, captured $ti"
	tbl=$(res_table)
	[ -n "$tbl" ] || { echo "# no resolution packet decoded"; return 1; }
	flows=$(res_flows)
	bad=$(awk '$3 == "bad"' <<< "$flows")
	[ -z "$bad" ] || { sed 's/^/# not one clean exchange: /' <<< "$bad"; rc=1; }
	# Pairs the scenario makes resolve (the first is the requester):
	# A B, B A (a); C A, A C (b); B C, C B (c). In each scenario both ends
	# are told (TIs) or need (C, Phase 2) to resolve, but whichever asks
	# second may already have learnt the first from its request, and
	# which one that is depends on the machine's speed: each scenario
	# needs one request through the hub at least, in either direction; C
	# (Phase 2, on demand) always asks for A through the hub in (b).
	local -A viahub=()
	for pair in "10.0.0.2 10.0.0.3 0" "10.0.0.3 10.0.0.2 0" "10.0.0.4 10.0.0.2 1" \
		    "10.0.0.2 10.0.0.4 0" "10.0.0.3 10.0.0.4 0" "10.0.0.4 10.0.0.3 0"; do
		read -r q t min <<< "$pair"
		nh=$(flows_n "$q" "$t" hub) nd=$(flows_n "$q" "$t" hubdir)
		nr=$(flows_n "$q" "$t" direct)
		echo "# $q resolves $t: $((nh + nd)) through the hub (answered $nh via the hub, $nd directly), $nr refreshed directly"
		viahub["$q $t"]=$((nh + nd))
		[ $((nh + nd)) -ge "$min" ] || rc=1
	done
	for pair in "10.0.0.2 10.0.0.3" "10.0.0.4 10.0.0.2" "10.0.0.3 10.0.0.4"; do
		read -r q t <<< "$pair"
		[ $(( ${viahub["$q $t"]} + ${viahub["$t $q"]} )) -ge 1 ] ||
			{ echo "# neither $q nor $t asked for the other through the hub"; rc=1; }
	done
	# Every resolution belongs to one of those pairs.
	s=$(awk '{ k = $1 " " $2 }
		k != "10.0.0.2 10.0.0.3" && k != "10.0.0.3 10.0.0.2" &&
		k != "10.0.0.4 10.0.0.2" && k != "10.0.0.2 10.0.0.4" &&
		k != "10.0.0.3 10.0.0.4" && k != "10.0.0.4 10.0.0.3" { n++ }
		END { print n + 0 }' <<< "$flows")
	[ "$s" -eq 0 ] || { echo "# $s resolutions of other pairs"; rc=1; }
	[ $rc -eq 0 ] || sed 's/^/#   /' <<< "$tbl"
	return $rc
}
run_test "NHRP in the underlay: each resolution relayed and answered exactly once, decoded cleanly (tshark)" \
	underlay
run_test "FRR's nhrpd logged no dropped or unrelayable NHRP packet" frr_log_clean "$fa" "$fb"

ktap_finish
