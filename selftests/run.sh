#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every selftests/test_*.sh (inside the VM), each under the timeout of
# selftests/settings, as one KTAP document, then one more test line,
# "leaks", and ends with "N passed, N failed, N skipped".
# DMVPN_TEST_FILTER (a regex) selects tests.
#
# A test fails when it exits non-zero or times out, when it skips (exit 4,
# or a case line "ok N CASE # SKIP WHY") without an entry in
# selftests/skip-allow, or when the kernel logs a splat (BUG, WARNING, RCU
# stall, ...) while it runs, even if it exited 0. The kernel log is
# followed from /dev/kmsg for the whole run, so a test's own `dmesg -C`
# hides nothing from it; a test still sees only its own lines in `dmesg`.
# Per test, in DMVPN_TEST_LOGS (default /run/result/logs, which vm-run
# copies out): TEST.log (its output) and TEST.dmesg (its kernel log).
# The name of the test running is kept in DMVPN_TEST_CURRENT (default
# /run/result/current) for vm-run to name on a timeout or a panic.
#
# On a kernel with kmemleak (make check-debug), each test ends with a
# kmemleak scan whose report lands in its kernel log (a splat like any
# other), and its suspects in TEST.kmemleak. kmemleak reports only objects
# older than 5 s, so a leak in a test's last seconds is reported by the
# next test's scan; the "leaks" line waits that long before its own.
# DMVPN_TIME_SCALE=K multiplies each test's timeout and every wait_for
# deadline (slow debug kernels).
#
# "leaks": after the last test, dmvpn is unloaded and every device and peer
# created during the whole run must have been freed, by the module's
# pr_debug traces in all the saved kernel logs (vm-run boots with
# dmvpn.dyndbg=+p, so every insmod traces).
set -u
cd "$(dirname "$0")" || exit 1
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout=${timeout:-300}
[[ ${DMVPN_TIME_SCALE:-1} =~ ^[1-9][0-9]*$ ]] && timeout=$((timeout * ${DMVPN_TIME_SCALE:-1}))
logdir=${DMVPN_TEST_LOGS:-/run/result/logs}
current=${DMVPN_TEST_CURRENT:-/run/result/current}
mkdir -p "$logdir" 2>/dev/null || logdir=$(mktemp -d)
klog=$logdir/kernel.log
allowed_lines=()

# What a test must not leave in the kernel log.
splat_re='BUG:|WARNING:|Oops|general protection|unregister_netdevice: waiting'
splat_re+='|self-detected stall|detected stalls|rcu: INFO|RCU stall'
splat_re+='|sleeping function called|KASAN|UBSAN|kmemleak|soft lockup'
splat_re+='|hung_task|blocked for more than|ODEBUG|suspicious RCU|lock held'
splat_re+='|locking dependency|lock state|recursive locking'

# kmemleak_scan NAME: on a kmemleak kernel, scan now; the suspects
# (the scan logs their number) go to NAME.kmemleak and are then cleared,
# so each is reported once.
kmemleak=/sys/kernel/debug/kmemleak
kmemleak_scan()
{
	[ -w "$kmemleak" ] || return 0
	echo scan > "$kmemleak" 2>/dev/null || return 0
	if grep -q . "$kmemleak" 2>/dev/null; then
		cat "$kmemleak" > "$logdir/$1.kmemleak"
		echo "# kmemleak: suspects in $logdir/$1.kmemleak; the first:"
		head -n 20 "$logdir/$1.kmemleak" | sed 's/^/#   /'
	fi
	echo clear > "$kmemleak" 2>/dev/null
}

set_current() { { echo "$1" > "$current.tmp" && mv "$current.tmp" "$current"; } 2>/dev/null; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# until_ms MS CMD...: poll CMD until it succeeds or MS milliseconds pass.
until_ms()
{
	local deadline=$(($(now_ms) + $1))
	shift
	until "$@"; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# The follower: dmesg -w (retries on a ring-buffer overrun, unlike cat)
# writes every kernel message since the dmesg -C before it to $klog (-W, new
# ones only, would miss what is logged before it has opened /dev/kmsg). klog_mark writes a marker line
# through /dev/kmsg and waits until the follower has written it: then all
# that was logged before is in the file. klog_off is where the part of the
# current test starts.
klog_pid= klog_off=0 nmark=0
klog_has() { tail -c +$((klog_off + 1)) "$klog" | grep -qF "$1"; }

klog_start()
{
	dmesg -C 2>/dev/null
	dmesg -w > "$klog" 2>/dev/null &
	klog_pid=$!
	trap '[ -n "$klog_pid" ] && kill "$klog_pid" 2>/dev/null' EXIT
	klog_mark start && return 0
	kill "$klog_pid" 2>/dev/null
	klog_pid=
	echo "# cannot follow the kernel log: TEST.dmesg is dmesg after each test"
}

klog_mark()
{
	local m="dmvpn-selftests: mark $((nmark += 1)) $1"
	echo "<6>$m" > /dev/kmsg 2>/dev/null || return 1
	until_ms 10000 klog_has "$m" || return 1
	last_mark=$m
}

# klog_cut FILE: the kernel log since the last cut into FILE.
klog_cut()
{
	local rel line
	if [ -z "$klog_pid" ] || ! klog_mark "end of $(basename "$1" .dmesg)"; then
		dmesg > "$1" 2>/dev/null
		return
	fi
	IFS=: read -r rel line < <(tail -c +$((klog_off + 1)) "$klog" |
				   grep -bF -m1 "$last_mark")
	tail -c +$((klog_off + 1)) "$klog" | head -c $((rel + ${#line} + 1)) > "$1"
	klog_off=$((klog_off + rel + ${#line} + 1))
}

# splats FILE: print the offending lines of FILE as KTAP comments, then
# the first one with what follows it (the trace); false if there are none.
splats()
{
	local lines
	lines=$(grep -E "$splat_re" "$1") || return 1
	echo "# kernel log: $(wc -l <<< "$lines") offending lines ($1):"
	head -n 40 <<< "$lines" | sed 's/^/#   /'
	echo "# the first one in context:"
	grep -m 1 -A 25 -E "$splat_re" "$1" | sed 's/^/#   /'
	return 0
}

# allow KEY WHY: true if selftests/skip-allow lists KEY; the line for the
# summary goes to allowed_lines.
allow()
{
	local reason
	reason=$(../scripts/check-summary --allowed "$1") || return 1
	allowed_lines+=("# allowed skip: $1 $reason (skipped: $2)")
}

# case_skips NAME LOG: judge the "ok N CASE # SKIP WHY" lines of a test that
# exited 0. Sets v (pass, skip or fail) and detail; runs in this shell, for
# allowed_lines.
case_skips()
{
	local c why key good= bad=
	while IFS=$'\t' read -r c why; do
		key=$1:${c// /_}
		if allow "$key" "$why"; then
			good+="${good:+; }$c"
		else
			bad+="${bad:+; }$key: $why"
		fi
	done < <(sed -nE 's/^ok [0-9]+ (.*) # SKIP ?(.*)$/\1\t\2/p' "$2")
	if [ -n "$bad" ]; then
		v=fail detail="SKIP not allowed: $bad"
	elif [ -n "$good" ]; then
		v=skip detail=$good
	else
		v=pass detail=
	fi
}

pass=0 fail=0 skip=0 i=0

# result pass|skip|fail NAME DETAIL: the test's KTAP line and the counts.
result()
{
	i=$((i + 1))
	case $1 in
	pass) pass=$((pass + 1)); echo "ok $i $2${3:+ # $3}" ;;
	skip) skip=$((skip + 1)); echo "ok $i $2 # SKIP $3" ;;
	*) fail=$((fail + 1)); echo "not ok $i $2 # $3"
	   [[ $3 == "SKIP not allowed"* ]] &&
		echo "# to accept it: a line \"KEY REASON\" in selftests/skip-allow" ;;
	esac
}

run_one()
{
	local t=$1 name=${1%.sh} start rc secs why v= detail=
	local log=$logdir/$name.log kern=$logdir/$name.dmesg
	set_current "$name"
	start=$(date +%s)
	dmesg -C 2>/dev/null
	timeout -k 5 "$timeout" "./$t" 2>&1 | tee "$log" | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - start ))
	kmemleak_scan "$name"
	klog_cut "$kern"
	case $rc in
	0) case_skips "$name" "$log"
	   [ "$v" = pass ] && detail="${secs}s" ;;
	4) why=$(sed -n 's/^1\.\.0 # SKIP *//p' "$log" | head -n 1)
	   why=${why:-exit 4}
	   if allow "$name" "$why"; then
		v=skip detail=$why
	   else
		v=fail detail="SKIP not allowed: $why"
	   fi ;;
	124) v=fail detail="TIMEOUT ${timeout}s" ;;
	*) v=fail detail="exit $rc, ${secs}s" ;;
	esac
	if splats "$kern"; then
		[ "$v" = fail ] || detail="kernel log: a splat (exit $rc, ${secs}s)"
		v=fail
	fi
	result "$v" "$name" "$detail"
}

# traced WHAT EVENT: pr_debug traces of the whole run in all the saved
# kernel logs (device|peer, created|freed).
traced() { cat "$logdir"/*.dmesg 2>/dev/null | grep -c "dmvpn: $1 .* $2"; }

# leaks_cut: the kernel log since the last test into leaks.dmesg.
leaks_cut()
{
	if [ -n "$klog_pid" ]; then
		klog_cut "$logdir/leaks.part"
		cat "$logdir/leaks.part" >> "$logdir/leaks.dmesg"
		rm -f "$logdir/leaks.part"
	else
		dmesg > "$logdir/leaks.dmesg" 2>/dev/null
	fi
}

even()
{
	local m
	leaks_cut
	for m in device peer; do
		[ "$(traced $m created)" -eq "$(traced $m freed)" ] || return 1
	done
}

# The leak oracle over the whole run, after the last test: rmmod (retried:
# a namespace's cleanup may still hold a device), then poll until the frees
# that RCU callbacks do late are all logged.
leaks()
{
	local ddc=/sys/kernel/debug/dynamic_debug/control d rc
	set_current leaks
	: > "$logdir/leaks.dmesg"
	[ -n "$klog_pid" ] || dmesg -C 2>/dev/null
	if [ -d /sys/module/dmvpn ]; then
		if [ -r "$ddc" ] && grep '\[dmvpn\]' "$ddc" | grep -q ' =_ '; then
			result fail leaks "dmvpn's pr_debug traces are off (no dmvpn.dyndbg=+p?)"
			return
		fi
		if ! until_ms 30000 rmmod dmvpn 2>/dev/null; then
			result fail leaks "rmmod dmvpn: $(rmmod dmvpn 2>&1)"
			return
		fi
	fi
	until_ms 30000 even
	rc=$?
	if [ -w "$kmemleak" ]; then
		# Old enough for kmemleak: what the last test and the unload
		# freed too late, or never, is reported now.
		local since=$(date +%s)
		until_ms 7000 test "$(date +%s)" -ge $((since + 6))
		kmemleak_scan leaks
		leaks_cut
	fi
	d="devices: $(traced device created) created, $(traced device freed) freed;"
	d+=" peers: $(traced peer created) created, $(traced peer freed) freed"
	if splats "$logdir/leaks.dmesg"; then
		result fail leaks "kernel log: a splat while unloading; $d"
	elif [ "$rc" -eq 0 ]; then
		result pass leaks "$d"
	else
		result fail leaks "$d"
	fi
}

# Tests insmod the built kernel/dmvpn.ko, and the kernel applies the boot
# command line's dmvpn.dyndbg=+p only through modprobe: an insmod first in
# the tests' PATH adds it, so every load of the run traces its objects.
insmod_shim()
{
	local dir real
	real=$(command -v insmod) || return 0
	dir=$(mktemp -d /tmp/dmvpn-run.XXXXXX) || return 0
	cat > "$dir/insmod" <<-EOF
	#!/bin/bash
	# From selftests/run.sh: dmvpn's pr_debug traces for the leak oracle.
	if [[ \${1:-} == *dmvpn.ko ]]; then
		# What modprobe would load first (modinfo: depends).
		modprobe -q nf_defrag_ipv6
		[[ " \$* " == *" dyndbg="* ]] || set -- "\$@" dyndbg=+p
	fi
	exec $real "\$@"
	EOF
	chmod +x "$dir/insmod"
	PATH=$dir:$PATH
}

tests=()
for t in test_*.sh; do
	[[ -n ${DMVPN_TEST_FILTER:-} && ! $t =~ $DMVPN_TEST_FILTER ]] && continue
	tests+=("$t")
done

# DMVPN_TEST_SHARD=K/N: this VM's share of the tests (scripts/vm-check
# runs N VMs). Longest first, each to the share with the least time so
# far, by the seconds in selftests/durations (60 for a test not listed):
# every VM computes the same split.
if [[ ${DMVPN_TEST_SHARD:-} =~ ^([0-9]+)/([0-9]+)$ ]]; then
	mapfile -t tests < <(printf '%s\n' "${tests[@]}" |
		awk -v k="${BASH_REMATCH[1]}" -v n="${BASH_REMATCH[2]}" '
		FNR == NR { if ($1 !~ /^#/ && NF >= 2) w[$1] = $2; next }
		{ t[++m] = $1; s[m] = ($1 in w) ? w[$1] : 60 }
		END {
			for (i = 1; i <= m; i++)	# by time, longest first
				for (j = i + 1; j <= m; j++)
					if (s[j] > s[i] || (s[j] == s[i] && t[j] < t[i])) {
						x = t[i]; t[i] = t[j]; t[j] = x
						x = s[i]; s[i] = s[j]; s[j] = x
					}
			for (i = 1; i <= m; i++) {
				b = 0
				for (j = 1; j < n; j++)
					if (load[j] < load[b]) b = j
				load[b] += s[i]
				if (b == k) mine[t[i]] = 1
			}
			for (i = 1; i <= m; i++)
				if (t[i] in mine) print t[i]
		}' durations - | sort)
fi

echo "TAP version 13"
echo "1..$((${#tests[@]} + 1))"
klog_start
insmod_shim
# What the boot left for kmemleak is not any test's.
[ -w "$kmemleak" ] && { echo scan > "$kmemleak"; echo clear > "$kmemleak"; } 2>/dev/null
for t in "${tests[@]}"; do
	run_one "$t"
done
leaks
set_current "(run.sh finished)"
for l in "${allowed_lines[@]}"; do echo "$l"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
