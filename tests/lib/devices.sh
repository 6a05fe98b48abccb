# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this file
# The RDMA host an end-to-end test runs against: the fake host of
# fakehost.sh (default), or, with ECT_E2E_REAL=1, this machine's own /sys and
# /dev with real devices behind the nodes (the real-kernel guest of make
# check-vm: soft-RoCE rxe0 and rxe1; or an ECS instance with eRDMA). Scripts
# that source this file assert against the variables below instead of fixed
# names and numbers, so the same assertions run on both.
#
#   devices_setup DIR      DIR/host is the fake host (fake mode only); sets:
#     DEV0 DEV1            the two devices' names (erdma_0 erdma_1 on the fake host)
#     U0 U1                their uverbs nodes (uverbs0 uverbs1)
#     I0 I1                their uverbs indexes (0 1)
#     MAJ0 MIN0 MAJ1 MIN1  their numbers (231 192, 231 193 on the fake host)
#     HEX0 HEX1 HEXCM      the numbers as busybox stat -c %t:%T prints them
#     HOST_KEYS            host-config members for this host (JSON, no braces)
#     DEVROOT              where the host's nodes are (DIR/host/dev or /dev)
#     OPENED               what reading an allowed uverbs node gives: the
#                          fake node has no driver (ENXIO); a real uverbs node
#                          opens and has no read method (EINVAL)
#     CM_OPENED            the same for rdma_cm (ENODEV fake: no such misc
#                          minor; EINVAL real)
#     DENIED               an existing node the device cgroup refuses (EPERM)
#
# In real mode the first two RDMA devices in uverbs order are used, whatever
# their driver (the host config selects them with "drivers": "any"), and
# the host must have at least two. Nothing is created on a real host.

devices_real() { [ "${ECT_E2E_REAL:-0}" = 1 ]; }

# devices_num NODE_DEV_FILE: "MAJ MIN" from a sysfs dev attribute (MAJ:MIN).
devices_num() { tr ':' ' ' <"$1"; }

devices_setup() {
	local dir=$1 u n=0 maj min
	DENIED="Operation not permitted"
	if ! devices_real; then
		fakehost_standard "$dir/host"
		DEV0=erdma_0 DEV1=erdma_1 U0=uverbs0 U1=uverbs1 I0=0 I1=1
		MAJ0=231 MIN0=192 MAJ1=231 MIN1=193
		HEXCM=$(printf '%x:%x' 10 241)
		DEVROOT=$dir/host/dev
		HOST_KEYS="\"sysfs-root\": \"$dir/host/sys\", \"dev-root\": \"$DEVROOT\""
		OPENED="No such device or address"
		CM_OPENED="No such device"
	else
		for u in $(find /sys/class/infiniband_verbs -maxdepth 1 -name 'uverbs*' -printf '%f\n' | sort -V); do
			read -r maj min < <(devices_num "/sys/class/infiniband_verbs/$u/dev")
			if [ $n = 0 ]; then
				U0=$u I0=${u#uverbs} DEV0=$(cat "/sys/class/infiniband_verbs/$u/ibdev") MAJ0=$maj MIN0=$min
			else
				U1=$u I1=${u#uverbs} DEV1=$(cat "/sys/class/infiniband_verbs/$u/ibdev") MAJ1=$maj MIN1=$min
			fi
			n=$((n + 1))
			[ $n -lt 2 ] || break
		done
		[ $n -ge 2 ] || skip_all "hardware: ECT_E2E_REAL=1 needs two RDMA devices (found $n in /sys/class/infiniband_verbs)"
		[ -r /sys/class/misc/rdma_cm/dev ] || skip_all "hardware: ECT_E2E_REAL=1 needs rdma_cm (modprobe rdma_ucm)"
		read -r maj min < <(devices_num /sys/class/misc/rdma_cm/dev)
		HEXCM=$(printf '%x:%x' "$maj" "$min")
		DEVROOT=/dev
		HOST_KEYS='"drivers": "any"'
		OPENED="Invalid argument"
		CM_OPENED="Invalid argument"
	fi
	HEX0=$(printf '%x:%x' "$MAJ0" "$MIN0")
	HEX1=$(printf '%x:%x' "$MAJ1" "$MIN1")
}
