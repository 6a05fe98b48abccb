#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): peak memory (GNU time's %M) and time of
# erdma-container-runtime create and erdma-hook prestart on hostile but
# valid config.json files of about SIZE bytes (default 15 MiB, under the
# 16 MiB bound): millions of tiny values, in places the programs do not
# read ("unread") and inside the subtrees they read ("read"); see
# tests/lib/bigjson.sh. The issue 13 bound is 8 x the file size + 8 MiB;
# the last column says whether a row is within it. One run each.
#
# Usage: bench/hostile.sh [SIZE]   (ECT_BUILD names the build dir)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/fakehost.sh"
. "$top/tests/lib/rootfs.sh"
. "$top/tests/lib/bigjson.sh"
SIZE=${1:-$((15 * 1024 * 1024))}
[ -x /usr/bin/time ] || { echo "bench/hostile.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
SHIM=$(ect_bin erdma-container-runtime) HOOK=$(ect_bin erdma-hook)
T=$(mktemp -d /tmp/ect-bench-hostile.XXXXXX)
trap 'rm -rf "$T"' EXIT
fakehost_standard "$T/host"
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"/bin/true"}\n' \
	"$T/host/sys" "$T/host/dev" >"$T/erdma.json"
mkdir -p "$T/b/rootfs"

# measure NAME CMD...: "KiB seconds" of one run (its status ignored: a
# refusal after the parse is still the cost of the parse).
measure() {
	/usr/bin/time -q -f '%M %e' -o "$T/m" "$@" >/dev/null 2>&1 </dev/null || true
	cat "$T/m"
}

echo "peak RSS (GNU time %M) and time, one run, config.json of about $((SIZE / 1048576)) MiB"
printf '| %-7s | %-13s | %9s | %9s | %6s | %9s | %6s | %-6s |\n' class shape "file KiB" \
	"shim KiB" "shim s" "hook KiB" "hook s" "8x+8M"
printf '| %-7s | %-13s | %9s | %9s | %6s | %9s | %6s | %-6s |\n' --- --- --- --- --- --- --- ---
for class in unread read; do
	for shape in $(bigjson_shapes "$class"); do
		bigjson "$shape" "$SIZE" >"$T/orig.json"
		cp "$T/orig.json" "$T/b/config.json"
		kib=$(($(stat -c %s "$T/orig.json") / 1024))
		bound=$((8 * kib + 8192))
		read -r s_kib s_t < <(ERDMA_CONFIG=$T/erdma.json measure "$SHIM" create --bundle "$T/b" x)
		cp "$T/orig.json" "$T/b/config.json"
		state='{"ociVersion":"1.0.2","id":"x","status":"creating","pid":1,"bundle":"'$T/b'"}'
		printf '%s' "$state" >"$T/state"
		read -r h_kib h_t < <(/usr/bin/time -q -f '%M %e' -o "$T/m" "$HOOK" prestart \
			<"$T/state" >/dev/null 2>&1 || true; cat "$T/m")
		verdict=ok
		{ [ "$s_kib" -le "$bound" ] && [ "$h_kib" -le "$bound" ]; } || verdict=OVER
		printf '| %-7s | %-13s | %9s | %9s | %6s | %9s | %6s | %-6s |\n' "$class" "$shape" \
			"$kib" "$s_kib" "$s_t" "$h_kib" "$h_t" "$verdict"
	done
done
