#!/bin/sh
# Installs the Debian/Ubuntu packages this project needs to build and test,
# when they are missing. As root it runs apt-get; otherwise it prints the
# exact command to run. Safe to run again: it does nothing when all is there.
set -eu

# build: compiler, libraries (headers, static archives for the probe), Check
BUILD_PKGS="gcc make pkg-config libc6-dev libyajl-dev libyaml-dev libseccomp-dev
libibverbs-dev librdmacm-dev ibverbs-providers libnl-3-dev libnl-route-3-dev libdbus-1-dev check"
# test: real engines (../shared/TESTBED.md), a static busybox for rootfs,
# the CDI schema validator, man page lint, eBPF inspection; make bench: hyperfine,
# time, linux-perf (CPU time), valgrind
TEST_PKGS="runc crun podman docker.io containerd busybox-static python3-jsonschema python3-yaml
mandoc bpftool iproute2 util-linux procps hyperfine time valgrind clang libclang-rt-14-dev jq file strace
linux-perf"
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

missing=""
for p in $BUILD_PKGS $TEST_PKGS $PKG_PKGS $VM_PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: missing packages:$missing" >&2
	echo "setup.sh: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "setup.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Another apt or dpkg (an unattended upgrade, a second set-up) may hold the
# lock for a while: wait for it instead of failing.
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
