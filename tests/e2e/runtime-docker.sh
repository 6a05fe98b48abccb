#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-container-runtime under Docker 20.10 (../shared/TESTBED.md): our own
# containerd and dockerd in a temporary directory, the shim registered in
# daemon.json, a fake eRDMA host (or this host's devices with ECT_E2E_REAL=1,
# tests/lib/devices.sh). What a user of `docker run --runtime erdma` sees: the
# selected nodes with their numbers, what opening them gives, the memlock
# limit, and our message when a device name is wrong.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/fakehost.sh"
. "$top/tests/lib/devices.sh"
. "$top/tests/lib/rootfs.sh"

need_root
for t in dockerd containerd /usr/bin/docker runc busybox; do
	command -v "$t" >/dev/null || skip_all "$t not installed (setup.sh installs docker.io)"
done
SHIM=$(ect_bin erdma-container-runtime)
[ -x "$SHIM" ] || skip_all "build erdma-container-runtime first (make)"

T=$(mktemp -d /tmp/ect-rt-docker.XXXXXX)
had_run_docker=0; [ -e /run/docker ] && had_run_docker=1
had_run_ctd=0; [ -e /run/containerd ] && had_run_ctd=1
# dockerd (cgroupfs driver) makes a "docker" group in every hierarchy and
# leaves it: remove the ones that were not there before (rmdir: only empty).
new_cg=()
for d in /sys/fs/cgroup/*/; do
	[ -L "${d%/}" ] || [ -e "${d}docker" ] || new_cg+=("${d}docker")
done
cleanup() {
	set +e
	[ -f "$T/docker.pid" ] && kill "$(cat "$T/docker.pid")" 2>/dev/null
	for _ in $(seq 50); do { [ -f "$T/docker.pid" ] && kill -0 "$(cat "$T/docker.pid")" 2>/dev/null; } || break; sleep 0.1; done
	[ -f "$T/containerd.pid" ] && kill "$(cat "$T/containerd.pid")" 2>/dev/null
	for _ in $(seq 50); do { [ -f "$T/containerd.pid" ] && kill -0 "$(cat "$T/containerd.pid")" 2>/dev/null; } || break; sleep 0.1; done
	# dockerd's vfs/overlay mounts, if any are left
	grep -o " ${T}[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$T"
	for d in "${new_cg[@]}"; do [ -d "$d" ] && rmdir "$d"; done
	[ "$had_run_docker" = 1 ] || rm -rf /run/docker
	[ "$had_run_ctd" = 1 ] || rm -rf /run/containerd
}
trap cleanup EXIT

devices_setup "$T"
cat >"$T/erdma.json" <<JSON
{$HOST_KEYS, "memlock": 8388608}
JSON
export ERDMA_CONFIG=$T/erdma.json

mkdir -p "$T/ctd"
cat >"$T/ctd/config.toml" <<TOML
version = 2
root = "$T/ctd/root"
state = "$T/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/ctd/containerd.sock"
[ttrpc]
  address = "$T/ctd/containerd.sock.ttrpc"
TOML
cat >"$T/daemon.json" <<JSON
{"runtimes": {"erdma": {"path": "$SHIM"}}}
JSON

# The container inherits its limits from containerd (through the shim and
# runc): start it with a low soft memlock, the hard limit these machines have.
prlimit --memlock=65536:8388608 containerd --config "$T/ctd/config.toml" >"$T/containerd.log" 2>&1 &
echo $! >"$T/containerd.pid"
for _ in $(seq 100); do [ -S "$T/ctd/containerd.sock" ] && break; sleep 0.1; done
prlimit --memlock=65536:8388608 dockerd --data-root "$T/root" --exec-root "$T/exec" \
	--pidfile "$T/docker.pid.d" -H "unix://$T/docker.sock" --containerd "$T/ctd/containerd.sock" \
	--storage-driver vfs --iptables=false --ip6tables=false --bridge=none --ip-masq=false \
	--exec-opt native.cgroupdriver=cgroupfs --config-file "$T/daemon.json" >"$T/dockerd.log" 2>&1 &
echo $! >"$T/docker.pid"
export DOCKER_HOST=unix://$T/docker.sock
ready=0
for _ in $(seq 150); do
	if /usr/bin/docker version >/dev/null 2>&1; then ready=1; break; fi
	sleep 0.2
done
if [ "$ready" != 1 ]; then
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
