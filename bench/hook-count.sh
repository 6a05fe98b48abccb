#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark in units that load does not move: the system calls (strace -f)
# and the instructions (valgrind --tool=callgrind, from exec to
# ect_sandbox_enter: valgrind cannot run under the hook's seccomp filter,
# so the nodes and the exit are not in that count) of one erdma-hook run,
# with no request, 1 device and 8 devices (+rdma_cm) on the 8-device fake
# host. No runc: the hook is driven as runc would drive the hook entry of
# tests/lib/hook.sh (a state on stdin, the entry's env), for a process in a
# mount namespace of its own with a tmpfs on the rootfs's /dev and a v1
# device cgroup of its own (docs/PERFORMANCE.md, "The hook's own work,
# counted").
#
# Usage: bench/hook-count.sh   (root; ECT_BUILD names the build dir)
# HOOK_BASELINE=PATH adds that erdma-hook binary (an earlier build), each
# variant run by both in turn: before/after in one run.
# MOUNTS=N runs it all in a mount namespace with N more tmpfs mounts: the
# host's mountinfo of a busy node.
# HOT_FUNCS=FILE also writes there the names of the functions each counted
# run executed (bench/hook-hot.sh lays the hook's code out by them).
# shellcheck disable=SC2016 # sh -c programs: single quotes on purpose
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/hook-count.sh: needs root" >&2; exit 1; }
for b in strace valgrind unshare; do
	command -v "$b" >/dev/null || { echo "bench/hook-count.sh: needs $b, skipped"; exit 0; }
done
devcg=/sys/fs/cgroup/devices
[ -e "$devcg/devices.allow" ] || { echo "bench/hook-count.sh: needs the v1 devices hierarchy at $devcg, skipped"; exit 0; }
if [ "${MOUNTS:-0}" -gt 0 ] && [ -z "${ECT_HOOK_COUNT_NS:-}" ]; then
	exec env ECT_HOOK_COUNT_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/hook.sh"
hook_init
for n in 2 3 4 5 6 7; do fakehost_add_device "$HOST" "$n" "erdma_$n"; done
for i in $(seq 1 "${MOUNTS:-0}"); do
	mkdir -p "$T/mnt/$i"
	mount -t tmpfs ect-count "$T/mnt/$i"
done
OUT=$T/out
mkdir -p "$OUT"
# The target's cgroup, made and removed by each count; if this script is
# stopped half-way, its process is killed (by its pid: the only one there)
# and the cgroup removed at exit.
CG=$devcg/ect-count.$$
e2e_on_exit "hook_target_gone $CG"

# count VARIANT ANNOTATION|"" BIN: prints "SYSCALLS INSTRUCTIONS".
count() {
	local v=$1 ann=$2 bin=$3 b=$T/b-$1 n ins f
	rm -rf "$b"
	hook_bundle "$b"
	[ -z "$ann" ] || bundle_annotate "$b" "$ann"
	hook_target "$b" "$CG"
	printf '{"ociVersion":"1.0.2","id":"count-%s","status":"created","pid":%d,"bundle":"%s"}' "$v" "$TARGET_PID" "$b" >"$T/state.json"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin strace -f -qq -o "$OUT/strace" "$bin" --config "$HCFG" prestart <"$T/state.json" ||
		{ echo "bench: erdma-hook failed ($v, $bin)" >&2; hook_target_gone "$CG"; exit 1; }
	n=$(grep -vc '^[0-9]* *+++' "$OUT/strace")
	rm -f "$OUT"/cg "$OUT"/cg.*
	# Killed by the filter past the sandbox: the status says nothing here.
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin valgrind --tool=callgrind --dump-before=ect_sandbox_enter \
		--callgrind-out-file="$OUT/cg" "$bin" --config "$HCFG" prestart <"$T/state.json" >/dev/null 2>&1 || true
	# Part 1 is the dump before the sandbox; without one (no request), the whole run.
	f=$OUT/cg.1
	[ -e "$f" ] || f=$OUT/cg
	ins=$(awk '/^summary:/ { print $2 }' "$f")
	# callgrind names a function once per file, where it first appears.
	[ -z "${HOT_FUNCS:-}" ] || sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$OUT"/cg* >>"$HOT_FUNCS"
	hook_target_gone "$CG"
	echo "$n $ins"
}

row() { printf '| %-36s | %12s | %26s |\n' "$1" "$2" "$3"; }
echo "erdma-hook counted: 8-device fake host, $(wc -l </proc/self/mountinfo) mounts in the hook's mountinfo"
row "hook run" "system calls" "instructions to the sandbox"
row "---" "---:" "---:"
for v in none one eight; do
	case $v in
	none) ann="" l="no request" ;;
	one) ann=erdma_0 l="1 device of 8 (+rdma_cm)" ;;
	eight) ann=all l="8 devices (+rdma_cm)" ;;
	esac
	read -r n ins < <(count "$v" "$ann" "$HOOK")
	row "$l" "$n" "$ins"
	if [ -n "${HOOK_BASELINE:-}" ]; then
		read -r n ins < <(count "$v" "$ann" "$HOOK_BASELINE")
		row "same, baseline build" "$n" "$ins"
	fi
done
