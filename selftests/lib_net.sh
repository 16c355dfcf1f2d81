#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers the dmvpn selftests share, one signature each (sourced by lib.sh).
# Every device is dmvpn0 unless DEV is given.
#
#   hub_up NS LOCAL ADDR/LEN [OPT...]
#                           a fresh dmvpn0 in NS (an old one is deleted):
#                           underlay LOCAL, tunnel ADDR/LEN, up; OPTs are
#                           more `ip link add ... type dmvpn` options
#   spoke_up NS LOCAL ADDR/LEN NHS-NBMA [OPT...]
#                           the same with "nhs dynamic nbma NHS-NBMA"
#   entry NS PROTO[/LEN] KEY [DEV]
#                           field KEY of the cache entry for PROTO (of
#                           prefix length LEN if given), "" when there is
#                           none; lists come comma-separated
#   registered NS PROTO NBMA [DEV]
#                           NS (a hub) holds a dynamic entry PROTO -> NBMA
#   counter NS KEY [DEV]    one device counter of dmvpnctl stats (no jq:
#                           cheap enough to poll)
#   nhs_field NS KEY [NBMA] [DEV]
#                           field KEY of the NHS NBMA (default: the first)
#   ms_since T0             milliseconds since T0 (date +%s%N)
#   ping_run NS DST COUNT [OPT...]
#                           ping COUNT times, every 0.2 s unless OPT has -i;
#                           sets PING_TX, PING_RX, PING_DUP, PING_ERR from
#                           the statistics, PING_STATS (that line) and
#                           PING_OUT (all it printed); returns ping's status
#   ping_ok NS DST [COUNT [OPT...]]
#                           exactly COUNT (default 3) requests sent and
#                           COUNT replies, no duplicate, no error: ping's
#                           own count, which waits for the last reply at
#                           least an interval and twice the slowest one (or
#                           2 s, -W, if none came). Not -w: with a deadline
#                           ping sends more requests until COUNT replies
#                           came, which hides a loss and breaks exact
#                           packet counters.
#   subscribed NS PID       the netlink socket of PID (in NS, e.g. a
#                           dmvpnctl monitor) has joined a group
#   exited PID              PID is gone or a zombie
#   nat_site NAT NS ADDR GW an inside network behind MASQUERADE: NAT's eth1
#                           (GW/24) to NS's eth0 (ADDR/24), default via GW
#   ping_none NS DST [COUNT [OPT...]]
#                           exactly COUNT (default 2) requests sent, not
#                           one reply (ICMP errors are not replies)

hub_up()
{
	local ns=$1 local=$2 addr=$3
	shift 3
	ip -n "$ns" link del dmvpn0 2>/dev/null
	ip -n "$ns" link add dmvpn0 type dmvpn local "$local" "$@" &&
	ip -n "$ns" addr add "$addr" dev dmvpn0 &&
	ip -n "$ns" link set dmvpn0 up
}

spoke_up()
{
	local ns=$1 local=$2 addr=$3 nhs=$4
	shift 4
	hub_up "$ns" "$local" "$addr" nhs dynamic nbma "$nhs" "$@"
}

entry()
{
	local p=${2%/*} l=
	[ "$2" = "$p" ] || l=${2#*/}
	n "$1" "$DMVPNCTL" -j cache "${4:-dmvpn0}" |
		jq -r --arg p "$p" --arg l "$l" --arg k "$3" \
			'[.[] | select(.proto == $p and
				($l == "" or (.prefixlen | tostring) == $l))][0][$k] //
			 empty | if type == "array" then join(",") else tostring end'
}

registered()
{
	[ "$(entry "$1" "$2" type "${4:-}")" = dynamic ] &&
	[ "$(entry "$1" "$2" nbma "${4:-}")" = "$3" ]
}

counter()
{
	local k v
	while IFS=$'\t' read -r _ k v; do
		[ "$k" = "$2" ] && { echo "$v"; return 0; }
	done <<< "$(n "$1" "$DMVPNCTL" stats "${3:-dmvpn0}")"
	echo "# counter $2: no such counter on ${3:-dmvpn0} in $1" >&2
	return 1
}

nhs_field()
{
	n "$1" "$DMVPNCTL" -j nhs "${4:-dmvpn0}" |
		jq -r --arg nb "${3:-}" --arg k "$2" \
			'[.[] | select($nb == "" or .nbma == $nb)][0][$k] // empty |
			 tostring'
}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

ping_run()
{
	local ns=$1 dst=$2 cnt=$3 out rc
	shift 3
	local -a opt=(-i 0.2)
	[[ " $* " == *" -i "* ]] && opt=()
	# Not -q: it hides ICMP errors, and does not count local ones.
	out=$(ip netns exec "$ns" ping -c "$cnt" "${opt[@]}" "$@" "$dst" 2>&1)
	rc=$?
	PING_STATS=$(grep -m1 'packets transmitted' <<< "$out")
	PING_TX=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<< "$PING_STATS")
	PING_RX=$(sed -n 's/.*transmitted, \([0-9]*\) received.*/\1/p' <<< "$PING_STATS")
	PING_DUP=$(sed -n 's/.* +\([0-9]*\) duplicates.*/\1/p' <<< "$PING_STATS")
	PING_ERR=$(sed -n 's/.* +\([0-9]*\) errors.*/\1/p' <<< "$PING_STATS")
	PING_TX=${PING_TX:-0} PING_RX=${PING_RX:-0}
	PING_DUP=${PING_DUP:-0} PING_ERR=${PING_ERR:-0}
	[ -n "$PING_STATS" ] || PING_STATS=$(tail -n 1 <<< "$out")
	# shellcheck disable=SC2034 # PING_*: read by the callers
	PING_OUT=$out
	return $rc
}

ping_ok()
{
	local ns=$1 dst=$2 cnt=${3:-3}
	shift $(($# < 3 ? $# : 3))
	ping_run "$ns" "$dst" "$cnt" -W 2 "$@"
	[ "$PING_TX" -eq "$cnt" ] && [ "$PING_RX" -eq "$cnt" ] &&
	[ "$PING_DUP" -eq 0 ] && [ "$PING_ERR" -eq 0 ] && return 0
	echo "# ping $dst from $ns: $cnt of $cnt expected, got: $PING_STATS"
	return 1
}

ping_none()
{
	local ns=$1 dst=$2 cnt=${3:-2}
	shift $(($# < 3 ? $# : 3))
	ping_run "$ns" "$dst" "$cnt" -W 1 "$@"
	[ "$PING_TX" -eq "$cnt" ] && [ "$PING_RX" -eq 0 ] && [ "$PING_DUP" -eq 0 ] &&
		return 0
	echo "# ping $dst from $ns: $cnt sent and no reply expected, got: $PING_STATS"
	return 1
}

# subscribed NS PID: the netlink socket of PID (in NS) has joined a group.
subscribed()
{
	local ino
	for ino in $(ls -l "/proc/$2/fd" 2>/dev/null |
		     sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p'); do
		n "$1" awk -v i="$ino" '$NF == i && $4 != "00000000" { f = 1 }
			END { exit !f }' /proc/net/netlink && return 0
	done
	return 1
}

# exited PID: PID is gone or a zombie (kill -0 succeeds on zombies).
exited()
{
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	[[ $st == *") Z "* ]]
}

nat_site()
{
	local nat=$1 ns=$2 addr=$3 gw=$4
	ip link add eth1 netns "$nat" type veth peer name eth0 netns "$ns" &&
	n "$nat" ip addr add "$gw/24" dev eth1 &&
	n "$nat" ip link set eth1 up &&
	n "$nat" sysctl -qw net.ipv4.ip_forward=1 &&
	n "$nat" iptables-legacy -t nat -A POSTROUTING -o eth0 -j MASQUERADE &&
	n "$ns" ip addr add "$addr/24" dev eth0 &&
	n "$ns" ip link set eth0 up &&
	n "$ns" ip route add default via "$gw"
}
