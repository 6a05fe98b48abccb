#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs each Check unit-test binary and sums the results into one closing line.
# EMULATOR (set by make for a cross build, e.g. qemu-aarch64-static) runs
# each binary; the tests see it as ECT_EMULATOR and leave out, with a line
# "SKIP emulation: ..." each, what emulation cannot run. Every "SKIP" line
# is counted; under CI=true a skip fails the run unless its reason starts
# with "emulation:" (the native run of the same test covers it) or
# "hardware:" (no RDMA hardware on CI machines).
set -uo pipefail
pass=0 fail=0 skip=0 rc=0
emu=()
if [ -n "${EMULATOR:-}" ]; then
	if ! command -v "$EMULATOR" >/dev/null; then
		echo "run-unit: emulator '$EMULATOR' not found (./setup.sh installs qemu-user-static)"
		echo "unit: 0 passed, $# failed"
		exit 1
	fi
	emu=("$EMULATOR")
	export ECT_EMULATOR=$EMULATOR
fi
for t in "$@"; do
	out=$("${emu[@]}" "$t" 2>&1)
	st=$?
	printf '%s\n' "$out" | grep -v '^Running suite' | sed "s|^|$(basename "$t"): |"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -1)
	if [ -z "$line" ]; then
		echo "$(basename "$t"): no Check summary (exit $st)"
		fail=$((fail + 1)); rc=1; continue
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	sk=$(printf '%s\n' "$out" | grep -E '^SKIP ')
	nsk=$(printf '%s' "$sk" | grep -c .)
	hard=0
	if [ "${CI:-}" = true ]; then
		hard=$(printf '%s\n' "$sk" | grep -vE '^SKIP (emulation|hardware):' | grep -c .)
		if [ "$hard" -gt 0 ]; then
			echo "$(basename "$t"): $hard skip(s) under CI count as failures"
			nsk=$((nsk - hard))
		fi
	fi
	pass=$((pass + n - f - e)); fail=$((fail + f + e + hard)); skip=$((skip + nsk))
	[ "$st" -eq 0 ] || rc=1
done
echo "unit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && exit $rc
exit 1
