#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-container-runtime under containerd 1.6 (`ctr run --runc-binary`),
# with runc in cgroup v2 mode (../shared/TESTBED.md): containerd runs in a
# private mount namespace where /sys/fs/cgroup is the cgroup2 hierarchy, so
# runc enforces the device rules we add with its eBPF filter. The injected
# node opens (to ENXIO on the fake host; with ECT_E2E_REAL=1 on this host's
# real devices, tests/lib/devices.sh); a node for another device planted in
# the rootfs with mknod is refused with EPERM.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/devices.sh"

need_root
need_bins -h "setup.sh installs containerd" containerd ctr runc busybox unshare
need_built erdma-container-runtime
SHIM=$(ect_bin erdma-container-runtime)
need_cgroup2

e2e_tmpdir ect-rt-ctd
e2e_absent /run/containerd

devices_setup "$T"
cat >"$T/erdma.json" <<JSON
{$HOST_KEYS, "memlock": 8388608}
JSON
make_rootfs "$T/rootfs"
# A node for the second device that we do not inject, outside the /dev tmpfs.
mkdir -p "$T/rootfs/planted"
mknod -m 0666 "$T/rootfs/planted/$U1" c "$MAJ1" "$MIN1"

containerd_config "$T"
# shellcheck disable=SC2016 # expanded by the inner shell: single quotes on purpose
if ! daemon_start "$T/containerd.sock" "$T/containerd.pid" "$T/containerd.log" \
	env ERDMA_CONFIG="$T/erdma.json" prlimit --memlock=65536:8388608 \
	unshare -m --propagation private sh -c \
	'umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec containerd --config "$1"' \
	sh "$T/config.toml"; then
	not_ok "containerd starts"; sed 's/^/# /' "$T/containerd.log" | tail -20; done_testing; exit 1
fi

# shellcheck disable=SC2016 # expanded by the inner shell: single quotes on purpose
PROBE='ls /dev/infiniband; cat /dev/infiniband/'$U0' 2>&1 | sed "s/.*: //"
cat /planted/'$U1' 2>&1 | sed "s/.*: //"; cat /dev/infiniband/rdma_cm 2>&1 | sed "s/.*: //"
echo "memlock $(ulimit -l)"; grep -E "^0::|:devices:" /proc/self/cgroup | sort'
# ctr's default spec sets cpu shares, and the cpu controller is not on
# cgroup2 here: give ctr a spec of our own (runc spec, no resources).
(cd "$T" && runc spec)
# crun_ ID ENV...: the spec with these variables (and the annotation
# com.aliyun.erdma.devices=$ANNOT when set), run through the shim.
crun_() {
	local id=$1
	shift
	python3 - "$T/config.json" "$T/spec-$id.json" "$T/rootfs" "$PROBE" "${ANNOT:-}" "$@" <<'PY'
import json, sys
src, dst, rootfs, probe, annot, *env = sys.argv[1:]
if annot:
    c_annot = {"com.aliyun.erdma.devices": annot}
else:
    c_annot = None
c = json.load(open(src))
c["root"] = {"path": rootfs, "readonly": False}
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", probe]
c["process"]["env"] += env
if c_annot:
    c["annotations"] = c_annot
json.dump(c, open(dst, "w"))
PY
	ctr -a "$T/containerd.sock" run --rm --runc-binary "$SHIM" --config "$T/spec-$id.json" "$id" 2>&1
}

out=$(crun_ "ect-rt-$$-a" "ERDMA_VISIBLE_DEVICES=$DEV0") || true
# runc in v2 mode puts the container in a cgroup2 directory and leaves the
# v1 devices hierarchy (where there is one) alone: the EPERM below comes
# from its eBPF filter. On a host that is cgroup v2 only (the real-kernel
# guest) `runc spec` also gives the container a cgroup namespace, whose
# root is that directory.
cg=/ect-rt-$$-a
[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || cg=/
check_eq "cgroup v2: runc put the container in a cgroup2 group, not a v1 devices group" \
	"$(printf '0::%s\n%s' "$cg" "$(grep :devices: /proc/self/cgroup)")" "$(echo "$out" | sed -n 7,8p)"
check_eq "$DEV0: /dev/infiniband has $U0 and rdma_cm" "rdma_cm
$U0" "$(echo "$out" | sed -n 1,2p)"
check_eq "$U0 opens ($OPENED: the eBPF filter lets it through)" "$OPENED" "$(echo "$out" | sed -n 3p)"
check_eq "planted $U1 ($MAJ1:$MIN1, not injected) gives EPERM" "$DENIED" "$(echo "$out" | sed -n 4p)"
check_eq "rdma_cm opens ($CM_OPENED)" "$CM_OPENED" "$(echo "$out" | sed -n 5p)"
check_eq "ulimit -l is 8 MiB" "memlock 8192" "$(echo "$out" | sed -n 6p)"

out=$(ANNOT="aliyun.com/erdma=$DEV1" crun_ "ect-rt-$$-c" "ERDMA_VISIBLE_DEVICES=$DEV0") || true
check_eq "annotation (CDI name $DEV1) wins over the variable" "rdma_cm
$U1" "$(echo "$out" | sed -n 1,2p)"
check_eq "annotation: $U0 not injected" "No such file or directory" "$(echo "$out" | sed -n 3p)"
check_eq "annotation: planted $U1 now allowed ($OPENED)" "$OPENED" "$(echo "$out" | sed -n 4p)"

st=0
out=$(crun_ "ect-rt-$$-b" "ERDMA_VISIBLE_DEVICES=$DEV0,nosuch") || st=$?
check "unknown device: ctr run fails" [ "$st" -ne 0 ]
check_contains "unknown device: ctr shows our message" "$out" "unknown eRDMA device 'nosuch'"
done_testing
