#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-container-runtime under Docker 20.10 (../shared/TESTBED.md): our own
# containerd and dockerd in a temporary directory, the shim registered in
# daemon.json, a fake eRDMA host (or this host's devices with ECT_E2E_REAL=1,
# tests/lib/devices.sh). What a user of `docker run --runtime erdma` sees: the
# selected nodes with their numbers, what opening them gives, the memlock
# limit, and our message when a device name is wrong.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/devices.sh"

need_root
need_bins -h "setup.sh installs docker.io" dockerd containerd /usr/bin/docker runc busybox
need_built erdma-container-runtime
SHIM=$(ect_bin erdma-container-runtime)

# dockerd's vfs/overlay mounts, if any are left, are unmounted at exit.
e2e_tmpdir ect-rt-docker
e2e_absent /run/containerd

devices_setup "$T"
cat >"$T/erdma.json" <<JSON
{$HOST_KEYS, "memlock": 8388608}
JSON
export ERDMA_CONFIG=$T/erdma.json

containerd_config "$T/ctd"
cat >"$T/daemon.json" <<JSON
{"runtimes": {"erdma": {"path": "$SHIM"}}}
JSON

# The container inherits its limits from containerd (through the shim and
# runc): start it with a low soft memlock, the hard limit these machines have.
# A containerd that does not come up shows in dockerd's log below.
daemon_start "$T/ctd/containerd.sock" "$T/containerd.pid" "$T/containerd.log" \
	prlimit --memlock=65536:8388608 containerd --config "$T/ctd/config.toml" || true
if ! dockerd_start "$T" "$T/ctd/containerd.sock" "$T/daemon.json" "$T/dockerd.log"; then
	not_ok "dockerd starts"; sed 's/^/# /' "$T/dockerd.log" | tail -20; done_testing; exit 1
fi
busybox_tar x "$T/busybox.tar"
/usr/bin/docker import "$T/busybox.tar" busybox:ect$$ >/dev/null

drun() { /usr/bin/docker run --rm --network none --runtime erdma "$@" busybox:ect$$ sh -c "$PROBE" 2>&1; }
# shellcheck disable=SC2016 # expanded by the container's shell: single quotes on purpose
PROBE='for f in /dev/infiniband/*; do [ -e "$f" ] && stat -c "%n %F %t:%T" "$f"; done
cat /dev/infiniband/'$U0' 2>&1 | sed "s/.*: //"; cat /dev/infiniband/'$U1' 2>&1 | sed "s/.*: //"
cat /dev/infiniband/rdma_cm 2>&1 | sed "s/.*: //"; echo "memlock $(ulimit -l)"'
# stat_line NODE HEX: the line PROBE prints for a node
stat_line() { echo "/dev/infiniband/$1 character special file $2"; }

out=$(drun -e "ERDMA_VISIBLE_DEVICES=$DEV0") || true
check_eq "$DEV0: exactly $U0 ($MAJ0:$MIN0) and rdma_cm ($HEXCM)" \
	"$(stat_line rdma_cm "$HEXCM")
$(stat_line "$U0" "$HEX0")" "$(echo "$out" | grep '^/dev/')"
check_contains "$U0 opens ($OPENED: the device cgroup allows it)" "$(echo "$out" | sed -n 3p)" "$OPENED"
check_contains "$U1 is not there" "$(echo "$out" | sed -n 4p)" "No such file or directory"
check_eq "rdma_cm opens ($CM_OPENED)" "$CM_OPENED" "$(echo "$out" | sed -n 5p)"
check_eq "ulimit -l is the configured 8 MiB" "memlock 8192" "$(echo "$out" | grep '^memlock')"

out=$(drun -e "ERDMA_VISIBLE_DEVICES=$I1") || true
check_eq "by index: $U1 ($MAJ1:$MIN1) and rdma_cm" \
	"$(stat_line rdma_cm "$HEXCM")
$(stat_line "$U1" "$HEX1")" "$(echo "$out" | grep '^/dev/')"

out=$(drun -e ERDMA_VISIBLE_DEVICES=aliyun.com/erdma=all) || true
check_eq "CDI name 'all': both devices" "3" "$(echo "$out" | grep -c '^/dev/')"

# --device gives the same node: the shim must not add it a second time
# (runc would fail creating it twice).
out=$(drun --device "$DEVROOT/infiniband/$U0:/dev/infiniband/$U0" -e "ERDMA_VISIBLE_DEVICES=$DEV0") || true
check_eq "--device of the same node plus the variable: the container starts, nodes once" \
	"$(stat_line rdma_cm "$HEXCM")
$(stat_line "$U0" "$HEX0")" "$(echo "$out" | grep '^/dev/')"

out=$(drun) || true
check_eq "no variable: no /dev/infiniband" "" "$(echo "$out" | grep '^/dev/' || true)"
check_eq "no variable: memlock unchanged (engine's 64 KiB)" "memlock 64" "$(echo "$out" | grep '^memlock')"

st=0
out=$(drun -e ERDMA_VISIBLE_DEVICES=nosuch_9) || st=$?
check "unknown device: the container does not start" [ "$st" -ne 0 ]
diag "docker says: $out"
check_contains "unknown device: docker shows our message" "$out" "unknown eRDMA device 'nosuch_9' (this host has: $DEV0 (index $I0), $DEV1 (index $I1)"
check_not_contains "unknown device: not docker's 'unable to retrieve OCI runtime error'" "$out" "unable to retrieve"
done_testing
