#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-hook with real runc (cgroup v1 and v2 mode) and crun: the container
# gets exactly the selected nodes (type, major:minor, errno on open),
# unselected nodes are absent or denied, memlock is raised; bad input
# gives one clear line and a non-zero exit.
# shellcheck disable=SC2016 # jq programs and container commands: single quotes on purpose
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/hook.sh"
need_root
need_bins runc jq
need_built erdma-hook
hook_init
U0="/dev/infiniband/uverbs0 character special file $(hex 231 192)"
U1="/dev/infiniband/uverbs1 character special file $(hex 231 193)"
CM="/dev/infiniband/rdma_cm character special file $(hex 10 241)"
ENXIO="No such device or address"
ENODEV="No such device"
EPERM="Operation not permitted"

# --- runc, cgroup v1 -------------------------------------------------------
b=$T/ann
hook_bundle "$b"
bundle_annotate "$b" erdma_0
# An unselected node made by runc itself (no allow rule): must stay denied.
bundle_jq "$b" '.linux.devices += [{"path": "/dev/other", "type": "c", "major": 231, "minor": 193, "fileMode": 438}]'
bundle_cmd "$b" "$SHOW_CMD; cat /dev/other 2>&1 | sed 's/^/other: /'"
st=0; out=$(runc_run "$b" "hk$$-ann") || st=$?
check_eq "runc v1, annotation erdma_0: container runs" 0 "$st"
check_contains "runc v1: uverbs0 is c 231:192" "$out" "$U0"
check_contains "runc v1: rdma_cm is c 10:241" "$out" "$CM"
check_not_contains "runc v1: uverbs1 not injected" "$out" "uverbs1"
check_contains "runc v1: uverbs0 opens to ENXIO (cgroup allows)" "$out" "uverbs0': $ENXIO"
check_contains "runc v1: rdma_cm opens to ENODEV (cgroup allows)" "$out" "rdma_cm': $ENODEV"
check_contains "runc v1: an unselected node stays EPERM" "$out" "other: cat: can't open '/dev/other': $EPERM"
check_contains "runc v1: memlock raised to 8 MiB from a 64 KiB soft limit" "$out" "memlock 8192"

b=$T/env
hook_bundle "$b" createRuntime
bundle_env "$b" ERDMA_VISIBLE_DEVICES=all
bundle_cmd "$b" "$SHOW_CMD"
st=0; out=$(runc_run "$b" "hk$$-env") || st=$?
check_eq "runc v1 createRuntime, env all: container runs" 0 "$st"
check_contains "runc v1 env all: uverbs0" "$out" "$U0"
check_contains "runc v1 env all: uverbs1" "$out" "$U1"
check_contains "runc v1 env all: uverbs1 ENXIO" "$out" "uverbs1': $ENXIO"

b=$T/none
hook_bundle "$b"
bundle_cmd "$b" 'ls /dev/infiniband 2>&1; echo "memlock $(ulimit -l)"'
st=0; out=$(runc_run "$b" "hk$$-none") || st=$?
check_eq "runc v1, no request: container runs" 0 "$st"
check_contains "runc v1, no request: no /dev/infiniband" "$out" "No such file or directory"
check_contains "runc v1, no request: memlock untouched" "$out" "memlock 64"

b=$T/unknown
hook_bundle "$b"
bundle_annotate "$b" erdma_7
st=0; out=$(runc_run "$b" "hk$$-unk") || st=$?
check "runc v1, unknown device: container does not start" test "$st" -ne 0
check_contains "runc v1, unknown device: the error names it and the host's devices" "$out" "erdma_7"

# The hook runs again on the same container (a second hook entry): the
# nodes are there already and are the same devices: left alone.
b=$T/twice
hook_bundle "$b"
bundle_annotate "$b" erdma_0
bundle_jq "$b" '.hooks.prestart += .hooks.prestart'
bundle_cmd "$b" "$SHOW_CMD"
st=0; out=$(runc_run "$b" "hk$$-twice") || st=$?
check_eq "hook twice on one container: runs" 0 "$st"
check_contains "hook twice: uverbs0 still right" "$out" "$U0"

# config.json itself sets a lower RLIMIT_MEMLOCK: runc re-applies it after
# the hook. The hook warns (visible with a failing hook only) and goes on.
b=$T/rlim
hook_bundle "$b"
bundle_annotate "$b" erdma_0
bundle_jq "$b" '.process.rlimits += [{"type": "RLIMIT_MEMLOCK", "soft": 131072, "hard": 131072}]'
bundle_cmd "$b" 'echo "memlock $(ulimit -l)"'
st=0; out=$(runc_run "$b" "hk$$-rlim") || st=$?
check_eq "config.json RLIMIT_MEMLOCK lower: runs" 0 "$st"
check_contains "config.json RLIMIT_MEMLOCK lower: runc's value wins (documented)" "$out" "memlock 128"

# Above the hard limit without CAP_SYS_RESOURCE: a clear error.
b=$T/big
hook_bundle "$b"
bundle_annotate "$b" erdma_0
cat >"$T/big.json" <<JSON
{"sysfs-root": "$HOST/sys", "dev-root": "$HOST/dev", "memlock": "unlimited"}
JSON
bundle_jq "$b" --arg c "$T/big.json" '.hooks.prestart[0].args[2] = $c'
st=0; out=$(runc_run "$b" "hk$$-big") || st=$?
if grep -q 'CapEff:.*' /proc/self/status && [ $(( 0x$(sed -n 's/CapEff:\t//p' /proc/self/status) >> 24 & 1 )) -eq 0 ]; then
	check "memlock above the hard limit: container does not start" test "$st" -ne 0
	check_contains "memlock above the hard limit: clear message" "$out" "above the container's hard limit 8388608 and raising it needs CAP_SYS_RESOURCE"
else
	ok_skip "memlock above the hard limit" "this machine has CAP_SYS_RESOURCE"
	ok_skip "memlock above the hard limit: message" "this machine has CAP_SYS_RESOURCE"
fi

# --- runc, cgroup v2 mode (TESTBED.md): the eBPF filter is replaced -------
b=$T/v2
hook_bundle "$b"
bundle_annotate "$b" erdma_1
bundle_jq "$b" '.linux.devices += [{"path": "/dev/other", "type": "c", "major": 231, "minor": 192, "fileMode": 438}]'
bundle_cmd "$b" "$SHOW_CMD; cat /dev/other 2>&1 | sed 's/^/other: /'; cat /dev/null && echo null-ok"
hook_on_exit "runc --root '$RUNC_ROOT' delete -f 'hk$$-v2'"
st=0
out=$(prlimit --memlock=65536:8388608 unshare -m --propagation private sh -c \
	"umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec runc --root '$RUNC_ROOT' run -b '$b' 'hk$$-v2'" </dev/null 2>&1) || st=$?
check_eq "runc v2: container runs" 0 "$st"
check_contains "runc v2: uverbs1 is c 231:193" "$out" "$U1"
check_contains "runc v2: uverbs1 ENXIO (our rule in the replaced program)" "$out" "uverbs1': $ENXIO"
check_contains "runc v2: rdma_cm ENODEV" "$out" "rdma_cm': $ENODEV"
check_contains "runc v2: an unselected node stays EPERM (runc's rules still there)" "$out" "other: cat: can't open '/dev/other': $EPERM"
check_contains "runc v2: runc's own rules still allow /dev/null" "$out" "null-ok"
check_contains "runc v2: memlock" "$out" "memlock 8192"

# --- crun (cgroup v1 recipe) ----------------------------------------------
if command -v crun >/dev/null; then
	for stage in prestart createRuntime; do
		b=$T/crun-$stage
		hook_bundle "$b" "$stage"
		bundle_annotate "$b" erdma_0,erdma_1
		bundle_cmd "$b" "$SHOW_CMD"
		hook_on_exit "crun --root '$T/crun' delete -f 'hk$$-crun-$stage'"
		st=0
		out=$(prlimit --memlock=65536:8388608 unshare -m --propagation private sh -c \
			"umount /sys/fs/cgroup/unified && exec crun --root '$T/crun' run -b '$b' 'hk$$-crun-$stage'" </dev/null 2>&1) || st=$?
		check_eq "crun $stage: container runs" 0 "$st"
		check_contains "crun $stage: uverbs0" "$out" "$U0"
		check_contains "crun $stage: uverbs1 ENXIO" "$out" "uverbs1': $ENXIO"
		check_contains "crun $stage: memlock" "$out" "memlock 8192"
	done
else
	ok_skip "crun" "crun not installed"
fi

# --- a user namespace: mknod would give a node on a nodev /dev; the hook
# bind-mounts the host node instead, creating as the container's root ------
b=$T/userns
hook_bundle "$b"
chmod 755 "$T"
chown -R 100000:100000 "$b/rootfs"
bundle_annotate "$b" erdma_0
bundle_jq "$b" '.linux.namespaces += [{"type": "user"}]
	| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
	| .mounts |= map(select(.destination != "/sys"))'
bundle_cmd "$b" "$SHOW_CMD; grep -c ' /dev/infiniband/uverbs0 ' /proc/self/mountinfo | sed 's/^/mounts: /'"
st=0; out=$(runc_run "$b" "hk$$-userns") || st=$?
check_eq "runc user namespace: container runs" 0 "$st"
check_contains "runc user namespace: uverbs0 is c 231:192" "$out" "$U0"
check_contains "runc user namespace: uverbs0 opens to ENXIO (not EACCES of a nodev mount)" "$out" "uverbs0': $ENXIO"
check_contains "runc user namespace: it is a bind mount" "$out" "mounts: 1"

# --- bad input, the hook alone ---------------------------------------------
hookrun() { "$HOOK" --config "$HCFG" prestart 2>&1; }
b=$T/ann
sleep 0 & dead=$!; wait "$dead"
st=0; out=$(echo '{"ociVersion":"1.0.2","id":"x","status":"creating","pid":1' | hookrun) || st=$?
check "bad state JSON: fails" test "$st" -ne 0
check_contains "bad state JSON: says where" "$out" "OCI state"
check_eq "bad state JSON: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
st=0; out=$(echo '{"ociVersion":"1.0.2","id":"x","status":"creating","bundle":"'"$b"'"}' | hookrun) || st=$?
check "state without pid: fails" test "$st" -ne 0
check_contains "state without pid: says so" "$out" "no 'pid'"
st=0; out=$(echo '{"id":"x","status":"creating","pid":'"$dead"',"bundle":"'"$b"'"}' | hookrun) || st=$?
check "exited pid: fails" test "$st" -ne 0
check_contains "exited pid: says so" "$out" "container process $dead does not exist"
st=0; out=$(echo '{"id":"x","status":"creating","pid":1,"bundle":"'"$T"'/nonexistent"}' | hookrun) || st=$?
check "missing bundle: fails" test "$st" -ne 0
check_contains "missing bundle: names it" "$out" "bundle '$T/nonexistent': No such file or directory"
st=0; out=$(echo '{"id":"x","status":"creating","pid":1}' | hookrun) || st=$?
check_contains "state without bundle: says so" "$out" "no 'bundle'"
mkdir -p "$T/badcfg" && echo '{"ociVersion": ' >"$T/badcfg/config.json"
st=0; out=$(echo '{"id":"x","status":"creating","pid":1,"bundle":"'"$T"'/badcfg"}' | hookrun) || st=$?
check "bad config.json: fails" test "$st" -ne 0
check_contains "bad config.json: names the file" "$out" "$T/badcfg/config.json"
echo '{"memlock": "lots"}' >"$T/badhost.json"
st=0; out=$(echo '{"id":"x","status":"creating","pid":1,"bundle":"'"$b"'"}' | "$HOOK" --config "$T/badhost.json" prestart 2>&1) || st=$?
check "bad host config: fails" test "$st" -ne 0
check_contains "bad host config: names the file" "$out" "$T/badhost.json"
st=0; out=$(echo '{}' | "$HOOK" createContainer 2>&1) || st=$?
check_eq "createContainer stage: refused (usage)" 2 "$st"
st=0; out=$(echo '{"id":"x","status":"creating","pid":1,"bundle":"'"$T/none"'"}' | hookrun) || st=$?
check_eq "no request: exit 0 without looking at the pid" 0 "$st"
check_eq "no request: silent" "" "$out"

# A state pid that is a host process (in the hook's own mount namespace):
# not a container being created. Refused before anything is done: no node
# next to the host path root.path names, no memlock raised. (In its own
# device cgroup, so that an old hook's rule could not reach a host one.)
b=$T/hostpid
hook_bundle "$b"
bundle_annotate "$b" erdma_0
prlimit --memlock=65536:8388608 sleep 60 &
hp=$!
cgh=""
if [ -d /sys/fs/cgroup/devices ]; then
	mkdir -p "/sys/fs/cgroup/devices/ect-hostpid-$$" && cgh=/sys/fs/cgroup/devices/ect-hostpid-$$
	echo "$hp" >"$cgh/cgroup.procs"
fi
hook_on_exit "kill $hp; wait $hp; [ -z '$cgh' ] || rmdir '$cgh'"
memlock_before=$(prlimit --pid "$hp" --memlock --noheadings --raw | awk '{print $2}')
st=0; out=$(echo '{"id":"x","status":"creating","pid":'"$hp"',"bundle":"'"$b"'"}' | hookrun) || st=$?
check "a host process as the state's pid: refused" test "$st" -ne 0
check_contains "a host process as the state's pid: says why" "$out" "process $hp (the state's pid) is in the hook's own mount namespace"
check "a host process as the state's pid: no node made" test ! -e "$b/rootfs/dev/infiniband"
check_eq "a host process as the state's pid: memlock not raised" "$memlock_before" "$(prlimit --pid "$hp" --memlock --noheadings --raw | awk '{print $2}')"

# accept-annotation false: the annotation requests nothing; the container
# starts without devices.
b=$T/noann
hook_bundle "$b"
bundle_annotate "$b" erdma_0
bundle_cmd "$b" "$SHOW_CMD"
jq '. + {"accept-annotation": false}' "$HCFG" >"$T/noann.json"
bundle_jq "$b" --arg c "$T/noann.json" '.hooks.prestart[0].args[2] = $c'
st=0; out=$(runc_run "$b" "hk$$-noann") || st=$?
check_eq "accept-annotation false: container runs" 0 "$st"
check_not_contains "accept-annotation false: no node from the annotation" "$out" "uverbs0"

# --- 20 containers at once, each with its own selection --------------------
pids=()
for i in $(seq 1 20); do
	b=$T/par$i
	hook_bundle "$b"
	case $((i % 3)) in
	0) bundle_annotate "$b" erdma_0 ;;
	1) bundle_annotate "$b" erdma_1 ;;
	2) bundle_annotate "$b" all ;;
	esac
	bundle_cmd "$b" 'ls /dev/infiniband | tr "\n" " "; cat /dev/infiniband/uverbs* 2>&1 | grep -c "No such device or address"'
done
for i in $(seq 1 20); do
	runc_run "$T/par$i" "hk$$-par$i" >"$T/par$i.out" &
	pids+=($!)
done
fails=0
for i in $(seq 1 20); do
	wait "${pids[i - 1]}" || fails=$((fails + 1))
	case $((i % 3)) in
	0) want="rdma_cm uverbs0 1" ;;
	1) want="rdma_cm uverbs1 1" ;;
	2) want="rdma_cm uverbs0 uverbs1 2" ;;
	esac
	got=$(tr -s ' \n' ' ' <"$T/par$i.out" | sed 's/ $//')
	[ "$got" = "$want" ] || { fails=$((fails + 1)); diag "container $i: want '$want', got '$got'"; }
done
check_eq "20 containers at once: each got exactly its own devices" 0 "$fails"

# What discovery finds wrong with a requested device is logged (info), as
# the shim logs it (lib/plan.h). The pid of a host process (this script)
# stops the hook after the plan, before it touches anything.
b=$T/disc
hook_bundle "$b"
bundle_annotate "$b" erdma_1
mv "$HOST/dev/infiniband/uverbs1" "$T/uverbs1.saved"
st=0
out=$(printf '{"ociVersion":"1.0.2","id":"disc","status":"creating","pid":%s,"bundle":"%s"}' "$$" "$b" |
	ERDMA_LOG_LEVEL=info "$HOOK" --config "$HCFG" prestart 2>&1) || st=$?
mv "$T/uverbs1.saved" "$HOST/dev/infiniband/uverbs1"
check "discovery problem: a host process's pid is refused" test "$st" -ne 0
check_contains "discovery problem of a requested device: logged at info" "$out" "discovery: $HOST/dev/infiniband/uverbs1: missing"

done_testing
