#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs each libFuzzer target for FUZZ_SECONDS from its seed corpus
# (fuzz/corpus/<name>). New inputs go to a scratch copy, not the repository;
# a crash leaves its input in $FUZZ_OUT and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FUZZ_SECONDS:=60}" "${FUZZ_BUILD:=build-fuzz}" "${FUZZ_OUT:=$FUZZ_BUILD/findings}"
mkdir -p "$FUZZ_OUT"
total=0 failed=0 ntargets=0
for bin in "$FUZZ_BUILD"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	ntargets=$((ntargets + 1))
	name=$(basename "$bin")
	name=${name#fuzz_}
	work=$(mktemp -d)
	cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null || true
	echo "# fuzz $name for ${FUZZ_SECONDS}s"
	if "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$FUZZ_OUT/$name-" -print_final_stats=1 "$work" >"$FUZZ_OUT/$name.log" 2>&1; then
		execs=$(grep -E 'stat::number_of_executed_units' "$FUZZ_OUT/$name.log" | awk '{print $2}')
		echo "ok - $name: ${execs:-?} executions, no crash"
		total=$((total + ${execs:-0}))
	else
		echo "not ok - $name: crash, see $FUZZ_OUT/$name.log and $FUZZ_OUT/$name-*"
		tail -30 "$FUZZ_OUT/$name.log"
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done
echo "# fuzz: $total executions in all"
echo "fuzz: $((ntargets - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
