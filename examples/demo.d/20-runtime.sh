# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Demo part: erdma-container-runtime. A containerd of our own runs the shim
# as its runc binary (as Docker's daemon.json or a Kubernetes RuntimeClass
# would); the container asks for erdma_0 with ERDMA_VISIBLE_DEVICES and gets
# its node, rdma_cm and the configured memlock limit.
say "erdma-container-runtime: containerd + ctr, the shim as runc binary"
RT=$DEMO/runtime
mkdir -p "$RT"
cat >"$RT/erdma.json" <<JSON
{
  "sysfs-root": "$SYSFS",
  "dev-root": "$DEVROOT",
  "memlock": 8388608,
  "log-file": "$RT/erdma-container-runtime.log",
  "log-level": "info"
}
JSON
cat >"$RT/config.toml" <<TOML
version = 2
root = "$RT/root"
state = "$RT/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$RT/containerd.sock"
[ttrpc]
  address = "$RT/containerd.sock.ttrpc"
TOML
[ -e /run/containerd ] || on_exit "rm -rf /run/containerd"
run cat "$RT/erdma.json"
# The engine's environment names the configuration; a low soft memlock
# (these machines cannot raise the hard limit) shows the shim raising it.
ERDMA_CONFIG=$RT/erdma.json prlimit --memlock=65536:8388608 \
	containerd --config "$RT/config.toml" >"$RT/containerd.log" 2>&1 &
echo $! >"$RT/containerd.pid"
on_exit "kill \$(cat '$RT/containerd.pid') 2>/dev/null; sleep 0.5"
for _ in $(seq 100); do [ -S "$RT/containerd.sock" ] && break; sleep 0.1; done

# --cgroup: a top-level group that runc removes with the container (ctr's
# default, /default/ID, leaves the "default" parents behind).
# shellcheck disable=SC2016 # expanded by the container's shell: single quotes on purpose
rt_probe='ls -l /dev/infiniband; cat /dev/infiniband/uverbs0; cat /dev/infiniband/rdma_cm; echo "ulimit -l: $(ulimit -l)"'
run ctr -a "$RT/containerd.sock" run --rm --runc-binary "$ECT_BUILD/erdma-container-runtime" \
	--cgroup "/erdma-demo-$$" --env ERDMA_VISIBLE_DEVICES=erdma_0 --rootfs "$DEMO/rootfs" "erdma-demo-$$" \
	/bin/sh -c "$rt_probe" || true
say "Without ERDMA_VISIBLE_DEVICES nothing changes"
# shellcheck disable=SC2016 # expanded by the container's shell: single quotes on purpose
run ctr -a "$RT/containerd.sock" run --rm --runc-binary "$ECT_BUILD/erdma-container-runtime" \
	--cgroup "/erdma-demo-$$-b" --rootfs "$DEMO/rootfs" "erdma-demo-$$-b" /bin/sh -c 'ls /dev/infiniband; echo "ulimit -l: $(ulimit -l)"' || true
say "A name this host does not have: the start fails with the host's names"
run ctr -a "$RT/containerd.sock" run --rm --runc-binary "$ECT_BUILD/erdma-container-runtime" \
	--cgroup "/erdma-demo-$$-c" --env ERDMA_VISIBLE_DEVICES=erdma_7 --rootfs "$DEMO/rootfs" "erdma-demo-$$-c" /bin/true || true
run cat "$RT/erdma-container-runtime.log"
