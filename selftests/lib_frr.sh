#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# FRR nhrpd (Debian frr 8.4) as a test peer, and what the FRR interop tests
# share. Source it after lib.sh. An FRR node is a namespace from topo_create
# running the kernel's ip_gre in NBMA mode as gre1 (GRE key $FRR_KEY, a /32
# tunnel address, IPv4 only) and its own zebra, nhrpd and, for static
# routes, staticd, with the namespace name as pathspace: sockets and pid
# files in /run/frr/NS, configuration and logs (nhrpd: debug nhrp all) in
# $TMPDIR/frr-NS. Nothing is read from /etc/frr. network-id $FRR_NETID,
# holdtime $FRR_HOLDTIME, registration no-unique unless told otherwise.
#
#   frr_require                 skip_all unless FRR's daemons, vtysh and
#                               ip_gre are there
#   frr_node NS ROLE NBMA ADDR [OPT...]
#                               gre1 (local NBMA, ADDR/32) and the daemons;
#                               ROLE hub or spoke. OPTs:
#                                 nhs=NBMA        dynamic NHS (spoke)
#                                 map=ADDR,NBMA   static map, NHS flag if nhs
#                                                 is appended: map=A,N,nhs
#                                 route=PFX,NH    staticd route (starts staticd)
#                                 kroute=PFX,NH   kernel route, onlink on gre1:
#                                                 zebra hands it to nhrpd too,
#                                                 no staticd needed
#                                 redirect        hub: ip nhrp redirect, the
#                                                 NFLOG rule (frr_nflog)
#                                 noshortcut      spoke without ip nhrp shortcut
#                                 unique          registration unique
#                                 nhrp=LINE       extra line under interface gre1
#                                 nostart         configure only, frr_start later
#                               a spoke has ip nhrp shortcut unless noshortcut
#   frr_start NS...             start configured nodes' daemons in parallel
#   frr_vtysh NS CMD            one vtysh command, e.g. "show ip nhrp cache"
#   frr_nflog NS                redirect sampling rule (iptables-legacy)
#   frr_neigh NS ADDR NBMA      gre1 has neighbour ADDR -> NBMA (kernel state:
#                               cheap to poll, unlike vtysh)
#   frr_route NS PFX            the kernel has a route PFX on gre1
#   frr_log NS                  path of nhrpd's debug log
#   frr_dump_logs NS [LINES]    nhrpd's log tail as KTAP comments
#   frr_stop NS                 stop the node's daemons (also done at exit)

FRR_KEY=${FRR_KEY:-42}
FRR_HOLDTIME=${FRR_HOLDTIME:-30}
FRR_NETID=${FRR_NETID:-42}
FRR_NFLOG_GROUP=${FRR_NFLOG_GROUP:-1}
FRR_BIN=${FRR_BIN:-/usr/lib/frr}

frr_require()
{
	local d
	for d in zebra staticd nhrpd; do
		[ -x "$FRR_BIN/$d" ] || skip_all "frr not installed ($FRR_BIN/$d)"
	done
	require_cmd vtysh
	id frr >/dev/null 2>&1 || skip_all "no frr user"
	modprobe ip_gre 2>/dev/null || skip_all "ip_gre not available"
	# The daemons run as frr and read their configuration from $TMPDIR.
	chmod 0711 "$TMPDIR"
}

frr_dir() { echo "$TMPDIR/frr-$1"; }
frr_log() { echo "$TMPDIR/frr-$1/nhrpd.log"; }

_frr_conf_nhrpd()
{
	local ns=$1 dir=$2 role=$3 nflog=$4
	shift 4
	{
		echo "hostname $ns"
		echo "log file $dir/nhrpd.log debugging"
		echo "debug nhrp all"
		[ -n "$nflog" ] && echo "nhrp nflog-group $FRR_NFLOG_GROUP"
		echo "interface gre1"
		echo " ip nhrp network-id $FRR_NETID"
		echo " ip nhrp holdtime $FRR_HOLDTIME"
		local l
		for l in "$@"; do
			echo " $l"
		done
		echo " tunnel source eth0"
		echo "exit"
	} > "$dir/nhrpd.conf"
}

frr_node()
{
	local ns=$1 role=$2 nbma=$3 addr=$4
	shift 4
	local dir run opt nflog='' shortcut=$role unique='' start=1 lines=() routes=()
	local kroutes=()
	dir=$(frr_dir "$ns") run=/run/frr/$ns
	[ "$role" = hub ] || [ "$role" = spoke ] || { echo "# frr_node: role $role"; return 1; }
	for opt in "$@"; do
		case $opt in
		nhs=*) lines+=("ip nhrp nhs dynamic nbma ${opt#nhs=}") ;;
		map=*,*,nhs)
			opt=${opt#map=}; opt=${opt%,nhs}
			lines+=("ip nhrp map ${opt%,*} ${opt#*,}" "ip nhrp nhs ${opt%,*} nbma ${opt#*,}") ;;
		map=*,*) opt=${opt#map=}; lines+=("ip nhrp map ${opt%,*} ${opt#*,}") ;;
		route=*,*) opt=${opt#route=}; routes+=("ip route ${opt%,*} ${opt#*,}") ;;
		kroute=*,*) opt=${opt#kroute=}; kroutes+=("$opt") ;;
		redirect) nflog=1; lines+=("ip nhrp redirect") ;;
		noshortcut) shortcut= ;;
		unique) unique=1 ;;
		nhrp=*) lines+=("${opt#nhrp=}") ;;
		nostart) start= ;;
		*) echo "# frr_node: unknown option $opt"; return 1 ;;
		esac
	done
	[ "$shortcut" = spoke ] && lines+=("ip nhrp shortcut")
	[ -z "$unique" ] && lines+=("ip nhrp registration no-unique")

	# Bound to eth0: an unbound tunnel is rebound by nhrpd's "tunnel
	# source", which loses key and ttl. (ip -n, one sysctl: every process
	# and every netns exec counts under emulation.)
	ip -n "$ns" tunnel add gre1 mode gre ttl 64 key "$FRR_KEY" dev eth0 \
		local "$nbma" remote 0.0.0.0 || return 1
	# IPv4 overlay only: nothing but the test's own traffic on gre1.
	n "$ns" sysctl -qw net.ipv6.conf.gre1.disable_ipv6=1 \
		net.ipv4.ip_forward=1 net.ipv4.conf.gre1.send_redirects=0 \
		net.ipv4.conf.all.send_redirects=0 || return 1
	ip -n "$ns" addr add "$addr/32" dev gre1 || return 1
	ip -n "$ns" link set gre1 up || return 1
	for opt in "${kroutes[@]}"; do
		ip -n "$ns" route add "${opt%,*}" via "${opt#*,}" dev gre1 onlink ||
			return 1
	done

	mkdir -p "$dir" "$run" || return 1
	printf 'hostname %s\nlog file %s/zebra.log\ninterface gre1\n no link-detect\nexit\n' \
		"$ns" "$dir" > "$dir/zebra.conf"
	{
		echo "hostname $ns"
		echo "log file $dir/staticd.log"
		local r
		for r in "${routes[@]}"; do
			echo "$r"
		done
	} > "$dir/staticd.conf"
	_frr_conf_nhrpd "$ns" "$dir" "$role" "$nflog" "${lines[@]}"
	# Each FRR daemon takes seconds to start under emulation.
	if [ ${#routes[@]} -gt 0 ]; then
		echo "zebra staticd nhrpd" > "$dir/daemons"
	else
		echo "zebra nhrpd" > "$dir/daemons"
	fi
	: > "$dir/vtysh.conf"
	chown -R frr:frr "$dir" "$run" && chmod 0755 "$dir" || return 1
	cleanup_add frr_stop "$ns"

	[ -n "$nflog" ] && { frr_nflog "$ns" || return 1; }
	[ -n "$start" ] || return 0
	frr_start "$ns"
}

# _frr_daemon NS DAEMON: returns once the daemon forked into background.
_frr_daemon()
{
	local ns=$1 d=$2 dir
	dir=$(frr_dir "$ns")
	n "$ns" "$FRR_BIN/$d" -N "$ns" -P 0 -d -f "$dir/$d.conf" \
		-i "/run/frr/$ns/$d.pid" > "$dir/$d.out" 2>&1 && return 0
	echo "# $d failed to start in $ns:"
	sed 's/^/# /' "$dir/$d.out"
	return 1
}

# frr_start NS...: the daemons of every NS configured by frr_node nostart,
# in parallel: zebra first (the others connect to its zserv socket).
frr_start()
{
	local group d ns p pids rc=0 t=$SECONDS
	for group in zebra "staticd nhrpd"; do
		pids=()
		for ns in "$@"; do
			for d in $group; do
				grep -qw "$d" "$(frr_dir "$ns")/daemons" || continue
				_frr_daemon "$ns" "$d" &
				pids+=($!)
			done
		done
		for p in "${pids[@]}"; do
			wait "$p" || rc=1
		done
		[ -z "${V:-}" ] || echo "# frr_start: $group forked after $((SECONDS - t))s"
		[ $rc -eq 0 ] || return 1
		for ns in "$@"; do
			for d in $group; do
				grep -qw "$d" "$(frr_dir "$ns")/daemons" || continue
				wait_for 30 test -S "/run/frr/$ns/$d.vty" ||
					{ echo "# $ns: $d has no vty socket"; return 1; }
			done
			[ "$group" != zebra ] ||
				wait_for 30 test -S "/run/frr/$ns/zserv.api" ||
				{ echo "# $ns: no zserv socket"; return 1; }
		done
		[ -z "${V:-}" ] || echo "# frr_start: $group up after $((SECONDS - t))s"
	done
	return 0
}

# vtysh looks for /etc/frr/NS/vtysh.conf, which need not exist. (No
# process substitution: the guest has no /dev/fd.)
frr_vtysh()
{
	local ns=$1
	shift
	{
		n "$ns" vtysh -N "$ns" -c "$*" 2>&1 >&3 | grep -v vtysh.conf >&2
		return "${PIPESTATUS[0]}"
	} 3>&1
}

frr_nflog()
{
	local ns=$1
	modprobe -q xt_NFLOG 2>/dev/null; modprobe -q nfnetlink_log 2>/dev/null
	modprobe -q xt_hashlimit 2>/dev/null
	# iptables-legacy: the nft flavour's NFLOG needs nft_log loaded.
	n "$ns" iptables-legacy -A FORWARD -i gre1 -o gre1 \
		-m hashlimit --hashlimit-upto 4/minute --hashlimit-burst 1 \
		--hashlimit-mode srcip,dstip --hashlimit-srcmask 24 \
		--hashlimit-dstmask 24 --hashlimit-name "lim$RANDOM" \
		-j NFLOG --nflog-group "$FRR_NFLOG_GROUP" --nflog-size 128 \
		--nflog-threshold 1
}

frr_neigh()
{
	ip -n "$1" neigh show dev gre1 to "$2" | grep -q "lladdr $3 "
}

frr_route() { [ -n "$(ip -n "$1" route show dev gre1 "$2" 2>/dev/null)" ]; }

frr_dump_logs()
{
	local f
	f=$(frr_log "$1")
	[ -f "$f" ] || return 0
	echo "# --- nhrpd log of $1 (tail) ---"
	# Without strongSwan nhrpd retries its VICI socket every 2 s.
	grep -v vici_reconnect "$f" | tail -n "${2:-40}" | sed 's/^/# /'
}

# A reaped or zombie process is gone.
_frr_gone() { ! [ -d "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

frr_stop()
{
	local ns=$1 d pid pids=() run=/run/frr/$1
	for d in nhrpd staticd zebra; do
		[ -f "$run/$d.pid" ] || continue
		pid=$(cat "$run/$d.pid")
		kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
	done
	for pid in "${pids[@]}"; do
		wait_for 5 _frr_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	rm -rf "$run"
}

# --- shared by the FRR interop tests ---------------------------------------
#
#   frr_capture_start           nhrp_capture_start of every GRE packet on the
#                               underlay bridge (after topo_create) into
#                               $FRR_CAP; nhrp_capture_stop, then
#                               nhrp_capture_check "$FRR_CAP" EXPECT, check it
#   frr_log_clean NS...         nhrpd logged no dropped packet, no failed
#                               relay, no reply matching no request
#   ctl NS ARGS...              dmvpnctl in NS
#   dmvpn_node NS NBMA ADDR/LEN [NHS_NBMA]
#                               dmvpn0 (key $FRR_KEY, holdtime $FRR_HOLDTIME,
#                               nounique, IPv4 only), dynamic NHS if given
#   has_entry NS PROTO TYPE NBMA   dmvpn0's cache holds that binding
#   nhs_up NS NBMA LEARNED      registered with NBMA, which told us LEARNED
#   counted_ping FROM DST COUNT MEAS NBMA...
#                               "tx rx [tx rx]... rc": MEAS's per-peer deltas
#                               toward each NBMA over the ping, ping_ok's
#                               status (COUNT of COUNT answered)
#   show_dmvpn NS, show_frr NS [LINES]   state dumps as KTAP comments
#   timed CMD...                CMD, then how long it took as a comment

FRR_CAP=${TMPDIR}/underlay.pcap
frr_capture_start() { nhrp_capture_start "$(topo_inet)" br0 "$FRR_CAP"; }

# nhrpd logs a dropped packet as "From NBMA: error: ...", a request it could
# not relay as "FWD-FAIL" and a reply matching no request "!UNKNOWN-REQID".
frr_log_clean()
{
	local ns f hits=0
	for ns in "$@"; do
		f=$(frr_log "$ns")
		[ -s "$f" ] || { echo "# no nhrpd log for $ns"; return 1; }
		grep -E 'error:|FWD-FAIL|UNKNOWN-REQID' "$f" | sed "s/^/# $ns: /" |
			grep . && hits=1
	done
	[ $hits -eq 0 ]
}

ctl() { local ns=$1; shift; n "$ns" "$DMVPNCTL" "$@"; }

dmvpn_node()
{
	local ns=$1
	ip -n "$ns" link add dmvpn0 type dmvpn local "$2" key "$FRR_KEY" \
		network-id "$FRR_NETID" holdtime "$FRR_HOLDTIME" nounique || return 1
	# IPv4 only: no MLD or router solicitations copied to the registered
	# spokes (multicast entries) in the middle of a counted ping.
	n "$ns" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1
	ip -n "$ns" addr add "$3" dev dmvpn0 || return 1
	ip -n "$ns" link set dmvpn0 up || return 1
	[ -z "${4:-}" ] || ctl "$ns" nhs add dmvpn0 dynamic "$4"
}

has_entry()
{
	ctl "$1" -j cache dmvpn0 |
		jq -e --arg p "$2" --arg t "$3" --arg nb "$4" \
			'any(.[]; .proto == $p and .type == $t and .nbma == $nb)' >/dev/null
}

nhs_up()
{
	ctl "$1" -j nhs dmvpn0 |
		jq -e --arg nb "$2" --arg l "$3" \
			'any(.[]; .nbma == $nb and .state == "up" and ."learned-proto" == $l)' \
		>/dev/null
}

# peer_counts NS NBMA...: "tx rx" of dmvpn0 toward each NBMA, one line.
peer_counts()
{
	local ns=$1
	shift
	ctl "$ns" -j peers dmvpn0 | jq -r --args '. as $p | [$ARGS.positional[] |
		. as $nb | ([$p[] | select(.nbma == $nb)][0] // {}) |
		(."tx-packets" // 0), (."rx-packets" // 0)] | join(" ")' "$@"
}

# Per-peer counters count data only: NHRP packets (registration refreshes
# every holdtime/3) do not disturb them.
counted_ping()
{
	local from=$1 dst=$2 cnt=$3 meas=$4 rc i out=
	shift 4
	local -a c0 c1
	read -r -a c0 <<< "$(peer_counts "$meas" "$@")"
	ping_ok "$from" "$dst" "$cnt" -i 0.1 >&2
	rc=$?
	read -r -a c1 <<< "$(peer_counts "$meas" "$@")"
	for ((i = 0; i < ${#c1[@]}; i++)); do
		out+="$((c1[i] - c0[i])) "
	done
	echo "$out$rc"
}

show_dmvpn()
{
	local ns=$1 what
	for what in cache nhs peers; do
		echo "# $ns $what:"
		ctl "$ns" -j "$what" dmvpn0 2>&1 | jq -c '.[]' 2>&1 | sed 's/^/#   /'
	done
}

show_frr()
{
	local ns=$1
	n "$ns" ip neigh show dev gre1 | sed "s/^/# $ns neigh: /"
	n "$ns" ip route show dev gre1 | sed "s/^/# $ns route: /"
	frr_vtysh "$ns" show ip nhrp cache | sed "s/^/# $ns nhrp cache: /"
	frr_dump_logs "$ns" "${2:-25}"
}

timed()
{
	local t=$SECONDS rc
	"$@"
	rc=$?
	echo "# $1: $((SECONDS - t))s"
	return $rc
}
