#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian/Ubuntu packages this project needs to build and test,
# when they are missing. As root it runs apt-get; otherwise it prints the
# exact command to run. Safe to run again: it does nothing when all is there.
set -eu

# build: compiler, libraries (headers, static archives for the probe), Check
BUILD_PKGS="gcc make pkg-config libc6-dev libyajl-dev libyaml-dev libseccomp-dev
libibverbs-dev librdmacm-dev ibverbs-providers libnl-3-dev libnl-route-3-dev libdbus-1-dev check"
# test: real engines (../shared/TESTBED.md), a static busybox for rootfs,
# the CDI schema validator, man page lint, eBPF inspection; make bench: hyperfine,
# time, linux-perf (CPU time), valgrind; make shellcheck: shellcheck; make
# check-format: clang-format (Debian 12's is 14, what .clang-format is for)
TEST_PKGS="runc crun podman docker.io containerd busybox-static python3-jsonschema python3-yaml
mandoc bpftool iproute2 util-linux procps hyperfine time valgrind clang libclang-rt-14-dev jq file strace
linux-perf shellcheck clang-format"
# packaging tests (tests/e2e/package.sh, install.sh): the .deb and its lint,
# rpmbuild for the spec, systemd-analyze for the units
PKG_PKGS="debhelper dpkg-dev lintian rpm systemd git"
# make check-vm (tests/vm/): qemu and what makes the guests (debootstrap for
# the trixie root; kmod, cpio and xz for the initramfs); the host-root guest
# boots this machine's own userland, so it needs what a real host has:
# systemd with udev and D-Bus (runc's and Docker's systemd cgroup driver talk
# to systemd over D-Bus), AppArmor's parser (Debian's kernel enables
# AppArmor: dockerd loads its profile), the rdma-core and perftest tools of
# the test image
VM_PKGS="qemu-system-x86 debootstrap kmod cpio xz-utils udev dbus apparmor
ibverbs-utils rdmacm-utils perftest"
# arm64 (make ARCH=arm64, make check-cross): Debian's cross compiler, the
# arm64 libraries of the same -dev packages (multiarch: they install beside
# the amd64 ones), pkg-config for them (pkgconf:arm64 gives
# aarch64-linux-gnu-pkg-config) and qemu-user to run the tests. qemu is
# called by name (qemu-aarch64-static PROG): no binfmt_misc registration is
# needed or made. Only on amd64, and only where the apt sources carry arm64
# packages (Debian's archive does; Ubuntu's amd64 mirror does not).
CROSS_ARCH=arm64
CROSS_PKGS="gcc-aarch64-linux-gnu qemu-user-static libc6-dev:arm64 libyajl-dev:arm64
libyaml-dev:arm64 libseccomp-dev:arm64 libibverbs-dev:arm64 librdmacm-dev:arm64
ibverbs-providers:arm64 libnl-3-dev:arm64 libnl-route-3-dev:arm64 libdbus-1-dev:arm64 check:arm64
pkgconf:arm64"

is_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
missing=""
for p in $BUILD_PKGS $TEST_PKGS $PKG_PKGS $VM_PKGS; do
	is_installed "$p" || missing="$missing $p"
done
cross=""
if [ "$(dpkg --print-architecture)" = amd64 ]; then
	for p in $CROSS_PKGS; do
		is_installed "$p" || cross="$cross $p"
	done
fi
[ -z "$missing$cross" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing$cross"
if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: missing packages:$missing$cross" >&2
	if [ -n "$cross" ] && ! dpkg --print-foreign-architectures | grep -qx "$CROSS_ARCH"; then
		echo "setup.sh: run as root: dpkg --add-architecture $CROSS_ARCH" >&2
	fi
	echo "setup.sh: run as root: apt-get update && $cmd" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
added=0
if [ -n "$cross" ] && ! dpkg --print-foreign-architectures | grep -qx "$CROSS_ARCH"; then
	echo "setup.sh: dpkg --add-architecture $CROSS_ARCH (for make check-cross)" >&2
	dpkg --add-architecture "$CROSS_ARCH"
	added=1
fi
# Another apt or dpkg (an unattended upgrade, a second set-up) may hold the
# lock for a while: wait for it instead of failing.
apt="apt-get -o DPkg::Lock::Timeout=600"
if ! $apt update -qq || { [ -n "$cross" ] &&
	! apt-cache policy "libc6-dev:$CROSS_ARCH" | grep -qE '^ *Candidate: *[^( ]'; }; then
	[ -n "$cross" ] || exit 1
	# The sources have no arm64 packages: leave apt as it was and go on
	# without them (make check-cross then says SKIP, and fails under CI).
	echo "setup.sh: the apt sources carry no $CROSS_ARCH packages: no arm64 cross build here" >&2
	[ "$added" = 0 ] || dpkg --remove-architecture "$CROSS_ARCH"
	cross=""
	$apt update -qq
fi
echo "setup.sh: installing:$missing$cross" >&2
# shellcheck disable=SC2086
$apt install -y -qq --no-install-recommends $missing $cross >/dev/null
