#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# NHRP timers against the figures of Documentation/dmvpn.rst, timed on the
# wire (tcpdump, decoded by tshark) and on dmvpnctl monitor (each event
# stamped when it is read):
#
#  1. an unanswered registration is sent again after 1, 2, 4, 8 s, capped
#     at the registration interval (registration-timeout 10), always with
#     the same request id;
#  2. four unanswered requests in a row mark the NHS down: probing, then
#     one nhs-down event after exactly four requests, none answered, no
#     code;
#  3. ... when the fifth is due: 1 + 2 + 4 + 8 = 15 s after the first;
#  4. a refusal (unique address held by another NBMA) marks it down at
#     once: nhs-down with last-code 14, after one request and its reply;
#  5. a registered spoke that dies is expired at the hub at its holding
#     time (holdtime 8), one entry-expired event;
#  6. a negative answer is cached for 15 s while traffic goes on through
#     the NHS, and only then is the destination resolved again;
#  7. a resolution never answered is sent at 0, 1, 3, 7, 14, 21 and 28 s
#     (retried after 1, 2, 4, then every 7 s): seven requests with one
#     request id, then given up (entry removed) at 30 s;
#  8. at most 1024 resolutions pending: res-pending-full counts exactly the
#     destinations beyond them.
#
# The slow cases wait concurrently: every spoke is set up and started
# first (the longest, $e, first of all), then each case collects its own
# result.
#
#              +------------------------ $inet (br0) -------------------------+
#              |         |          |          |          |          |
#   192.0.2.1  |       .2|        .3|        .4|        .5|        .6|
#        +-----+----+ +--+-----+ +--+-----+ +--+-----+ +--+-----+ +--+-----+
#        |    $h    | |   $a   | |  $b2   | |   $c   | |   $d   | |   $e   |
#        | hub      | | spoke  | | spoke  | | spoke  | | spoke  | | spoke  |
#        | drops    | | (1-3), | | claims | | hold-  | | pings  | | pings  |
#        | GRE from | | then   | | $d's   | | time 8,| | 10.0.  | | 10.0.  |
#        | .2, and  | | 1100   | | address| | dies   | | 0.50   | | 0.60   |
#        | type 1   | | dests  | | (4)    | | (5)    | | (6)    | | once   |
#        | from .6  | | (8)    | |        | |        | |        | | (7)    |
#        +----------+ +--------+ +--------+ +--------+ +--------+ +--------+
#   dmvpn0 10.0.0.1/24 10.0.0.2   10.0.0.5   10.0.0.4   10.0.0.5   10.0.0.6
#
# Every spoke has "nhs dynamic nbma 192.0.2.1". Entries at the hub that
# outlive the test: $d's and $e's (holding time 7200).
set -u
source "$(dirname "$0")/lib.sh"

require_cmd ip ping jq tcpdump tshark iptables-legacy python3 awk
load_dmvpn

h=$(ns_name h); a=$(ns_name a); b2=$(ns_name b2)
c=$(ns_name c); d=$(ns_name d); e=$(ns_name e)
topo_create "$h" "$a" "$b2" "$c" "$d" "$e"
# No IPv6 on the tunnels (made from now on): one registration per request
# round, and no MLD or router solicitation in the captures and counters.
for i in $(seq 1 6); do
	n "$(topo_site "$i")" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done

# Helpers (candidates for lib.sh):
#   stamp                    prefix each line of stdin with $EPOCHREALTIME
#   mon_start NS FILE        dmvpnctl -j monitor (every device of NS) into
#                            FILE, each line stamped; returns once joined
#   mon_json FILE            the events of FILE as {"t": stamp, "e": event}
#   nhrp_tab FILE            after nhrp_capture_check: FILE.tab in $TMPDIR,
#                            per NHRP packet: epoch, outer source, outer
#                            destination, type, request id, first CIE code,
#                            destination protocol address (tab-separated)
#   tab_times TAB SRC DST TYPE   epochs of those packets, one a line
#   gaps "X Y ..."           the epochs on stdin are exactly one more than
#                            the gaps listed, each gap within [0.8 X,
#                            1.5 X + 0.5] s (the VM can be 3x slower)
#   since A B                A - B, 3 decimals
#   within V LO HI           LO <= V <= HI (decimals)
#   nhrp_type_times FILE TYPE    epochs of the NHRP packets of TYPE in a
#                            capture, even one still running (tcpdump, no
#                            decode; IPv4, no GRE key)
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }

mon_start()
{
	ip netns exec "$1" "$DMVPNCTL" -j monitor > >(stamp > "$2") 2> "$2.err" &
	wait_for 10 subscribed "$1" "$!" ||
		{ echo "# monitor in $1 did not subscribe: $(cat "$2.err")"; return 1; }
}

mon_json()
{
	awk '{ i = index($0, " ")
	       printf "{\"t\":%s,\"e\":%s}\n", substr($0, 1, i - 1), substr($0, i + 1) }' "$1"
}

nhrp_tab()
{
	awk '
		function attr(name) {
			if (!match($0, name "=\"[^\"]*\""))
				return ""
			return substr($0, RSTART + length(name) + 2,
				      RLENGTH - length(name) - 3)
		}
		/^<packet>/ { t = src = dst = type = id = code = dp = ""; has = 0 }
		/<field name="frame.time_epoch"/ { t = attr("show") }
		/<field name="ip.src"/ && src == "" { src = attr("show") }
		/<field name="ip.dst"/ && dst == "" { dst = attr("show") }
		/<proto name="nhrp"/ { has = 1 }
		/<field name="nhrp.hdr.op.type"/ && type == "" { type = attr("show") }
		/<field name="nhrp.reqid"/ && id == "" { id = attr("show") }
		/<field name="nhrp.code"/ && code == "" { code = attr("show") }
		/<field name="nhrp.dst.prot.addr"/ && dp == "" { dp = attr("show") }
		/^<\/packet>/ && has {
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, src, dst, type,
				id, code, dp
		}' "$TMPDIR/${1##*/}.pdml" > "$TMPDIR/${1##*/}.tab"
}

tab_times()
{
	awk -F'\t' -v s="$2" -v d="$3" -v ty="$4" \
		'$2 == s && $3 == d && $4 == ty { print $1 }' "$1"
}

gaps()
{
	awk -v want="$1" '
		BEGIN { n = split(want, w, " ") }
		{ t[NR] = $1 }
		END {
			rc = NR != n + 1
			if (rc)
				printf "# WRONG: %d packets, want %d\n", NR, n + 1
			for (i = 1; i < NR || i <= n; i++) {
				g = i < NR ? sprintf("%.3f s", t[i + 1] - t[i]) : "none"
				if (i > n) {
					printf "# after packet %d: %s (none documented)\n", i, g
					continue
				}
				lo = 0.8 * w[i]
				hi = 1.5 * w[i] + 0.5
				ok = i < NR && t[i + 1] - t[i] >= lo && t[i + 1] - t[i] <= hi
				printf "# after packet %d: %s (documented %s s, %.1f..%.1f)%s\n",
					i, g, w[i], lo, hi, ok ? "" : " WRONG"
				if (!ok)
					rc = 1
			}
			exit rc
		}'
}

since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a - b }'; }
within() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }

nhrp_type_times()
{
	tcpdump -tt -nn -r "$1" "ip proto 47 and ip[((ip[0] & 0xf) << 2) + 2:2] = 0x2001 and
		ip[((ip[0] & 0xf) << 2) + 21] = $2" 2>/dev/null | awk '{ print $1 }'
}

# Why a setup step below failed; the case that depends on it reports it.
setup_err() { echo "$*" >> "$TMPDIR/setup.$1"; }
setup_ok() # GROUP: nothing went wrong while starting GROUP
{
	[ ! -s "$TMPDIR/setup.$1" ] && return 0
	sed 's/^/# setup: /' "$TMPDIR/setup.$1"
	return 1
}

# --- Start every group; the clocks of the timed cases run from here. ---

# The hub. GRE from $a never reaches it; Resolution Requests (NHRP type
# 1) from $e neither. It sees everything else.
hub_up "$h" 192.0.2.1 10.0.0.1/24 || { echo "# hub"; exit "$KSFT_FAIL"; }
if ! n "$h" iptables-legacy -A INPUT -s 192.0.2.2 -p gre -j DROP ||
   ! n "$h" iptables-legacy -A INPUT -s 192.0.2.6 -p gre -m u32 --u32 \
	"0>>22&0x3C@0&0xFFFF=0x2001 && 0>>22&0x3C@20>>16&0xFF=1" -j DROP; then
	echo "# iptables in the hub"
	exit "$KSFT_FAIL"
fi
mon_start "$h" "$TMPDIR/h.mon" || setup_err c "monitor h"

# (7) $e, registered, resolves 10.0.0.60 and never hears back. It
# refreshes every 2 s: the marker that closes the window of the case.
nhrp_capture_start "$e" eth0 "$TMPDIR/e.pcap" || setup_err e "capture e"
spoke_up "$e" 192.0.2.6 10.0.0.6/24 192.0.2.1 registration-timeout 2 ||
	setup_err e "spoke e"

# (1-3) $a registers with a hub that never hears it.
mon_start "$a" "$TMPDIR/a.mon" || setup_err a "monitor a"
nhrp_capture_start "$a" eth0 "$TMPDIR/a.pcap" || setup_err a "capture a"
n "$a" ip link add dmvpn0 type dmvpn local 192.0.2.2 registration-timeout 10 \
	nhs dynamic nbma 192.0.2.1 || setup_err a "spoke a"
n "$a" ip addr add 10.0.0.2/24 dev dmvpn0 || setup_err a "spoke a address"
# Configured, not yet up: an NHS starts probing.
[ "$(nhs_field "$a" state)" = probing ] || setup_err a "state before up: $(nhs_field "$a" state)"
n "$a" ip link set dmvpn0 up || setup_err a "spoke a up"

# (6) $d resolves 10.0.0.50, which nobody has: the hub answers negatively.
mon_start "$d" "$TMPDIR/d.mon" || setup_err d "monitor d"
nhrp_capture_start "$d" eth0 "$TMPDIR/d.pcap" || setup_err d "capture d"
spoke_up "$d" 192.0.2.5 10.0.0.5/24 192.0.2.1 || setup_err d "spoke d"

# (5) $c registers with holding time 8 (refreshed every 2 s), then dies.
nhrp_capture_start "$c" eth0 "$TMPDIR/c.pcap" || setup_err c "capture c"
spoke_up "$c" 192.0.2.4 10.0.0.4/24 192.0.2.1 holdtime 8 || setup_err c "spoke c"

# The stimuli, each as soon as its spoke is registered.
if wait_for 20 registered "$h" 10.0.0.6 192.0.2.6; then
	# One packet: the resolution it starts is all that happens for it.
	ping_run "$e" 10.0.0.60 1 -W 1
	[ "$PING_TX" -eq 1 ] || setup_err e "ping: $PING_STATS"
	[ "$(entry "$e" 10.0.0.60 type)" = incomplete ] ||
		setup_err e "no incomplete entry for 10.0.0.60"
	# Watch the entry until it goes; note any other type it takes.
	(
		end=$((SECONDS + 90))
		while [ $SECONDS -lt $end ]; do
			l=$(n "$e" "$DMVPNCTL" cache dmvpn0 | grep -P '^dmvpn0\t10\.0\.0\.60\t32\t')
			[ -n "$l" ] || { echo "$EPOCHREALTIME" > "$TMPDIR/e.gone"; break; }
			t=$(cut -f5 <<< "$l")
			[ "$t" = incomplete ] || echo "$t" >> "$TMPDIR/e.types"
			sleep 0.2
		done
	) &
	e_watch=$!
else
	setup_err e "spoke e did not register"
fi

if wait_for 20 registered "$h" 10.0.0.5 192.0.2.5; then
	# 40 pings, 0.5 s apart: traffic all through the negative entry's
	# lifetime and the next resolution, ending well before the second
	# negative entry expires (no third request).
	ip netns exec "$d" ping -c 40 -i 0.5 -W 1 10.0.0.50 > "$TMPDIR/d.ping" 2>&1 &
	d_ping=$!
else
	setup_err d "spoke d did not register"
fi

if wait_for 20 registered "$h" 10.0.0.4 192.0.2.4; then
	# Dies: the device goes, without withdrawing (no purge).
	n "$c" ip link del dmvpn0 || setup_err c "ip link del"
else
	setup_err c "spoke c did not register"
fi

# (4) $b2 claims 10.0.0.5, which $d holds (unique, the default).
mon_start "$b2" "$TMPDIR/b2.mon" || setup_err b "monitor b2"
ip netns exec "$b2" "$DMVPNCTL" monitor > "$TMPDIR/b2.txt" 2>&1 &
wait_for 10 subscribed "$b2" "$!" || setup_err b "text monitor b2"
n "$b2" ip link add dmvpn0 type dmvpn local 192.0.2.3 \
	nhs dynamic nbma 192.0.2.1 || setup_err b "spoke b2"
n "$b2" ip addr add 10.0.0.5/24 dev dmvpn0 || setup_err b "spoke b2 address"
[ "$(nhs_field "$b2" state)" = probing ] ||
	setup_err b "b2 state before up: $(nhs_field "$b2" state)"
registered "$h" 10.0.0.5 192.0.2.5 || setup_err b "10.0.0.5 not held by d"
n "$b2" ip link set dmvpn0 up || setup_err b "spoke b2 up"

ktap_plan 8

# $a's capture, decoded once (cases 1 to 3 share it), after six
# registration requests (the sixth goes 25 s after the first).
a_decoded()
{
	local cap=$TMPDIR/a.pcap
	[ -s "$cap.tab" ] && return 0
	nhrp_capture_wait_nhrp 60 "$cap" 6 ||
		{ echo "# $(nhrp_capture_nhrp "$cap") NHRP packets from a"; return 1; }
	nhrp_capture_stop "$cap"
	# Nothing ever answers: six requests, to the NHS, nothing else.
	nhrp_capture_check "$cap" "192.0.2.2,192.0.2.1,3:6" || return 1
	nhrp_tab "$cap"
}
a_req() { tab_times "$TMPDIR/a.pcap.tab" 192.0.2.2 192.0.2.1 3 | sed -n "$1p"; }	# N
a_down() { mon_json "$TMPDIR/a.mon" | jq -c 'select(.e.event == "nhs-down")'; }

backoff()
{
	local tab=$TMPDIR/a.pcap.tab ids id
	setup_ok a && a_decoded || return 1
	# Documented: again after 1, 2, 4, ... 64 s, never longer than the
	# registration interval (registration-timeout 10).
	tab_times "$tab" 192.0.2.2 192.0.2.1 3 | gaps "1 2 4 8 10" || return 1
	ids=$(cut -f5 "$tab" | sort -u)
	id=$(printf '0x%08x' "$(nhs_field "$a" request-id)")
	echo "# request ids on the wire: $(cut -f5 "$tab" | tr '\n' ' ')(NHS: $id)"
	[ "$(wc -l <<< "$ids")" -eq 1 ] && [ "$ids" = "$id" ] && [ "$id" != 0x00000000 ]
}
run_test "registration retransmits after 1, 2, 4, 8, then 10 s (the interval), one request id" backoff

timeout_down()
{
	local down
	setup_ok a && a_decoded || return 1
	down=$(a_down)
	echo "# events: $(cut -d' ' -f2- "$TMPDIR/a.mon" | jq -r .event | tr '\n' ' ')"
	# The only event: no nhs-up, one nhs-down.
	[ "$(wc -l < "$TMPDIR/a.mon")" -eq 1 ] && [ "$(wc -l <<< "$down")" -eq 1 ] || return 1
	echo "# $(jq -c '.e | {nbma, state, sent, replies, "last-code"}' <<< "$down")"
	# Four requests in a row without an answer; no reply, so no code.
	jq -e '.e | .nbma == "192.0.2.1" and .proto == "dynamic" and
		.state == "down" and .sent == 4 and .replies == 0 and
		."last-code" == 0' <<< "$down" >/dev/null || return 1
	[ "$(nhs_field "$a" state)" = down ] &&
	[ "$(nhs_field "$a" last-code)" = 0 ] &&
	awk -v a="$(jq -r .t <<< "$down")" -v b="$(a_req 4)" 'BEGIN { exit !(a > b) }'
}
run_test "four unanswered requests: probing -> down, one nhs-down, no code" timeout_down

down_time()
{
	local t
	setup_ok a && a_decoded && [ -n "$(a_down)" ] || return 1
	t=$(since "$(jq -r .t <<< "$(a_down)")" "$(a_req 1)")
	echo "# down $t s after the first request; the 4th went at" \
	     "$(since "$(a_req 4)" "$(a_req 1)") s, the 5th at $(since "$(a_req 5)" "$(a_req 1)") s"
	# Documented: down when the fifth is due, 1 + 2 + 4 + 8 = 15 s.
	within "$t" 14 22
}
run_test "NHS down 15 s after the first unanswered request (when the 5th is due)" down_time

refused_down()
{
	local down
	setup_ok b || return 1
	wait_for 15 grep -q '"nhs-down"' "$TMPDIR/b2.mon" ||
		{ echo "# no nhs-down on b2: $(nhs_field "$b2" state)"; return 1; }
	wait_for 5 grep -q '^nhs-down ' "$TMPDIR/b2.txt" || return 1
	down=$(mon_json "$TMPDIR/b2.mon" | jq -c 'select(.e.event == "nhs-down")')
	echo "# $(jq -c '.e | {nbma, state, sent, replies, "last-code"}' <<< "$down")"
	echo "# $(grep '^nhs-down ' "$TMPDIR/b2.txt")"
	# The first reply refuses: down at once with its CIE code, 14.
	[ "$(wc -l < "$TMPDIR/b2.mon")" -eq 1 ] &&
	jq -e '.e | .nbma == "192.0.2.1" and .state == "down" and
		.sent == 1 and .replies == 1 and ."last-code" == 14' \
		<<< "$down" >/dev/null &&
	[ "$(grep -c . "$TMPDIR/b2.txt")" -eq 1 ] &&
	grep -qx 'nhs-down dmvpn0 nbma 192\.0\.2\.1 proto dynamic last-code 14' "$TMPDIR/b2.txt" &&
	[ "$(nhs_field "$b2" last-code)" = 14 ] || return 1
	# The binding stays with its holder.
	registered "$h" 10.0.0.5 192.0.2.5
}
run_test "refused (unique address of another NBMA): down at once, nhs-down last-code 14" refused_down

dead_spoke()
{
	local cap=$TMPDIR/c.pcap exp tl tx nreg
	setup_ok c || return 1
	wait_for 30 grep -q '"entry-expired"' "$TMPDIR/h.mon" ||
		{ echo "# the hub still has: $(entry "$h" 10.0.0.4 type)"; return 1; }
	nhrp_capture_stop "$cap"
	# Registered, refreshed every 2 s until it died (how often depends on
	# the VM's speed), each answered; no purge: it just died.
	nreg=$(nhrp_type_times "$cap" 3 | wc -l)
	nhrp_capture_check "$cap" "192.0.2.4,192.0.2.1,3:$nreg 192.0.2.1,192.0.2.4,4:$nreg" &&
	nhrp_capture_answered "$cap" 3 || return 1
	nhrp_tab "$cap"
	tl=$(tab_times "$TMPDIR/c.pcap.tab" 192.0.2.4 192.0.2.1 3 | tail -n 1)
	exp=$(mon_json "$TMPDIR/h.mon" | jq -c 'select(.e.event == "entry-expired")')
	tx=$(jq -r .t <<< "$exp")
	echo "# $(jq -c '.e | {proto, prefixlen, nbma, type}' <<< "$exp")," \
	     "$(since "$tx" "$tl") s after the last of $nreg registrations"
	# The hub's other entries hold for 7200 s: this is the only expiry.
	[ "$(wc -l <<< "$exp")" -eq 1 ] &&
	jq -e '.e | .proto == "10.0.0.4" and .prefixlen == 32 and
		.nbma == "192.0.2.4" and .type == "dynamic"' <<< "$exp" >/dev/null &&
	[ -z "$(entry "$h" 10.0.0.4 type)" ] &&
	within "$(since "$tx" "$tl")" 7.75 12.5
}
run_test "dead spoke expired at the hub at its holding time (8 s), one entry-expired" dead_spoke

negative()
{
	local cap=$TMPDIR/d.pcap tab=$TMPDIR/d.pcap.tab ev seq codes k1 r2 i t0 t1
	setup_ok d || return 1
	wait_for 40 exited "$d_ping" || { echo "# ping still running"; return 1; }
	nhrp_capture_stop "$cap"
	# One registration (holding time 7200: no refresh); two resolutions,
	# each answered negatively by the hub.
	nhrp_capture_check "$cap" "192.0.2.5,192.0.2.1,3:1 192.0.2.1,192.0.2.5,4:1
		192.0.2.5,192.0.2.1,1:2 192.0.2.1,192.0.2.5,2:2" &&
	nhrp_capture_answered "$cap" 1 3 || return 1
	nhrp_tab "$cap"
	codes=$(awk -F'\t' '$4 == 2 { print $6 }' "$tab" | sort -u)
	if [ -z "$codes" ] || [ "$codes" = 0 ]; then
		echo "# resolution reply codes: $codes"
		return 1
	fi
	k1=$(tab_times "$tab" 192.0.2.1 192.0.2.5 2 | sed -n 1p)
	r2=$(tab_times "$tab" 192.0.2.5 192.0.2.1 1 | sed -n 2p)
	ev=$(mon_json "$TMPDIR/d.mon" | jq -c 'select(.e.proto == "10.0.0.50")')
	jq -r '"#   \(.t) \(.e.event) \(.e.type) expires \(.e.expires)"' <<< "$ev"
	# A negative entry, its expiry, the second one (whose own expiry may
	# have come by now, 15 s later: it carries no traffic).
	seq=$(jq -r '.e.event + " " + .e.type' <<< "$ev" | tr '\n' ,)
	case $seq in
	"entry-new negative,entry-expired negative,entry-new negative,") ;;
	"entry-new negative,entry-expired negative,entry-new negative,entry-expired negative,") ;;
	*) echo "# events: $seq"; return 1 ;;
	esac
	jq -s -e 'map(select(.e.event == "entry-new") | .e.expires) |
		all(. >= 14 and . <= 15)' <<< "$ev" >/dev/null || return 1
	# Each lived 15 s, from its answer to its expiry.
	for i in 1 2; do
		t0=$(jq -r 'select(.e.event == "entry-new") | .t' <<< "$ev" | sed -n "${i}p")
		t1=$(jq -r 'select(.e.event == "entry-expired") | .t' <<< "$ev" | sed -n "${i}p")
		[ -n "$t1" ] || continue
		echo "# negative entry $i lived $(since "$t1" "$t0") s"
		within "$(since "$t1" "$t0")" 14.9 23 || return 1
	done
	echo "# second request $(since "$r2" "$k1") s after the first negative reply"
	# Every packet went through the NHS; each NAK is counted.
	echo "# ping: $(grep 'packets transmitted' "$TMPDIR/d.ping");" \
	     "tx-via-nhs $(counter "$d" tx-via-nhs), res-sent $(counter "$d" nhrp-res-sent)," \
	     "res-nak $(counter "$d" nhrp-res-nak) (hub: $(counter "$h" nhrp-res-nak))"
	grep -q '^40 packets transmitted' "$TMPDIR/d.ping" &&
	[ "$(counter "$d" tx-via-nhs)" -eq 40 ] &&
	[ "$(counter "$d" nhrp-res-sent)" -eq 2 ] &&
	[ "$(counter "$d" nhrp-res-nak)" -eq 2 ] &&
	[ "$(counter "$h" nhrp-res-nak)" -eq 2 ] &&
	within "$(since "$r2" "$k1")" 14.9 23
}
run_test "negative answer cached 15 s, resolved again only after it expired" negative

# The spoke's NHRP still ran after T (the time the eighth request would
# have been due): it sent a registration request (every 2 s) later.
reg_after() { nhrp_type_times "$1" 3 | awk -v t="$2" '$1 > t { f = 1 } END { exit !f }'; }

give_up()
{
	local cap=$TMPDIR/e.pcap tab=$TMPDIR/e.pcap.tab t1 gone ids nreg rc
	setup_ok e || return 1
	wait_for 60 test -s "$TMPDIR/e.gone" ||
		{ echo "# 10.0.0.60 still $(entry "$e" 10.0.0.60 type)"; return 1; }
	t1=$(nhrp_type_times "$cap" 1 | sed -n 1p)
	[ -n "$t1" ] || { echo "# no resolution request captured"; return 1; }
	wait_for 30 reg_after "$cap" "$(awk -v t="$t1" 'BEGIN { printf "%.6f", t + 36 }')" ||
		{ echo "# no registration after the window"; return 1; }
	nhrp_capture_stop "$cap"
	# Refreshes every 2 s, each answered (the last one's reply may come
	# after the capture stopped); their number depends on the VM's speed.
	nreg=$(nhrp_type_times "$cap" 3 | wc -l)
	nhrp_capture_check "$cap" "192.0.2.6,192.0.2.1,1:7
		192.0.2.6,192.0.2.1,3:$nreg 192.0.2.1,192.0.2.6,4:$((nreg - 1))-$nreg" &&
	nhrp_capture_answered "$cap" 3
	rc=$?
	nhrp_tab "$cap"
	# Documented: retried after 1, 2, 4, then every 7 s.
	tab_times "$tab" 192.0.2.6 192.0.2.1 1 | gaps "1 2 4 7 7 7" && [ "$rc" -eq 0 ] || return 1
	ids=$(awk -F'\t' '$4 == 1 { print $5 " " $7 }' "$tab" | sort -u)
	gone=$(cat "$TMPDIR/e.gone")
	echo "# requests (id, target): $ids; entry gone $(since "$gone" "$t1") s after" \
	     "the first; res-sent $(counter "$e" nhrp-res-sent)"
	[ ! -s "$TMPDIR/e.types" ] || { echo "# entry became: $(sort -u "$TMPDIR/e.types")"; return 1; }
	[ "$(wc -l <<< "$ids")" -eq 1 ] && [ "${ids#* }" = 10.0.0.60 ] &&
	[ "$(counter "$e" nhrp-res-sent)" -eq 7 ] &&
	within "$(since "$gone" "$t1")" 29.75 45.5
}
run_test "unanswered resolution: 7 requests (1, 2, 4, 7, 7, 7 s apart), given up at 30 s" give_up

# (8) Alone, after the timed cases: 1100 destinations at once load the VM.
# $a again, a new device; the hub still never hears it.
pending_full()
{
	local inc
	spoke_up "$a" 192.0.2.2 10.0.0.2/24 192.0.2.1 || return 1
	# On-link through the tunnel: every destination is its own next hop.
	n "$a" ip route add 10.99.0.0/16 dev dmvpn0 || return 1
	# One datagram to each of 1100 distinct addresses, none resolved:
	# 1024 resolutions pending, 76 refused.
	n "$a" python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1, 1101):
    s.sendto(b"x", ("10.99.%d.%d" % (i >> 8, i & 255), 9))
' || return 1
	inc=$(n "$a" "$DMVPNCTL" cache dmvpn0 | awk -F'\t' '$5 == "incomplete"' | wc -l)
	echo "# 1100 destinations: $inc incomplete, res-pending-full" \
	     "$(counter "$a" res-pending-full), tx-via-nhs $(counter "$a" tx-via-nhs)," \
	     "tx-no-entry $(counter "$a" tx-no-entry)"
	[ "$inc" -eq 1024 ] &&
	[ "$(counter "$a" res-pending-full)" -eq 76 ] &&
	[ "$(counter "$a" tx-via-nhs)" -eq 1100 ] &&
	[ "$(counter "$a" tx-no-entry)" -eq 0 ] || return 1
	n "$a" ip link del dmvpn0
}
run_test "1100 unresolved destinations: 1024 pending, res-pending-full +76" pending_full

[ -n "${e_watch:-}" ] && kill "$e_watch" 2>/dev/null
ktap_finish
