#!/usr/bin/env bash
# Runs each Check unit-test binary and sums the results into one closing line.
set -uo pipefail
pass=0 fail=0 rc=0
for t in "$@"; do
	out=$("$t" 2>&1)
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
	pass=$((pass + n - f - e)); fail=$((fail + f + e))
	[ "$st" -eq 0 ] || rc=1
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && exit $rc
exit 1
