#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): peak memory (maximum resident set, GNU time's %M)
# of each program doing its usual job on a fake host with 8 devices:
# erdma-cdi generate; erdma-container-runtime create of a 4 KiB config.json
# with 1 and 8 devices (runtime /bin/true); erdma-hook at prestart under runc
# with 1 and 8 devices; erdma-probe on the host's view of the fake sysfs.
# Median of RUNS runs each. Sizes of config.json: see bench/runtime.sh.
#
# Usage: bench/memory.sh [RUNS]   (root; ECT_BUILD names the build dir)
# shellcheck disable=SC2016 # jq programs: single quotes on purpose
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/fakehost.sh"
. "$top/tests/lib/rootfs.sh"
. "$top/tests/lib/hook.sh"
RUNS=${1:-5}
[ "$(id -u)" = 0 ] || { echo "bench/memory.sh: needs root" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/memory.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
CDI=$(ect_bin erdma-cdi) SHIM=$(ect_bin erdma-container-runtime) PROBE=$(ect_bin erdma-probe)
hook_init
for n in 2 3 4 5 6 7; do fakehost_add_device "$HOST" "$n" "erdma_$n"; done
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"/bin/true"}\n' \
	"$HOST/sys" "$HOST/dev" >"$T/erdma-true.json"

med() { sort -n "$T/$1.rss" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rss() { # NAME CMD...: one run's %M appended to NAME.rss
	local name=$1
	shift
	/usr/bin/time -q -f %M -a -o "$T/$name.rss" "$@" >/dev/null 2>&1 || true
}

for n in 1 8; do
	hook_bundle "$T/b-shim-$n"
	bundle_jq "$T/b-shim-$n" 'del(.hooks)'
	bundle_annotate "$T/b-shim-$n" "$([ "$n" = 1 ] && echo erdma_0 || echo all)"
	cp "$T/b-shim-$n/config.json" "$T/b-shim-$n/config.json.orig"
	hook_bundle "$T/b-hook-$n"
	bundle_annotate "$T/b-hook-$n" "$([ "$n" = 1 ] && echo erdma_0 || echo all)"
	bundle_jq "$T/b-hook-$n" --arg o "$T/hook-$n.rss" '
		.hooks.prestart[0] |= (.args = ["time", "-q", "-f", "%M", "-a", "-o", $o, .path] + .args[1:] | .path = "/usr/bin/time")'
done
for i in $(seq 1 "$RUNS"); do
	rss cdi "$CDI" generate --sysfs-root "$HOST/sys" --dev-root "$HOST/dev" --output "$T/spec.yaml"
	for n in 1 8; do
		cp "$T/b-shim-$n/config.json.orig" "$T/b-shim-$n/config.json"
		ERDMA_CONFIG=$T/erdma-true.json rss "shim-$n" "$SHIM" create --bundle "$T/b-shim-$n" x
		runc_run "$T/b-hook-$n" "bench$$-$n-$i" >/dev/null ||
			{ echo "bench/memory.sh: hook run failed" >&2; runc_run "$T/b-hook-$n" "bench$$-x"; exit 1; }
	done
	rss probe "$PROBE" --sysfs-root "$HOST/sys" --dev-root "$HOST/dev" --mr-size 4K
done
echo "peak RSS (GNU time %M, median of $RUNS runs), fake host with 8 devices"
printf '| %-50s | %8s |\n' program "peak RSS"
printf '| %-50s | %8s |\n' --- ---
printf '| %-50s | %5s KiB |\n' "erdma-cdi generate" "$(med cdi)"
printf '| %-50s | %5s KiB |\n' "erdma-container-runtime create, 4 KiB, 1 device" "$(med shim-1)"
printf '| %-50s | %5s KiB |\n' "erdma-container-runtime create, 4 KiB, 8 devices" "$(med shim-8)"
printf '| %-50s | %5s KiB |\n' "erdma-hook prestart, 1 device" "$(med hook-1)"
printf '| %-50s | %5s KiB |\n' "erdma-hook prestart, 8 devices" "$(med hook-8)"
printf '| %-50s | %5s KiB |\n' "erdma-probe (no driver: verbs checks fail early)" "$(med probe)"
echo "(the shim's peak with a 1 MiB and a 16 MiB config.json: bench/runtime.sh)"
