#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The drop and refusal counters of dmvpnctl stats that no other test moves,
# each moved by exactly the packets that must move it. $evil, a host on the
# underlay with no dmvpn device, forges the hostile input (GRE, NHRP);
# after each batch the victim's counters moved by exactly what the case
# names and its entries, NHS list and peers did not move at all.
#
#                    +------------------- $inet -------------------+
#                    |                  bridge br0                 |
#                    +----+-----------+-----------+-----------+----+-----+
#   underlay     192.0.2.1|  192.0.2.2|  192.0.2.3|  192.0.2.4|  192.0.2.5|
#                    +----+---+  +----+---+  +----+---+  +----+---+  +----+---+
#                    |  $hub  |  |  $s1   |  |  $s2   |  |  $evil |  |  $s5   |
#                    +--------+  +--------+  +--------+  +--------+  +--------+
#   dmvpn0          10.0.0.1/24  10.0.0.2    10.0.0.3    (forges)    per case
#
# No IPv6 on the tunnels and the default holding time (a refresh every
# 2400 s): no device sends anything the test does not cause.
#
#   tx-loop              3 pings to a peer whose NBMA is routed into dmvpn0
#   rx-bad-proto         5 GRE packets of Ethertypes 0x6558 and 0x0806
#   nhrp-rx-unsupported  an IPv6 NBMA family, a purge reply, a registration
#                        and a purge for somebody else, an unknown
#                        compulsory extension (answered: Error Indication)
#   nhrp-rx-hop-limit    a resolution to relay with hop count 0 (EI 15)
#   nhrp-rx-loop         a resolution naming the hub in its forward transit
#                        record (EI 3); the three EIs are on the wire,
#                        nothing went to the registered spoke
#   nhrp-rx-unsolicited  registration replies (from a stranger, and
#                        spoofed from the NHS) and resolution replies that
#                        match no request: no binding taken from them
#   nhrp-rx-error-ind    error indications about requests never sent
#   nhrp-purge-rx        a purge of another station's binding is ignored,
#                        the same purge of the sender's own binding is not
#   nhrp-reg-refused     a spoke outside the hub's subnet: every request
#                        refused (hub: nhrp-reg-outside), NHS down, code 4
#   nhrp-reg-sent,       two silent NHSes, one without an underlay route:
#   nhrp-tx-error        every attempt counted, the unroutable ones as
#                        errors, exactly the others on the wire, one id
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq python3 tcpdump tshark
load_dmvpn

hub=$(ns_name hub); s1=$(ns_name s1); s2=$(ns_name s2); evil=$(ns_name evil)
s5=$(ns_name s5)
topo_create "$hub" "$s1" "$s2" "$evil" "$s5"
for ns in "$hub" "$s1" "$s2" "$s5"; do
	n "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
hub_up "$hub" 192.0.2.1 10.0.0.1/24
spoke_up "$s1" 192.0.2.2 10.0.0.2/24 192.0.2.1
spoke_up "$s2" 192.0.2.3 10.0.0.3/24 192.0.2.1

# Any NHRP message, or GRE of any Ethertype, from a raw socket, and the
# capture reader: nhrp_msg.py.
FORGE_PY=$REPO/selftests/nhrp_msg.py

# frg PACKET [+ PACKET]...: send from $evil, in order (--src: the outer
# source, 192.0.2.4 unless given).
export PYTHONDONTWRITEBYTECODE=1
# The interpreter itself, without site packages: a version manager's shim
# costs seconds a call under TCG.
PY=$(python3 -c 'import sys; print(sys.executable)') || exit "$KSFT_FAIL"
frg() { n "$evil" "$PY" -S "$FORGE_PY" "$@"; }
# The marker, last of a batch: a Purge Reply to the hub or $s1, which ask
# for none: counted in rx-nhrp and nhrp-rx-unsupported and nothing else
# (MARK). The receive work takes NHRP packets in order, so once it is
# counted every packet sent before it has been handled in full.
mark_to() { echo + --dst "$1" --type 6 --src-nbma 192.0.2.4 --src-proto 10.0.0.44 \
	--dst-proto "$2" --cie 0/32/-/-; }
read -ra MARK_HUB <<< "$(mark_to 192.0.2.1 10.0.0.1)"
read -ra MARK_S1 <<< "$(mark_to 192.0.2.2 10.0.0.2)"
MARK=(rx-nhrp:1 nhrp-rx-unsupported:1)

# view NS: NS's counters on one line (NAME:VALUE...), then what must not
# move: its entries (bindings) without their timers and the flag "used"
# (transmit sets it), its NHSes, its peers. One dmvpnctl, one jq: polled.
view()
{
	printf '%s dmvpn0\n' stats cache nhs peers | n "$1" "$DMVPNCTL" -j -b - |
		jq -rcs '(.[0] | to_entries | map(select(.value | type == "number") |
			"\(.key):\(.value)") | join(" ")),
		(.[1] | map({proto, prefixlen, nbma, type, flags: (.flags - ["used"]),
			via, claimed: ."nbma-claimed"}) | sort_by(.proto, .prefixlen)),
		(.[2] | map({nbma, proto, state, id: ."request-id", code: ."last-code",
			sent, replies})),
		(.[3] | map(.nbma) | sort)'
}
snap() { view "$1" > "$TMPDIR/$1.view"; }
# norm WORDS...: NAME:N words summed per name, zeros dropped, sorted.
norm()
{
	printf '%s\n' "$@" | awk -F: 'NF == 2 { s[$1] += $2 }
		END { for (k in s) if (s[k]) print k ":" s[k] }' | sort
}
# delta NS: NS's counters that moved since snap, as norm prints them; the
# view it compared stays in $TMPDIR/NS.now.
delta()
{
	view "$1" > "$TMPDIR/$1.now"
	awk 'FNR == 1 { for (i = 1; i <= NF; i++) {
		c = index($i, ":"); k = substr($i, 1, c - 1); v = substr($i, c + 1)
		if (NR == 1) o[k] = v; else if (v != o[k]) print k ":" v - o[k] } }' \
		"$TMPDIR/$1.view" "$TMPDIR/$1.now" | sort
}
# same_state NS: the state in NS.now is the one snap saw.
same_state()
{
	local a b
	a=$(< "$TMPDIR/$1.view"); b=$(< "$TMPDIR/$1.now")
	[ "${a#*$'\n'}" = "${b#*$'\n'}" ]
}
# moved NS WORDS...: NS's counters moved by exactly WORDS since snap;
# only_moved: and its state did not move.
moved() { local ns=$1; shift; [ "$(delta "$ns")" = "$(norm "$@")" ]; }
only_moved() { moved "$@" && same_state "$1"; }
# why NS WORDS...: say what moved instead.
why()
{
	local ns=$1
	shift
	echo "# $ns: counters moved: $(delta "$ns" | xargs); expected: $(norm "$@" | xargs)"
	diff <(sed 1d "$TMPDIR/$ns.view") <(sed 1d "$TMPDIR/$ns.now") | sed 's/^/#   state /'
	return 1
}
_is() { [ "$(delta "$1")" = "$2" ] && { [ -z "$3" ] || same_state "$1"; }; }
# settled NS WORDS...: wait until NS moved by exactly WORDS and the marker,
# its state unchanged; wait_moved NS WORDS...: until it moved by WORDS.
settled()
{
	local ns=$1 want
	shift
	want=$(norm "$@" "${MARK[@]}")
	wait_for 15 _is "$ns" "$want" 1 || why "$ns" "$@" "${MARK[@]}"
}
wait_moved()
{
	local ns=$1 want
	shift
	want=$(norm "$@")
	wait_for 15 _is "$ns" "$want" "" || why "$ns" "$@"
}

ktap_plan 12

s1_up() { [ "$(nhs_field "$s1" state)" = up ]; }
up()
{
	wait_for 15 registered "$hub" 10.0.0.2 192.0.2.2 &&
	wait_for 15 registered "$hub" 10.0.0.3 192.0.2.3 && wait_for 15 s1_up
}
run_test "two spokes register with the hub" up

# A static map whose NBMA address the underlay routes through dmvpn0
# itself: every packet counted in tx-loop, none sent.
tx_loop()
{
	n "$hub" "$DMVPNCTL" map add dmvpn0 10.0.0.99 198.51.100.99 &&
	n "$hub" ip route add 198.51.100.0/24 dev dmvpn0 || return 1
	snap "$hub"
	ping_none "$hub" 10.0.0.99 3 || return 1
	only_moved "$hub" tx-loop:3 || why "$hub" tx-loop:3 || return 1
	[ "$(peer_stat "$hub" dmvpn0 198.51.100.99 tx-packets)" -eq 0 ] || return 1
	n "$hub" ip route del 198.51.100.0/24 dev dmvpn0 &&
	n "$hub" "$DMVPNCTL" map del dmvpn0 10.0.0.99
}
run_test "tx-loop: 3 pings to an NBMA routed into the device, 3 counted, none sent" tx_loop

bad_proto()
{
	snap "$hub"
	frg --dst 192.0.2.1 --ethertype 0x6558 --count 3 + \
		--dst 192.0.2.1 --ethertype 0x0806 --len 28 --count 2 \
		"${MARK_HUB[@]}" || return 1
	settled "$hub" rx-bad-proto:5
}
run_test "rx-bad-proto: 5 GRE packets neither IP nor NHRP, counted, nothing learnt" bad_proto

# The hub's answers to the next three cases, for the case after them.
nhrp_capture_start "$hub" eth0 "$TMPDIR/hub.pcap" || exit "$KSFT_FAIL"

unsupported()
{
	local from=(--dst 192.0.2.1 --src-nbma 192.0.2.4 --src-proto 10.0.0.44)
	snap "$hub"
	# An IPv6 NBMA family on an IPv4 underlay; a Purge Reply (the
	# marker's kind); a registration and a purge for a station that is
	# neither the hub nor their sender (not relayed); a registration with
	# an unknown compulsory extension: refused with Error Indication 1,
	# the address not registered.
	frg --dst 192.0.2.1 --type 3 --src-nbma 2001:db8::4 --src-proto 10.0.0.44 \
		--dst-proto 10.0.0.1 --cie 0/32/-/10.0.0.44 + \
		"${from[@]}" --type 6 --dst-proto 10.0.0.1 --cie 0/32/-/- + \
		"${from[@]}" --type 3 --dst-proto 10.0.0.77 --cie 0/32/-/10.0.0.44 + \
		"${from[@]}" --type 5 --flags 0x8000 --dst-proto 10.0.0.77 \
		--cie 0/32/-/10.0.0.2 + \
		"${from[@]}" --type 3 --dst-proto 10.0.0.1 --cie 0/32/-/10.0.0.44 \
		--ext 0x8100 "${MARK_HUB[@]}" || return 1
	settled "$hub" rx-nhrp:5 nhrp-rx-unsupported:5 nhrp-tx:1 nhrp-error-tx:1
}
run_test "nhrp-rx-unsupported: family, purge reply, not ours, compulsory extension: 5 counted, 1 EI" unsupported

# A Resolution Request for a registered spoke, which the hub would relay.
res_for_s2() { frg --dst 192.0.2.1 --type 1 --flags 0x8802 --src-nbma 192.0.2.4 \
	--src-proto 10.0.0.44 --dst-proto 10.0.0.3 --cie 0/32/-/- "$@"; }

hop_limit()
{
	snap "$hub"; snap "$s2"
	res_for_s2 --reqid 0x4411 --hop 0 "${MARK_HUB[@]}" || return 1
	settled "$hub" rx-nhrp:1 nhrp-rx-hop-limit:1 nhrp-tx:1 nhrp-error-tx:1 &&
	{ only_moved "$s2" || why "$s2"; }
}
run_test "nhrp-rx-hop-limit: hop count 0 not relayed, counted, 1 EI" hop_limit

rx_loop()
{
	snap "$hub"; snap "$s2"
	res_for_s2 --reqid 0x4412 --fwd-transit 0/32/192.0.2.1/10.0.0.1 \
		"${MARK_HUB[@]}" || return 1
	settled "$hub" rx-nhrp:1 nhrp-rx-loop:1 nhrp-tx:1 nhrp-error-tx:1 &&
	{ only_moved "$s2" || why "$s2"; }
}
run_test "nhrp-rx-loop: the hub in the forward transit record, not relayed, counted, 1 EI" rx_loop

# On the hub's underlay: what $evil sent, and the three Error Indications
# back to it (codes 1, 15 and 3 in that order), nothing else (no relay to
# $s2, no answer to anything but those three).
ei_wire()
{
	local pdml=$TMPDIR/hub.pcap.pdml codes
	nhrp_capture_wait_nhrp 10 "$TMPDIR/hub.pcap" 13
	nhrp_capture_stop "$TMPDIR/hub.pcap"
	nhrp_capture_check "$TMPDIR/hub.pcap" "192.0.2.4,192.0.2.1,1:2 \
		192.0.2.4,192.0.2.1,3:3 192.0.2.4,192.0.2.1,5:1 192.0.2.4,192.0.2.1,6:4 \
		192.0.2.1,192.0.2.4,7:3" || return 1
	codes=$(grep -o '<field name="nhrp.err.code"[^>]* show="[0-9]*"' "$pdml" |
		sed 's/.* show="//; s/"//' | xargs)
	echo "# error codes: $codes"
	[ "$codes" = "1 15 3" ]
}
run_test "the hub's answers on the wire: exactly 3 Error Indications to the sender, codes 1, 15, 3" ei_wire

# Replies nobody asked for: from a stranger, spoofed from the NHS with an
# id we never used, and resolution replies that would bind 10.0.0.3 to the
# attacker (for us, or to be relayed).
unsolicited()
{
	local rep=(--dst 192.0.2.2 --src-nbma 192.0.2.2 --src-proto 10.0.0.2)
	snap "$s1"
	frg "${rep[@]}" --type 4 --flags 0x8002 --reqid 0x7777 --dst-proto 10.0.0.1 \
		--cie 0/32/192.0.2.2/10.0.0.2/7200 + \
		--src 192.0.2.1 "${rep[@]}" --type 4 --flags 0x8002 --reqid 0x7778 \
		--dst-proto 10.0.0.1 --cie 0/32/192.0.2.2/10.0.0.2/7200 + \
		"${rep[@]}" --type 2 --flags 0x7802 --reqid 0x7779 --dst-proto 10.0.0.3 \
		--cie 0/32/192.0.2.4/10.0.0.3/7200 + \
		--dst 192.0.2.2 --type 2 --flags 0x7802 --reqid 0x777a --src-nbma 192.0.2.9 \
		--src-proto 10.5.5.5 --dst-proto 10.0.0.3 \
		--cie 0/32/192.0.2.4/10.0.0.3/7200 "${MARK_S1[@]}" || return 1
	settled "$s1" rx-nhrp:4 nhrp-rx-unsolicited:4
}
run_test "nhrp-rx-unsolicited: 4 replies to no request counted, NHS and cache untouched" unsolicited

# Error Indications about a registration and a resolution we never sent,
# and one quoting nothing: counted; the NHS stays up, last-code 0.
error_ind()
{
	local ei=(--dst 192.0.2.2 --type 7 --src-nbma 192.0.2.4 --src-proto 10.0.0.44
		  --dst-proto 10.0.0.2)
	snap "$s1"
	frg "${ei[@]}" --code 1 --quote 3/0x5555 + "${ei[@]}" --code 15 --quote 1/0x5556 + \
		"${ei[@]}" --code 11 "${MARK_S1[@]}" || return 1
	settled "$s1" rx-nhrp:3 nhrp-rx-error-ind:3 &&
	[ "$(nhs_field "$s1" state)" = up ] && [ "$(nhs_field "$s1" last-code)" = 0 ]
}
run_test "nhrp-rx-error-ind: 3 error indications about nothing we sent, counted, NHS up" error_ind

# $evil registers 10.0.0.44 (its own binding, unique), then purges $s1's
# 10.0.0.2 (twice, one asking for a reply): received and counted, the
# binding stays. The same purge for its own binding removes that.
purge()
{
	local p=(--dst 192.0.2.1 --type 5 --src-nbma 192.0.2.4 --dst-proto 10.0.0.1)
	snap "$hub"
	frg --dst 192.0.2.1 --type 3 --flags 0x8000 --reqid 0x4401 --src-nbma 192.0.2.4 \
		--src-proto 10.0.0.44 --dst-proto 10.0.0.1 \
		--cie 0/32/192.0.2.4/10.0.0.44/60 || return 1
	wait_moved "$hub" rx-nhrp:1 nhrp-reg-accepted:1 nhrp-tx:1 cache-entries:1 \
		peers:1 && registered "$hub" 10.0.0.44 192.0.2.4 || return 1
	snap "$hub"
	frg "${p[@]}" --flags 0x8000 --reqid 0x4402 --src-proto 10.0.0.2 \
		--cie 0/32/-/10.0.0.2 + "${p[@]}" --flags 0 --reqid 0x4403 \
		--src-proto 10.0.0.2 --cie 0/32/-/10.0.0.2 "${MARK_HUB[@]}" || return 1
	settled "$hub" rx-nhrp:2 nhrp-purge-rx:2 nhrp-tx:1 || return 1
	registered "$hub" 10.0.0.2 192.0.2.2 || return 1
	snap "$hub"
	frg "${p[@]}" --flags 0x8000 --reqid 0x4404 --src-proto 10.0.0.44 \
		--cie 0/32/-/10.0.0.44 "${MARK_HUB[@]}" || return 1
	wait_moved "$hub" rx-nhrp:1 nhrp-purge-rx:1 cache-entries:-1 peers:-1 \
		"${MARK[@]}" || return 1
	[ -z "$(entry "$hub" 10.0.0.44 type)" ] &&
	registered "$hub" 10.0.0.2 192.0.2.2 && registered "$hub" 10.0.0.3 192.0.2.3
}
run_test "purge of another NBMA's binding ignored (counted, binding kept); of its own, done" purge

# $s5 tunnel address outside the hub's subnet: registered never, refused
# each time. k: requests so far; settled once each has its refusal.
refused_k()
{
	local d k v
	d=$(delta "$s5")
	mapfile -t v < "$TMPDIR/$s5.now"
	[[ ${v[2]} =~ \"state\":\"([a-z]*)\".*\"code\":([0-9]+|null),\"sent\":([0-9]+),\"replies\":([0-9]+) ]] ||
		return 1
	k=${BASH_REMATCH[3]}
	NHS_STATE=${BASH_REMATCH[1]} NHS_CODE=${BASH_REMATCH[2]} NHS_SENT=$k
	[ "$k" -ge 2 ] && [ "${BASH_REMATCH[4]}" -eq "$k" ] &&
	[ "$d" = "$(norm nhrp-reg-sent:"$k" nhrp-tx:"$k" rx-nhrp:"$k" nhrp-reg-refused:"$k")" ] &&
	moved "$hub" rx-nhrp:"$k" nhrp-reg-outside:"$k" nhrp-tx:"$k"
}
refused()
{
	# Retries after 1, 2, 4 s: between two of them everything is settled.
	n "$s5" ip link add dmvpn0 type dmvpn local 192.0.2.5 registration-timeout 60 \
		nhs dynamic nbma 192.0.2.1 &&
	n "$s5" ip addr add 10.9.0.5/24 dev dmvpn0 || return 1
	snap "$s5"; snap "$hub"
	n "$s5" ip link set dmvpn0 up || return 1
	# (wait_for runs refused_k in this shell: NHS_* and $hub.now stay
	# as it saw them)
	if ! wait_for 15 refused_k; then
		sed -n 3p "$TMPDIR/$s5.now" | sed 's/^/# NHS: /'
		why "$s5"; why "$hub"; return 1
	fi
	echo "# $NHS_SENT requests, each refused; NHS $NHS_STATE, last-code $NHS_CODE"
	[ "$NHS_STATE" = down ] && [ "$NHS_CODE" = 4 ] && same_state "$hub" &&
	n "$s5" ip link del dmvpn0
}
run_test "nhrp-reg-refused: every registration outside the hub's subnet refused (hub: reg-outside), code 4" refused

sent_ge() # N: both NHSes of $s5 tried N times
{
	[ "$(nhs_field "$s5" sent 203.0.113.1)" -ge "$1" ] &&
	[ "$(nhs_field "$s5" sent 192.0.2.4)" -ge "$1" ]
}
reg_sent()
{
	local a b got cap=$TMPDIR/silent.pcap
	n "$s5" ip link add dmvpn0 type dmvpn local 192.0.2.5 registration-timeout 2 \
		nhs dynamic nbma 203.0.113.1 nhs dynamic nbma 192.0.2.4 &&
	n "$s5" ip addr add 10.0.0.5/24 dev dmvpn0 || return 1
	snap "$s5"
	nhrp_capture_start "$evil" eth0 "$cap" || return 1
	n "$s5" ip link set dmvpn0 up || return 1
	wait_for 15 sent_ge 3 || { echo "# not 3 attempts each"; return 1; }
	# Down: no more attempts (the NHS works are cancelled).
	n "$s5" ip link set dmvpn0 down || return 1
	a=$(nhs_field "$s5" sent 203.0.113.1); b=$(nhs_field "$s5" sent 192.0.2.4)
	echo "# attempts: $a to 203.0.113.1 (no route), $b to 192.0.2.4 (silent)"
	moved "$s5" nhrp-reg-sent:$((a + b)) nhrp-tx-error:"$a" nhrp-tx:"$b" ||
		why "$s5" nhrp-reg-sent:$((a + b)) nhrp-tx-error:"$a" nhrp-tx:"$b" || return 1
	nhrp_capture_wait_nhrp 10 "$cap" "$b"
	nhrp_capture_stop "$cap"
	# Exactly those, all from $s5 to the silent NHS, retransmissions of one
	# request: "SRC DST TYPE ID" lines, all the same, b of them.
	got=$("$PY" -S "$FORGE_PY" --read "$cap" | cut -d' ' -f1-4 | sort | uniq -c | xargs)
	echo "# on the wire: $got"
	[[ $got =~ ^$b\ 192\.0\.2\.5\ 192\.0\.2\.4\ 3\ [0-9]+$ ]]
}
run_test "nhrp-reg-sent and nhrp-tx-error: every attempt counted, exactly the routable ones on the wire" reg_sent

ktap_finish
