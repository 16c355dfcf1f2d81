#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every selftests/test_*.sh (inside the VM), each under the timeout of
# selftests/settings, as one KTAP document, and ends with the line
# "N passed, N failed, N skipped". DMVPN_TEST_FILTER (a regex) selects tests.
cd "$(dirname "$0")" || exit 1
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null)
timeout=${timeout:-300}
logdir=${DMVPN_TEST_LOGS:-/run/result/logs}
mkdir -p "$logdir" 2>/dev/null || logdir=$(mktemp -d)

tests=()
for t in test_*.sh; do
	[[ -n ${DMVPN_TEST_FILTER:-} && ! $t =~ $DMVPN_TEST_FILTER ]] && continue
	tests+=("$t")
done

pass=0 fail=0 skip=0 i=0
echo "TAP version 13"
echo "1..${#tests[@]}"
for t in "${tests[@]}"; do
	i=$((i + 1))
	name=${t%.sh}
	start=$(date +%s)
	dmesg -C 2>/dev/null
	timeout -k 5 "$timeout" "./$t" 2>&1 | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	dmesg > "$logdir/$name.dmesg" 2>/dev/null
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "ok $i $name # ${secs}s" ;;
	4) skip=$((skip + 1)); echo "ok $i $name # SKIP" ;;
	124) fail=$((fail + 1)); echo "not ok $i $name # TIMEOUT ${timeout}s" ;;
	*) fail=$((fail + 1)); echo "not ok $i $name # exit $rc, ${secs}s" ;;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
