#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Link options at work, not read back: what ip-link-dmvpn(8) and dmvpn.rst
# say server-only, [no]unique, nonat-ext, ttl, tos and dev do, and how a hub
# behaves behind an INPUT drop rule and when its underlay goes away.
#
#   server-only    the hub still takes registrations, and answers
#                  resolutions for registered spokes from its cache:
#                  nhrp-res-answered +2, nothing forwarded, nothing
#                  originated, the owner never sees a request (counters and
#                  the hub's capture)
#   unique         a registration of a bound address from another NBMA
#                  address: code 14, nhrp-reg-refused +1 (spoke),
#                  nhrp-reg-not-unique +1 (hub), binding unchanged; flags
#                  0x8002 on the wire
#   nounique       the same replaces the binding; flags 0x0002 (NAT alone)
#   nonat-ext      extensions 3,4,5,End and flags 0x8000: no NAT extension
#                  and no NAT flag; the hub binds the observed (post-NAT)
#                  address anyway and answers without a NAT extension; the
#                  spoke learns no post-NAT address
#   ttl, tos       outer TTL 17 / TOS 0x28 on 5 of 5 data packets, the
#                  peer's defaults 64 / 0 on its 5 replies; inherit copies
#                  the inner TTL 9 and TOS 0xb8; NHRP always goes with TOS
#                  0xc0, TTL 255, DF clear (NHRP.md, as Cisco)
#   dev            MTU = the device's MTU - 24 (IPv4), - 28 (key), - 44
#                  (IPv6); GRE leaves the bound device only, 5 of 5
#   iptables       INPUT -p gre -j DROP on a hub: no NHRP and no data reach
#                  the device, the spoke's NHS goes down; the rule gone, it
#                  registers again and 5 of 5 pings pass
#   underlay gone  hub address deleted, hub underlay device deleted: the
#                  hub counts tx-no-route for what it sends, receives no
#                  NHRP, keeps the binding; the spoke's NHS goes down; back,
#                  the spoke registers again, 5 of 5 pings each way, no splat
#
#   one "internet" bridge, site i = 192.0.2.i:
#    1 hub1 server-only, dmvpn0 10.0.2.1/24; its spokes 2 sa .2, 3 sb .3,
#      4 tt .4 (ttl/tos), 5 su .5 (unique; later from 192.0.2.105),
#      6 snu .6 (nounique; later from 192.0.2.106), sn .13 (nonat-ext,
#      198.51.100.2 behind 7 nat, MASQUERADE)
#    8 hub3 10.0.3.1/24 + 9 sg .9 (iptables)
#   10 hub4 10.0.4.1/24 + 11 sr .11 (address deleted)
#   12 hub5 10.0.5.1/24 + 13 sd .13 (device deleted)
#   14 dv 10.0.6.1/24, eth0 and eth1 198.18.0.1/24 (mtu 1400) to 15 dp
#      10.0.6.2/24, whose NBMA 203.0.113.1 dv reaches over both (eth0
#      preferred)
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq tcpdump iptables-legacy iptables-legacy-restore
load_dmvpn

# ---- topology --------------------------------------------------------------

# As topo_create, in a few ip batches: under TCG every process counts.
inet=$(ns_name inet)
sites=()
for tag in hub1 sa sb tt su snu nat hub3 sg hub4 sr hub5 sd dv dp; do
	sites+=("$(ns_name "$tag")")
done
sn=$(ns_name sn)
hub1=${sites[0]} sa=${sites[1]} sb=${sites[2]} tt=${sites[3]} su=${sites[4]}
snu=${sites[5]} nat=${sites[6]} hub3=${sites[7]} sg=${sites[8]}
hub4=${sites[9]} sr=${sites[10]} hub5=${sites[11]} sd=${sites[12]}
dv=${sites[13]} dp=${sites[14]}
for i in "${!sites[@]}"; do
	echo "link add eth0 netns ${sites[i]} type veth peer name s$((i + 1)) netns $inet"
done | ip -b - || exit "$KSFT_FAIL"
# While hub5's underlay device is gone the bridge floods sd's frames for
# it: only hub5's port (s12) gets unknown unicast, so no capture sees them.
{
	echo "link add br0 type bridge"
	echo "link set br0 up"
	for i in "${!sites[@]}"; do
		echo "link set s$((i + 1)) master br0 up"
		[ "$i" -eq 11 ] || echo "link set s$((i + 1)) type bridge_slave flood off"
	done
} | ip -n "$inet" -b - || exit "$KSFT_FAIL"
for i in "${!sites[@]}"; do
	# No IPv6 on the devices made from now on: no IPv6 registrations, no
	# MLD or router solicitations copied to an NHS, so NHRP and GRE counts
	# are exactly the ones each case makes.
	n "${sites[i]}" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	printf 'addr add 192.0.2.%d/24 dev eth0\nlink set eth0 up\n' $((i + 1)) |
		ip -n "${sites[i]}" -b - || exit "$KSFT_FAIL"
done
n "$sn" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
nat_site "$nat" "$sn" 198.51.100.2 198.51.100.1
n "$su" ip addr add 192.0.2.105/24 dev eth0
n "$snu" ip addr add 192.0.2.106/24 dev eth0
# hub1 relays spoke to spoke while they resolve; NHRP, not ICMP, redirects.
n "$hub1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.default.send_redirects=0

# dev: two underlay paths from dv to dp's NBMA 203.0.113.1, eth0 preferred.
ip link add eth1 netns "$dv" type veth peer name eth1 netns "$dp"
ip -n "$dv" -b - <<-EOF
	addr add 198.18.0.1/24 dev eth1
	link set eth1 mtu 1400 up
	route add 203.0.113.1/32 via 192.0.2.15 dev eth0 metric 10
	route add 203.0.113.1/32 via 198.18.0.2 dev eth1 metric 20
EOF
ip -n "$dp" -b - <<-EOF
	addr add 198.18.0.2/24 dev eth1
	link set eth1 mtu 1400 up
	link add lo0 type dummy
	addr add 203.0.113.1/32 dev lo0
	link set lo0 up
	link add dmvpn0 type dmvpn local 203.0.113.1
	addr add 10.0.6.2/24 dev dmvpn0
	link set dmvpn0 up
EOF
n "$dp" "$DMVPNCTL" map add dmvpn0 10.0.6.1 198.18.0.1
# dp answers over eth1 whichever way dv sent: no reverse-path drops.
n "$dv" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 \
	net.ipv4.conf.eth1.rp_filter=0

# Captures that must see a device's first registration start first.
cap1=$TMPDIR/hub1.pcap captt=$TMPDIR/tt.pcap
nhrp_capture_start "$hub1" eth0 "$cap1" || exit "$KSFT_FAIL"
nhrp_capture_start "$tt" eth0 "$captt" || exit "$KSFT_FAIL"

# dmvpn_up NS LOCAL ADDR/LEN [OPT...]: a fresh dmvpn0, in one ip batch.
dmvpn_up()
{
	local ns=$1 local=$2 addr=$3
	shift 3
	printf 'link add dmvpn0 type dmvpn local %s %s\naddr add %s dev dmvpn0\nlink set dmvpn0 up\n' \
		"$local" "$*" "$addr" | ip -n "$ns" -b -
}

# hub1's spokes: holdtime 300 (refresh every 100 s) makes them register
# once, so the NHRP in the captures and counters below is exactly what a
# case caused. sg, sr, sd register every second: an NHS that gets no
# answer is down within about 4 s.
dmvpn_up "$hub1" 192.0.2.1 10.0.2.1/24 holdtime 300 server-only
dmvpn_up "$hub3" 192.0.2.8 10.0.3.1/24 holdtime 120
dmvpn_up "$hub4" 192.0.2.10 10.0.4.1/24 holdtime 120
dmvpn_up "$hub5" 192.0.2.12 10.0.5.1/24 holdtime 120
pids=()
for x in "$sa 192.0.2.2 10.0.2.2 192.0.2.1 holdtime 300" \
	 "$sb 192.0.2.3 10.0.2.3 192.0.2.1 holdtime 300" \
	 "$tt 192.0.2.4 10.0.2.4 192.0.2.1 holdtime 300 ttl 17 tos 0x28" \
	 "$su 192.0.2.5 10.0.2.5 192.0.2.1 holdtime 300" \
	 "$snu 192.0.2.6 10.0.2.6 192.0.2.1 holdtime 300 nounique" \
	 "$sn 198.51.100.2 10.0.2.13 192.0.2.1 holdtime 300 nonat-ext" \
	 "$sg 192.0.2.9 10.0.3.9 192.0.2.8 holdtime 120 registration-timeout 1" \
	 "$sr 192.0.2.11 10.0.4.11 192.0.2.10 holdtime 120 registration-timeout 1" \
	 "$sd 192.0.2.13 10.0.5.13 192.0.2.12 holdtime 120 registration-timeout 1"; do
	# shellcheck disable=SC2086 # one spoke's words
	set -- $x
	ns=$1 lcl=$2 addr=$3 nhs=$4
	shift 4
	dmvpn_up "$ns" "$lcl" "$addr/24" nhs dynamic nbma "$nhs" "$@" &
	pids+=($!)
done
wait "${pids[@]}"	# not the captures

# ---- helpers ---------------------------------------------------------------

# ck WHAT GOT WANT: print the value; a mismatch sets the caller's $bad.
ck()
{
	if [ "$2" = "$3" ]; then
		echo "# $1: $2"
	else
		echo "# WRONG $1: $2 (want $3)"
		bad=1
	fi
}

# snap NS ARRAY: every counter of NS's dmvpn0 into ARRAY (associative).
snap()
{
	local -n _snap=$2
	local k v
	_snap=()
	while IFS=$'\t' read -r _ k v; do
		_snap["$k"]=$v
	done <<< "$(n "$1" "$DMVPNCTL" stats dmvpn0)"
}

# d KEY OLD NEW: how much counter KEY grew from snapshot OLD to NEW.
d()
{
	local -n _old=$2 _new=$3
	echo $(( ${_new[$1]:-0} - ${_old[$1]:-0} ))
}

# ent NS PROTO KEY...: those fields of PROTO's cache entry, space-separated
# ("" for an absent one; lists comma-separated); one dmvpnctl, one jq.
ent()
{
	local ns=$1 p=$2
	shift 2
	n "$ns" "$DMVPNCTL" -j cache dmvpn0 | jq -r --arg p "$p" '
		[.[] | select(.proto == $p)][0] as $e |
		[$ARGS.positional[] | ($e[.] // "" |
		 if type == "array" then join(",") else tostring end)] | join(" ")' \
		--args "$@"
}

# nhsf NS KEY...: the same for the NHS of NS.
nhsf()
{
	local ns=$1
	shift
	n "$ns" "$DMVPNCTL" -j nhs dmvpn0 | jq -r '.[0] as $e |
		[$ARGS.positional[] | ($e[.] // "" | tostring)] | join(" ")' --args "$@"
}

# all_bound NS PROTO=NBMA...: NS holds a dynamic entry for each.
all_bound()
{
	local ns=$1
	shift
	n "$ns" "$DMVPNCTL" -j cache dmvpn0 | jq -e '
		[.[] | select(.type == "dynamic") | "\(.proto)=\(.nbma)"] as $have |
		all($ARGS.positional[]; . as $w | any($have[]; . == $w))' \
		--args "$@" >/dev/null
}

bound() { [ "$(ent "$1" "$2" type nbma)" = "dynamic $3" ]; }	# NS PROTO NBMA
resolved() { [ "$(ent "$1" "$2" type nbma)" = "resolved $3" ]; }	# NS PROTO NBMA
nhs_is() { [ "$(nhsf "$1" "$2")" = "$3" ]; }	# NS KEY VALUE
nhs_gt() { [ "$(nhsf "$1" "$2")" -gt "$3" ]; }	# NS KEY N
ctr_ge() { [ "$(counter "$1" "$2")" -ge "$3" ]; }	# NS KEY N
lstat() { n "$1" ip -j -s link show dev dmvpn0 | jq -r ".[0].stats64.$2"; }	# NS tx.errors

# bpf_n FILE FILTER: packets of FILE that FILTER matches.
bpf_n() { tcpdump -nn -r "$1" "$2" 2>/dev/null | wc -l; }
bpf_ge() { [ "$(bpf_n "$1" "$2")" -ge "$3" ]; }	# FILE FILTER N

# Outer IPv4 without options, GRE without key (offsets fixed): GRE protocol
# at ip[22:2], inner IPv4 at ip[24], its protocol at ip[33], ICMP type at
# ip[44]. TOS is ip[1], TTL ip[8], DF ip[6] & 0x40.
GRE4='ip proto 47 and ip[0] = 0x45 and ip[20:2] = 0'
ECHO_REQ="$GRE4 and ip[22:2] = 0x0800 and ip[24] = 0x45 and ip[33] = 1 and ip[44] = 8"
ECHO_REP="$GRE4 and ip[22:2] = 0x0800 and ip[24] = 0x45 and ip[33] = 1 and ip[44] = 0"
NHRP4="$GRE4 and ip[22:2] = 0x2001"
NHRP_HDR='ip[1] = 0xc0 and ip[8] = 255 and ip[6] & 0x40 = 0'

# nhrp_table FILE: one line per NHRP packet (GRE 0x2001 in IPv4) of the
# capture FILE: outer source, outer destination, type, flags, extension
# types in order (comma-separated, End is 0), code of the first CIE (- for
# none), request id, and "ok" or "bad" (ar$pktsz beyond the packet, or the
# NHRP checksum wrong). Decoded from tcpdump -x, kept in FILE.tab (tshark
# costs seconds under TCG).
nhrp_table()
{
	local tab=$TMPDIR/${1##*/}.tab
	[ -s "$tab" ] || tcpdump -nn -x -r "$1" 'ip proto 47' 2>/dev/null | awk '
		function hexv(s,   i, v) {
			v = 0
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		function b(i) { return hexv(substr(h, 2 * i + 1, 2)) }
		function w(i) { return b(i) * 256 + b(i + 1) }
		function a4(i) { return b(i) "." b(i + 1) "." b(i + 2) "." b(i + 3) }
		function flush(   ihl, gf, o, sz, xo, m, e, t, x, code, n, sum, ok) {
			if (h == "")
				return
			n = length(h) / 2
			ihl = (b(0) % 16) * 4
			if (int(b(0) / 16) != 4 || b(9) != 47 || n < ihl + 4 ||
			    w(ihl + 2) != 8193)
				return
			gf = w(ihl)	# C, K, S: 4 more bytes each
			o = ihl + 4 + (int(gf / 32768) % 2 + int(gf / 8192) % 2 + int(gf / 4096) % 2) * 4
			sz = w(o + 10)
			xo = w(o + 14)
			ok = o + sz <= n
			sum = 0
			for (e = o; ok && e < o + sz; e += 2)
				sum += b(e) * 256 + (e + 1 < o + sz ? b(e + 1) : 0)
			while (sum > 65535)
				sum = sum % 65536 + int(sum / 65536)
			ok = ok && sum == 65535
			m = o + 28 + b(o + 18) % 64 + b(o + 19) % 64 + b(o + 20) + b(o + 21)
			code = m < o + (xo ? xo : sz) ? b(m) : "-"
			x = ""
			for (e = o + xo; xo && e + 4 <= o + sz && e + 4 <= n; e += 4 + w(e + 2)) {
				t = w(e) % 16384
				x = x (x == "" ? "" : ",") t
				if (!t)
					break
			}
			printf "%s %s %d 0x%04x %s %s 0x%08x %s\n", a4(12), a4(16),
			       b(o + 17), w(o + 22), x == "" ? "-" : x, code,
			       w(o + 24) * 65536 + w(o + 26), ok ? "ok" : "bad"
		}
		/^[^ \t]/ { flush(); h = "" }
		/^[ \t]+0x[0-9a-f]+:/ {
			sub(/^[ \t]+0x[0-9a-f]+:[ \t]+/, "")
			gsub(/ /, "")
			h = h $0
		}
		END { flush() }' > "$tab"
	cat "$tab"
}

# nhrp_expect FILE EXPECT: as nhrp_capture_check (lib.sh) on nhrp_table:
# words [SRC,DST,]TYPE:COUNT (COUNT N or MIN-MAX), each must hold and
# every packet must be counted by one; none may be "bad".
nhrp_expect()
{
	nhrp_table "$1" | awk -v expect="$2" '
		{ src[NR] = $1; dst[NR] = $2; type[NR] = $3; bad[NR] = $8 != "ok" }
		END {
			rc = 0
			nw = split(expect, word, /[ \t\n]+/)
			for (i = 1; i <= nw; i++) {
				if (word[i] == "")
					continue
				cnt = substr(word[i], index(word[i], ":") + 1)
				ns = split(substr(word[i], 1, index(word[i], ":") - 1), f, ",")
				lo = hi = cnt
				if (index(cnt, "-")) {
					lo = substr(cnt, 1, index(cnt, "-") - 1)
					hi = substr(cnt, index(cnt, "-") + 1)
				}
				got = 0
				for (p = 1; p <= NR; p++)
					if ((ns == 1 && type[p] == f[1]) ||
					    (ns == 3 && src[p] == f[1] && dst[p] == f[2] &&
					     type[p] == f[3])) {
						got++
						seen[p] = 1
					}
				ok = got >= lo + 0 && got <= hi + 0
				printf "# %s%s: %d\n", ok ? "" : "WRONG ", word[i], got
				rc = rc || !ok
			}
			for (p = 1; p <= NR; p++) {
				if (!seen[p])
					printf "# UNEXPECTED type %s %s -> %s\n", type[p], src[p], dst[p]
				if (bad[p])
					printf "# BAD packet %d: type %s %s -> %s\n", p, type[p], src[p], dst[p]
				rc = rc || !seen[p] || bad[p]
			}
			printf "# %d NHRP packets\n", NR
			exit rc
		}'
}

# nhrp_answered FILE TYPE...: every request of these types has a later
# answer (type + 1, same request id).
nhrp_answered()
{
	local types=" ${*:2} "
	nhrp_table "$1" | awk -v types="$types" '
		{ t[NR] = $3; id[NR] = $7; line[NR] = $0 }
		END {
			rc = 0
			for (i = 1; i <= NR; i++) {
				if (!index(types, " " t[i] " "))
					continue
				for (j = i + 1; j <= NR; j++)
					if (t[j] == t[i] + 1 && id[j] == id[i])
						break
				if (j > NR) {
					print "# unanswered: " line[i]
					rc = 1
				}
			}
			exit rc
		}'
}

# pkts_are FILE SRC DST TYPE "FLAGS EXTS CODE": every NHRP packet SRC -> DST
# of TYPE in FILE has exactly these fields (and there is one at least:
# nhrp_expect counted them).
pkts_are()
{
	local got
	got=$(nhrp_table "$1" | awk -v s="$2" -v d="$3" -v t="$4" \
		'$1 == s && $2 == d && $3 == t { print $4, $5, $6 }' | sort | uniq -c)
	echo "# $2 -> $3 type $4: ${got:-none}"
	[ -n "$got" ] && [ "$(wc -l <<< "$got")" -eq 1 ] &&
		[ "$(awk '{ print $2, $3, $4 }' <<< "$got")" = "$5" ]
}

# ipt_pkts NS: packets of INPUT rules 1 (NHRP), 2 (IPv4 in GRE), 3 (DROP).
ipt_pkts() { n "$1" iptables-legacy -nvxL INPUT | awk 'NR > 2 { printf "%s ", $1 }'; }
ipt_settled() { local a b c; read -r a b c <<< "$(ipt_pkts "$1")"; [ "$c" -eq $((a + b)) ]; }
ipt_nhrp_ge() { local a; read -r a _ <<< "$(ipt_pkts "$1")"; [ "${a:-0}" -ge "$2" ]; }

ktap_plan 17

# ---- registrations ---------------------------------------------------------

all_registered()
{
	local bad=0 ns
	wait_for 20 all_bound "$hub1" 10.0.2.2=192.0.2.2 10.0.2.3=192.0.2.3 \
		10.0.2.4=192.0.2.4 10.0.2.5=192.0.2.5 10.0.2.6=192.0.2.6 \
		10.0.2.13=192.0.2.7 || { echo "# hub1 misses a spoke"; bad=1; }
	wait_for 20 all_bound "$hub3" 10.0.3.9=192.0.2.9 || { echo "# hub3: no sg"; bad=1; }
	wait_for 20 all_bound "$hub4" 10.0.4.11=192.0.2.11 || { echo "# hub4: no sr"; bad=1; }
	wait_for 20 all_bound "$hub5" 10.0.5.13=192.0.2.13 || { echo "# hub5: no sd"; bad=1; }
	# The NHSes that cases below see go down, or answer without NAT.
	for ns in "$sn" "$sg" "$sr" "$sd"; do
		wait_for 10 nhs_is "$ns" state up ||
			{ echo "# $ns: NHS $(nhsf "$ns" state)"; bad=1; }
	done
	# The server-only hub took every NHRP packet it got as a registration.
	ck "hub1 reg-accepted = rx-nhrp" "$(counter "$hub1" nhrp-reg-accepted)" \
		"$(counter "$hub1" rx-nhrp)"
	ck "hub1 reg-outside, reg-not-unique" \
		"$(counter "$hub1" nhrp-reg-outside) $(counter "$hub1" nhrp-reg-not-unique)" "0 0"
	return "$bad"
}
run_test "every spoke registers, the six of the server-only hub too" all_registered

# Cases 13-17 wait for NHSes to time out: break the three hubs now, so
# those waits overlap the cases in between. The accounting rules (no
# target) split what the drop rule drops into NHRP and IPv4 in GRE; all
# three go in at once. Each baseline is taken once the spoke's next packet
# went out after the break: whatever the hub had in flight before is then
# processed, and nothing after it can arrive.
sr_sent=$(nhsf "$sr" sent) sd_sent=$(nhsf "$sd" sent)
hub5_mac=$(n "$hub5" cat /sys/class/net/eth0/address)
n "$hub3" iptables-legacy-restore --noflush <<-EOF
	*filter
	-A INPUT -p gre -m u32 --u32 "0>>22&0x3C@0&0xFFFF=0x2001"
	-A INPUT -p gre -m u32 --u32 "0>>22&0x3C@0&0xFFFF=0x0800"
	-A INPUT -p gre -j DROP
	COMMIT
EOF
n "$hub4" ip addr del 192.0.2.10/24 dev eth0
n "$hub5" ip link del eth0
# shellcheck disable=SC2034 # read through namerefs (d)
declare -A H3 H4 H5
wait_for 10 ipt_nhrp_ge "$hub3" 1
snap "$hub3" H3
h3_rx=$(lstat "$hub3" rx.packets) sg_replies=$(nhsf "$sg" replies)
wait_for 10 nhs_gt "$sr" sent "$sr_sent"
snap "$hub4" H4
sr_replies=$(nhsf "$sr" replies)
wait_for 10 nhs_gt "$sd" sent "$sd_sent"
snap "$hub5" H5
sd_replies=$(nhsf "$sd" replies)

# ---- server-only -----------------------------------------------------------

# Without server-only the hub relays sa's request to sb, which answers
# (nhrp-res-forwarded); server-only answers from the registration it holds.
so_resolve()
{
	local bad=0
	# shellcheck disable=SC2034 # read through namerefs (snap, d)
	local -A h0 h1 a0 a1 b0 b1
	snap "$hub1" h0; snap "$sa" a0; snap "$sb" b0
	ping_ok "$sa" 10.0.2.3 5 || bad=1
	# sb resolves sa when it answers the first ping.
	wait_for 10 resolved "$sa" 10.0.2.3 192.0.2.3 || echo "# sa did not resolve 10.0.2.3"
	wait_for 10 resolved "$sb" 10.0.2.2 192.0.2.2 || echo "# sb did not resolve 10.0.2.2"
	snap "$hub1" h1; snap "$sa" a1; snap "$sb" b1
	ck "sa: 10.0.2.3" "$(ent "$sa" 10.0.2.3 type nbma)" "resolved 192.0.2.3"
	ck "sb: 10.0.2.2" "$(ent "$sb" 10.0.2.2 type nbma)" "resolved 192.0.2.2"
	ck "hub1 res-answered" "$(d nhrp-res-answered h0 h1)" 2
	ck "hub1 res-forwarded, res-sent, res-nak" \
		"$(d nhrp-res-forwarded h0 h1) $(d nhrp-res-sent h0 h1) $(d nhrp-res-nak h0 h1)" "0 0 0"
	ck "sa res-sent, res-resolved" "$(d nhrp-res-sent a0 a1) $(d nhrp-res-resolved a0 a1)" "1 1"
	ck "sb res-sent, res-resolved" "$(d nhrp-res-sent b0 b1) $(d nhrp-res-resolved b0 b1)" "1 1"
	# The owner answered nothing and received only the answer to its own.
	ck "sb res-answered" "$(d nhrp-res-answered b0 b1)" 0
	ck "sa, sb rx-nhrp" "$(d rx-nhrp a0 a1) $(d rx-nhrp b0 b1)" "1 1"
	return "$bad"
}
run_test "server-only: resolutions answered from the hub's cache, none forwarded or originated" so_resolve

# ---- unique / nounique -----------------------------------------------------

# A spoke that comes back on another NBMA address (its old device gone
# without a purge, as after a crash or a new public address). max-send 1:
# exactly one registration leaves; the retry a refusal gets 1 s later is
# held back (nhrp-tx-quota), so the counts below are final once it was.
uniq_refused()
{
	local bad=0 nu0 acc0
	ck "hub1 10.0.2.5 before" "$(ent "$hub1" 10.0.2.5 nbma flags)" "192.0.2.5 multicast,unique"
	nu0=$(counter "$hub1" nhrp-reg-not-unique) acc0=$(counter "$hub1" nhrp-reg-accepted)
	spoke_up "$su" 192.0.2.105 10.0.2.5/24 192.0.2.1 holdtime 300 \
		max-send 1 max-send-interval 3600 || return 1
	wait_for 10 nhs_is "$su" last-code 14 || echo "# no code 14"
	wait_for 10 ctr_ge "$su" nhrp-tx-quota 1 || echo "# no retry after the refusal"
	ck "su NHS state, last-code" "$(nhsf "$su" state last-code)" "down 14"
	ck "su nhrp-reg-refused, nhrp-tx" \
		"$(counter "$su" nhrp-reg-refused) $(counter "$su" nhrp-tx)" "1 1"
	ck "hub1 reg-not-unique, reg-accepted" \
		"$(( $(counter "$hub1" nhrp-reg-not-unique) - nu0 )) $(( $(counter "$hub1" nhrp-reg-accepted) - acc0 ))" "1 0"
	ck "hub1 10.0.2.5 after" "$(ent "$hub1" 10.0.2.5 type nbma)" "dynamic 192.0.2.5"
	return "$bad"
}
run_test "unique: registration from another NBMA refused, code 14, binding kept" uniq_refused

nouniq_replaces()
{
	local bad=0 nu0
	ck "hub1 10.0.2.6 before" "$(ent "$hub1" 10.0.2.6 nbma flags)" "192.0.2.6 multicast"
	nu0=$(counter "$hub1" nhrp-reg-not-unique)
	spoke_up "$snu" 192.0.2.106 10.0.2.6/24 192.0.2.1 holdtime 300 nounique \
		max-send 1 max-send-interval 3600 || return 1
	wait_for 10 bound "$hub1" 10.0.2.6 192.0.2.106 || echo "# not rebound"
	wait_for 10 nhs_is "$snu" state up || echo "# NHS not up"
	ck "hub1 10.0.2.6 after" "$(ent "$hub1" 10.0.2.6 type nbma flags)" \
		"dynamic 192.0.2.106 multicast"
	ck "snu NHS state, last-code" "$(nhsf "$snu" state last-code)" "up 0"
	ck "snu reg-refused, nhrp-tx" "$(counter "$snu" nhrp-reg-refused) $(counter "$snu" nhrp-tx)" "0 1"
	ck "hub1 reg-not-unique" "$(( $(counter "$hub1" nhrp-reg-not-unique) - nu0 ))" 0
	ping_ok "$hub1" 10.0.2.6 3 || bad=1
	return "$bad"
}
run_test "nounique: registration from another NBMA replaces the binding" nouniq_replaces

# Everything hub1 saw so far. Setup registrations may be retransmitted
# (1 s without an answer while the other sites are being made): 1-2 each.
# The resolutions of case 2 and the new-NBMA registrations (max-send 1)
# are exact.
cap1_decoded()
{
	nhrp_capture_stop "$cap1"
	nhrp_expect "$cap1" "192.0.2.2,192.0.2.1,3:1-2 192.0.2.1,192.0.2.2,4:1-2
		192.0.2.3,192.0.2.1,3:1-2 192.0.2.1,192.0.2.3,4:1-2
		192.0.2.4,192.0.2.1,3:1-2 192.0.2.1,192.0.2.4,4:1-2
		192.0.2.5,192.0.2.1,3:1-2 192.0.2.1,192.0.2.5,4:1-2
		192.0.2.6,192.0.2.1,3:1-2 192.0.2.1,192.0.2.6,4:1-2
		192.0.2.7,192.0.2.1,3:1-2 192.0.2.1,192.0.2.7,4:1-2
		192.0.2.2,192.0.2.1,1:1 192.0.2.1,192.0.2.2,2:1
		192.0.2.3,192.0.2.1,1:1 192.0.2.1,192.0.2.3,2:1
		192.0.2.105,192.0.2.1,3:1 192.0.2.1,192.0.2.105,4:1
		192.0.2.106,192.0.2.1,3:1 192.0.2.1,192.0.2.106,4:1" &&
	nhrp_answered "$cap1" 1 3
}

wire()
{
	local bad=0
	# Every NHRP packet is one of the words above: the server-only hub
	# sent no resolution request, no spoke a resolution reply.
	cap1_decoded || bad=1
	# unique and NAT; the reply echoes them; the refusal has code 14.
	pkts_are "$cap1" 192.0.2.5 192.0.2.1 3 "0x8002 3,4,5,9,0 0" || bad=1
	pkts_are "$cap1" 192.0.2.1 192.0.2.5 4 "0x8002 3,4,5,9,0 0" || bad=1
	pkts_are "$cap1" 192.0.2.105 192.0.2.1 3 "0x8002 3,4,5,9,0 0" || bad=1
	pkts_are "$cap1" 192.0.2.1 192.0.2.105 4 "0x8002 3,4,5,9,0 14" || bad=1
	# nounique: NAT alone.
	pkts_are "$cap1" 192.0.2.6 192.0.2.1 3 "0x0002 3,4,5,9,0 0" || bad=1
	pkts_are "$cap1" 192.0.2.1 192.0.2.6 4 "0x0002 3,4,5,9,0 0" || bad=1
	pkts_are "$cap1" 192.0.2.106 192.0.2.1 3 "0x0002 3,4,5,9,0 0" || bad=1
	pkts_are "$cap1" 192.0.2.1 192.0.2.106 4 "0x0002 3,4,5,9,0 0" || bad=1
	[ "$bad" -eq 0 ] || nhrp_table "$cap1" | sed 's/^/#   /'
	return "$bad"
}
run_test "on the wire: server-only hub sends no request; unique 0x8002, nounique 0x0002, refusal code 14" wire

# ---- nonat-ext -------------------------------------------------------------

nonat()
{
	local bad=0
	cap1_decoded || bad=1
	# Responder, forward and reverse transit, End: no NAT extension and no
	# NAT flag; the reply keeps the request's extensions and adds none.
	pkts_are "$cap1" 192.0.2.7 192.0.2.1 3 "0x8000 3,4,5,0 0" || bad=1
	pkts_are "$cap1" 192.0.2.1 192.0.2.7 4 "0x8000 3,4,5,0 0" || bad=1
	ck "hub1 10.0.2.13 nbma, claimed, flags" "$(ent "$hub1" 10.0.2.13 nbma nbma-claimed flags)" \
		"192.0.2.7 198.51.100.2 multicast,unique,nat"
	ck "sn nat-nbma (none learnt)" "$(nhsf "$sn" nat-nbma)" ""
	# The hub's echo replies go to the post-NAT binding. (sn sends first:
	# its NAT forgets a GRE mapping 30 s after a single answer.)
	ping_ok "$sn" 10.0.2.1 3 || bad=1
	return "$bad"
}
run_test "nonat-ext: no NAT extension; hub binds the post-NAT address, spoke learns none" nonat

# ---- ttl / tos -------------------------------------------------------------

# tt's capture runs from before its registration to the end of these
# three cases; it is read as it grows (tcpdump -U writes every packet).
ttl_tos()
{
	local bad=0 f="src host 192.0.2.4 and $ECHO_REQ" r="src host 192.0.2.1 and $ECHO_REP"
	ping_ok "$tt" 10.0.2.1 5 || bad=1
	wait_for 5 bpf_ge "$captt" "$r" 5
	ck "tt -> hub1 echo requests" "$(bpf_n "$captt" "$f")" 5
	ck "  with TTL 17, TOS 0x28" "$(bpf_n "$captt" "$f and ip[8] = 17 and ip[1] = 0x28")" 5
	ck "hub1 -> tt echo replies" "$(bpf_n "$captt" "$r")" 5
	ck "  with the defaults TTL 64, TOS 0" "$(bpf_n "$captt" "$r and ip[8] = 64 and ip[1] = 0")" 5
	return "$bad"
}
run_test "ttl 17 tos 0x28: outer TTL and TOS of 5 of 5 data packets; peer's defaults 64 and 0" ttl_tos

nhrp_tos()
{
	local bad=0 ntx nrep f="src host 192.0.2.4 and $NHRP4" r="src host 192.0.2.1 and $NHRP4"
	# tt registered once (holdtime 300): all its NHRP and all the hub's
	# answers are in the capture, which started before tt's device.
	ntx=$(counter "$tt" nhrp-tx) nrep=$(nhsf "$tt" replies)
	ck "tt NHRP sent" "$(bpf_n "$captt" "$f")" "$ntx"
	ck "  with TOS 0xc0, TTL 255, DF clear" "$(bpf_n "$captt" "$f and $NHRP_HDR")" "$ntx"
	ck "hub1 NHRP to tt" "$(bpf_n "$captt" "$r")" "$nrep"
	ck "  with TOS 0xc0, TTL 255, DF clear" "$(bpf_n "$captt" "$r and $NHRP_HDR")" "$nrep"
	# (Not 0 = 0: tt did register, case 1.)
	if [ "$ntx" -eq 0 ] || [ "$nrep" -eq 0 ]; then
		echo "# tt never registered"
		bad=1
	fi
	return "$bad"
}
run_test "NHRP packets: outer TOS 0xc0, TTL 255, DF clear whatever ttl and tos say" nhrp_tos

ttl_tos_inherit()
{
	local bad=0 f="src host 192.0.2.4 and $ECHO_REQ"
	n "$tt" ip link set dmvpn0 type dmvpn ttl inherit tos inherit || return 1
	ping_ok "$tt" 10.0.2.1 5 -t 9 -Q 0xb8 || bad=1
	wait_for 5 bpf_ge "$captt" "src host 192.0.2.1 and $ECHO_REP" 10
	nhrp_capture_stop "$captt"
	ck "tt -> hub1 echo requests (5 before)" "$(bpf_n "$captt" "$f")" 10
	ck "  with TTL 9, TOS 0xb8 (the inner ones)" "$(bpf_n "$captt" "$f and ip[8] = 9 and ip[1] = 0xb8")" 5
	return "$bad"
}
run_test "ttl inherit tos inherit: outer TTL 9 and TOS 0xb8 copied from ping -t 9 -Q 0xb8" ttl_tos_inherit

# ---- dev -------------------------------------------------------------------

dv_up() # [OPT...]: dv's dmvpn0 afresh, no local address, mapped to dp
{
	n "$dv" ip link del dmvpn0 2>/dev/null
	printf 'link add dmvpn0 type dmvpn %s\naddr add 10.0.6.1/24 dev dmvpn0\nlink set dmvpn0 up\n' \
		"$*" | ip -n "$dv" -b - &&
	n "$dv" "$DMVPNCTL" map add dmvpn0 10.0.6.2 203.0.113.1
}
mtu() { n "$dv" cat "/sys/class/net/$1/mtu"; }

dev_mtu()
{
	local bad=0
	ip -n "$dv" -b - <<-EOF || return 1
		link add d1 type dmvpn dev eth1
		link add d2 type dmvpn dev eth1 key 9
		link add d3 type dmvpn local 2001:db8:6::1 dev eth1
		link add d4 type dmvpn local 192.0.2.14
	EOF
	ck "no dev: mtu (1500 - 20 - 4)" "$(mtu d4)" 1476
	ck "dev eth1 (mtu 1400): mtu (- 20 - 4)" "$(mtu d1)" 1376
	ck "dev eth1 key 9: mtu (- 20 - 4 - 4)" "$(mtu d2)" 1372
	ck "dev eth1, IPv6 local: mtu (- 40 - 4)" "$(mtu d3)" 1356
	printf 'link del d%d\n' 1 2 3 4 | ip -n "$dv" -b -
	return "$bad"
}
run_test "dev: MTU is the bound device's MTU minus the outer headers" dev_mtu

# gre_out: GRE to dp's NBMA that left eth0 and eth1 (mangle POSTROUTING,
# the last hook before the device: counting rules below).
gre_out() { n "$dv" iptables-legacy -t mangle -nvxL POSTROUTING | awk 'NR > 2 { printf "%s ", $1 }'; }

dev_path()
{
	local bad=0 got
	n "$dv" iptables-legacy-restore --noflush <<-EOF || return 1
		*mangle
		-A POSTROUTING -o eth0 -p gre -d 203.0.113.1
		-A POSTROUTING -o eth1 -p gre -d 203.0.113.1
		COMMIT
	EOF
	# Unbound, the underlay's preferred route (eth0) carries it...
	dv_up || return 1
	ping_ok "$dv" 10.0.6.2 5 || bad=1
	got=$(gre_out)
	ck "unbound: GRE out of eth0, eth1" "${got% }" "5 0"
	# ...bound to eth1, eth1 does.
	dv_up dev eth1 || return 1
	ck "dev eth1: mtu" "$(mtu dmvpn0)" 1376
	ping_ok "$dv" 10.0.6.2 5 || bad=1
	got=$(gre_out)
	ck "dev eth1: GRE out of eth0, eth1 (5 0 before)" "${got% }" "5 5"
	return "$bad"
}
run_test "dev eth1: every GRE packet leaves eth1, none the preferred eth0" dev_path

# ---- iptables on the hub ---------------------------------------------------

ipt_drop()
{
	local bad=0 p_nhrp p_data p_drop
	# shellcheck disable=SC2034 # read through namerefs (snap, d)
	local -A h1
	wait_for 15 nhs_is "$sg" state down || echo "# sg's NHS not down"
	ping_none "$sg" 10.0.3.1 3 || bad=1
	# sg keeps registering: a read may catch a packet between rules 1 and
	# 3; the next shows it dropped.
	wait_for 5 ipt_settled "$hub3"
	read -r p_nhrp p_data p_drop <<< "$(ipt_pkts "$hub3")"
	snap "$hub3" h1
	ck "sg NHS state, replies since the rule" "$(nhsf "$sg" state) $(( $(nhsf "$sg" replies) - sg_replies ))" \
		"down 0"
	# All sg sent since the rule went in was dropped before dmvpn: the 3
	# pings and its registration requests.
	ck "rule: IPv4 in GRE" "$p_data" 3
	ck "rule: dropped = NHRP + IPv4 in GRE" "$p_drop" "$((p_nhrp + p_data))"
	ck "hub3 rx-nhrp, reg-accepted" "$(d rx-nhrp H3 h1) $(d nhrp-reg-accepted H3 h1)" "0 0"
	ck "hub3 dmvpn0 rx packets" "$(( $(lstat "$hub3" rx.packets) - h3_rx ))" 0
	ck "hub3 keeps the binding" "$(ent "$hub3" 10.0.3.9 type nbma)" "dynamic 192.0.2.9"
	echo "# dropped $p_nhrp NHRP packets of sg"
	return "$bad"
}
run_test "iptables INPUT -p gre -j DROP on the hub: no NHRP, no data; the spoke's NHS goes down" ipt_drop

ipt_removed()
{
	local bad=0
	n "$hub3" iptables-legacy -F INPUT || return 1
	wait_for 10 nhs_is "$sg" state up || echo "# sg's NHS not up"
	ck "sg NHS state" "$(nhsf "$sg" state)" up
	ping_ok "$sg" 10.0.3.1 5 || bad=1
	return "$bad"
}
run_test "rule removed: the spoke registers again, 5 of 5 pings" ipt_removed

# ---- the hub's underlay goes away ------------------------------------------

# under_gone HUB SPOKE SPOKE-TUNNEL SPOKE-NBMA H-ARRAY REPLIES0
under_gone()
{
	local hub=$1 sp=$2 proto=$3 nbma=$4 r0=$6 bad=0 nr0 e0
	# shellcheck disable=SC2034 # read through namerefs (snap, d)
	local -A h1
	wait_for 15 nhs_is "$sp" state down || echo "# NHS not down"
	nr0=$(counter "$hub" tx-no-route) e0=$(lstat "$hub" tx.errors)
	ping_none "$hub" "$proto" 3 || bad=1
	snap "$hub" h1
	ck "hub tx-no-route, dmvpn0 tx errors" \
		"$(( $(counter "$hub" tx-no-route) - nr0 )) $(( $(lstat "$hub" tx.errors) - e0 ))" "3 3"
	ck "hub rx-nhrp, reg-accepted since" "$(d rx-nhrp "$5" h1) $(d nhrp-reg-accepted "$5" h1)" "0 0"
	ck "hub keeps the binding" "$(ent "$hub" "$proto" type nbma)" "dynamic $nbma"
	ck "spoke NHS state, last-code, replies since" \
		"$(nhsf "$sp" state last-code) $(( $(nhsf "$sp" replies) - r0 ))" "down 0 0"
	return "$bad"
}

# under_back HUB HUB-TUNNEL SPOKE SPOKE-TUNNEL SPOKE-NBMA
under_back()
{
	local bad=0
	wait_for 15 nhs_is "$3" state up || echo "# NHS not up again"
	ck "spoke NHS state" "$(nhsf "$3" state)" up
	ck "hub binding" "$(ent "$1" "$4" type nbma)" "dynamic $5"
	ping_ok "$1" "$4" 5 || bad=1
	ping_ok "$3" "$2" 5 || bad=1
	return "$bad"
}

run_test "hub underlay address deleted: tx-no-route, nothing received, binding kept, spoke down" \
	under_gone "$hub4" "$sr" 10.0.4.11 192.0.2.11 H4 "$sr_replies"

addr_back()
{
	n "$hub4" ip addr add 192.0.2.10/24 dev eth0 &&
	under_back "$hub4" 10.0.4.1 "$sr" 10.0.4.11 192.0.2.11
}
run_test "address back: the spoke registers again, 5 of 5 pings each way" addr_back

run_test "hub underlay device deleted: tx-no-route, nothing received, binding kept, spoke down" \
	under_gone "$hub5" "$sd" 10.0.5.13 192.0.2.13 H5 "$sd_replies"

# The same MAC address: the spoke's neighbour entry stays right, as with a
# replaced cable rather than a new router.
dev_back()
{
	local splat
	ip link add eth0 netns "$hub5" address "$hub5_mac" type veth \
		peer name s12 netns "$inet" &&
	ip -n "$inet" link set s12 master br0 up &&
	printf 'addr add 192.0.2.12/24 dev eth0\nlink set eth0 up\n' | ip -n "$hub5" -b - ||
		return 1
	under_back "$hub5" 10.0.5.1 "$sd" 10.0.5.13 192.0.2.13 || return 1
	splat=$(dmesg | grep -E 'unregister_netdevice: waiting|WARNING:|BUG:')
	[ -z "$splat" ] || { echo "# ${splat//$'\n'/$'\n'# }"; return 1; }
}
run_test "device back: the spoke registers again, 5 of 5 pings each way, no splat" dev_back

ktap_finish
