# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2016 # jq programs and container commands: single quotes on purpose
# Helpers for the erdma-hook end-to-end tests: a fake host, a host config,
# busybox bundles with our hook in config.json, runc/crun runs.
#
#   hook_init                 T (temp dir, removed on exit), HOST (fake host:
#                             erdma_0 231:192, erdma_1 231:193, rdma_cm 10:241),
#                             HCFG (host config: memlock 8 MiB), HOOK (binary)
#   hook_bundle DIR [STAGE]   a bundle with its own rootfs and our hook at STAGE
#                             (prestart by default); edit it with bundle_jq
#   bundle_jq DIR FILTER...   applies a jq filter to DIR/config.json
#   bundle_cmd DIR 'sh cmd'   the container's command
#   runc_run DIR ID           runc run under a lower soft memlock; output on
#                             stdout (stderr too), status kept
#   hook_target DIR CGROUP    without runc (bench/): a process standing for the
#                             container of bundle DIR (TARGET_PID): a mount
#                             namespace of its own with a tmpfs on its
#                             rootfs's /dev, in the v1 device cgroup CGROUP
#   hook_target_gone CGROUP   kills what is in CGROUP and removes it
#   hook_uncache FILE...      (bench/) drops FILEs from the page cache, so
#                             that each is read from disk by its next exec
# hook_on_exit CMD runs CMD at exit, last registered first: e2e.sh's one
# cleanup stack (the name stays for bench/, which sources this file).
# shellcheck source=e2e.sh
declare -F e2e_on_exit >/dev/null || . "$(dirname "${BASH_SOURCE[0]}")/e2e.sh"
hook_on_exit() { e2e_on_exit "$1"; }

# The container command that shows what the container got: one line per
# node "PATH TYPE MAJ:MIN" (hex, as busybox stat prints), then the errno
# text of opening each node, then the memlock limit in KiB.
# shellcheck disable=SC2034 # used by the scripts that source this file
SHOW_CMD='for f in /dev/infiniband/*; do [ -e "$f" ] && stat -c "%n %F %t:%T" "$f"; done; for f in /dev/infiniband/*; do [ -e "$f" ] && cat "$f" 2>&1 | sed "s/^/open: /"; done; echo "memlock $(ulimit -l)"'

hook_init() {
	e2e_tmpdir ect-hook
	HOST=$T/host
	fakehost_standard "$HOST"
	HCFG=$T/erdma.json
	cat >"$HCFG" <<JSON
{"sysfs-root": "$HOST/sys", "dev-root": "$HOST/dev", "memlock": 8388608}
JSON
	HOOK=$(ect_bin erdma-hook)
	make_rootfs "$T/rootfs.base" >/dev/null
	RUNC_ROOT=$T/runc-root
	mkdir -p "$RUNC_ROOT"
}

bundle_jq() {
	local d=$1
	shift
	jq "$@" "$d/config.json" >"$d/config.json.new" && mv "$d/config.json.new" "$d/config.json"
}

hook_bundle() {
	local d=$1 stage=${2:-prestart}
	mkdir -p "$d"
	cp -a "$T/rootfs.base" "$d/rootfs"
	(cd "$d" && runc spec)
	bundle_jq "$d" --arg hook "$HOOK" --arg cfg "$HCFG" --arg stage "$stage" '
		.process.terminal = false
		| .process.args = ["true"]
		| .hooks[$stage] = [{path: $hook, args: ["erdma-hook", "--config", $cfg, $stage],
		                     env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]'
}

bundle_cmd() { bundle_jq "$1" --arg c "$2" '.process.args = ["sh", "-c", $c]'; }
bundle_annotate() { bundle_jq "$1" --arg v "$2" '.annotations["com.aliyun.erdma.devices"] = $v'; }
bundle_env() { bundle_jq "$1" --arg v "$2" '.process.env += [$v]'; }

runc_run() {
	local d=$1 id=$2
	hook_on_exit "runc --root '$RUNC_ROOT' delete -f '$id'"
	prlimit --memlock=65536:8388608 runc --root "$RUNC_ROOT" run -b "$d" "$id" </dev/null 2>&1
}

hook_target() {
	local b=$1 cg=$2
	mkdir "$cg"
	unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=755 ect-dev "$1/rootfs/dev" && exec sleep 3600' sh "$b" &
	TARGET_PID=$!
	echo "$TARGET_PID" >"$cg/cgroup.procs"
	# The target must be in its own namespace, its /dev mounted, before the hook runs.
	while [ "$(readlink "/proc/$TARGET_PID/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ] ||
		! grep -q " $b/rootfs/dev " "/proc/$TARGET_PID/mountinfo"; do sleep 0.05; done
}

hook_target_gone() {
	local cg=$1
	[ -d "$cg" ] || return 0
	xargs -r kill <"$cg/cgroup.procs"
	# Reaped here when it is this shell's child, so that no zombie holds the cgroup.
	[ -z "${TARGET_PID:-}" ] || wait "$TARGET_PID" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && return 0; sleep 0.1; done
}

# How a binary came into the page cache moves what its exec costs on the
# 2-core VM by up to 110 us (a static no-op: just copied with cp 66 us
# faster than just linked, read with cat 16 us faster, read back by its own
# exec 45 us slower; a copy of the hook 44-76 us faster): a benchmark puts
# every binary it compares in one state, the one an installed binary is in
# after a boot.
hook_uncache() {
	local f
	for f in "$@"; do
		[ -n "$f" ] || continue
		if ! sync "$f" || ! dd if="$f" iflag=nocache count=0 status=none; then
			echo "hook_uncache: cannot drop '$f' from the page cache" >&2
			return 1
		fi
	done
}

# hex MAJ MIN: "e7:c0", as busybox stat %t:%T prints
hex() { printf '%x:%x' "$1" "$2"; }
