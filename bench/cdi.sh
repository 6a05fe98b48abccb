#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-cdi generate on fake hosts of 1, 8, 64 and 256 devices: median time
# (hyperfine) and peak memory. Target (issue 8): linear growth, under 5 ms
# at 64 devices.
# CDI_BASELINE=PATH also times that erdma-cdi binary (an earlier build) at 64.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${ECT_BUILD:=$top/build}"
. "$top/tests/lib/fakehost.sh"
cdi=$ECT_BUILD/erdma-cdi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mk=mknod=0
[ "$(id -u)" = 0 ] && mk=mknod=1 # the nodes too (else each is reported missing)

printf '%-8s %12s %12s %14s\n' devices median_ms per_dev_us peak_rss_kib
for n in 1 8 64 256; do
	h=$tmp/h$n
	fakehost_init "$h"
	for ((i = 0; i < n; i++)); do
		if [ $i -lt 32 ]; then
			fakehost_add_device "$h" $i "erdma_$i" $mk >/dev/null
		else
			fakehost_add_device "$h" $i "erdma_$i" major=511 minor=$((i - 32)) $mk >/dev/null
		fi
	done
	fakehost_add_rdma_cm "$h" 241 $mk
	dev=/dev
	[ "$mk" = mknod=1 ] && dev=$h/dev
	cmd="$cdi generate --sysfs-root $h/sys --dev-root $dev --output $tmp/spec$n.yaml"
	hyperfine -N -w 20 -r 200 --export-json "$tmp/r$n.json" "$cmd" >/dev/null 2>&1
	med=$(/usr/bin/python3 -c "import json,sys; print('%.3f' % (json.load(open(sys.argv[1]))['results'][0]['median']*1000))" "$tmp/r$n.json")
	# shellcheck disable=SC2086 # $cmd is hyperfine's command line: split on purpose
	rss=$( { /usr/bin/time -f %M $cmd; } 2>&1 | tail -1)
	per=$(/usr/bin/python3 -c "print('%.1f' % ($med*1000/$n))")
	printf '%-8s %12s %12s %14s\n' "$n" "$med" "$per" "$rss"
	eval "med$n=$med"
	if [ -n "${CDI_BASELINE:-}" ] && [ "$n" = 64 ]; then
		hyperfine -N -w 20 -r 200 --export-json "$tmp/b$n.json" \
			"$CDI_BASELINE generate --sysfs-root $h/sys --dev-root $dev --output $tmp/specb$n.yaml" >/dev/null 2>&1
		bmed=$(/usr/bin/python3 -c "import json,sys; print('%.3f' % (json.load(open(sys.argv[1]))['results'][0]['median']*1000))" "$tmp/b$n.json")
	fi
done
[ -n "${bmed:-}" ] && echo "baseline build ($CDI_BASELINE), 64 devices: $bmed ms"
# Linear: the cost of each added device stays the same from 8 to 64 and from
# 64 to 256 (within a factor of 2); the fixed part is process start.
# shellcheck disable=SC2154 # med1 ... med256 are set by the eval in the loop
awk -v a="$med1" -v b="$med8" -v c="$med64" -v d="$med256" 'BEGIN {
	m1 = (c - b) / 56 * 1000; m2 = (d - c) / 192 * 1000
	r = m1 > 0 ? m2 / m1 : 0
	printf "per added device: %.1f us (8 -> 64), %.1f us (64 -> 256): %s\n", m1, m2,
		(r > 0.5 && r < 2) ? "linear" : "NOT linear"
	printf "64 devices: %.2f ms (target < 5 ms: %s)\n", c, c < 5 ? "met" : "missed"
}'
