# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Builds a fake RDMA host: a sysfs tree laid out as the kernel lays it out
# (devices under /sys/devices, class entries as relative symlinks) and device
# nodes made with mknod under a dev root. Source this file, then:
#
#   fakehost_init DIR                      DIR/sys and DIR/dev, no devices
#   fakehost_add_device DIR N IBDEV [key=value...]
#       keys: driver=erdma vendor=0x1ded device=0x107f pci=0000:00:NN.0
#             mac=00:16:3e:00:00:NN netdev=ethN major=231 minor=192+N
#             state="4: ACTIVE" link_layer=Ethernet numa=-1 mknod=1
#             pci=none (a virtual device: no PCI parent, e.g. rxe/siw)
#   fakehost_add_rdma_cm DIR [MINOR] [mknod=1]
#   fakehost_standard DIR                  two eRDMA devices + rdma_cm
#
# The rdma_cm minor defaults to 241: this machine's /proc/misc does not use
# it, so opening it gives ENODEV (see ../shared/TESTBED.md).

fakehost_init() {
	local d=$1
	mkdir -p "$d/sys/class/infiniband" "$d/sys/class/infiniband_verbs" \
		"$d/sys/class/infiniband_mad" "$d/sys/class/net" "$d/sys/class/misc" \
		"$d/sys/devices/pci0000:00" "$d/sys/devices/virtual/misc" \
		"$d/sys/bus/pci/drivers" "$d/dev/infiniband"
	# The kernel puts a class-wide attribute beside the uverbsN links.
	echo 6 >"$d/sys/class/infiniband_verbs/abi_version"
}

fakehost_add_device() {
	local d=$1 n=$2 ibdev=$3
	shift 3
	local driver=erdma vendor=0x1ded device=0x107f pci mac netdev major=231 minor
	local state="4: ACTIVE" link_layer=Ethernet numa=-1 mknod=1 kv
	pci=$(printf '0000:00:%02x.0' $((n + 5)))
	mac=$(printf '00:16:3e:00:%02x:%02x' $((n / 256)) $((n % 256)))
	netdev="eth$((n + 1))"
	minor=$((192 + n))
	for kv in "$@"; do
		case $kv in
		driver=*) driver=${kv#*=} ;;
		vendor=*) vendor=${kv#*=} ;;
		device=*) device=${kv#*=} ;;
		pci=*) pci=${kv#*=} ;;
		mac=*) mac=${kv#*=} ;;
		netdev=*) netdev=${kv#*=} ;;
		major=*) major=${kv#*=} ;;
		minor=*) minor=${kv#*=} ;;
		state=*) state=${kv#*=} ;;
		link_layer=*) link_layer=${kv#*=} ;;
		numa=*) numa=${kv#*=} ;;
		mknod=*) mknod=${kv#*=} ;;
		*) echo "fakehost_add_device: unknown key '$kv'" >&2; return 1 ;;
		esac
	done

	local parent rel
	if [ "$pci" = none ]; then
		parent="$d/sys/devices/virtual"
		rel="../../devices/virtual"
	else
		parent="$d/sys/devices/pci0000:00/$pci"
		rel="../../devices/pci0000:00/$pci"
		mkdir -p "$parent"
		echo "$vendor" >"$parent/vendor"
		echo "$device" >"$parent/device"
		echo "$numa" >"$parent/numa_node"
		printf 'pci:v0000%sd0000%ssv00001DEDsd0000107Fbc02sc00i00\n' \
			"$(echo "${vendor#0x}" | tr a-f A-F)" "$(echo "${device#0x}" | tr a-f A-F)" \
			>"$parent/modalias"
		if [ -n "$driver" ]; then
			mkdir -p "$d/sys/bus/pci/drivers/$driver"
			ln -sfn "../../../bus/pci/drivers/$driver" "$parent/driver"
		fi
	fi

	# RDMA device: /sys/class/infiniband/IBDEV
	local ib="$parent/infiniband/$ibdev"
	mkdir -p "$ib/ports/1"
	echo "1: CA" >"$ib/node_type"
	local a b c dd e f
	IFS=: read -r a b c dd e f <<<"$mac"
	printf '%02x%s:%sff:fe%s:%s%s\n' $((0x$a ^ 2)) "$b" "$c" "$dd" "$e" "$f" >"$ib/node_guid"
	echo "$state" >"$ib/ports/1/state"
	echo "$link_layer" >"$ib/ports/1/link_layer"
	[ "$pci" = none ] || ln -sfn "../../../$pci" "$ib/device"
	ln -sfn "$rel/infiniband/$ibdev" "$d/sys/class/infiniband/$ibdev"

	# verbs node: /sys/class/infiniband_verbs/uverbsN
	local uv="$parent/infiniband_verbs/uverbs$n"
	mkdir -p "$uv"
	echo "$ibdev" >"$uv/ibdev"
	echo "$major:$minor" >"$uv/dev"
	echo 1 >"$uv/abi_version"
	[ "$pci" = none ] || ln -sfn "../../../$pci" "$uv/device"
	ln -sfn "$rel/infiniband_verbs/uverbs$n" "$d/sys/class/infiniband_verbs/uverbs$n"

	# The paired interface (a virtio-net function of its own, as on ECS).
	if [ -n "$netdev" ] && [ "$pci" != none ]; then
		local nd
		nd="$d/sys/devices/pci0000:00/0000:01:$(printf %02x $((n % 256))).0/virtio$n/net/$netdev"
		mkdir -p "$nd"
		echo "$mac" >"$nd/address"
		ln -sfn "../../devices/pci0000:00/0000:01:$(printf %02x $((n % 256))).0/virtio$n/net/$netdev" \
			"$d/sys/class/net/$netdev"
	fi

	if [ "$mknod" = 1 ]; then
		rm -f "$d/dev/infiniband/uverbs$n"
		mknod -m 0666 "$d/dev/infiniband/uverbs$n" c "$major" "$minor"
	fi
}

fakehost_add_rdma_cm() {
	local d=$1 minor=${2:-241} mknod=${3:-mknod=1}
	mkdir -p "$d/sys/devices/virtual/misc/rdma_cm"
	echo "10:$minor" >"$d/sys/devices/virtual/misc/rdma_cm/dev"
	ln -sfn ../../devices/virtual/misc/rdma_cm "$d/sys/class/misc/rdma_cm"
	if [ "$mknod" = mknod=1 ]; then
		rm -f "$d/dev/infiniband/rdma_cm"
		mknod -m 0666 "$d/dev/infiniband/rdma_cm" c 10 "$minor"
	fi
}

fakehost_standard() {
	local d=$1
	fakehost_init "$d"
	fakehost_add_device "$d" 0 erdma_0
	fakehost_add_device "$d" 1 erdma_1
	fakehost_add_rdma_cm "$d"
}
