#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The programs of a cross build (make ARCH=arm64, build-arm64/), run under
# qemu-user on this host against the fake host, give what the native build
# gives: erdma-probe's report in runc containers (--json and text, byte for
# byte, exit status too), erdma-cdi's list and spec, the config.json the
# shim writes. Also: each binary is of the target architecture, the probe
# and the hook are static-pie, the probe's NSS wrapping took on this
# architecture, and the hook under qemu-user, which loads no seccomp filter,
# fails closed: the container does not start. `make check-cross` runs it
# with ECT_BUILD (native), ECT_CROSS_BUILD, ECT_CROSS_ARCH, ECT_EMULATOR.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=../lib/fakehost.sh
. "$top/tests/lib/fakehost.sh"
# shellcheck source=../lib/rootfs.sh
. "$top/tests/lib/rootfs.sh"

need_root
N=${ECT_BUILD:-$top/build}
X=${ECT_CROSS_BUILD:-$top/build-arm64}
arch=${ECT_CROSS_ARCH:-arm64}
emu=${ECT_EMULATOR:-qemu-aarch64-static}
case $arch in
arm64) machine=AArch64 ld=/lib/ld-linux-aarch64.so.1 ;;
amd64) machine="Advanced Micro Devices X86-64" ld=/lib64/ld-linux-x86-64.so.2 ;;
*) skip_all "no expectations for ARCH=$arch in this test" ;;
esac
for t in runc jq readelf file; do
	command -v "$t" >/dev/null || skip_all "$t missing (./setup.sh installs it)"
done
emu_path=$(command -v "$emu") || skip_all "$emu missing (./setup.sh installs qemu-user-static)"
progs="erdma-cdi erdma-container-runtime erdma-hook erdma-probe"
for p in $progs; do
	[ -x "$N/$p" ] || skip_all "$N/$p not built (make)"
	[ -x "$X/$p" ] || skip_all "$X/$p not built (make ARCH=$arch)"
done
# The sanitizer pass of make check has nothing to add: one run, normal build.
if [ "$(cd "$N" && pwd)" != "$top/build" ]; then
	diag "programs.sh runs once, with the normal build (ECT_BUILD=$N)"
	echo "1..0"
	exit 0
fi

T=$(mktemp -d /tmp/ect-cross.XXXXXX)
ids=()
cleanup() {
	local id
	for id in "${ids[@]}"; do runc delete -f "$id" >/dev/null 2>&1 || true; done
	rm -rf "$T"
}
trap cleanup EXIT

# --- the binaries -----------------------------------------------------------
for p in $progs; do
	check_eq "$p is an ELF for $machine" "$machine" \
		"$(readelf -h "$X/$p" | sed -n 's/^ *Machine: *//p')"
done
for p in erdma-probe erdma-hook; do
	check_contains "$p is static-pie" "$(file -b "$X/$p")" "static-pie linked"
	check_eq "$p has no program interpreter" "" "$(readelf -lW "$X/$p" | grep -F 'program interpreter' || true)"
done
for p in erdma-cdi erdma-container-runtime; do
	check_contains "$p is dynamic, interpreter $ld" "$(readelf -lW "$X/$p")" "[Requesting program interpreter: $ld]"
done
# probe/module.mk wraps the glibc functions that would pull NSS (a dlopen
# of the image's libnss_*) into the static probe. The list was made on
# amd64: on this architecture, too, nothing of NSS may be linked in, and
# each wrapped function is our stub, not glibc's.
syms=$(readelf -sW "$X/erdma-probe" | awk '$4 == "FUNC" || $4 == "OBJECT" {print $8}')
check_eq "static probe: no NSS code linked in (no __nss_* symbol)" "" "$(grep '^__nss_' <<<"$syms" | head -5 || true)"
nss=$(sed -n 's/^PROBE_NSS := //p' "$top/probe/module.mk")
check "probe/module.mk names the wrapped NSS functions" test -n "$nss"
for f in $nss; do
	check "static probe: $f is wrapped (__wrap_$f, no glibc $f)" \
		eval "grep -qx '__wrap_$f' <<<\"\$syms\" && ! grep -qx '$f' <<<\"\$syms\""
done

# --- erdma-cdi --------------------------------------------------------------
fakehost_standard "$T/host"
fakehost_add_device "$T/host" 2 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x1017
H=(--sysfs-root "$T/host/sys" --dev-root "$T/host/dev")
# same DESCRIPTION ARGS...: the native and the emulated program, same output
# and status. PROG is set by the caller.
same() {
	local desc=$1 n x rn=0 rx=0
	shift
	n=$("$N/$PROG" "$@" 2>&1) || rn=$?
	x=$("$emu" "$X/$PROG" "$@" 2>&1) || rx=$?
	check_eq "$PROG $desc: same output under $emu (status $rn)" "$rn $n" "$rx $x"
}
PROG=erdma-cdi
same "list" list "${H[@]}"
same "list --json" list --json "${H[@]}"
same "list --json --driver any" list --json --driver any "${H[@]}"
same "generate (YAML)" generate "${H[@]}"
same "generate --format json --device-name-strategy both" generate --format json \
	--device-name-strategy both "${H[@]}"
same "generate, no device of driver foo (exit 1)" generate --driver foo "${H[@]}"
same "generate --device-name-strategy bogus (exit 2)" generate --device-name-strategy bogus "${H[@]}"
"$emu" "$X/erdma-cdi" generate -o "$T/spec-x.yaml" "${H[@]}" 2>/dev/null
"$N/erdma-cdi" generate -o "$T/spec-n.yaml" "${H[@]}" 2>/dev/null
check "generate -o: the same file" cmp -s "$T/spec-n.yaml" "$T/spec-x.yaml"

# --- erdma-container-runtime --------------------------------------------------
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"/bin/true"}\n' \
	"$T/host/sys" "$T/host/dev" >"$T/erdma.json"
config='{"ociVersion":"1.0.2","process":{"args":["sh"],"env":["PATH=/bin","ERDMA_VISIBLE_DEVICES=all"],"rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]},"root":{"path":"rootfs"},"annotations":{"x":"\u00e9"},"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}}'
for b in n x; do
	mkdir -p "$T/b$b"
	printf '%s\n' "$config" >"$T/b$b/config.json"
done
rn=0 rx=0
ERDMA_CONFIG=$T/erdma.json "$N/erdma-container-runtime" create --bundle "$T/bn" c1 || rn=$?
ERDMA_CONFIG=$T/erdma.json "$emu" "$X/erdma-container-runtime" create --bundle "$T/bx" c1 || rx=$?
check_eq "erdma-container-runtime create: exit 0 both" "0 0" "$rn $rx"
check_contains "erdma-container-runtime create: the edit happened" "$(cat "$T/bx/config.json")" \
	'"path":"/dev/infiniband/uverbs1","type":"c","major":231,"minor":193'
check "erdma-container-runtime create: the same config.json, byte for byte" \
	cmp -s "$T/bn/config.json" "$T/bx/config.json"
printf '%s\n' "$config" | sed 's/ERDMA_VISIBLE_DEVICES=all/ERDMA_VISIBLE_DEVICES=erdma_7/' >"$T/bn/config.json"
cp "$T/bn/config.json" "$T/bx/config.json"
PROG=erdma-container-runtime
ERDMA_CONFIG=$T/erdma.json same "create, unknown device (error)" create --bundle "$T/bn" c2

# --- erdma-probe in runc containers -------------------------------------------
make_rootfs "$T/rootfs" >/dev/null
mkdir -p "$T/rootfs/usr/local/bin" "$T/rootfs/fakesys" "$T/rootfs/qemu"
dev_entry='{path: "/dev/infiniband/uverbs0", type: "c", major: 231, minor: 192, fileMode: 438, uid: 0, gid: 0},
	{path: "/dev/infiniband/uverbs1", type: "c", major: 231, minor: 193, fileMode: 438, uid: 0, gid: 0},
	{path: "/dev/infiniband/uverbs2", type: "c", major: 231, minor: 194, fileMode: 438, uid: 0, gid: 0},
	{path: "/dev/infiniband/rdma_cm", type: "c", major: 10, minor: 241, fileMode: 438, uid: 0, gid: 0}'
allow() { # MAJ:MIN...
	local d out=""
	for d in "$@"; do
		out="$out${out:+,}{allow: true, type: \"c\", major: ${d%:*}, minor: ${d#*:}, access: \"rwm\"}"
	done
	echo "$out"
}
# bundle NAME BUILD-DIR JQ-FILTER: busybox rootfs, the probe of BUILD-DIR
# at /usr/local/bin/erdma-probe, qemu-user at /qemu/, the fake sysfs.
bundle() {
	local b=$T/$1
	mkdir -p "$b"
	(cd "$b" && runc spec)
	jq --arg root "$T/rootfs" --arg probe "$2/erdma-probe" --arg sys "$T/host/sys" --arg emu "$emu_path" '
		.root = {path: $root, readonly: true}
		| .process.terminal = false
		| .mounts += [
			{destination: "/usr/local/bin/erdma-probe", type: "bind", source: $probe,
			 options: ["bind", "ro", "nosuid", "nodev"]},
			{destination: "/qemu/qemu-user", type: "bind", source: $emu,
			 options: ["bind", "ro", "nosuid", "nodev"]},
			{destination: "/fakesys", type: "bind", source: $sys,
			 options: ["rbind", "ro", "nosuid", "nodev", "noexec"]}]
		| '"$3" "$b/config.json" >"$b/config.new"
	mv "$b/config.new" "$b/config.json"
	touch "$T/rootfs/qemu/qemu-user"
}
# run_probe NAME [qemu] ARGS...: the probe in bundle NAME; sets out, rc.
run_probe() {
	local name=$1 id="ect-cross-$$-$1-$RANDOM"
	shift
	local pre=()
	if [ "$1" = qemu ]; then
		pre=(/qemu/qemu-user)
		shift
	fi
	ids+=("$id")
	bundle_run "$T/$name" "$id" "${pre[@]}" /usr/local/bin/erdma-probe "$@"
}
# compare SCENARIO JQ-FILTER ARGS...: the native probe, then the emulated
# cross one, in the same kind of container; same report and status.
compare() {
	local sc=$1 filter=$2 nout
	shift 2
	bundle "$sc-n" "$N" "$filter"
	bundle "$sc-x" "$X" "$filter"
	run_probe "$sc-n" "$@"
	nout="$rc $out $(cat "$T/$sc-n.err")"
	run_probe "$sc-x" qemu "$@"
	check_eq "probe $sc $*: same report, stderr and status under $emu (native: ${nout%% *})" \
		"$nout" "$rc $out $(cat "$T/$sc-x.err")"
}
inject=".linux.devices = [$dev_entry]"
compare injected "$inject | .linux.resources.devices += [$(allow 231:192 231:193 231:194 10:241)]" \
	--sysfs-root /fakesys --json
compare injected-text "$inject | .linux.resources.devices += [$(allow 231:192 231:193 231:194 10:241)]" \
	--sysfs-root /fakesys
compare one-device "$inject | .linux.resources.devices += [$(allow 231:193 10:241)]" \
	--sysfs-root /fakesys --device erdma_1 --json
compare mlx5 "$inject | .linux.resources.devices += [$(allow 231:194)]" \
	--sysfs-root /fakesys --device mlx5_0 --json
compare denied "$inject | .linux.resources.devices += [$(allow 10:241)]" --sysfs-root /fakesys --json
compare none "." --sysfs-root /fakesys --json
compare memlock '.process.rlimits = [{type: "RLIMIT_MEMLOCK", soft: 65536, hard: 65536},
	{type: "RLIMIT_NOFILE", soft: 1024, hard: 1024}]' --mr-size 1M --json
compare usage "." --mr-size 12X
# The reports above are real ones: the emulated probe found the fake devices.
run_probe injected-x qemu --sysfs-root /fakesys --json
check_contains "emulated probe: libibverbs (static, $arch) matched erdma_0 and tried it" \
	"$(jq -r '.checks[] | select(.name == "verbs") | .detail' <<<"$out")" "erdma_0: ibv_open_device failed"

# --- erdma-hook under qemu-user: fails closed -----------------------------------
# qemu-user has no bpf(2) and loads no seccomp filter: the hook needs both
# (the cgroup v2 device program, its sandbox in the container's rootfs). It
# must stop at the first one with an error, and runc must not start the
# container. (README, Architectures: the hook's own tests need a real
# kernel of the architecture.)
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608}\n' "$T/host/sys" "$T/host/dev" >"$T/hook.json"
bundle hook "$X" ".process.args = [\"/bin/sh\", \"-c\", \"echo started\"]
	| .annotations[\"com.aliyun.erdma.devices\"] = \"erdma_0\"
	| .hooks.prestart = [{path: \"$emu_path\", args: [\"qemu-user\", \"$X/erdma-hook\", \"--config\", \"$T/hook.json\", \"prestart\"]}]"
id="ect-cross-$$-hook"
ids+=("$id")
rc=0
out=$(cd "$T/hook" && runc run "$id" 2>&1) || rc=$?
runc delete -f "$id" >/dev/null 2>&1 || true
check "hook under $emu: runc fails (status $rc)" test "$rc" -ne 0
check_not_contains "hook under $emu: the container did not start" "$out" "started"
check "hook under $emu: its error names what emulation lacks (bpf(2) or the seccomp filter)" \
	grep -qE "erdma-hook: .*(BPF_PROG_QUERY: Function not implemented|seccomp filter)" <<<"$out"
check "hook under $emu: no node left in the image" test ! -e "$T/rootfs/dev/infiniband"

done_testing
