#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# containerd in the real-kernel guest (1.6 on bookworm, 1.7 on trixie),
# started by systemd, driven with ctr: the runtime shim as ctr's runc binary
# (runc on the systemd cgroup driver, as Kubernetes nodes run it), and
# --device without a memlock limit as the engine's default. ctr has no CDI
# option (CDI lives in containerd's CRI plugin).
set -uo pipefail
ENGINE=containerd
. /ect/tests/vm/guest/lib.sh
ids=()
cleanup() {
	local id
	for id in "${ids[@]}"; do ctr task kill -s KILL "$id" >/dev/null 2>&1; ctr container rm "$id" >/dev/null 2>&1; done
	systemctl stop containerd.service >/dev/null 2>&1
}
trap cleanup EXIT

WAY=engine
if ! tmo systemctl start containerd.service; then
	row "containerd starts" fail "$(journalctl -u containerd.service -n 30 --no-pager 2>&1)"
	done_testing
	exit 1
fi
row "containerd starts" pass "$(ctr version 2>/dev/null | awk '/^Server:/ { s = 1 } s && /Version:/ { print $2; exit }')"
n=0
# crun_ctr [ctr run options...] -- CMD: a container on the image folder
# (ctr --rootfs sets no PATH), host network, runc's systemd cgroup driver;
# output on stdout.
crun_ctr() {
	local opts=() id
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	n=$((n + 1))
	id=ect-ctr-$$-$n
	ids+=("$id")
	tmo ctr run --rm --net-host --runc-systemd-cgroup --cgroup "system.slice:ect:$id" \
		--env PATH=/usr/bin:/bin "${opts[@]}" --rootfs "$IMG" "$id" /bin/sh -c "$*" 2>&1
}

# --- the runtime shim as runc ------------------------------------------------
WAY=shim
out=$(crun_ctr --runc-binary "$BIN/erdma-container-runtime" --env "ERDMA_VISIBLE_DEVICES=$DEV0" -- "$(full_cmd)")
full_rows "$out"

WAY=cdi
row "CDI" n/a "ctr has no CDI option (CDI lives in containerd's CRI plugin)"

# --- --device, left at the engine's default memlock ----------------------------
WAY=manual
default_rows "$(crun_ctr --device "/dev/infiniband/$U0" --device /dev/infiniband/rdma_cm -- "$(default_cmd)")"
done_testing
