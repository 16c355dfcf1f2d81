#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT cases beyond test_nhrp_nat.sh (one spoke behind NAT):
#
# (1) Both spokes behind different NATs, the same private address behind
#     each: they register, each learns its post-NAT address, they resolve
#     each other through the hub (the request's NAT extension, not its
#     claimed NBMA address, which is the responder's own) and then talk
#     directly through both NATs, 5 of 5 each way, the hub relaying 0.
# (2) A NAT rebinding under a unique registration: the NAT's outside
#     address changes (its MASQUERADE conntrack entries go with the old
#     address), so the spoke's refreshes come from another NBMA address.
#     Documentation/dmvpn.rst, "Unique bindings": such a registration is
#     refused with code 14 until the binding expires. Every refusal is
#     counted on both sides and seen in the underlay, the hub keeps the old
#     binding (and sends to it) until its holding time runs out, then binds
#     the new address, and the spoke is reachable again.
# (3) A hub behind NAT (GRE forwarded by DNAT to its private address):
#     spokes configured with its public NBMA address register, relay
#     through it (Phase 1) and resolve each other through it (Phase 2).
#
# Every NAT is nat_site's MASQUERADE, and forwards the GRE that comes in to
# its one inside host. GRE has no ports: a NAT that lets unsolicited GRE in
# at all maps 1:1, which is what spoke-to-spoke tunnels between NATed
# spokes need (Cisco: not between two spokes behind PAT). With MASQUERADE
# alone, one spoke's first direct packet reaches the other's NAT before
# that NAT has a mapping for the pair: the NAT tracks it as its own
# (local) flow, whose reply tuple its own spoke's outgoing packets then
# clash with (conntrack insert_failed, drop) - both directions are lost.
#
#   +---------------------------- $inet (br0) -----------------------------+
#   .1 $h1  .2 $na  .3 $nb  .4 $h2  .5 $nc  .6 $nh  .7 $s4  .8 $s5
#           |       |               |       |
#           $sa     $sb             $sc     $h3      (each 198.51.100.2,
#                                                     its NAT .1)
#   cloud 1: $h1 10.0.1.1, $sa 10.0.1.2, $sb 10.0.1.3
#   cloud 2: $h2 10.0.2.1, $sc 10.0.2.2 ($nc moves to 192.0.2.15)
#   cloud 3: $h3 10.0.3.1 (public NBMA 192.0.2.6), $s4 10.0.3.2 LAN
#            10.3.4.1/24, $s5 10.0.3.3 LAN 10.3.5.1/24
# The clouds share the bridge but no NBMA address: each hub is its spokes'
# only NHS. IPv4 overlays only (no IPv6 registrations, no MLD in counts).
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq tcpdump tshark iptables-legacy
load_dmvpn

h1=$(ns_name h1); na=$(ns_name na); nb=$(ns_name nb); h2=$(ns_name h2)
nc=$(ns_name nc); nh=$(ns_name nh); s4=$(ns_name s4); s5=$(ns_name s5)
sa=$(ns_name sa); sb=$(ns_name sb); sc=$(ns_name sc); h3=$(ns_name h3)
topo_create "$h1" "$na" "$nb" "$h2" "$nc" "$nh" "$s4" "$s5"

# node NS LOCAL ADDR/LEN [OPT...]: dmvpn0, IPv4 overlay only.
node()
{
	local ns=$1 local=$2 addr=$3
	shift 3
	ip -n "$ns" link add dmvpn0 type dmvpn local "$local" "$@" &&
	n "$ns" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1 &&
	ip -n "$ns" addr add "$addr" dev dmvpn0 &&
	ip -n "$ns" link set dmvpn0 up
}
# A hub relays (ip_forward) but sends no ICMP redirect: data counts exact.
hub_node()
{
	n "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.default.send_redirects=0 &&
	node "$@"
}

lan() # NS ADDR/LEN
{
	ip -n "$1" link add lan0 type dummy && ip -n "$1" addr add "$2" dev lan0 &&
	ip -n "$1" link set lan0 up
}

bound() # NS PROTO NBMA TYPE
{
	[ "$(entry "$1" "$2" nbma)" = "$3" ] && [ "$(entry "$1" "$2" type)" = "$4" ]
}
nhs_is() { [ "$(nhs_field "$1" "$2")" = "$3" ]; }	# NS KEY VALUE
# txrx NS NBMA...: "tx rx" of NS's data toward each NBMA, on one line.
txrx()
{
	local ns=$1
	shift
	n "$ns" "$DMVPNCTL" -j peers dmvpn0 | jq -r --args '. as $p | [$ARGS.positional[] |
		. as $nb | ([$p[] | select(.nbma == $nb)][0] // {}) |
		(."tx-packets" // 0), (."rx-packets" // 0)] | join(" ")' "$@"
}
# data_sum NS NBMA...: data packets NS sent to and received from them, one
# dmvpnctl call (cheaper under emulation than one per counter).
data_sum()
{
	local ns=$1
	shift
	n "$ns" "$DMVPNCTL" -j peers dmvpn0 | jq -r --args '. as $p |
		[$ARGS.positional[] | . as $nb | $p[] | select(.nbma == $nb) |
		 ."tx-packets", ."rx-packets"] | add // 0' "$@"
}
# has_flag NS PROTO FLAG: the cache entry of PROTO has FLAG.
has_flag() { entry "$1" "$2" flags | tr , '\n' | grep -qx "$3"; }

dump() # NS...
{
	local ns tag
	for ns in "$@"; do
		tag=${ns#dv-}
		n "$ns" "$DMVPNCTL" -j cache dmvpn0 |
			jq -r '.[] | "\(.proto)/\(.prefixlen) \(.type) \(.nbma) \(.flags // "") claimed \(."nbma-claimed" // "-") exp \(.expires)"' |
			sed "s/^/# ${tag%%-*} cache: /"
		n "$ns" "$DMVPNCTL" -j nhs dmvpn0 |
			jq -r '.[] | "\(.nbma) \(.state) code \(."last-code") nat \(."nat-nbma" // "-")"' |
			sed "s/^/# ${tag%%-*} nhs: /"
		echo "# ${tag%%-*}: $(n "$ns" "$DMVPNCTL" -j stats dmvpn0 |
			jq -r 'to_entries | map(select(.value != 0 and .key != "dev")) |
				map("\(.key)=\(.value)") | join(" ")')"
	done
}

# --- setup: every cloud at once (registration is the slow part) ---------
nat_site "$na" "$sa" 198.51.100.2 198.51.100.1
nat_site "$nb" "$sb" 198.51.100.2 198.51.100.1
nat_site "$nc" "$sc" 198.51.100.2 198.51.100.1
nat_site "$nh" "$h3" 198.51.100.2 198.51.100.1
# Unsolicited GRE in to the one inside host (see the top).
for i in "$na" "$nb" "$nh"; do
	n "$i" iptables-legacy -t nat -A PREROUTING -i eth0 -p gre \
		-j DNAT --to-destination 198.51.100.2
done

SPOKE=(holdtime 30 registration-timeout 3)
hub_node "$h1" 192.0.2.1 10.0.1.1/24 holdtime 30
node "$sa" 198.51.100.2 10.0.1.2/24 nhs dynamic nbma 192.0.2.1 "${SPOKE[@]}"
node "$sb" 198.51.100.2 10.0.1.3/24 nhs dynamic nbma 192.0.2.1 "${SPOKE[@]}"
# (2): a short holding time, refreshed every 2 s: the binding it leaves
# behind on a rebinding lives at most 10 s.
hub_node "$h2" 192.0.2.4 10.0.2.1/24 holdtime 30
node "$sc" 198.51.100.2 10.0.2.2/24 nhs dynamic nbma 192.0.2.4 \
	holdtime 10 registration-timeout 2
hub_node "$h3" 198.51.100.2 10.0.3.1/24 holdtime 30
node "$s4" 192.0.2.7 10.0.3.2/24 nhs dynamic nbma 192.0.2.6 "${SPOKE[@]}"
node "$s5" 192.0.2.8 10.0.3.3/24 nhs dynamic nbma 192.0.2.6 "${SPOKE[@]}"
lan "$s4" 10.3.4.1/24
lan "$s5" 10.3.5.1/24
n "$s4" ip route add 10.3.5.0/24 via 10.0.3.1 dev dmvpn0
n "$s5" ip route add 10.3.4.0/24 via 10.0.3.1 dev dmvpn0
n "$h3" ip route add 10.3.4.0/24 via 10.0.3.2 dev dmvpn0
n "$h3" ip route add 10.3.5.0/24 via 10.0.3.3 dev dmvpn0

ktap_plan 8

# --- (1) both spokes behind NAT -------------------------------------------
two_nats_register()
{
	local s rc=0
	for s in 2:192.0.2.2 3:192.0.2.3; do
		wait_for 15 bound "$h1" "10.0.1.${s%%:*}" "${s#*:}" dynamic ||
			{ echo "# 10.0.1.${s%%:*} not bound to ${s#*:}"; rc=1; continue; }
		has_flag "$h1" "10.0.1.${s%%:*}" nat &&
		[ "$(entry "$h1" "10.0.1.${s%%:*}" nbma-claimed)" = 198.51.100.2 ] ||
			{ echo "# 10.0.1.${s%%:*}: not marked NATed"; rc=1; }
	done
	wait_for 10 nhs_is "$sa" nat-nbma 192.0.2.2 || { echo "# sa: no post-NAT address"; rc=1; }
	wait_for 10 nhs_is "$sb" nat-nbma 192.0.2.3 || { echo "# sb: no post-NAT address"; rc=1; }
	[ $rc -eq 0 ] || dump "$h1" "$sa" "$sb"
	return $rc
}
run_test "(1) spokes behind two NATs, same private address: both bound to their post-NAT address" \
	two_nats_register

# direct FROM TO TO_NBMA FROM_NBMA: 5 of 5 from FROM to TO's tunnel address,
# every one sent to TO_NBMA and answered from it, none through the hub.
direct()
{
	local from=$1 to=$2 tnb=$3 fnb=$4 a b d0 d1
	read -r -a a <<< "$(txrx "$from" "$tnb")"
	d0=$(data_sum "$h1" "$fnb" "$tnb")
	ping_ok "$from" "$to" 5 || return 1
	read -r -a b <<< "$(txrx "$from" "$tnb")"
	d1=$(data_sum "$h1" "$fnb" "$tnb")
	echo "# $to: sent to $tnb +$((b[0] - a[0])), answered from it +$((b[1] - a[1]));" \
		"hub sent and received +$((d1 - d0))"
	[ $((b[0] - a[0])) -eq 5 ] && [ $((b[1] - a[1])) -eq 5 ] && [ $((d1 - d0)) -eq 0 ]
}

two_nats_resolve()
{
	local f0 f1 t=$SECONDS
	f0=$(dev_stat "$h1" dmvpn0 nhrp-res-forwarded)
	# The first packets go via the hub while sa resolves (no claim on
	# their answers).
	ping_run "$sa" 10.0.1.3 2 -i 0.5 -W 2
	echo "# first pings, via the hub: $PING_STATS"
	if ! wait_for 15 bound "$sa" 10.0.1.3 192.0.2.3 resolved ||
	   ! wait_for 5 bound "$sb" 10.0.1.2 192.0.2.2 resolved; then
		echo "# not resolved to the post-NAT addresses"
		dump "$h1" "$sa" "$sb"
		return 1
	fi
	f1=$(dev_stat "$h1" dmvpn0 nhrp-res-forwarded)
	echo "# resolved after $((SECONDS - t))s, the hub relayed $((f1 - f0)) resolution packets;" \
		"sa: 10.0.1.3 claimed $(entry "$sa" 10.0.1.3 nbma-claimed)," \
		"sb: 10.0.1.2 claimed $(entry "$sb" 10.0.1.2 nbma-claimed)"
	direct "$sa" 10.0.1.3 192.0.2.3 192.0.2.2 &&
	direct "$sb" 10.0.1.2 192.0.2.2 192.0.2.3
}
run_test "(1) they resolve each other via the hub, then 5 of 5 direct through both NATs each way, hub relays 0" \
	two_nats_resolve

# --- (2) NAT rebinding, unique ---------------------------------------------
REB_CAP=$TMPDIR/rebind.pcap
rebind_registered()
{
	wait_for 15 bound "$h2" 10.0.2.2 192.0.2.5 dynamic &&
	has_flag "$h2" 10.0.2.2 unique && has_flag "$h2" 10.0.2.2 nat &&
	wait_for 10 nhs_is "$sc" nat-nbma 192.0.2.5 ||
		{ dump "$h2" "$sc"; return 1; }
}
run_test "(2) unique spoke behind NAT registered: bound unique to the NAT's address" \
	rebind_registered

# h2_binding: "NBMA EXPIRES" of the hub's entry for the rebinding spoke.
h2_binding()
{
	n "$h2" "$DMVPNCTL" -j cache dmvpn0 |
		jq -r '.[] | select(.proto == "10.0.2.2") | "\(.nbma) \(.expires)"'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The hub's view is polled (every 0.2 s) from the rebinding on. T_EXP: the
# old binding's expiry, the latest "now + expires" seen while it is still
# the hub's (expires counts whole seconds: the real expiry is within 1 s of
# it); T_REF: the spoke first saw code 14; T_NEW: the hub first showed the
# new address.
rebind()
{
	local nu0 rf0 nu1 rf1 a b now nb exp t_exp=0 t_new=0 t_ref=0
	local deadline=$((SECONDS + 25)) rc=0 codes n14 t_ok
	nhrp_capture_start "$h2" eth0 "$REB_CAP" || return 1
	nu0=$(dev_stat "$h2" dmvpn0 nhrp-reg-not-unique)
	rf0=$(dev_stat "$sc" dmvpn0 nhrp-reg-refused)
	# The ISP hands out another address: removing the old one also drops
	# the MASQUERADE entries that used it (nf_nat_masquerade).
	n "$nc" ip addr del 192.0.2.5/24 dev eth0 &&
	n "$nc" ip addr add 192.0.2.15/24 dev eth0 || return 1
	while [ $SECONDS -lt $deadline ]; do
		now=$(now_ms)
		read -r nb exp <<< "$(h2_binding)"
		if [ "$nb" = 192.0.2.15 ]; then
			t_new=$now
			break
		fi
		if [ "$nb" = 192.0.2.5 ]; then
			[ $((now + exp * 1000)) -gt $t_exp ] && t_exp=$((now + exp * 1000))
			if [ $t_ref -eq 0 ] && nhs_is "$sc" last-code 14; then
				t_ref=$now
				# Refused, and the hub still sends to the old address.
				read -r -a a <<< "$(txrx "$h2" 192.0.2.5 192.0.2.15)"
				ping_none "$h2" 10.0.2.2 2 -i 0.2 || rc=1
				read -r -a b <<< "$(txrx "$h2" 192.0.2.5 192.0.2.15)"
				read -r nb exp <<< "$(h2_binding)"
				echo "# refused: hub sent +$((b[0] - a[0])) to the old address," \
					"+$((b[2] - a[2])) to the new; still bound to $nb"
				[ $((b[0] - a[0])) -eq 2 ] && [ $((b[2] - a[2])) -eq 0 ] || rc=1
				# Else the ping overlapped the expiry (a very slow run).
				[ "$nb" = 192.0.2.5 ] ||
					{ echo "# the old binding expired during the ping"; rc=1; }
			fi
		fi
		sleep 0.2
	done
	nhrp_capture_stop "$REB_CAP"
	nu1=$(dev_stat "$h2" dmvpn0 nhrp-reg-not-unique)
	rf1=$(dev_stat "$sc" dmvpn0 nhrp-reg-refused)
	if [ $t_new -eq 0 ] || [ $t_ref -eq 0 ]; then
		echo "# no refusal seen ($t_ref) or never rebound ($t_new)"
		dump "$h2" "$sc"
		return 1
	fi
	echo "# first refusal seen $((t_exp - t_ref)) ms before the old binding expired;" \
		"new binding seen $((t_new - t_exp)) ms after"
	# Registration replies to the new address, in order: only code 14
	# until the first success, never after.
	codes=$(tshark -r "$REB_CAP" -Y "nhrp.hdr.op.type == 4 && ip.dst == 192.0.2.15" \
		-T fields -E occurrence=f -e frame.time_epoch -e nhrp.code 2>/dev/null)
	n14=$(awk '$2 == 14 && !ok { n++ } $2 == 0 { ok = 1 } END { print n + 0 }' <<< "$codes")
	t_ok=$(awk '$2 == 0 { printf "%.0f\n", $1 * 1000; exit }' <<< "$codes")
	echo "# replies to the new address: $(awk '{ printf "%s ", $2 }' <<< "$codes")"
	echo "# refusals: hub not-unique +$((nu1 - nu0)), spoke refused +$((rf1 - rf0)), underlay $n14"
	awk '$2 == 0 { ok = 1 } $2 == 14 && ok { bad = 1 } $2 != 0 && $2 != 14 { bad = 1 }
		END { exit bad }' <<< "$codes" ||
		{ echo "# a reply other than 14 before the success, or 14 after it"; rc=1; }
	[ -n "$t_ok" ] || { echo "# no successful reply captured"; return 1; }
	# The first acceptance: not before the expiry (1 s: whole seconds),
	# and within a retry interval (2 s) of it, with 4 s for slow runs.
	echo "# first acceptance $((t_ok - t_exp)) ms after the old expiry"
	[ $((t_ok - t_exp)) -ge -1000 ] && [ $((t_ok - t_exp)) -le 6000 ] || rc=1
	[ "$n14" -ge 1 ] && [ $((nu1 - nu0)) -eq "$n14" ] && [ $((rf1 - rf0)) -eq "$n14" ] || rc=1
	return $rc
}
run_test "(2) NAT rebinding: refused (code 14) while the old binding lives, each refusal counted on both sides and on the wire" \
	rebind

rebound()
{
	local a b
	wait_for 5 nhs_is "$sc" state up && nhs_is "$sc" nat-nbma 192.0.2.15 &&
	has_flag "$h2" 10.0.2.2 unique || { dump "$h2" "$sc"; return 1; }
	read -r -a a <<< "$(txrx "$h2" 192.0.2.15)"
	ping_ok "$h2" 10.0.2.2 5 || return 1
	read -r -a b <<< "$(txrx "$h2" 192.0.2.15)"
	echo "# hub -> new address +$((b[0] - a[0])), back +$((b[1] - a[1]))"
	[ $((b[0] - a[0])) -eq 5 ] && [ $((b[1] - a[1])) -eq 5 ]
}
run_test "(2) after the expiry: bound to the new NAT address, 5 of 5" rebound

# --- (3) hub behind NAT ----------------------------------------------------
natted_hub_register()
{
	local s rc=0
	# The spokes are not NATed: the hub sees their own addresses (its
	# NAT forwards without rewriting the source).
	for s in 2:192.0.2.7 3:192.0.2.8; do
		wait_for 15 bound "$h3" "10.0.3.${s%%:*}" "${s#*:}" dynamic ||
			{ echo "# 10.0.3.${s%%:*} not bound to ${s#*:}"; rc=1; continue; }
		! has_flag "$h3" "10.0.3.${s%%:*}" nat ||
			{ echo "# 10.0.3.${s%%:*} marked NATed"; rc=1; }
	done
	# Each spoke binds the hub's tunnel address to the public address it
	# was configured with, and learns no post-NAT address of its own.
	for s in "$s4" "$s5"; do
		wait_for 10 nhs_is "$s" state up &&
		nhs_is "$s" learned-proto 10.0.3.1 && nhs_is "$s" nat-nbma "" &&
		bound "$s" 10.0.3.1 192.0.2.6 dynamic || rc=1
	done
	[ $rc -eq 0 ] || dump "$h3" "$s4" "$s5"
	return $rc
}
run_test "(3) hub behind NAT: spokes register with its public address" natted_hub_register

# Both LANs route via the hub: requests and replies are relayed, 5 each.
relay()
{
	local a b d
	read -r -a a <<< "$(txrx "$h3" 192.0.2.7 192.0.2.8)"
	ping_ok "$s4" 10.3.5.1 5 -I 10.3.4.1 || return 1
	read -r -a b <<< "$(txrx "$h3" 192.0.2.7 192.0.2.8)"
	d="$((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2])) $((b[3] - a[3]))"
	echo "# hub data to and from s4, to and from s5: $d"
	[ "$d" = "5 5 5 5" ]
}
run_test "(3) Phase 1 through the NATed hub: 5 of 5 relayed" relay

natted_hub_resolve()
{
	local a b d0 d1
	ping_run "$s4" 10.0.3.3 2 -i 0.5 -W 2
	echo "# first pings, via the hub: $PING_STATS"
	wait_for 15 bound "$s4" 10.0.3.3 192.0.2.8 resolved ||
		{ dump "$h3" "$s4" "$s5"; return 1; }
	read -r -a a <<< "$(txrx "$s4" 192.0.2.8)"
	d0=$(data_sum "$h3" 192.0.2.7 192.0.2.8)
	ping_ok "$s4" 10.0.3.3 5 || return 1
	read -r -a b <<< "$(txrx "$s4" 192.0.2.8)"
	d1=$(data_sum "$h3" 192.0.2.7 192.0.2.8)
	echo "# s4 -> s5 +$((b[0] - a[0])), back +$((b[1] - a[1])), hub +$((d1 - d0))"
	[ $((b[0] - a[0])) -eq 5 ] && [ $((b[1] - a[1])) -eq 5 ] && [ $((d1 - d0)) -eq 0 ]
}
run_test "(3) Phase 2 through the NATed hub: resolved, then 5 of 5 direct" natted_hub_resolve

ktap_finish
