#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The routing daemons users run over DMVPN: FRR 8.4 (Debian frr) zebra,
# bgpd and ospfd over dmvpn devices. The NHRP is the kernel's (dmvpn), not
# FRR's nhrpd. Two clouds on the same three routers: dmvpn0 (GRE key 1)
# carries iBGP, dmvpn1 (key 2) OSPF.
#
#                    +-------------- $inet (br0) --------------+
#                    +------+-------------+-------------+------+
#   underlay         192.0.2.1     192.0.2.2     192.0.2.3
#                    $hub          $s1           $s2
#   dmvpn0 (BGP)     10.0.0.1/24   10.0.0.2/24   10.0.0.3/24
#     lan0 (dummy)                 10.1.1.1/24   10.1.2.1/24
#   dmvpn1 (OSPF)    10.0.1.1/24   10.0.1.2/24   10.0.1.3/24
#     lan1 (dummy)                 10.2.1.1/24   10.2.2.1/24
#
# The spokes register with "nhs dynamic nbma 192.0.2.1" on both devices;
# the hub has no per-spoke configuration (BGP: bgp listen range, OSPF:
# neighbours from hellos). What each case proves:
#
# - BGP, Phase 2: the hub's bgpd is a route reflector for its dynamic iBGP
#   neighbours, which keeps the originating spoke as next hop: each spoke
#   learns exactly the other's LAN via the other's tunnel address, and after
#   NHRP resolution LAN-to-LAN traffic goes direct, the hub relaying none
#   of it (its FORWARD counters, exact).
# - OSPF point-to-multipoint: the hub's multicast (hellos to 224.0.0.5)
#   goes once to each registered spoke, no multicast mapping configured
#   (registered entries carry the multicast flag); the hub has exactly two
#   Full neighbours, each spoke one; each spoke learns exactly the other's
#   LAN via the hub, 5 of 5 pings.
# - BGP, Phase 3: the hub turns on redirect and advertises only an
#   aggregate (summary-only), the spokes turn on shortcut: each spoke learns
#   exactly 10.1.0.0/16 via the hub; one packet each way is relayed, the
#   hub sends two Traffic Indications, each spoke installs one /24 shortcut
#   and the next 5 of 5 go direct.
# - Every daemon's log is free of errors and warnings (none excused) and
#   no BGP session or OSPF adjacency went down.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_frr.sh"

require_cmd ip ping jq tcpdump tshark iptables-legacy vtysh
load_dmvpn

RT_DAEMONS="zebra bgpd ospfd"
RT_HOLDTIME=60

rt_require()
{
	local d
	for d in $RT_DAEMONS; do
		[ -x "$FRR_BIN/$d" ] || skip_all "frr not installed ($FRR_BIN/$d)"
	done
	id frr >/dev/null 2>&1 || skip_all "no frr user"
	# The daemons run as frr and read their configuration from $TMPDIR.
	chmod 0711 "$TMPDIR"
}
rt_require

hub=$(ns_name hub); s1=$(ns_name s1); s2=$(ns_name s2)
topo_create "$hub" "$s1" "$s2"

# --- FRR zebra, bgpd and ospfd in a namespace -------------------------------
#
# lib_frr.sh's layout: pathspace NS (sockets and pid files in /run/frr/NS),
# configuration and logs in $(frr_dir NS). rt_conf writes one daemon's
# configuration from stdin; rt_start starts zebra in every NS, then bgpd and
# ospfd (they connect to zebra's zserv socket).

# tag NS: hub, s1, s2.
tag() { local t=${1#dv-}; echo "${t%%-*}"; }

rt_conf() # NS DAEMON < body
{
	local dir
	dir=$(frr_dir "$1")
	mkdir -p "$dir" "/run/frr/$1" || return 1
	{
		echo "hostname $(tag "$1")"
		echo "log file $dir/$2.log"
		# Each line names its priority: errors and warnings are
		# found by that, not only by their wording.
		echo "log record-priority"
		cat
	} > "$dir/$2.conf"
}

rt_start()
{
	local group d ns p pids rc=0 dir
	for ns in "$@"; do
		dir=$(frr_dir "$ns")
		: > "$dir/vtysh.conf"
		chown -R frr:frr "$dir" "/run/frr/$ns" && chmod 0755 "$dir" || return 1
		cleanup_add rt_stop "$ns"
	done
	for group in zebra "bgpd ospfd"; do
		pids=()
		for ns in "$@"; do
			for d in $group; do
				_frr_daemon "$ns" "$d" &
				pids+=($!)
			done
		done
		for p in "${pids[@]}"; do
			wait "$p" || rc=1
		done
		[ $rc -eq 0 ] || return 1
		for ns in "$@"; do
			for d in $group; do
				wait_for 30 test -S "/run/frr/$ns/$d.vty" ||
					{ echo "# $ns: $d has no vty socket"; return 1; }
			done
			[ "$group" != zebra ] ||
				wait_for 30 test -S "/run/frr/$ns/zserv.api" ||
				{ echo "# $ns: no zserv socket"; return 1; }
		done
	done
}

rt_stop()
{
	local ns=$1 d pid pids=() run=/run/frr/$1
	for d in bgpd ospfd; do
		[ -f "$run/$d.pid" ] || continue
		pid=$(cat "$run/$d.pid")
		kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
	done
	for pid in "${pids[@]}"; do
		wait_for 5 _frr_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	frr_stop "$ns"
}

# rt_vtysh NS CMD...: one vtysh run, each CMD a -c (configure terminal,
# router bgp, ... in one go).
rt_vtysh()
{
	local ns=$1 c
	local -a a=()
	shift
	for c in "$@"; do
		a+=(-c "$c")
	done
	# vtysh looks for /etc/frr/NS/vtysh.conf, which need not exist.
	{
		n "$ns" vtysh -N "$ns" "${a[@]}" 2>&1 >&3 | grep -v vtysh.conf >&2
		return "${PIPESTATUS[0]}"
	} 3>&1
}

# --- what the routers hold ---------------------------------------------------

# bgp_learnt NS: "prefix nexthop" of each valid best path NS learnt from
# the hub, sorted.
bgp_learnt()
{
	rt_vtysh "$1" 'show ip bgp json' | jq -r '.routes // {} | to_entries[] |
		.key as $p | .value[] | select(.peerId == "10.0.0.1" and .valid and
		(.bestpath | if type == "object" then .overall else . end)) |
		"\($p) \([.nexthops[].ip] | join(","))"' | sort
}

# kroutes NS PROTO: "dst gateway dev" of the kernel's routes of PROTO.
kroutes()
{
	ip -n "$1" -j route show proto "$2" |
		jq -r '.[] | "\(.dst) \(.gateway // "-") \(.dev // .type)"' | sort
}

bgp_is() { [ "$(bgp_learnt "$1")" = "$2" ] && [ "$(kroutes "$1" bgp)" = "$3" ]; }

# bgp_peers NS: "address state" of NS's BGP neighbours, sorted.
bgp_peers()
{
	rt_vtysh "$1" 'show ip bgp summary json' |
		jq -r '.ipv4Unicast.peers // {} | to_entries[] | "\(.key) \(.value.state)"' |
		sort
}

# ospf_nbrs NS: "router-id state address" of NS's OSPF neighbours, sorted.
ospf_nbrs()
{
	rt_vtysh "$1" 'show ip ospf neighbor json' |
		jq -r '.neighbors // {} | to_entries[] | .key as $id | .value[] |
			"\($id) \(.nbrState // .state | split("/")[0]) \(.ifaceAddress // .address)"' |
		sort
}

ospf_is() { [ "$(ospf_nbrs "$1")" = "$2" ]; }

entry_flags() { entry "$1" "$2" flags "$3"; }

# Hub's relayed LAN-to-LAN packets on dmvpn0, one direction: FORWARD rules
# that only count. (Per-peer counters would count BGP too.)
relayed()
{
	n "$hub" iptables-legacy -w -L FORWARD -v -x -n |
		awk -v s="$1" '$6 == "dmvpn0" && $7 == "dmvpn0" && $8 == s { print $1 }'
}

tx_to() { peer_stat "$1" "${3:-dmvpn0}" "$2" tx-packets; }

rt_dump()
{
	local ns t d w
	for ns in "$@"; do
		t=$(tag "$ns")
		echo "# --- $t"
		for d in dmvpn0 dmvpn1; do
			for w in cache nhs peers; do
				n "$ns" "$DMVPNCTL" -j "$w" "$d" | jq -c '.[]' |
					sed "s/^/# $t $d $w: /"
			done
		done
		ip -n "$ns" route show | sed "s/^/# $t route: /"
		bgp_peers "$ns" | sed "s/^/# $t bgp peer: /"
		ospf_nbrs "$ns" | sed "s/^/# $t ospf nbr: /"
	done
}

# --- setup -------------------------------------------------------------------

for ns in "$hub" "$s1" "$s2"; do
	# IPv4 only on the tunnels: no MLD or router solicitations in the
	# multicast and data counts below.
	n "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0
done
for k in 0 1; do
	ip -n "$hub" link add dmvpn$k type dmvpn local 192.0.2.1 key $((k + 1)) \
		holdtime $RT_HOLDTIME
	ip -n "$hub" addr add 10.0.$k.1/24 dev dmvpn$k
	ip -n "$hub" link set dmvpn$k up
done
# Counting rules: what the hub relays from one spoke's LAN to the other's.
n "$hub" iptables-legacy -w -A FORWARD -i dmvpn0 -o dmvpn0 -s 10.1.1.0/24 -j ACCEPT
n "$hub" iptables-legacy -w -A FORWARD -i dmvpn0 -o dmvpn0 -s 10.1.2.0/24 -j ACCEPT
for i in 2 3; do
	ns=$(topo_site "$i")
	for k in 0 1; do
		ip -n "$ns" link add dmvpn$k type dmvpn local 192.0.2.$i \
			key $((k + 1)) holdtime $RT_HOLDTIME nhs dynamic nbma 192.0.2.1
		ip -n "$ns" addr add 10.0.$k.$i/24 dev dmvpn$k
		ip -n "$ns" link set dmvpn$k up
		ip -n "$ns" link add lan$k type dummy
		ip -n "$ns" addr add 10.$((k + 1)).$((i - 1)).1/24 dev lan$k
		ip -n "$ns" link set lan$k up
	done
done

# zebra: nothing but the log.
for ns in "$hub" "$s1" "$s2"; do
	rt_conf "$ns" zebra < /dev/null
done

# iBGP AS 65000. The hub accepts any spoke of the tunnel subnet (dynamic
# neighbours) and reflects between them; a reflector leaves the next hop
# alone. Keepalive 1 s, hold 30 s (a guest stalled by a loaded host must
# not lose a session: nothing here waits for one to fail); spokes retry the
# connection every second
# (the default 120 s would outlast the test if the first SYN goes before
# the spoke is registered).
rt_conf "$hub" bgpd <<EOF
router bgp 65000
 bgp router-id 10.0.0.1
 bgp log-neighbor-changes
 timers bgp 1 30
 neighbor SPOKES peer-group
 neighbor SPOKES remote-as internal
 bgp listen range 10.0.0.0/24 peer-group SPOKES
 address-family ipv4 unicast
  neighbor SPOKES route-reflector-client
 exit-address-family
exit
EOF
for i in 2 3; do
	rt_conf "$(topo_site "$i")" bgpd <<EOF
router bgp 65000
 bgp router-id 10.0.0.$i
 bgp log-neighbor-changes
 timers bgp 1 30
 neighbor 10.0.0.1 remote-as internal
 neighbor 10.0.0.1 timers connect 1
 address-family ipv4 unicast
  network 10.1.$((i - 1)).0/24
 exit-address-family
exit
EOF
done

# OSPF point-to-multipoint on dmvpn1, hello 1 s, dead 40 s (as BGP's hold:
# a stall must not drop a neighbour mid-exchange, which the neighbour then
# logs as LSAs from an unknown one); LSAs and SPF
# without their hold-downs so the second spoke's adjacency is not waited
# for; the LANs passive.
ospf_conf()
{
	local i=$1
	cat <<EOF
interface dmvpn1
 ip ospf area 0
 ip ospf network point-to-multipoint
 ip ospf hello-interval 1
 ip ospf dead-interval 40
exit
EOF
	[ "$i" = 1 ] || cat <<EOF
interface lan1
 ip ospf area 0
 ip ospf passive
exit
EOF
	cat <<EOF
router ospf
 ospf router-id 10.0.1.$i
 log-adjacency-changes
 timers throttle lsa all 0
 timers lsa min-arrival 0
 timers throttle spf 0 50 500
exit
EOF
}
for i in 1 2 3; do
	ospf_conf "$i" | rt_conf "$(topo_site "$i")" ospfd
done

ktap_plan 9

# --- 1. startup and registration ---------------------------------------------

startup()
{
	local ns k i t=$SECONDS
	rt_start "$hub" "$s1" "$s2" || return 1
	echo "# FRR up after $((SECONDS - t)) s"
	for k in 0 1; do
		for i in 2 3; do
			wait_for 20 registered "$hub" 10.0.$k.$i 192.0.2.$i dmvpn$k ||
				{ echo "# 10.0.$k.$i not registered"; rt_dump "$hub"; return 1; }
			# Multicast goes to registered spokes without a map.
			[[ ,$(entry_flags "$hub" 10.0.$k.$i dmvpn$k), == *,multicast,* ]] ||
				{ echo "# 10.0.$k.$i: flags $(entry_flags "$hub" 10.0.$k.$i dmvpn$k)"; return 1; }
		done
	done
}
run_test "FRR zebra, bgpd, ospfd start; spokes register on both clouds (multicast flag)" startup

# --- 2-3. BGP, Phase 2 -----------------------------------------------------

bgp_p2_routes()
{
	local rc=0
	wait_for 30 bgp_is "$s1" "10.1.2.0/24 10.0.0.3" "10.1.2.0/24 10.0.0.3 dmvpn0" || rc=1
	wait_for 10 bgp_is "$s2" "10.1.1.0/24 10.0.0.2" "10.1.1.0/24 10.0.0.2 dmvpn0" || rc=1
	echo "# s1 learnt: $(bgp_learnt "$s1" | paste -sd';'); kernel: $(kroutes "$s1" bgp | paste -sd';')"
	echo "# s2 learnt: $(bgp_learnt "$s2" | paste -sd';'); kernel: $(kroutes "$s2" bgp | paste -sd';')"
	# The hub: both LANs, each via its spoke; two established neighbours.
	[ "$(kroutes "$hub" bgp)" = "10.1.1.0/24 10.0.0.2 dmvpn0
10.1.2.0/24 10.0.0.3 dmvpn0" ] || { echo "# hub: $(kroutes "$hub" bgp | paste -sd';')"; rc=1; }
	[ "$(bgp_peers "$hub")" = "10.0.0.2 Established
10.0.0.3 Established" ] || { echo "# hub peers: $(bgp_peers "$hub" | paste -sd';')"; rc=1; }
	[ $rc -eq 0 ] || rt_dump "$hub" "$s1" "$s2"
	return $rc
}
run_test "BGP RR: each spoke learns exactly the other's LAN, next hop the other spoke" bgp_p2_routes

resolved_to() { [ "$(entry "$1" "$2" type)" = resolved ] && [ "$(entry "$1" "$2" nbma)" = "$3" ]; }

bgp_p2_direct()
{
	local r1a r2a v1a v2a r1b r2b v1b v2b d12a d21a d12b d21b
	r1a=$(relayed 10.1.1.0/24); r2a=$(relayed 10.1.2.0/24)
	v1a=$(counter "$s1" tx-via-nhs); v2a=$(counter "$s2" tx-via-nhs)
	# The first packet finds no entry for 10.0.0.3: it goes via the NHS
	# while s1 resolves (s2's answer may or may not go that way too,
	# depending on whether the forwarded request taught s2 first).
	ping_ok "$s1" 10.1.2.1 1 -I 10.1.1.1 || return 1
	wait_for 10 resolved_to "$s1" 10.0.0.3 192.0.2.3 || { rt_dump "$s1"; return 1; }
	wait_for 10 resolved_to "$s2" 10.0.0.2 192.0.2.2 || { rt_dump "$s2"; return 1; }
	r1b=$(relayed 10.1.1.0/24); r2b=$(relayed 10.1.2.0/24)
	v1b=$(counter "$s1" tx-via-nhs); v2b=$(counter "$s2" tx-via-nhs)
	echo "# resolving: hub relayed $((r1b - r1a))+$((r2b - r2a)), spokes sent via NHS $((v1b - v1a))+$((v2b - v2a))"
	# What the hub relayed is exactly what the spokes sent it while
	# resolving: nothing else takes the hub.
	[ $((r1b - r1a)) -eq $((v1b - v1a)) ] && [ $((r2b - r2a)) -eq $((v2b - v2a)) ] &&
	[ $((r1b - r1a)) -eq 1 ] || return 1

	d12a=$(tx_to "$s1" 192.0.2.3); d21a=$(tx_to "$s2" 192.0.2.2)
	ping_ok "$s1" 10.1.2.1 5 -I 10.1.1.1 || return 1
	r1a=$(relayed 10.1.1.0/24); r2a=$(relayed 10.1.2.0/24)
	d12b=$(tx_to "$s1" 192.0.2.3); d21b=$(tx_to "$s2" 192.0.2.2)
	echo "# resolved: hub relayed $((r1a - r1b))+$((r2a - r2b)), direct $((d12b - d12a))+$((d21b - d21a))"
	[ $((r1a - r1b)) -eq 0 ] && [ $((r2a - r2b)) -eq 0 ] &&
	[ $((d12b - d12a)) -eq 5 ] && [ $((d21b - d21a)) -eq 5 ]
}
run_test "BGP Phase 2: resolved, LAN to LAN 5 of 5 direct, hub relays 0" bgp_p2_direct

# --- 4-6. OSPF point-to-multipoint ------------------------------------------

ospf_full()
{
	local rc=0
	wait_for 40 ospf_is "$hub" "10.0.1.2 Full 10.0.1.2
10.0.1.3 Full 10.0.1.3" || rc=1
	wait_for 10 ospf_is "$s1" "10.0.1.1 Full 10.0.1.1" || rc=1
	wait_for 10 ospf_is "$s2" "10.0.1.1 Full 10.0.1.1" || rc=1
	local ns
	for ns in "$hub" "$s1" "$s2"; do
		echo "# $(tag "$ns"): $(ospf_nbrs "$ns" | paste -sd';')"
	done
	return $rc
}
run_test "OSPF p2mp: hub Full with exactly its 2 spokes, each spoke with the hub only" ospf_full

# The hub's OSPF multicast, once on dmvpn1 (tcpdump -i any sees the packet
# as it enters the device) and then as GRE copies on eth0, in one capture:
# every copy of a packet follows it. Only the copies of packets whose own
# capture came before are judged (a copy of an earlier one may open the
# capture), and only packets whose copies were captured before the
# capture was stopped: the first HELLOS of them.
MC_CAP=$TMPDIR/mcast.pcap
MC_FILTER='(ip proto 89 and src host 10.0.1.1 and dst host 224.0.0.5) or
	(ip proto 47 and src host 192.0.2.1 and ip[24:4] = 0x00000002 and
	 ip[44:4] = 0xe0000005)'

# mc_table FILE: "inner-id outer-dst|- ospf-type" per packet, in order.
mc_table()
{
	tshark -r "$1" -T fields -E occurrence=a -E separator=' ' \
		-e ip.id -e ip.dst -e ospf.msg 2>/dev/null |
		awk '{ n = split($1, id, ","); split($2, dst, ",")
		       if (n == 1) print id[1], "-", $3
		       else print id[2], dst[1], $3 }'
}

# mc_judge TABLE N: the first N packets each went exactly once to
# 192.0.2.2 and once to 192.0.2.3, nowhere else; prints them.
mc_judge()
{
	awk -v want="$2" '
		$2 == "-" { if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1; type[$1] = $3 }; next }
		($1 in seen) { to[$1] = to[$1] " " $2 }
		END {
			if (n < want) { print "# only " n " packets"; exit 1 }
			rc = 0
			for (i = 1; i <= want; i++) {
				k = order[i]
				ok = to[k] == " 192.0.2.2 192.0.2.3" || to[k] == " 192.0.2.3 192.0.2.2"
				print "# id " k " type " type[k] " ->" to[k] (ok ? "" : "  WRONG")
				if (!ok) rc = 1
			}
			exit rc
		}' "$1"
}

mc_count() { tcpdump -r "$MC_CAP" -nn 2>/dev/null | wc -l; }
mc_has() { [ "$(mc_count)" -ge "$1" ]; }

ospf_mcast()
{
	local pid rc=0 c0 c1 hellos=4
	c0=$(counter "$hub" tx-mcast-copies dmvpn1)
	# Not through n(): $! must be tcpdump itself.
	ip netns exec "$hub" tcpdump -i any -U --immediate-mode -s 200 \
		-w "$MC_CAP" "$MC_FILTER" > "$TMPDIR/mc.log" 2>&1 &
	pid=$!
	wait_for 10 test -s "$MC_CAP" || rc=1
	# 3 packets per hello with 2 spokes; one hello more than judged, and
	# the two copies of an earlier packet that may open the capture.
	[ $rc -ne 0 ] || wait_for 20 mc_has $((3 * (hellos + 1) + 2)) || rc=1
	kill -INT "$pid"
	wait_for 5 exited "$pid" || kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	[ $rc -eq 0 ] || sed 's/^/# tcpdump: /' "$TMPDIR/mc.log"
	c1=$(counter "$hub" tx-mcast-copies dmvpn1)
	echo "# $(mc_count) packets captured; tx-mcast-copies +$((c1 - c0))"
	mc_table "$MC_CAP" > "$TMPDIR/mc.table"
	mc_judge "$TMPDIR/mc.table" "$hellos" || rc=1
	return $rc
}
run_test "OSPF: each multicast of the hub goes to each of its 2 registered spokes once" ospf_mcast

# OSPF's routes in the kernel, exactly. Point-to-multipoint advertises each
# router's interface address as a /32 stub (RFC 2328 12.4.1.4); FRR 8.4
# installs a router's own on-link and a farther router's via the hub, but
# not a direct neighbour's (the connected /24 covers it). The LANs: each
# spoke's via the hub, the hub's via their spokes.
OSPF_S1="10.0.1.2 - dmvpn1
10.0.1.3 10.0.1.1 dmvpn1
10.2.2.0/24 10.0.1.1 dmvpn1"
OSPF_S2="10.0.1.2 10.0.1.1 dmvpn1
10.0.1.3 - dmvpn1
10.2.1.0/24 10.0.1.1 dmvpn1"
OSPF_HUB="10.0.1.1 - dmvpn1
10.2.1.0/24 10.0.1.2 dmvpn1
10.2.2.0/24 10.0.1.3 dmvpn1"

kroutes_are() { [ "$(kroutes "$1" "$2")" = "$3" ]; }

ospf_routes()
{
	local rc=0
	wait_for 20 kroutes_are "$s1" ospf "$OSPF_S1" || rc=1
	wait_for 10 kroutes_are "$s2" ospf "$OSPF_S2" || rc=1
	wait_for 10 kroutes_are "$hub" ospf "$OSPF_HUB" || rc=1
	echo "# s1 ospf: $(kroutes "$s1" ospf | paste -sd';')"
	echo "# s2 ospf: $(kroutes "$s2" ospf | paste -sd';')"
	echo "# hub ospf: $(kroutes "$hub" ospf | paste -sd';')"
	[ $rc -eq 0 ] || return 1
	ping_ok "$s1" 10.2.2.1 5 -I 10.2.1.1 && ping_ok "$s2" 10.2.1.1 5 -I 10.2.2.1
}
run_test "OSPF: each spoke learns exactly the other's LAN via the hub, 5 of 5 each way" ospf_routes

# --- 7-8. BGP, Phase 3 -------------------------------------------------------

bgp_p3_routes()
{
	local ns rc=0
	n "$hub" ip link set dmvpn0 type dmvpn redirect || return 1
	for ns in "$s1" "$s2"; do
		n "$ns" ip link set dmvpn0 type dmvpn shortcut || return 1
		# Phase 3 must not lean on the Phase 2 bindings.
		n "$ns" "$DMVPNCTL" flush dmvpn0 resolved || return 1
	done
	rt_vtysh "$hub" 'configure terminal' 'router bgp 65000' \
		'address-family ipv4 unicast' 'aggregate-address 10.1.0.0/16 summary-only' ||
		return 1
	for ns in "$s1" "$s2"; do
		wait_for 20 bgp_is "$ns" "10.1.0.0/16 10.0.0.1" "10.1.0.0/16 10.0.0.1 dmvpn0" || rc=1
		echo "# $(tag "$ns") learnt: $(bgp_learnt "$ns" | paste -sd';'); kernel: $(kroutes "$ns" bgp | paste -sd';')"
	done
	# The hub still routes each LAN via its spoke; the aggregate is a
	# blackhole for the rest of it.
	[ "$(kroutes "$hub" bgp)" = "10.1.0.0/16 - blackhole
10.1.1.0/24 10.0.0.2 dmvpn0
10.1.2.0/24 10.0.0.3 dmvpn0" ] || { echo "# hub: $(kroutes "$hub" bgp | paste -sd';')"; rc=1; }
	[ $rc -eq 0 ] || rt_dump "$hub" "$s1" "$s2"
	return $rc
}
run_test "BGP Phase 3: spokes learn exactly the hub's summary 10.1.0.0/16" bgp_p3_routes

shortcut_to()
{
	n "$1" "$DMVPNCTL" -j cache dmvpn0 | jq -e --arg p "$2" --arg v "$3" --arg nb "$4" \
		'[.[] | select(.type == "shortcut")] | length == 1 and
		 (.[0] | .proto == $p and .prefixlen == 24 and .via == $v and .nbma == $nb)' >/dev/null
}

bgp_p3_data()
{
	local r1a r2a r1b r2b t0 d12a d21a d12b d21b ti1 ti2
	r1a=$(relayed 10.1.1.0/24); r2a=$(relayed 10.1.2.0/24)
	t0=$(counter "$hub" redirect-tx)
	ti1=$(counter "$s1" nhrp-ti-rx); ti2=$(counter "$s2" nhrp-ti-rx)
	ping_ok "$s1" 10.1.2.1 1 -I 10.1.1.1 || return 1
	r1b=$(relayed 10.1.1.0/24); r2b=$(relayed 10.1.2.0/24)
	echo "# first ping: hub relayed s1->s2 $((r1b - r1a)), s2->s1 $((r2b - r2a))"
	[ $((r1b - r1a)) -eq 1 ] && [ $((r2b - r2a)) -eq 1 ] || return 1
	wait_for 10 shortcut_to "$s1" 10.1.2.0 10.0.0.3 192.0.2.3 ||
		{ echo "# s1: no shortcut to 10.1.2.0/24"; rt_dump "$s1"; return 1; }
	wait_for 10 shortcut_to "$s2" 10.1.1.0 10.0.0.2 192.0.2.2 ||
		{ echo "# s2: no shortcut to 10.1.1.0/24"; rt_dump "$s2"; return 1; }
	echo "# hub sent $(( $(counter "$hub" redirect-tx) - t0 )) TIs;" \
	     "s1 took $(( $(counter "$s1" nhrp-ti-rx) - ti1 )), s2 $(( $(counter "$s2" nhrp-ti-rx) - ti2 ))"
	[ $(( $(counter "$hub" redirect-tx) - t0 )) -eq 2 ] &&
	[ $(( $(counter "$s1" nhrp-ti-rx) - ti1 )) -eq 1 ] &&
	[ $(( $(counter "$s2" nhrp-ti-rx) - ti2 )) -eq 1 ] || return 1

	d12a=$(tx_to "$s1" 192.0.2.3); d21a=$(tx_to "$s2" 192.0.2.2)
	ping_ok "$s1" 10.1.2.1 5 -I 10.1.1.1 || return 1
	r1a=$(relayed 10.1.1.0/24); r2a=$(relayed 10.1.2.0/24)
	d12b=$(tx_to "$s1" 192.0.2.3); d21b=$(tx_to "$s2" 192.0.2.2)
	echo "# then: hub relayed $((r1a - r1b))+$((r2a - r2b)), direct $((d12b - d12a))+$((d21b - d21a))"
	[ $((r1a - r1b)) -eq 0 ] && [ $((r2a - r2b)) -eq 0 ] &&
	[ $((d12b - d12a)) -eq 5 ] && [ $((d21b - d21a)) -eq 5 ]
}
run_test "BGP Phase 3: 1 packet each way via the hub, 2 TIs, shortcuts, then 5 of 5 direct" bgp_p3_data

# --- 9. logs -----------------------------------------------------------------

# With log record-priority every line names its priority. FRR 8.4 logs no
# benign error or warning in this setup (zebra, bgpd and ospfd starting
# without MPLS, VRF or other daemons), so nothing is excused: a line of
# priority warnings or worse, or one that says error or warning, fails.
# Neither may a BGP session or an OSPF adjacency have gone down (hold 30 s,
# dead 40 s: only a real loss of the path would do that, not a stall).
logs_clean()
{
	local ns d f hits=0 bad sum
	for ns in "$hub" "$s1" "$s2"; do
		sum=
		for d in $RT_DAEMONS; do
			f=$(frr_dir "$ns")/$d.log
			[ -s "$f" ] || { echo "# $(tag "$ns"): no $d log"; hits=1; continue; }
			bad=$(grep -i -E 'error|warn| (emergencies|alerts|critical): ' "$f"
			      grep -E 'ADJCHANGE: neighbor .* Down|Full -> ' "$f")
			if [ -n "$bad" ]; then
				sed "s/^/# $(tag "$ns") $d: /" <<< "$bad"
				hits=1
			fi
			sum+=" $d $(wc -l < "$f")"
		done
		echo "# $(tag "$ns") log lines:$sum"
	done
	[ $hits -eq 0 ]
}
run_test "FRR logs: no error, no warning, no session or adjacency down" logs_clean

ktap_finish
