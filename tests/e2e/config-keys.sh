#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# config.json read as runc reads it (issue 13, section 2), with real runc,
# for erdma-hook and for erdma-container-runtime: Go's encoding/json
# matches keys without regard to case and merges repeated objects. A key
# that either program reads, spelled twice, is refused with the key's
# name; one spelling in another case is read as runc reads it; a device
# path spelled another way is the same path.
# shellcheck disable=SC2016 # jq programs and container commands: single quotes on purpose
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/hook.sh"
need_root
need_bins runc jq
need_built erdma-hook erdma-container-runtime
SHIM=$(ect_bin erdma-container-runtime)
hook_init
ours_in() { find "$1" \( -name infiniband -o -name 'uverbs*' -o -name rdma_cm \) -print 2>/dev/null; }

# --- erdma-hook ---------------------------------------------------------
# root.path names a host directory, a second spelling names the bundle's
# rootfs: runc (the last one, merged) starts on the rootfs; a hook that
# read the first would make its nodes in the host directory.
for c in Root PATH; do
	h=$T/host-$c
	mkdir -p "$h/dev"
	b=$T/hook-$c
	hook_bundle "$b"
	bundle_annotate "$b" erdma_0
	bundle_cmd "$b" "$SHOW_CMD"
	if [ $c = Root ]; then
		bundle_jq "$b" --arg h "$h" '.root.path = $h | .Root = {path: "rootfs"}'
		key=root
	else
		bundle_jq "$b" --arg h "$h" '.root.path = $h | .root.PATH = "rootfs"'
		key=root.path
	fi
	st=0; out=$(runc_run "$b" "ck$$-$c") || st=$?
	check "hook, '$key' spelled twice: container does not start" test "$st" -ne 0
	check_contains "hook, '$key' spelled twice: the error names the key" "$out" "key '$key' appears more than once"
	check_eq "hook, '$key' spelled twice: the host directory gained nothing" "" "$(ours_in "$h")"
done

# "annotations" and "Annotations": runc merges the two maps.
b=$T/hook-ann
hook_bundle "$b"
bundle_jq "$b" '.annotations = {"x": "1"} | .Annotations = {"com.aliyun.erdma.devices": "erdma_0"}'
st=0; out=$(runc_run "$b" "ck$$-ann") || st=$?
check "hook, 'annotations' spelled twice: container does not start" test "$st" -ne 0
check_contains "hook, 'annotations' spelled twice: the error names the key" "$out" "key 'annotations' appears more than once"

# One spelling, another case: read as runc reads it.
b=$T/hook-one
hook_bundle "$b"
bundle_cmd "$b" "$SHOW_CMD"
bundle_jq "$b" '.Root = .root | del(.root) | .ANNOTATIONS = {"com.aliyun.erdma.devices": "erdma_0"}'
st=0; out=$(runc_run "$b" "ck$$-one") || st=$?
check_eq "hook, 'Root' and 'ANNOTATIONS' only: runs" 0 "$st"
check_contains "hook, 'Root' and 'ANNOTATIONS' only: uverbs0 injected" "$out" "/dev/infiniband/uverbs0 character special file e7:c0"

# --- erdma-container-runtime --------------------------------------------
shim_bundle() {
	hook_bundle "$1"
	bundle_jq "$1" 'del(.hooks)'
	bundle_cmd "$1" "$SHOW_CMD"
}
shim_run() {
	local d=$1 id=$2
	hook_on_exit "runc --root '$RUNC_ROOT' delete -f '$id'"
	prlimit --memlock=65536:8388608 env ERDMA_CONFIG="$HCFG" "$SHIM" --root "$RUNC_ROOT" run -b "$d" "$id" </dev/null 2>&1
}

# A device entry of uverbs0 whose path is spelled twice: runc would make
# the node at the second path; the shim, reading the first, would add none.
b=$T/shim-path
shim_bundle "$b"
bundle_annotate "$b" erdma_0
bundle_jq "$b" '.linux.devices += [{path: "/dev/infiniband/uverbs0", type: "c", major: 231, minor: 192, PATH: "/dev/elsewhere"}]'
st=0; out=$(shim_run "$b" "ck$$-spath") || st=$?
check "shim, a device path spelled twice: container does not start" test "$st" -ne 0
check_contains "shim, a device path spelled twice: the error names the key" "$out" "appears more than once"
check_contains "shim, a device path spelled twice: ... linux.devices[N].path" "$out" "path' appears"

# process.env and process.Env: runc reads the last.
b=$T/shim-env
shim_bundle "$b"
bundle_jq "$b" '.process.Env = ["ERDMA_VISIBLE_DEVICES=all"]'
st=0; out=$(shim_run "$b" "ck$$-senv") || st=$?
check "shim, 'process.env' spelled twice: container does not start" test "$st" -ne 0
check_contains "shim, 'process.env' spelled twice: the error names the key" "$out" "key 'process.env' appears more than once"

# An entry for uverbs0 at a non-canonical path: the same node to runc, so
# the shim adds no second entry, and the container sees it once.
for p in /dev/../dev/infiniband/uverbs0 //dev/infiniband/uverbs0 dev/infiniband/./uverbs0; do
	b=$T/shim-canon
	rm -rf "$b"
	shim_bundle "$b"
	bundle_annotate "$b" erdma_0
	bundle_jq "$b" --arg p "$p" '.linux.devices += [{path: $p, type: "c", major: 231, minor: 192, fileMode: 438, uid: 0, gid: 0}]'
	id=ck$$-canon-$(echo "$p" | tr -c 'a-z0-9' '-')
	st=0; out=$(shim_run "$b" "$id") || st=$?
	check_eq "shim, uverbs0 listed as '$p': runs" 0 "$st"
	check_contains "shim, uverbs0 listed as '$p': the container sees uverbs0" "$out" "/dev/infiniband/uverbs0 character special file e7:c0"
	check_eq "shim, uverbs0 listed as '$p': one linux.devices entry for 231:192" 1 \
		"$(jq '[.linux.devices[] | select(.major == 231 and .minor == 192)] | length' "$b/config.json")"
done

done_testing
