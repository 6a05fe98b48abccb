#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a test): whole `runc run` of a /bin/true container, each
# way of adding eRDMA side by side, round robin in one run (so that load from
# elsewhere on the machine hits all variants alike):
#
#   plain      runc run, nothing added
#   noop       with a no-op static prestart hook (the floor of any hook)
#   hook-1/8   with erdma-hook injecting 1 / 8 devices (+ rdma_cm)
#   edited-1/8 runc run of the config.json the shim writes for 1 / 8 devices
#              (the container gets the same nodes, no tool runs)
#   shim-1/8   erdma-container-runtime run (edits config.json, then runc)
#
# shim-N minus edited-N is what the shim adds to a start (target: <= 2 ms);
# the hook's own stage is timed more finely by bench/hook.sh. Whole runs vary
# by a few ms: medians over RUNS, and the deltas are of medians.
#
# Bundles live on a tmpfs, as under /run on most hosts (engines keep them
# there). shim-1-disk: the same as shim-1 with the bundle on this machine's
# disk, where the fsync of the rewritten config.json is paid.
#
# Usage: bench/start.sh [RUNS]   (root; ECT_BUILD names the build dir)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/fakehost.sh"
. "$top/tests/lib/rootfs.sh"
. "$top/tests/lib/hook.sh"
RUNS=${1:-40}
[ "$(id -u)" = 0 ] || { echo "bench/start.sh: needs root" >&2; exit 1; }
SHIM=$(ect_bin erdma-container-runtime)
hook_init
for n in 2 3 4 5 6 7; do fakehost_add_device "$HOST" "$n" "erdma_$n"; done
D=$T/disk
mkdir -p "$T/tmpfs" "$D"
mount -t tmpfs -o size=256m tmpfs "$T/tmpfs"
hook_on_exit "umount -l '$T/tmpfs'"
echo 'int main(void) { return 0; }' >"$T/noop.c"
cc -O2 -static -o "$T/noop" "$T/noop.c"

# A bundle without our hook: runc spec, /bin/true.
plain_bundle() {
	hook_bundle "$1"
	bundle_jq "$1" 'del(.hooks)'
}
B=$T/tmpfs
plain_bundle "$B/b-plain"
plain_bundle "$B/b-noop"
# shellcheck disable=SC2016 # a jq program: single quotes on purpose
bundle_jq "$B/b-noop" --arg p "$T/noop" '.hooks = {prestart: [{path: $p, args: ["noop"]}]}'
hook_bundle "$B/b-hook-1"
bundle_annotate "$B/b-hook-1" erdma_0
hook_bundle "$B/b-hook-8"
bundle_annotate "$B/b-hook-8" all
for n in 1 8; do
	plain_bundle "$B/b-shim-$n"
	bundle_annotate "$B/b-shim-$n" "$([ "$n" = 1 ] && echo erdma_0 || echo all)"
	# edited-N: what the shim leaves in config.json, run by plain runc
	mkdir -p "$B/b-edited-$n"
	cp "$B/b-shim-$n/config.json" "$B/b-shim-$n/config.json.orig"
	ERDMA_CONFIG=$HCFG "$SHIM" --root "$RUNC_ROOT" create -b "$B/b-shim-$n" "bench$$-probe" >/dev/null
	runc --root "$RUNC_ROOT" delete -f "bench$$-probe" >/dev/null 2>&1 || true
	jq -e '.linux.devices | length > 0' "$B/b-shim-$n/config.json" >/dev/null ||
		{ echo "bench/start.sh: the shim added no device" >&2; exit 1; }
	mv "$B/b-shim-$n/config.json" "$B/b-edited-$n/config.json"
	cp "$B/b-shim-$n/config.json.orig" "$B/b-shim-$n/config.json"
	# shellcheck disable=SC2016 # a jq program: single quotes on purpose
	bundle_jq "$B/b-edited-$n" --arg r "$B/b-shim-$n/rootfs" '.root.path = $r'
done
mkdir -p "$D/b-shim-1-disk"
cp "$B/b-shim-1/config.json.orig" "$D/b-shim-1-disk/config.json.orig"
cp "$B/b-shim-1/config.json.orig" "$D/b-shim-1-disk/config.json"
# shellcheck disable=SC2016 # a jq program: single quotes on purpose
bundle_jq "$D/b-shim-1-disk" --arg r "$B/b-shim-1/rootfs" '.root.path = $r'
cp "$D/b-shim-1-disk/config.json" "$D/b-shim-1-disk/config.json.orig"

names="plain noop hook-1 hook-8 edited-1 edited-8 shim-1 shim-8 shim-1-disk"
for n in $names; do : >"$T/$n.us"; done
for i in $(seq 1 "$RUNS"); do
	for n in $names; do
		b=$B/b-$n id=bench$$-$n-$i
		[ "$n" = shim-1-disk ] && b=$D/b-$n
		rt=runc
		case $n in shim-*)
			cp "$b/config.json.orig" "$b/config.json"
			rt=$SHIM ;;
		esac
		t0=$EPOCHREALTIME
		ERDMA_CONFIG=$HCFG prlimit --memlock=65536:8388608 "$rt" --root "$RUNC_ROOT" run -b "$b" "$id" \
			</dev/null >/dev/null 2>&1 ||
			{ echo "bench/start.sh: variant $n failed:" >&2
			  ERDMA_CONFIG=$HCFG prlimit --memlock=65536:8388608 "$rt" --root "$RUNC_ROOT" run -b "$b" "$id-x" </dev/null; exit 1; }
		t1=$EPOCHREALTIME
		echo $((${t1/./} - ${t0/./})) >>"$T/$n.us"
	done
done

med() { sort -n "$T/$1.us" | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'; }
echo "runc run of /bin/true: runc $(runc --version | head -1 | awk '{print $3}'), $RUNS runs each, round robin, medians"
printf '| %-40s | %9s | %9s |\n' variant "median ms" "vs plain"
printf '| %-40s | %9s | %9s |\n' --- --- ---
p=$(med plain)
for n in $names; do
	case $n in
	plain) l="plain" ;; noop) l="no-op static prestart hook" ;;
	hook-1) l="erdma-hook, 1 device (+rdma_cm)" ;; hook-8) l="erdma-hook, 8 devices (+rdma_cm)" ;;
	edited-1) l="config.json as the shim leaves it, 1 dev" ;; edited-8) l="config.json as the shim leaves it, 8 dev" ;;
	shim-1) l="erdma-container-runtime, 1 device" ;; shim-8) l="erdma-container-runtime, 8 devices" ;;
	shim-1-disk) l="same, 1 device, bundle on disk (fsync)" ;;
	esac
	printf '| %-40s | %9s | %9s |\n' "$l" "$(med "$n")" "$(awk -v a="$(med "$n")" -v b="$p" 'BEGIN { printf "%.2fx", a / b }')"
done
for n in 1 8; do
	d=$(awk -v a="$(med "shim-$n")" -v b="$(med "edited-$n")" 'BEGIN { printf "%+.2f", a - b }')
	echo "shim, $n device(s): $d ms over runc run of the config it writes (whole-run noise is a few ms;"
done
echo "  bench/runtime.sh times the shim alone, which is what the <= 2 ms target is checked on)"
