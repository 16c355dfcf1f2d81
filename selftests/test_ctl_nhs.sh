#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The userspace surface of the NHRP engine: NHS lists through ip link and
# dmvpnctl, refusals with the kernel's explanation, every counter of the
# header in dmvpnctl stats, dmvpnctl's output for people (a terminal, -p)
# and for scripts (a pipe: the dump), and dmvpnctl monitor seeing a real
# registration, and a withdrawal and a new registration in order.
#
#   $cfg: lone namespace, eth0 (dummy) 192.0.2.2/24: configuration only
#
#                    +------------------- $inet -------------------+
#                    |                  bridge br0                 |
#                    +-----+-----------------+-----------------+---+
#                          |                 |                 |
#   underlay   192.0.2.1   |      192.0.2.2  |      192.0.2.3  |
#                    +-----+--+        +-----+--+        +-----+---+
#                    |  $hub  |        | $spoke |        | $spoke2 |
#                    +--------+        +--------+        +---------+
#   dmvpn0:          10.0.0.1/24       10.0.0.2/24       10.0.0.3/24
#   nhs:                               10.0.0.1          dynamic
#                                      nbma 192.0.2.1    nbma 192.0.2.1
set -u
source "$(dirname "$0")/lib.sh"
require_cmd ip jq awk script unshare
load_dmvpn
[ -f "$IP_LIB_DIR/link_dmvpn.so" ] || skip_all "iproute2 plugin not built"

cfg=$(ns_name cfg)
ip -n "$cfg" link add eth0 type dummy
ip -n "$cfg" addr add 192.0.2.2/24 dev eth0
ip -n "$cfg" link set eth0 up

info() { n "$1" ip -d -j link show "$2" | jq -c '.[0].linkinfo.info_data'; }
# The NHS list as ip link shows it, priority 0 spelled out.
link_nhs()
{
	info "$1" "$2" | jq -c '[.nhs // [] | .[] | {proto, nbma, priority: (.priority // 0)}]'
}
ctl_nhs()
{
	n "$1" "$DMVPNCTL" -j nhs "$2" | jq -c '[.[] | {proto, nbma, priority}]'
}

ktap_plan 10

create()
{
	n "$cfg" ip link add d0 type dmvpn local 192.0.2.2 \
		nhs 10.0.0.1 nbma 192.0.2.1 \
		nhs dynamic nbma 192.0.2.9 priority 2 \
		max-send 50 max-send-interval 5 || return 1
	local want='[{"proto":"10.0.0.1","nbma":"192.0.2.1","priority":0},{"proto":"dynamic","nbma":"192.0.2.9","priority":2}]'
	local got
	got=$(link_nhs "$cfg" d0)
	echo "# nhs: $got"
	[ "$got" = "$want" ] &&
	[ "$(info "$cfg" d0 | jq -c '[.max_send, .max_send_interval]')" = '[50,5]' ]
}
run_test "ip link add with two NHS and max-send reads back in JSON" create

paste_back()
{
	local line ns2
	line=$(n "$cfg" ip -d link show d0 | sed -n 's/^ *dmvpn //p' |
		sed -e 's/ addrgenmode .*//' -e 's/ numtxqueues .*//')
	echo "# $line"
	[ -n "$line" ] || return 1
	ns2=$(ns_name paste)
	# shellcheck disable=SC2086 # the printed keywords, word by word
	n "$ns2" ip link add d0 type dmvpn $line || return 1
	[ "$(info "$ns2" d0 | jq -S -c 'del(.auth)')" = \
	  "$(info "$cfg" d0 | jq -S -c 'del(.auth)')" ]
}
run_test "ip -d link show output pastes back as the same configuration" paste_back

ctl_list()
{
	local j
	j=$(n "$cfg" "$DMVPNCTL" -j nhs d0) || return 1
	echo "# $(jq -c '.[1]' <<< "$j")"
	[ "$(ctl_nhs "$cfg" d0)" = "$(link_nhs "$cfg" d0)" ] &&
	jq -e 'length == 2 and all(.[]; (.state | IN("probing", "up", "down")) and
		(.sent | type == "number") and (.replies | type == "number") and
		.dev == "d0")' <<< "$j" >/dev/null &&
	n "$cfg" "$DMVPNCTL" -p nhs d0 | grep -q '^192\.0\.2\.9 *dynamic *2 '
}
run_test "dmvpnctl nhs lists both with state and counters" ctl_list

# on_tty CMD...: CMD with its stdout on a pseudo-terminal (script(1)), CR
# dropped. The guest mounts no devpts: a private one in a mount namespace.
on_tty()
{
	local out
	# shellcheck disable=SC2016 # expanded by the inner shell
	out=$(unshare -m bash -c 'mountpoint -q /dev/pts ||
		{ mkdir -p /dev/pts &&
		  mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
		  mount --bind /dev/pts/ptmx /dev/ptmx; } || exit 1
		exec script -qec "$*" /dev/null' on_tty "$@" 2>&1) || return 1
	printf '%s\n' "${out//$'\r'/}"
}

# untimed KIND=COLS...: the dump on stdin with the fields COLS (times,
# which tick between two calls) of lines whose 2nd field is KIND (* any)
# replaced by T when they are a number or "-".
untimed()
{
	awk -F'\t' -v OFS='\t' -v spec="$*" '
		BEGIN { ns = split(spec, s, " ") }
		{
			for (k = 1; k <= ns; k++) {
				split(s[k], kv, "=")
				if (kv[1] != "*" && kv[1] != $2)
					continue
				nc = split(kv[2], c, ",")
				for (i = 1; i <= nc; i++)
					if ($c[i] ~ /^([0-9]+|-)$/)
						$c[i] = "T"
			}
			print
		}'
}

# The dump, as dmvpnctl(8) documents it: per object the -j values in this
# order, "-" for an absent one, joined by tabs.
tsv='map(if . == null or . == "" then "-" else tostring end) | join("\t")'
nhs_f='.nbma, .proto, .priority, .state, .uptime, .expires, ."request-id",
	."last-code", ."nat-nbma", ."learned-proto", .sent, .replies'
entry_f='.proto, .prefixlen, .nbma, .type,
	(.flags | if length > 0 then join(",") else "-" end), .expires, .age,
	."nbma-claimed", .via, .mtu'
declare -A dump_jq=(
	[nhs]=".[] | [.dev, $nhs_f] | $tsv"
	[cache]=".[] | [.dev, $entry_f] | $tsv"
	[peers]='.[] | [.dev, .nbma, ."rx-packets", ."rx-bytes", ."tx-packets",
		."tx-bytes", .pmtu, .age, .entries] | '"$tsv"
	[stats]=".dev as \$d | del(.dev) | to_entries[] | [\$d, .key, .value] | $tsv"
	[show]='.[] | .ifname as $d |
		[$d, "interface", .type, (.nhs | length),
		 ([.nhs[] | select(.state == "up")] | length),
		 ([.peers[] | select(.nbma != null)] | length),
		 ([.peers[].entries[]] | length)],
		(.nhs[] | [$d, "nhs", '"$nhs_f"']),
		(.peers[].entries[] | [$d, "entry", '"$entry_f"', .state, .attrs])
		| '"$tsv"
)
declare -A dump_times=([nhs]='*=6,7' [cache]='*=7,8' [peers]='*=8'
	[stats]='' [show]='nhs=7,8 entry=8,9')

dump_format()
{
	local c got want ok=0 tty
	for c in nhs cache peers stats show; do
		got=$(n "$cfg" "$DMVPNCTL" "$c" d0 | untimed "${dump_times[$c]}")
		want=$(n "$cfg" "$DMVPNCTL" -j "$c" d0 | jq -r "${dump_jq[$c]}" |
			untimed "${dump_times[$c]}")
		echo "# $c: $(wc -l <<< "$got") lines, e.g. $(head -1 <<< "$got" | tr '\t' '|')"
		if [ -z "$want" ] || [ "$got" != "$want" ]; then
			echo "# $c: dump differs from -j:"
			diff <(echo "$want") <(echo "$got") | sed 's/^/#   /'
			ok=1
		fi
	done
	# A person gets the layout made for people, with or without a pipe.
	tty=$(on_tty ip netns exec "$cfg" "$DMVPNCTL" nhs d0) ||
		{ echo "# no pseudo-terminal: $tty"; return 1; }
	grep -q '^192\.0\.2\.9 *dynamic *2 ' <<< "$tty" || ok=1
	tty=$(on_tty ip netns exec "$cfg" "$DMVPNCTL" show d0)
	[ "$(head -1 <<< "$tty")" = "$(n "$cfg" "$DMVPNCTL" -p show d0 | head -1)" ] &&
		grep -q '^Legend:' <<< "$tty" || ok=1
	! n "$cfg" "$DMVPNCTL" show d0 | grep -q 'Legend' || ok=1
	return $ok
}
run_test "not a terminal: one tab-separated line per object, as -j; a terminal or -p: the layout for people" dump_format

ctl_change()
{
	n "$cfg" "$DMVPNCTL" nhs del d0 192.0.2.9 || return 1
	n "$cfg" "$DMVPNCTL" nhs add d0 10.0.0.5 192.0.2.5 priority 7 || return 1
	local want='[{"proto":"10.0.0.1","nbma":"192.0.2.1","priority":0},{"proto":"10.0.0.5","nbma":"192.0.2.5","priority":7}]'
	local a b
	a=$(ctl_nhs "$cfg" d0 | jq -c 'sort_by(.nbma)')
	b=$(link_nhs "$cfg" d0 | jq -c 'sort_by(.nbma)')
	echo "# dmvpnctl: $a"
	echo "# ip link:  $b"
	[ "$a" = "$want" ] && [ "$b" = "$want" ] || return 1
	n "$cfg" ip link set d0 type dmvpn nonhs || return 1
	[ "$(ctl_nhs "$cfg" d0)" = '[]' ] && [ "$(link_nhs "$cfg" d0)" = '[]' ]
}
run_test "nhs del/add and nonhs change the one list both tools show" ctl_change

# refused RC MESSAGE CMD...: CMD fails with exit status RC and prints
# exactly MESSAGE, nothing else: the kernel's extack as dmvpnctl
# ("dmvpnctl: TEXT") or ip ("Error: TEXT.") shows it, or where the tool
# itself refuses before asking the kernel, the tool's own message.
refused()
{
	local want_rc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	echo "# $*: rc $rc: $out"
	[ "$rc" -eq "$want_rc" ] && [ "$out" = "$want" ] ||
		{ echo "# want rc $want_rc: $want"; return 1; }
}

cfgctl() { n "$cfg" "$DMVPNCTL" "$@"; }

invalid()
{
	local i ok=0
	# The kernel's messages (kernel/netlink.c, kernel/nhrp_client.c).
	refused 1 "dmvpnctl: NHS NBMA address family differs from the device's underlay" \
		cfgctl nhs add d0 10.0.0.6 2001:db8::6 || ok=1
	refused 1 "dmvpnctl: NHS NBMA address must be a unicast, non-loopback address" \
		cfgctl nhs add d0 dynamic 224.0.0.6 || ok=1
	refused 1 "dmvpnctl: No such NHS" cfgctl nhs del d0 192.0.2.77 || ok=1
	for i in 1 2 3 4 5 6 7 8; do
		cfgctl nhs add d0 dynamic 192.0.2.$((100 + i)) || ok=1
	done
	refused 1 "dmvpnctl: Too many NHSes on this device" \
		cfgctl nhs add d0 dynamic 192.0.2.109 || ok=1
	[ "$(ctl_nhs "$cfg" d0 | jq length)" = 8 ] || ok=1
	# The tools' own: the ip plugin counts the NHSes, dmvpnctl parses
	# the priority (a u8 on the wire) before the kernel sees either.
	# shellcheck disable=SC2046 # nine "nhs dynamic nbma X", word by word
	refused 1 "dmvpn: at most 8 nhs" n "$cfg" ip link set d0 type dmvpn \
		$(for i in 1 2 3 4 5 6 7 8 9; do echo nhs dynamic nbma 192.0.2.$i; done) || ok=1
	refused 2 "dmvpnctl: priority must be 0..255" \
		cfgctl nhs add d0 dynamic 192.0.2.9 priority 256 || ok=1
	# The kernel's netlink policy (kernel/device.c) through ip.
	refused 2 "Error: integer out of range." \
		n "$cfg" ip link set d0 type dmvpn max-send-interval 0 || ok=1
	refused 2 "Error: integer out of range." \
		n "$cfg" ip link set d0 type dmvpn max-send-interval 3601 || ok=1
	refused 2 "Error: integer out of range." \
		n "$cfg" ip link set d0 type dmvpn max-send 0 || ok=1
	[ "$(info "$cfg" d0 | jq -c '[.max_send, .max_send_interval]')" = '[50,5]' ] || ok=1
	return $ok
}
run_test "invalid NHS and quota values refused with an explanation" invalid

stats_keys()
{
	local want got
	want=$(sed -n 's/^\s*DMVPN_STATS_A_\([A-Z0-9_]*\),.*/\1/p' \
		"$REPO/include/uapi/linux/dmvpn.h" | grep -Ev '^(PAD|UNSPEC)$' |
		tr 'A-Z_' 'a-z-' | sort | tr '\n' ' ')
	got=$(n "$cfg" "$DMVPNCTL" -j stats d0 |
		jq -r 'del(.dev) | keys[]' | sort | tr '\n' ' ')
	echo "# $(wc -w <<< "$got") counters"
	[ "$got" = "$want" ] || { echo "# want: $want"; echo "# got:  $got"; return 1; }
	[ "$(n "$cfg" "$DMVPNCTL" -j stats d0 | jq '[.[] | numbers] | length')" -eq "$(wc -w <<< "$want")" ]
}
run_test "dmvpnctl -j stats has every counter of the uapi header" stats_keys

# Hub and spoke on the bridge: a real registration.
hub=$(ns_name hub); spoke=$(ns_name spoke); spoke2=$(ns_name spoke2)
topo_create "$hub" "$spoke" "$spoke2"
n "$hub" ip link add dmvpn0 type dmvpn local 192.0.2.1
n "$hub" ip addr add 10.0.0.1/24 dev dmvpn0
n "$hub" ip link set dmvpn0 up

monitor()
{
	local hpid spid
	ip netns exec "$hub" "$DMVPNCTL" -j monitor dmvpn0 count 1 \
		> "$TMPDIR/hub.mon" 2> "$TMPDIR/hub.err" &
	hpid=$!
	ip netns exec "$spoke" "$DMVPNCTL" monitor \
		> "$TMPDIR/spoke.mon" 2> "$TMPDIR/spoke.err" &
	spid=$!
	wait_for 10 subscribed "$hub" "$hpid" && wait_for 10 subscribed "$spoke" "$spid" ||
		{ echo "# monitors did not subscribe"; cat "$TMPDIR"/*.err; return 1; }
	# Nothing has happened yet: nothing may be printed.
	[ ! -s "$TMPDIR/hub.mon" ] && [ ! -s "$TMPDIR/spoke.mon" ] || return 1

	n "$spoke" ip link add dmvpn0 type dmvpn local 192.0.2.2 \
		nhs 10.0.0.1 nbma 192.0.2.1 registration-timeout 5
	n "$spoke" ip addr add 10.0.0.2/24 dev dmvpn0
	n "$spoke" ip link set dmvpn0 up

	wait_for 30 exited "$hpid" || { echo "# hub monitor saw nothing"; return 1; }
	wait $hpid || return 1
	wait_for 30 grep -q '^nhs-up ' "$TMPDIR/spoke.mon" || return 1
	kill "$spid"
	echo "# hub:   $(cat "$TMPDIR/hub.mon")"
	echo "# spoke: $(grep -m1 '^nhs-up ' "$TMPDIR/spoke.mon")"
	[ "$(wc -l < "$TMPDIR/hub.mon")" -eq 1 ] &&
	jq -e '.event == "entry-new" and .ifname == "dmvpn0" and
		.proto == "10.0.0.2" and .prefixlen == 32 and
		.nbma == "192.0.2.2" and .type == "dynamic"' \
		"$TMPDIR/hub.mon" >/dev/null &&
	grep -q '^nhs-up dmvpn0 nbma 192\.0\.2\.1 proto 10\.0\.0\.1' "$TMPDIR/spoke.mon"
}
run_test "monitor: hub sees entry-new, spoke sees nhs-up, nothing before" monitor

show_registered()
{
	local s h
	s=$(n "$spoke" "$DMVPNCTL" -j show dmvpn0) || return 1
	h=$(n "$hub" "$DMVPNCTL" -j show dmvpn0) || return 1
	echo "# spoke: $(jq -c '.[0] | {type, nhs: [.nhs[] | {nbma, state, "learned-proto", replies}]}' <<< "$s")"
	echo "# hub:   $(jq -c '.[0] | {type, peers: [.peers[] | {nbma, e: [.entries[] | {proto, attrs, state}]}]}' <<< "$h")"
	n "$spoke" "$DMVPNCTL" show dmvpn0 | grep -q $'^dmvpn0\tinterface\tspoke\t1\t1\t' &&
	n "$hub" "$DMVPNCTL" show dmvpn0 | grep -q $'^dmvpn0\tinterface\thub\t0\t0\t' &&
	n "$spoke" "$DMVPNCTL" -p show dmvpn0 | grep -q 'type: spoke' &&
	jq -e '.[0] | .type == "spoke" and (.nhs | length == 1) and
		.nhs[0].state == "up" and .nhs[0].replies >= 1 and
		(.nhs[0].expires | type == "number")' <<< "$s" >/dev/null &&
	jq -e '.[0] | .type == "hub" and any(.peers[]; .nbma == "192.0.2.2" and
		any(.entries[]; .proto == "10.0.0.2" and .type == "dynamic" and
			(.attrs | test("D")) and .state == "UP"))' <<< "$h" >/dev/null
}
run_test "show: spoke registered (NHS up), hub has the spoke as dynamic" show_registered

lines_ge() { [ "$(wc -l < "$1")" -ge "$2" ]; }	# FILE N
# hub_entry PROTO: "TYPE NBMA" of the hub's entry for PROTO, or "none".
hub_entry()
{
	n "$hub" "$DMVPNCTL" -j cache dmvpn0 | jq -r --arg p "$1" \
		'[.[] | select(.proto == $p) | "\(.type) \(.nbma)"][0] // "none"'
}
hub_entry_is() { [ "$(hub_entry "$1")" = "$2" ]; }	# PROTO "TYPE NBMA"

# spoke2 registers, withdraws (nhs del: a purge, the hub drops it) and
# registers again; the hub's monitor sees exactly these three, in order.
monitor_order()
{
	local hpid got want
	ip netns exec "$hub" "$DMVPNCTL" -j monitor dmvpn0 count 3 \
		> "$TMPDIR/order.mon" 2> "$TMPDIR/order.err" &
	hpid=$!
	wait_for 10 subscribed "$hub" "$hpid" ||
		{ echo "# monitor did not subscribe"; cat "$TMPDIR/order.err"; return 1; }
	[ ! -s "$TMPDIR/order.mon" ] || { echo "# early: $(cat "$TMPDIR/order.mon")"; return 1; }

	n "$spoke2" ip link add dmvpn0 type dmvpn local 192.0.2.3 \
		nhs dynamic nbma 192.0.2.1
	n "$spoke2" ip addr add 10.0.0.3/24 dev dmvpn0
	n "$spoke2" ip link set dmvpn0 up
	wait_for 30 lines_ge "$TMPDIR/order.mon" 1 ||
		{ echo "# hub saw no registration"; return 1; }
	echo "# registered: hub has $(hub_entry 10.0.0.3)"

	pp n "$spoke2" "$DMVPNCTL" nhs del dmvpn0 192.0.2.1 || return 1
	wait_for 30 lines_ge "$TMPDIR/order.mon" 2 ||
		{ echo "# hub saw no withdrawal; has $(hub_entry 10.0.0.3)"; return 1; }
	echo "# withdrawn: hub has $(hub_entry 10.0.0.3)"
	[ "$(hub_entry 10.0.0.3)" = none ] || return 1

	pp n "$spoke2" "$DMVPNCTL" nhs add dmvpn0 dynamic 192.0.2.1 || return 1
	wait_for 30 exited "$hpid" ||
		{ echo "# hub saw no new registration"; sed 's/^/# /' "$TMPDIR/order.mon"; return 1; }
	wait "$hpid" || { echo "# monitor failed: $(cat "$TMPDIR/order.err")"; return 1; }
	sed 's/^/# /' "$TMPDIR/order.mon"
	got=$(jq -r '[.event, .ifname, .proto, .prefixlen, .nbma, .type] | join(" ")' \
		"$TMPDIR/order.mon")
	want="entry-new dmvpn0 10.0.0.3 32 192.0.2.3 dynamic
entry-purged dmvpn0 10.0.0.3 32 192.0.2.3 dynamic
entry-new dmvpn0 10.0.0.3 32 192.0.2.3 dynamic"
	[ "$got" = "$want" ] || { echo "# want: $want"; return 1; }
	wait_for 10 hub_entry_is 10.0.0.3 "dynamic 192.0.2.3"
}
run_test "monitor: entry-new, entry-purged on nhs del, entry-new again, in order" monitor_order

ktap_finish
