#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark: what erdma-hook adds to a container start with runc.
#
# Whole `runc run` times vary by ~5 ms run to run, so the hook stage is
# timed by itself: two tiny static timestamp hooks around the hook under
# test (prestart: [ts, HOOK, ts]) record CLOCK_MONOTONIC; the interval minus
# the interval with nothing in between ([ts, ts]) is the hook's cost, runc's
# fork/exec/wait of it included. Variants: a no-op static hook (the floor),
# erdma-hook with no request, with 1 device and with 8 devices.
# Target: erdma-hook costs at most 1.5x the no-op hook. The ratio is also
# given round by round, its median with a 95 % confidence interval.
#
# Usage: bench/hook.sh [RUNS]   (root; ECT_BUILD names the build dir)
# HOOK_BASELINE=PATH adds that erdma-hook binary (an earlier build) with 1
# and 8 devices, in the same round robin: before/after in one run.
# shellcheck disable=SC2016 # jq programs and container commands: single quotes on purpose
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/fakehost.sh"
. "$top/tests/lib/rootfs.sh"
. "$top/tests/lib/hook.sh"
RUNS=${1:-40}
[ "$(id -u)" = 0 ] || { echo "bench/hook.sh: needs root" >&2; exit 1; }
hook_init
# 8 devices: erdma_0..erdma_7 (the standard host has 0 and 1).
for n in 2 3 4 5 6 7; do fakehost_add_device "$HOST" "$n" "erdma_$n"; done

cat >"$T/ts.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct timespec t;
	char buf[64];
	int fd, n;
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (argc < 2 || (fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0)
		return 1;
	n = snprintf(buf, sizeof buf, "%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
	return write(fd, buf, (size_t)n) == n ? 0 : 1;
}
C
echo 'int main(void) { return 0; }' >"$T/noop.c"
cc -O2 -static -o "$T/ts" "$T/ts.c"
cc -O2 -static -o "$T/noop" "$T/noop.c"
# Every binary read from disk by its own first exec, as after a boot: how a
# binary came into the page cache moves its exec by up to 110 us here.
hook_uncache "$T/ts" "$T/noop" "$HOOK" "${HOOK_BASELINE:-}"

# setup NAME HOOK-ENTRY-JSON|"" ANNOTATION|"": a bundle whose prestart hooks
# are [ts, ENTRY, ts].
setup() {
	local name=$1 entry=$2 ann=$3 b=$T/b-$1
	hook_bundle "$b"
	[ -n "$ann" ] && bundle_annotate "$b" "$ann"
	bundle_jq "$b" --arg ts "$T/ts" --arg out "$T/$name.ts" --argjson mid "${entry:-null}" '
		.hooks = {prestart: ([{path: $ts, args: ["ts", $out]}] + (if $mid then [$mid] else [] end)
		                     + [{path: $ts, args: ["ts", $out]}])}'
	: >"$T/$name.ts"
}
# intervals NAME: (second - first) of each run, in microseconds, in run order
intervals() { awk 'NR % 2 == 1 { a = $1 } NR % 2 == 0 { print int(($1 - a) / 1000) }' "$T/$1.ts"; }
# median of the intervals
median() { intervals "$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
erdma() { jq -nc --arg h "${1:-$HOOK}" --arg c "$HCFG" '{path: $h, args: ["erdma-hook", "--config", $c, "prestart"], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}'; }

names="base noop none one eight"
if [ -n "${HOOK_BASELINE:-}" ]; then
	names="$names bone beight"
	setup bone "$(erdma "$HOOK_BASELINE")" erdma_0
	setup beight "$(erdma "$HOOK_BASELINE")" all
fi
setup base "" ""
setup noop "$(jq -nc --arg p "$T/noop" '{path: $p, args: ["noop"]}')" ""
setup none "$(erdma)" ""
setup one "$(erdma)" erdma_0
setup eight "$(erdma)" all
# Round robin, so that load from elsewhere on the machine hits all alike.
for i in $(seq 1 "$RUNS"); do
	for n in $names; do
		prlimit --memlock=65536:8388608 runc --root "$RUNC_ROOT" run -b "$T/b-$n" "bench$$-$n-$i" </dev/null >/dev/null 2>&1 ||
			{ echo "bench: variant $n failed:" >&2; runc --root "$RUNC_ROOT" run -b "$T/b-$n" "bench$$-x" </dev/null; exit 1; }
	done
done
base=$(median base) noop=$(median noop) none=$(median none) one=$(median one) eight=$(median eight)

cost() { echo $(($1 - base)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "erdma-hook benchmark: runc $(runc --version | head -1 | awk '{print $3}'), $RUNS runs each, medians"
echo "  [ts, ts] interval (subtracted):       ${base} us"
printf '  %-36s %6s us  (%sx no-op)\n' "no-op static hook" "$(cost "$noop")" "1.00"
printf '  %-36s %6s us  (%sx no-op)\n' "erdma-hook, no request" "$(cost "$none")" "$(ratio "$(cost "$none")" "$(cost "$noop")")"
printf '  %-36s %6s us  (%sx no-op)\n' "erdma-hook, 1 device (+rdma_cm)" "$(cost "$one")" "$(ratio "$(cost "$one")" "$(cost "$noop")")"
printf '  %-36s %6s us  (%sx no-op)\n' "erdma-hook, 8 devices (+rdma_cm)" "$(cost "$eight")" "$(ratio "$(cost "$eight")" "$(cost "$noop")")"
if [ -n "${HOOK_BASELINE:-}" ]; then
	bone=$(median bone) beight=$(median beight)
	printf '  %-36s %6s us  (%sx no-op)\n' "baseline build, 1 device" "$(cost "$bone")" "$(ratio "$(cost "$bone")" "$(cost "$noop")")"
	printf '  %-36s %6s us  (%sx no-op)\n' "baseline build, 8 devices" "$(cost "$beight")" "$(ratio "$(cost "$beight")" "$(cost "$noop")")"
fi
# Issue 14: with one device and with eight.
r1=$(ratio "$(cost "$one")" "$(cost "$noop")") r8=$(ratio "$(cost "$eight")" "$(cost "$noop")")
echo "  target: erdma-hook <= 1.5x the no-op hook, 1 and 8 devices: $(awk -v a="$r1" -v b="$r8" 'BEGIN { print (a <= 1.5 && b <= 1.5 ? "met" : "missed") }') (${r1}x, ${r8}x)"
# The same ratio round by round (each round runs every variant once, back to
# back): its median, and the order statistics around it that bound the
# median with 95 % confidence whatever the distribution (binomial, normal
# approximation). Two runs of 100 here differ by 0.05-0.1x; this says
# whether one run tells a figure from the target at all.
per_round() {
	paste <(costs "$1") <(costs noop) | awk '$2 > 0 { printf "%.4f\n", $1 / $2 }' | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR < 10) { print "(too few rounds)"; exit }
			h = 0.98 * sqrt(NR); lo = int(NR / 2 - h); hi = int(NR / 2 + h + 1)
			if (lo < 1) lo = 1
			if (hi > NR) hi = NR
			printf "%.2fx (95%% CI %.2f-%.2fx)\n", v[int((NR + 1) / 2)], v[lo], v[hi] }'
}
# costs NAME: the hook's cost in each round (us), against the round's [ts, ts]
costs() { paste <(intervals "$1") <(intervals base) | awk '{ print $1 - $2 }'; }
echo "  per round, vs the no-op: 1 device $(per_round one), 8 devices $(per_round eight)"
[ -z "${HOOK_BASELINE:-}" ] ||
	echo "  per round, baseline build: 1 device $(per_round bone), 8 devices $(per_round beight)"

# The same hooks' own CPU time (perf stat task-clock of the hook process,
# run by runc under perf): less sensitive to load elsewhere than intervals.
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
	pwrap() { jq -c --arg o "$T/$1.perf" '{path: "'"$(command -v perf)"'", args: (["perf", "stat", "-x,", "--append", "-o", $o, "-e", "task-clock", .path] + .args[1:])} + (if .env then {env} else {} end)'; }
	setup pnoop "$(jq -nc --arg p "$T/noop" '{path: $p, args: ["noop"]}' | pwrap pnoop)" ""
	setup pnone "$(erdma | pwrap pnone)" ""
	setup pone "$(erdma | pwrap pone)" erdma_0
	setup peight "$(erdma | pwrap peight)" all
	for i in $(seq 1 "$RUNS"); do
		for n in pnoop pnone pone peight; do
			runc --root "$RUNC_ROOT" run -b "$T/b-$n" "bench$$-$n-$i" </dev/null >/dev/null 2>&1 ||
				{ echo "bench: variant $n failed" >&2; exit 1; }
		done
	done
	pmed() { grep task-clock "$T/$1.perf" | cut -d, -f1 | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] * 1000 }'; }
	pn=$(pmed pnoop)
	echo "CPU time of the hook process (perf stat task-clock, medians):"
	for n in pnoop pnone pone peight; do
		case $n in pnoop) l="no-op static hook" ;; pnone) l="erdma-hook, no request" ;;
		pone) l="erdma-hook, 1 device (+rdma_cm)" ;; peight) l="erdma-hook, 8 devices (+rdma_cm)" ;; esac
		printf '  %-36s %6s us  (%sx no-op)\n' "$l" "$(pmed $n)" "$(ratio "$(pmed $n)" "$pn")"
	done
fi
