#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-probe inside real runc containers on a fake eRDMA host: the nodes
# are created by runc from linux.devices, the device cgroup is runc's, the
# image is busybox (no rdma-core), and the probe's own static libibverbs
# reads the fake sysfs (bound at /fakesys, --sysfs-root sets SYSFS_PATH).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/e2e.sh
. "$here/../lib/e2e.sh"

need_root
need_bins runc jq
need_built erdma-probe
probe=$(ect_bin erdma-probe)

e2e_tmpdir e2e-probe
ids=()
delete_containers() {
	local id
	for id in "${ids[@]}"; do runc delete -f "$id" >/dev/null 2>&1 || true; done
}
e2e_on_exit delete_containers

fakehost_standard "$T/host"
# A device of another vendor (mlx5: PCI 15b3:1017): no provider in the probe.
fakehost_add_device "$T/host" 2 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x1017
make_rootfs "$T/rootfs"
mkdir -p "$T/rootfs/usr/local/bin" "$T/rootfs/fakesys"

# The static binary: no interpreter, nothing to resolve in the image. The
# sanitizer build cannot be static: there the container gets the host's
# /usr/lib and /etc/libibverbs.d (read-only) so that the dynamic probe runs.
finfo=$(file -b "$probe")
extra='.'
if [[ $finfo == *static* ]]; then
	static=1
	ok "the probe is statically linked ($finfo)"
	lddout=$(ldd "$probe" 2>&1 || true)
	check "ldd finds no dependency ($lddout)" grep -qE "statically linked|not a dynamic executable" <<<"$lddout"
	# The --wrap list of probe/module.mk keeps NSS out (probe/README);
	# tests/cross/programs.sh checks the same for the arm64 build.
	check_eq "no NSS code linked in (no __nss_* symbol)" "" \
		"$(readelf -sW "$probe" | awk '{print $8}' | grep '^__nss_' | head -3 || true)"
else
	static=0
	check_contains "sanitizer build: the probe is dynamic, as it must be" "$finfo" "dynamically linked"
	ln -s usr/lib "$T/rootfs/lib"
	ln -s usr/lib64 "$T/rootfs/lib64"
	mkdir -p "$T/rootfs/usr/lib" "$T/rootfs/usr/lib64" "$T/rootfs/etc/libibverbs.d"
	extra='.mounts += [
		{destination: "/usr/lib", type: "bind", source: "/usr/lib", options: ["rbind", "ro"]},
		{destination: "/usr/lib64", type: "bind", source: "/usr/lib64", options: ["rbind", "ro"]},
		{destination: "/etc/libibverbs.d", type: "bind", source: "/etc/libibverbs.d", options: ["rbind", "ro"]}]'
fi

# bundle NAME JQ-FILTER: a runc bundle for the busybox rootfs, the probe
# bound read-only at /usr/local/bin/erdma-probe, the fake sysfs at /fakesys.
bundle() {
	local b=$T/$1
	mkdir -p "$b"
	(cd "$b" && runc spec)
	jq --arg root "$T/rootfs" --arg probe "$probe" --arg sys "$T/host/sys" '
		.root = {path: $root, readonly: true}
		| .process.terminal = false
		| .hostname = "probe"
		| .mounts += [
			{destination: "/usr/local/bin/erdma-probe", type: "bind", source: $probe,
			 options: ["bind", "ro", "nosuid", "nodev"]},
			{destination: "/fakesys", type: "bind", source: $sys,
			 options: ["rbind", "ro", "nosuid", "nodev", "noexec"]}]
		| '"$extra"' | '"$2" "$b/config.json" >"$b/config.new"
	mv "$b/config.new" "$b/config.json"
}

# in_container NAME ARGS...: runs the probe in bundle NAME; sets out, rc.
in_container() {
	local name=$1 id="e2e-probe-$$-$1"
	shift
	ids+=("$id")
	bundle_run "$T/$name" "$id" /usr/local/bin/erdma-probe "$@"
}

# json_status JSON NAME: the status of check NAME; validates the shape too.
json_shape() {
	jq -e '
		(keys_unsorted == ["ok", "checks"]) and (.ok | type == "boolean")
		and (.checks | type == "array" and length == 8)
		and ([.checks[].name] == ["nodes","access","sysfs","verbs","rdma_cm","memlock","netns","image"])
		and all(.checks[]; (keys_unsorted == ["name","status","detail","hint"])
			and (.status | IN("pass","fail","warn","skip"))
			and (.detail | type == "string")
			and (.hint | type == "string" or type == "null"))
		and (.ok == ([.checks[].status] | index("fail") == null))' >/dev/null <<<"$1"
}
jfield() { jq -r --arg n "$2" '.checks[] | select(.name == $n) | .'"$3" <<<"$1"; }

dev_entry='{path: "/dev/infiniband/uverbs0", type: "c", major: 231, minor: 192, fileMode: 438, uid: 0, gid: 0},
	{path: "/dev/infiniband/uverbs1", type: "c", major: 231, minor: 193, fileMode: 438, uid: 0, gid: 0},
	{path: "/dev/infiniband/rdma_cm", type: "c", major: 10, minor: 241, fileMode: 438, uid: 0, gid: 0}'
allow='{allow: true, type: "c", major: 231, minor: 192, access: "rwm"},
	{allow: true, type: "c", major: 231, minor: 193, access: "rwm"},
	{allow: true, type: "c", major: 10, minor: 241, access: "rwm"}'

# 1. Nodes injected, allowed: no driver behind them (ENXIO), exit 1.
bundle injected '.linux.devices = ['"$dev_entry"'] | .linux.resources.devices += ['"$allow"']'
in_container injected --sysfs-root /fakesys
diag "the report in the injected container:"; printf "%s\n" "$out" | sed "s/^/#   /"
check_eq "injected: exit 1" 1 "$rc"
check_contains "injected: nodes pass" "$out" "PASS  nodes    /dev/infiniband/uverbs0 (231:192)"
check_contains "injected: access says no kernel driver (ENXIO)" "$out" \
	"uverbs0: ENXIO (No such device or address): no kernel driver behind this node"
check_contains "injected: rdma_cm node gives ENODEV" "$out" "rdma_cm: ENODEV (No such device)"
check_contains "injected: sysfs maps the node" "$out" "uverbs0 -> erdma_0 (231:192)"
# libibverbs (static, in the probe) listed erdma_0 from the fake sysfs, which
# takes a provider match (modalias pci:v00001DEDd0000107F): only then does it
# try ibv_open_device.
check_contains "injected: real libibverbs matched the erdma provider and tried the device" \
	"$out" "erdma_0: ibv_open_device failed: its node uverbs0 gives ENXIO"
check_contains "injected: netns warns to use --net=host" "$out" "--net=host"
if [ "$static" = 1 ]; then
	check_contains "injected: busybox image has no libibverbs" "$out" "the image has no libibverbs"
else
	check_contains "injected: the image stack seen through the bind mounts" "$out" "liberdma-rdmav34.so (ABI 34)"
fi
check_contains "injected: summary line" "$out" "FAILED: 8 checks"
in_container injected --sysfs-root /fakesys --json
check_eq "injected --json: exit 1" 1 "$rc"
check "injected --json: parses with the documented shape" json_shape "$out"
check_eq "injected --json: access fails" fail "$(jfield "$out" access status)"
check_eq "injected --json: nodes pass" pass "$(jfield "$out" nodes status)"
check_contains "injected --json: the hint loads the driver" "$(jfield "$out" access hint)" "modprobe erdma"

# 1b. --device limits the checks to one device.
in_container injected --sysfs-root /fakesys --device erdma_1 --json
check "--device erdma_1: shape" json_shape "$out"
check_contains "--device erdma_1: only uverbs1" "$(jfield "$out" nodes detail)" "uverbs1 (231:193)"
check_not_contains "--device erdma_1: not uverbs0" "$(jfield "$out" nodes detail)" "uverbs0"

# 1c. The provider match is real: libibverbs lists an eRDMA device (above)
# but not an mlx5 one, whose modalias no provider in the probe matches.
bundle mlx '.linux.devices = [{path: "/dev/infiniband/uverbs2", type: "c", major: 231, minor: 194,
	fileMode: 438, uid: 0, gid: 0}] | .linux.resources.devices += [{allow: true, type: "c", major: 231,
	minor: 194, access: "rwm"}]'
in_container mlx --sysfs-root /fakesys --json
check "mlx5 device: shape" json_shape "$out"
check_contains "mlx5 device: sysfs maps it" "$(jfield "$out" sysfs detail)" "uverbs2 -> mlx5_0"
if [ "$static" = 1 ]; then
	check_contains "mlx5 device: no provider matched" "$(jfield "$out" verbs detail)" "no provider matched"
	check_contains "mlx5 device: the hint names the eRDMA modalias" "$(jfield "$out" verbs hint)" "pci:v00001DEDd0000107F"
else
	# the dynamic (sanitizer) build loads every system provider: mlx5 matches
	check_contains "mlx5 device: the system's mlx5 provider matched" "$(jfield "$out" verbs detail)" \
		"mlx5_0: ibv_open_device failed"
fi

# 2. No nodes: the report says so.
bundle none '.'
in_container none --sysfs-root /fakesys
check_eq "no nodes: exit 1" 1 "$rc"
check_contains "no nodes: says no device was passed in" "$out" \
	"FAIL  nodes    no /dev/infiniband/uverbs* node in this container: no RDMA device was passed in"
check_contains "no nodes: tells how to pass them" "$out" "fix: pass the devices in"
in_container none --json
check "no nodes --json: shape" json_shape "$out"
check_eq "no nodes --json: ok false" false "$(jq -r .ok <<<"$out")"

# 3. Node present but the device cgroup denies it: the cause is the cgroup.
bundle denied '.linux.devices = ['"$dev_entry"']
	| .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 241, access: "rwm"}]'
in_container denied --sysfs-root /fakesys
check_eq "denied: exit 1" 1 "$rc"
check_contains "denied: node exists" "$out" "PASS  nodes"
check_contains "denied: EPERM blamed on the device cgroup" "$out" \
	"uverbs0: EPERM (Operation not permitted): denied by the device cgroup"
check_contains "denied: the fix allows the node" "$out" "allow 'c 231:192 rw' in the container's device cgroup"
in_container denied --sysfs-root /fakesys --json
check "denied --json: shape" json_shape "$out"
check_contains "denied --json: detail" "$(jfield "$out" access detail)" "device cgroup"

# 4. Low memlock and a larger --mr-size: memlock fails with the fix.
bundle memlock '.process.rlimits = [{type: "RLIMIT_MEMLOCK", soft: 65536, hard: 65536},
	{type: "RLIMIT_NOFILE", soft: 1024, hard: 1024}]'
in_container memlock --mr-size 1M
check_eq "memlock: exit 1" 1 "$rc"
check_contains "memlock: fails against --mr-size" "$out" \
	"FAIL  memlock  RLIMIT_MEMLOCK 64 KiB (hard 64 KiB) is below --mr-size 1 MiB"
check_contains "memlock: gives the fix" "$out" "--ulimit memlock=-1"
in_container memlock --mr-size 1M --json
check "memlock --json: shape" json_shape "$out"
check_eq "memlock --json: fail" fail "$(jfield "$out" memlock status)"
check_contains "memlock --json: hint names the shim setting" "$(jfield "$out" memlock hint)" "'memlock' setting"
in_container memlock --mr-size 32K --json
check_eq "memlock: 32K fits in 64 KiB" pass "$(jfield "$out" memlock status)"

# 5. Usage errors exit 2.
in_container none --mr-size 12X
check_eq "bad --mr-size: exit 2" 2 "$rc"
check_contains "bad --mr-size: says why" "$(cat "$T/none.err")" "unknown suffix"

# 6. The busybox image (no rdma-core, no libc): the probe runs and reports.
if [ "$static" = 1 ]; then
	check "busybox rootfs has no libibverbs and no libc" \
		test ! -e "$T/rootfs/usr/lib/x86_64-linux-gnu/libibverbs.so.1" -a ! -e "$T/rootfs/lib64/ld-linux-x86-64.so.2"
	in_container none --json
	check "busybox: the probe ran and reported" json_shape "$out"
	check_eq "busybox: image check warns" warn "$(jfield "$out" image status)"
	check_contains "busybox: image hint says what to install" "$(jfield "$out" image hint)" "rdma-core"
else
	# The host's rdma-core is bound in: the image check inspects a real
	# libibverbs and provider (never loading them itself).
	in_container none --json
	check "host libraries bound in: the probe ran and reported" json_shape "$out"
	check_eq "host libraries bound in: image check passes" pass "$(jfield "$out" image status)"
	check_contains "host libraries bound in: ABI read from libibverbs" "$(jfield "$out" image detail)" \
		"libibverbs takes providers of ABI 34"
fi

done_testing
