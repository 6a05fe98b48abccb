#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every tests/e2e/*.sh (TAP) and prints one closing line.
# ECT_BUILD names the build directory whose binaries are tested.
# Under CI=true a skipped test fails the run, unless its reason starts with
# "hardware:" (no RDMA hardware on CI machines): CI must not skip what it
# can run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
: "${ECT_BUILD:=$PWD/build}"
export ECT_BUILD
# The programs read the host configuration (/etc/erdma-container-toolkit/
# config.json) when nothing else names one: a file left on this machine by an
# installed package or an earlier run must not change what the tests see.
# Every test starts from an empty configuration (the defaults); a test that
# needs keys writes its own file and names it in ERDMA_CONFIG.
cfgdir=$(mktemp -d /tmp/ect-e2e-config.XXXXXX)
trap 'rm -rf "$cfgdir"' EXIT
echo '{}' >"$cfgdir/config.json"
chmod 0755 "$cfgdir"
export ERDMA_CONFIG=$cfgdir/config.json
pass=0 fail=0 skip=0
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(tests/e2e/*.sh)
for s in "${scripts[@]}"; do
	[ -e "$s" ] || continue
	echo "# $s"
	out=$(bash "$s" 2>&1)
	st=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -E '^ok ' | grep -vc '# SKIP')
	f=$(printf '%s\n' "$out" | grep -cE '^not ok ')
	sk=$(printf '%s\n' "$out" | grep -E '^ok .*# SKIP' )
	all=$(printf '%s\n' "$out" | grep -E '^1\.\.0 # SKIP')
	nsk=$(printf '%s' "$sk" | grep -c . )
	if [ -n "$all" ]; then nsk=$((nsk + 1)); sk="$sk"$'\n'"$all"; fi
	if [ "${CI:-}" = true ]; then
		hard=$(printf '%s\n' "$sk" | grep -v '# SKIP hardware:' | grep -c .)
		if [ "$hard" -gt 0 ]; then
			echo "# $s: $hard skip(s) under CI count as failures"
			f=$((f + hard))
			nsk=$((nsk - hard))
		fi
	fi
	if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "# $s exited $st without a failing test point"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + nsk))
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
