#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The NHRP engine under hostile load: registration storms, garbage floods,
# authentication, the max-send quota, and teardown while packets arrive.
#
#          +------------------------ $inet (br0) ------------------------+
#          |                             |                               |
#   192.0.2.1 |                  192.0.2.2 |                    192.0.2.3 |
#     +-------+-------+          +-------+-------+           +-------+-------+
#     |     $hub      |          |     $gen      |           |    $spoke     |
#     | dmvpn0        |          | nhrp_gen      |           | dmvpn0        |
#     | 10.0.0.1/16   |          | (raw GRE)     |           | 10.0.0.3/16   |
#     +---------------+          +---------------+           | nhs dynamic   |
#                                                            +---------------+
#
# nhrp_gen (userspace/tests) sends Registration Requests for 10.0.1.1,
# 10.0.1.2, ... from 192.0.2.2, or NHRP that nhrp_parse() refuses. Every
# packet the hub receives is accounted for exactly: accepted, malformed,
# refused, or dropped by the bounded receive backlog. The VM runs with
# panic_on_warn=1; device and peer lifetimes are traced with pr_debug.
set -u
source "$(dirname "$0")/lib.sh"

GEN=$REPO/userspace/tests/build/nhrp_gen
require_cmd ip ping jq
[ -x "$GEN" ] || skip_all "nhrp_gen not built (make -C userspace/tests)"
load_dmvpn
ddc=/sys/kernel/debug/dynamic_debug/control
traced=
if [ -w "$ddc" ]; then
	echo 'module dmvpn +p' > "$ddc" && traced=1
fi

# The underlay must not drop what the generator sends: the per-CPU input
# backlog of the veth pairs is a queue too (global sysctl, init_net).
old_backlog=$(sysctl -n net.core.netdev_max_backlog)
sysctl -qw net.core.netdev_max_backlog=100000
cleanup_add sysctl -qw net.core.netdev_max_backlog="$old_backlog"

hub=$(ns_name hub); gen=$(ns_name gen); spoke=$(ns_name spoke)
topo_create "$hub" "$gen" "$spoke"
# No IPv6 on the hub's tunnel (devices made from now on): its MLD reports
# and router solicitations would be multicast copies the counts below
# would have to guess at.
n "$hub" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
echo s3cret > "$TMPDIR/right"
echo wr0ng > "$TMPDIR/wrong"

# A fresh hub (spoke) device, counters at zero; more link options.
hub() { hub_up "$hub" 192.0.2.1 10.0.0.1/16 holdtime 60 "$@"; }
spoke() { spoke_up "$spoke" 192.0.2.3 10.0.0.3/16 192.0.2.1 holdtime 60 registration-timeout 5 "$@"; }

gen_run() { n "$gen" "$GEN" -s 192.0.2.2 -d 192.0.2.1 "$@"; }
field() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<< "$2"; }
# NS ARRAY: the device's counters into an associative array (no jq: the
# counters are polled, and every process counts in a TCG guest).
declare -A S H0 H1 P0 P1
stats_into()
{
	local -n _a=$2
	local k v
	_a=()
	while IFS=$'\t' read -r _ k v; do
		[[ $v =~ ^[0-9]+$ ]] && _a[$k]=$v
	done <<< "$(n "$1" "$DMVPNCTL" stats dmvpn0)"
}
hstat() { counter "$hub" "$1"; }
hstat_is() { [ "$(counter "$hub" "$1")" -eq "$2" ]; }	# KEY N
hstat_gt() { [ "$(counter "$hub" "$1")" -gt "$2" ]; }	# KEY N
d() { echo $(( ${H1[$1]:-0} - ${H0[$1]:-0} )); }	# KEY: grew by, H0 -> H1

dynamic_from() # NBMA: dynamic entries on the hub bound to NBMA
{
	n "$hub" "$DMVPNCTL" -j cache dmvpn0 |
		jq --arg nbma "$1" '[.[] | select(.type == "dynamic" and .nbma == $nbma)] | length'
}

nhs() { nhs_field "$spoke" "$1"; }
nhs_replies_gt() { [ "$(nhs replies)" -gt "$1" ]; }
spoke_ok() { [ "$(nhs state)" = up ] && registered "$hub" 10.0.0.3 192.0.2.3; }
peer_tx() # NBMA: packets the hub sent to it
{
	n "$hub" "$DMVPNCTL" -j peers dmvpn0 |
		jq --arg nbma "$1" '[.[] | select(.nbma == $nbma)][0]."tx-packets" // 0'
}
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%d", (ms > 0 ? n * 1000 / ms : 0) }'; }

ktap_plan 12

# Every one of N registrations was accepted or dropped by the backlog.
settled() { stats_into "$hub" S; [ $(( ${S[nhrp-reg-accepted]:-0} + ${S[nhrp-rx-backlog]:-0} )) -eq "$1" ]; }

# (a) 2000 registrations for distinct addresses, as fast as they go.
storm()
{
	local out sent t0 ms acc bl
	hub key 7 max-send 100000 || return 1
	t0=$(date +%s%N)
	out=$(gen_run -k 7 -n 2000) || { echo "# nhrp_gen: $out"; return 1; }
	sent=$(field sent "$out")
	[ "$sent" -eq 2000 ] || { echo "# $out"; return 1; }
	wait_for 60 settled "$sent" ||
		{ echo "# not settled:"; n "$hub" "$DMVPNCTL" -p stats dmvpn0 | sed 's/^/# /'; return 1; }
	ms=$(ms_since "$t0")
	stats_into "$hub" S
	acc=${S[nhrp-reg-accepted]} bl=${S[nhrp-rx-backlog]}
	echo "# generator: $out"
	echo "# hub: $acc accepted, $bl backlog drops, settled after $ms ms:" \
	     "$(rate "$sent" "$ms") registrations/s offered, $(rate "$acc" "$ms") absorbed"
	# Nothing lost on the way, nothing refused but by the backlog.
	[ "${S[rx-nhrp]}" -eq "$sent" ] && [ "${S[nhrp-rx-malformed]}" -eq 0 ] ||
		{ echo "# rx-nhrp ${S[rx-nhrp]}, malformed ${S[nhrp-rx-malformed]}"; return 1; }
	[ "${S[cache-entries]}" -eq "$acc" ] && [ "$(dynamic_from 192.0.2.2)" -eq "$acc" ] ||
		{ echo "# ${S[cache-entries]} entries for $acc accepted"; return 1; }
	# One reply per accepted request.
	[ "${S[nhrp-tx]}" -eq "$acc" ] && [ "${S[nhrp-tx-quota]}" -eq 0 ] ||
		{ echo "# nhrp-tx ${S[nhrp-tx]}, quota ${S[nhrp-tx-quota]}"; return 1; }
	# Every one sent was accepted or dropped by the backlog, exactly.
	[ $((acc + bl)) -eq "$sent" ] ||
		{ echo "# $acc accepted + $bl backlog drops != $sent sent"; return 1; }
}
run_test "registration storm: 2000 entries, accepted + backlog drops == sent" storm

# The storm's entries all share one NBMA: a multicast the hub sends must
# reach it once, not once per registration (no amplification).
mcast_once()
{
	local p0 p1
	stats_into "$hub" H0; p0=$(peer_tx 192.0.2.2)
	# Nobody answers a multicast echo (icmp_echo_ignore_broadcasts).
	ping_none "$hub" 224.0.0.1 1 -t 1 -I dmvpn0 || return 1
	stats_into "$hub" H1; p1=$(peer_tx 192.0.2.2)
	echo "# one multicast ping, ${H1[cache-entries]} entries of one NBMA:" \
	     "$((p1 - p0)) packets to it, tx-mcast-copies +$(d tx-mcast-copies)"
	# The hub has no IPv6 on its tunnel: the ping is all it sends. One
	# peer, so no extra copy.
	[ $((p1 - p0)) -eq 1 ] && [ "$(d tx-mcast-copies)" -eq 0 ]
}
run_test "multicast after the storm: one packet per NBMA, not one per entry" mcast_once

# Every NHRP packet the hub got since H0 is accounted for, and it got
# exactly what the generator ($sent) and the spoke (its refreshes, nhrp-tx
# since P0) sent. Loads H1 and P1.
accounted()
{
	local sd
	stats_into "$spoke" P1
	stats_into "$hub" H1
	sd=$(( ${P1[nhrp-tx]} - ${P0[nhrp-tx]} ))
	[ "$(d rx-nhrp)" -eq $((sent + sd)) ] &&
	[ "$(d rx-nhrp)" -eq $(( $(d nhrp-rx-malformed) + $(d nhrp-rx-backlog) + $(d nhrp-reg-accepted) )) ]
}

# running PID: PID is alive (not yet reaped, and not a zombie).
running() { [ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }

# (b) 20000 malformed packets while a spoke is registered and pings run:
# back to back batches of 10 pings, each of which must get 10 replies, as
# long as the generator runs (ping's own verdict: no reply lost).
flood()
{
	local out sent gpid r0 drx mal bl acc sd ok pings=0 batches=0
	hub max-send 100000 && spoke || return 1
	wait_for 15 spoke_ok || { echo "# spoke did not register"; return 1; }
	ping_ok "$hub" 10.0.0.3 3 -i 0.1 || { echo "# no ping before the flood"; return 1; }
	stats_into "$spoke" P0; stats_into "$hub" H0
	# As fast as it goes on a stock kernel; on a debug kernel (its time
	# scale K) at 3000/K a second, what its slower receive path takes
	# without the underlay's own backlog dropping the pings.
	local pace=()
	[ "${DMVPN_TIME_SCALE:-1}" -gt 1 ] && pace=(-r $((3000 / DMVPN_TIME_SCALE)))
	ip netns exec "$gen" "$GEN" -s 192.0.2.2 -d 192.0.2.1 -g mix -n 20000 \
		-T $((40 * ${DMVPN_TIME_SCALE:-1})) "${pace[@]}" > "$TMPDIR/gen.out" 2>&1 &
	gpid=$!
	while running "$gpid"; do
		if ! ping_ok "$hub" 10.0.0.3 10 -i 0.1; then
			echo "# batch $((batches + 1)) of 10 pings during the flood lost some"
			kill "$gpid" 2>/dev/null; wait "$gpid"
			return 1
		fi
		pings=$((pings + 10)) batches=$((batches + 1))
	done
	wait "$gpid"
	out=$(cat "$TMPDIR/gen.out")
	sent=$(field sent "$out")
	echo "# generator: $out"
	echo "# ping hub -> spoke during the flood: $pings of $pings answered ($batches batches)"
	[ "${sent:-0}" -eq 20000 ] && [ "$batches" -gt 0 ] || return 1
	# (wait_for runs accounted in this shell: H1 and P1 stay as it saw them)
	wait_for 30 accounted; ok=$?
	drx=$(d rx-nhrp) mal=$(d nhrp-rx-malformed) bl=$(d nhrp-rx-backlog) acc=$(d nhrp-reg-accepted)
	sd=$(( ${P1[nhrp-tx]} - ${P0[nhrp-tx]} ))
	echo "# hub: rx-nhrp +$drx, malformed +$mal, backlog drops +$bl," \
	     "spoke refreshes accepted +$acc (spoke sent $sd)"
	[ "$ok" -eq 0 ] || { echo "# not every packet accounted for"; return 1; }
	# Every garbage packet malformed or dropped by the backlog, exactly;
	# the backlog may also have dropped some of the spoke's own refreshes
	# (sent - accepted of them).
	[ $((mal + bl)) -eq $((sent + sd - acc)) ] || return 1
	# Still registered, and the next refresh is answered.
	spoke_ok || { echo "# spoke lost its registration"; return 1; }
	r0=$(nhs replies)
	wait_for 15 nhs_replies_gt "$r0" || { echo "# no refresh answered after the flood"; return 1; }
	spoke_ok
}
run_test "garbage flood: all counted malformed or backlog, spoke stays up, no ping lost" flood

# (c) authentication: the generator first (exact), then a real spoke.
auth()
{
	n "$spoke" ip link del dmvpn0 2>/dev/null
	hub authfile "$TMPDIR/right" || return 1
	gen_run -n 10 >/dev/null && gen_run -n 10 -a "$TMPDIR/wrong" >/dev/null &&
	gen_run -n 10 -a "$TMPDIR/right" -b 10.0.2.1 >/dev/null || return 1
	wait_for 10 settled 10
	stats_into "$hub" S
	echo "# generator: 10 without, 10 wrong, 10 right secret: rx-nhrp ${S[rx-nhrp]}," \
	     "rx-auth ${S[nhrp-rx-auth]}, accepted ${S[nhrp-reg-accepted]}"
	[ "${S[rx-nhrp]}" -eq 30 ] && [ "${S[nhrp-rx-auth]}" -eq 20 ] &&
	[ "${S[nhrp-reg-accepted]}" -eq 10 ] &&
	[ "$(dynamic_from 192.0.2.2)" -eq 10 ] || return 1
	registered "$hub" 10.0.2.1 192.0.2.2 && ! registered "$hub" 10.0.1.1 192.0.2.2 || return 1

	spoke authfile "$TMPDIR/wrong" || return 1
	wait_for 10 hstat_gt nhrp-rx-auth 20 || { echo "# wrong secret not refused"; return 1; }
	echo "# spoke with the wrong secret: NHS $(nhs state), sent $(nhs sent), replies $(nhs replies)"
	! registered "$hub" 10.0.0.3 192.0.2.3 && [ "$(nhs replies)" -eq 0 ] || return 1
	spoke authfile "$TMPDIR/right" || return 1
	wait_for 15 spoke_ok || { echo "# right secret: not registered"; return 1; }
}
run_test "authentication: a wrong or missing secret refused and counted, the right one registers" auth

# RFC 2332 and NHRP.md 7.7: an authentication failure is answered with an
# Error Indication (code 11) toward its source.
auth_ei()
{
	n "$spoke" ip link del dmvpn0 2>/dev/null
	hub authfile "$TMPDIR/right" || return 1
	gen_run -n 5 -a "$TMPDIR/wrong" >/dev/null || return 1
	wait_for 10 hstat_is nhrp-rx-auth 5 || { echo "# rx-auth $(hstat nhrp-rx-auth) of 5"; return 1; }
	stats_into "$hub" S
	echo "# 5 wrong secrets: rx-auth ${S[nhrp-rx-auth]}, error indications sent ${S[nhrp-error-tx]}"
	[ "${S[nhrp-error-tx]}" -eq 5 ]
}
run_test "authentication failure answered with an Error Indication" auth_ei

# (d) max-send 5 per 60 s: 20 registrations get 5 replies.
quota()
{
	hub max-send 5 max-send-interval 60 || return 1
	gen_run -n 20 >/dev/null || return 1
	wait_for 10 hstat_is nhrp-reg-accepted 20 ||
		{ echo "# accepted $(hstat nhrp-reg-accepted) of 20"; return 1; }
	stats_into "$hub" S
	echo "# 20 registrations: nhrp-tx ${S[nhrp-tx]}, nhrp-tx-quota ${S[nhrp-tx-quota]}"
	[ "${S[nhrp-tx]}" -eq 5 ] && [ "${S[nhrp-tx-quota]}" -eq 15 ]
}
run_test "max-send 5 max-send-interval 60: 5 replies, 15 counted as quota" quota

# (d2) forged input does not spend that quota: max-send 100 per 60 s, 50
# registrations with the wrong secret get 10 Error Indications (a tenth:
# the refusals' own bucket), 40 counted in nhrp-tx-refusal-quota; then 20
# good registrations get their 20 replies, nothing counted in
# nhrp-tx-quota.
refusal_quota()
{
	hub authfile "$TMPDIR/right" max-send 100 max-send-interval 60 || return 1
	gen_run -n 50 -a "$TMPDIR/wrong" >/dev/null || return 1
	wait_for 10 hstat_is nhrp-rx-auth 50 || { echo "# rx-auth $(hstat nhrp-rx-auth) of 50"; return 1; }
	gen_run -n 20 -a "$TMPDIR/right" -b 10.0.2.1 >/dev/null || return 1
	wait_for 10 hstat_is nhrp-reg-accepted 20 ||
		{ echo "# accepted $(hstat nhrp-reg-accepted) of 20"; return 1; }
	stats_into "$hub" S
	echo "# 50 forged, 20 good: error-tx ${S[nhrp-error-tx]}, refusal-quota ${S[nhrp-tx-refusal-quota]}," \
	     "nhrp-tx ${S[nhrp-tx]}, nhrp-tx-quota ${S[nhrp-tx-quota]}"
	[ "${S[nhrp-error-tx]}" -eq 10 ] && [ "${S[nhrp-tx-refusal-quota]}" -eq 40 ] &&
	[ "${S[nhrp-tx]}" -eq 30 ] && [ "${S[nhrp-tx-quota]}" -eq 0 ]
}
run_test "forged input answered from its own tenth of max-send: 10 EIs of 50, 20 of 20 good registrations answered" \
	refusal_quota

# (e) teardown while a storm runs: the device, the module, the namespace.
# The storm lasts until storm_stop (at most 60 s: emulated device
# re-creation can take many seconds) and refreshes 500 addresses over and
# over, so that the cache stays small; sets storm_pid.
storm_bg()
{
	ip netns exec "$gen" "$GEN" -s 192.0.2.2 -d 192.0.2.1 -n 100000000 \
		-w 500 -T 60 > /dev/null 2>&1 &
	storm_pid=$!
}
storm_stop() { kill "$storm_pid" 2>/dev/null; wait "$storm_pid" 2>/dev/null; return 0; }
fail_stop() { echo "# $*"; storm_stop; return 1; }

del_link()
{
	hub max-send 100000 && spoke || return 1
	storm_bg
	wait_for 10 hstat_gt rx-nhrp 100 || { fail_stop "no storm"; return 1; }
	n "$hub" ip link del dmvpn0 || { fail_stop "ip link del"; return 1; }
	hub max-send 100000 || { fail_stop "re-create"; return 1; }
	wait_for 10 hstat_gt rx-nhrp 100 || { fail_stop "re-created hub gets nothing"; return 1; }
	stats_into "$hub" S
	echo "# re-created hub under the storm: ${S[rx-nhrp]} received," \
	     "${S[nhrp-rx-backlog]} backlog drops, ${S[nhrp-reg-accepted]} accepted"
	storm_stop
	wait_for 15 spoke_ok || { echo "# spoke did not register again"; return 1; }
}
run_test "hub device deleted and re-created during a storm, spoke registers again" del_link

rmmod_storm()
{
	storm_bg
	wait_for 10 hstat_gt rx-nhrp 100 || { fail_stop "no storm"; return 1; }
	rmmod dmvpn || { fail_stop "rmmod"; return 1; }
	# The storm goes on against a host without the module, then with it.
	insmod "$DMVPN_KO" ${traced:+dyndbg=+p} || { fail_stop "insmod"; return 1; }
	hub max-send 100000 && spoke || { fail_stop "re-create"; return 1; }
	wait_for 10 hstat_gt rx-nhrp 100 || { fail_stop "reloaded hub gets nothing"; return 1; }
	storm_stop
	wait_for 15 spoke_ok || { echo "# spoke did not register after the reload"; return 1; }
}
run_test "rmmod during a storm, then reload: the hub works again" rmmod_storm

# run_test runs in a subshell: the new hub namespace is made out here.
h2=$(ns_name hub2)
del_ns()
{
	local mac
	storm_bg
	wait_for 10 hstat_gt rx-nhrp 100 || { fail_stop "no storm"; return 1; }
	mac=$(n "$hub" cat /sys/class/net/eth0/address)
	ip netns del "$hub"
	# A new hub namespace takes over the same underlay address (and MAC:
	# the others' neighbour entries stay right).
	ip link add eth0 netns "$h2" address "$mac" type veth peer name s9 \
		netns "$(topo_inet)" &&
	ip -n "$(topo_inet)" link set s9 master br0 up &&
	ip -n "$h2" addr add 192.0.2.1/24 dev eth0 &&
	n "$h2" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
	ip -n "$h2" link set eth0 up || { fail_stop "new hub namespace"; return 1; }
	hub=$h2
	hub max-send 100000 || { fail_stop "new hub"; return 1; }
	wait_for 10 hstat_gt rx-nhrp 100 || { fail_stop "new hub gets nothing"; return 1; }
	storm_stop
	wait_for 15 spoke_ok || { echo "# spoke did not register with the new hub"; return 1; }
}
run_test "hub namespace deleted during a storm, a new hub takes over" del_ns
hub=$h2

ntraced() { dmesg | grep -c "dmvpn: $1 .* $2"; }	# WHAT created|freed
balanced() { [ "$(ntraced "$1" created)" -eq "$(ntraced "$1" freed)" ]; }
balance()
{
	n "$hub" ip link del dmvpn0 && n "$spoke" ip link del dmvpn0 || return 1
	wait_for 30 balanced device && wait_for 30 balanced peer || {
		echo "# devices $(ntraced device created)/$(ntraced device freed)," \
		     "peers $(ntraced peer created)/$(ntraced peer freed) created/freed"
		return 1
	}
	echo "# $(ntraced device created) devices and $(ntraced peer created) peers, all freed"
	# At least the hub and spoke devices of every test above.
	[ "$(ntraced device created)" -ge 12 ]
}
if [ -n "$traced" ]; then
	run_test "every device and peer created was freed (pr_debug traces)" balance
else
	skip_test "every device and peer created was freed (pr_debug traces)" "no dynamic debug"
fi

no_warn() { ! dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|KASAN|UBSAN'; }
run_test "kernel log: no WARN, BUG or oops" no_warn

ktap_finish
