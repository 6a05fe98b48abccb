#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Boots one real-kernel guest and waits for it to power off.
#
# Usage: boot.sh NAME VMLINUZ INITRD ROOT MODULES RESULTS TIMEOUT [APPEND...]
#   ROOT: the folder shared read-only as the guest's root (under a tmpfs
#   overlay); MODULES: the kernel's lib/modules/KVER folder, or "-" when ROOT
#   has it; RESULTS: a folder shared writable at /ect-results.
# The project tree is shared read-only at /ect. No network device: -nic none.
# KVM where /dev/kvm can be opened, TCG otherwise. The console goes to
# RESULTS/console.log. Exit status: qemu's, or 124 when TIMEOUT (seconds)
# ran out (qemu is killed, nothing is left running).
set -euo pipefail
name=$1 kernel=$2 initrd=$3 root=$4 modules=$5 results=$6 limit=$7
shift 7
top=$(cd "$(dirname "$0")/../.." && pwd)

# One host thread for all the guest's vCPUs. With one thread per vCPU
# (thread=multi) the trixie kernel (6.12) oopsed at boot in 1 of 36 boots
# here: "Oops: int3" in sched_clock_cpu, on the vCPU taking the IPI by
# which the other one, patching a static branch there (text_poke_bp), waits
# for every CPU to see the finished code. That vCPU met the patch's temporary
# int3 after the patch had ended (the kernel found none under way and took
# it for a fault; panic=-1: qemu exits 0 about 5 s after it started), which
# a real CPU cannot do. With one thread no vCPU runs while another writes
# code (tests/vm/README.md has the figures).
accel=tcg,thread=single
cpu=max
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	accel=kvm
	cpu=host
fi
share() { # TAG PATH [readonly]
	local ro=""
	[ "${3:-}" = ro ] && ro=",readonly=on"
	printf -- '-virtfs local,path=%s,mount_tag=%s,security_model=none,multidevs=remap%s' "$2" "$1" "$ro"
}
args=(-name "ect-$name" -accel "$accel" -cpu "$cpu" -m "${ECT_VM_MEM:-3G}" -smp "${ECT_VM_CPUS:-2}"
	-nographic -no-reboot -nic none -kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 loglevel=6 systemd.unit=ect-vm.target systemd.show_status=0 $*")
# shellcheck disable=SC2207 # the share options are single words
args+=($(share rootfs "$root" ro) $(share ect "$top" ro) $(share results "$results"))
if [ "$modules" != - ]; then
	# shellcheck disable=SC2207
	args+=($(share modules "$modules" ro))
fi
echo "boot.sh: $name: qemu ($accel), limit ${limit}s" >&2
st=0
timeout --kill-after=10 "$limit" qemu-system-x86_64 "${args[@]}" </dev/null >"$results/console.log" 2>&1 || st=$?
exit "$st"
