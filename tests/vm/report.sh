#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Reads what the guests left in build-vm/results and prints: each guest's
# TAP counts, every failing point, and the results table (engine x way in x
# check), also written to build-vm/results.md. Exit status 0 only when every
# guest ran to its end and no point failed.
# Usage: report.sh OUT GUEST...
set -uo pipefail
out=$1
shift
pass=0 fail=0
{
	echo "| guest | engine | way in | check | result | detail |"
	echo "| --- | --- | --- | --- | --- | --- |"
} >"$out/results.md"
for g in "$@"; do
	res=$out/results/$g
	p=$(cat "$res"/*.tap 2>/dev/null | grep -cE '^ok ')
	f=$(cat "$res"/*.tap 2>/dev/null | grep -cE '^not ok ')
	echo "check-vm: $g: $p passed, $f failed"
	# Each failing point with its diagnostic lines.
	cat "$res"/*.tap 2>/dev/null | awk '/^not ok / { show = 1; print "  " $0; next }
		/^#/ && show { print "  " $0; next } { show = 0 }' 
	if [ ! -s "$res/results.tsv" ] && [ "$f" = 0 ]; then
		echo "  not ok - $g: no results (see $res/console.log)"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f))
	[ -s "$res/results.tsv" ] &&
		awk -F'\t' '{ d = $6; gsub(/\|/, "/", d); if (length(d) > 90) d = substr(d, 1, 87) "..."
			printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, d }' \
			"$res/results.tsv" >>"$out/results.md"
done
echo "check-vm: results table: $out/results.md"
echo "vm: $pass passed, $fail failed"
[ "$fail" = 0 ]
