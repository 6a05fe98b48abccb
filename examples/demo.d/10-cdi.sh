# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Part 1: erdma-cdi. Lists the fake host's devices, writes a CDI spec and
# starts a real Podman container that asks for one device by its CDI name.
# Sourced by examples/demo.sh ($DEMO, $SYSFS, $DEVROOT, $ECT_BUILD, say/run/on_exit).

say "erdma-cdi: the devices on this host, and the CDI names that select them"
run "$ECT_BUILD/erdma-cdi" list --sysfs-root "$SYSFS" --dev-root "$DEVROOT"

say "erdma-cdi: the CDI spec (a real host writes it to /var/run/cdi/erdma.yaml)"
run "$ECT_BUILD/erdma-cdi" generate --sysfs-root "$SYSFS" --dev-root "$DEVROOT"

if ! command -v podman >/dev/null; then
	echo "podman is not installed (./setup.sh installs it): skipping the container"
	return 0
fi

# Podman as ../shared/TESTBED.md runs it: all state under $DEMO/podman.
cdi_demo_p=$DEMO/podman
podman_init "$cdi_demo_p" "$DEMO/rootfs" localhost/busybox:demo

# Podman reads specs only from /etc/cdi and /var/run/cdi. The tests use the
# same lock, so that two aliyun.com/erdma specs are never there at once.
exec 8>/run/ect-e2e-cdi.lock
flock 8
[ -d /var/run/cdi ] || { mkdir -p /var/run/cdi && on_exit "rmdir /var/run/cdi 2>/dev/null"; }
cdi_demo_spec=/var/run/cdi/erdma-demo-$$.yaml
on_exit "rm -f '$cdi_demo_spec'; flock -u 8"

say "erdma-cdi: write the spec where Podman looks, then run a container with erdma_0"
run "$ECT_BUILD/erdma-cdi" generate --sysfs-root "$SYSFS" --dev-root "$DEVROOT" --output "$cdi_demo_spec"
run podman run --rm --network none --name "erdma-demo-$$" --device aliyun.com/erdma=erdma_0 \
	localhost/busybox:demo sh -c 'ls -l /dev/infiniband; cat /dev/infiniband/uverbs0; cat /dev/infiniband/rdma_cm' || true
echo "(uverbs0 and rdma_cm are there, uverbs1 is not; no driver behind the fake nodes:"
echo " ENXIO for uverbs0, ENODEV for rdma_cm, so the device cgroup allowed both)"

say "erdma-cdi: the same with aliyun.com/erdma=all"
run podman run --rm --network none --name "erdma-demo-$$" --device aliyun.com/erdma=all \
	localhost/busybox:demo ls -l /dev/infiniband
rm -f "$cdi_demo_spec"
flock -u 8
unset CONTAINERS_CONF CONTAINERS_STORAGE_CONF
