#!/bin/sh
# Installs the Debian/Ubuntu packages this project needs to build and test,
# when they are missing. As root it runs apt-get; otherwise it prints the
# exact command to run. Safe to run again: it does nothing when all is there.
set -eu

# build: compiler, libraries (headers, static archives for the probe), Check
BUILD_PKGS="gcc make pkg-config libc6-dev libyajl-dev libyaml-dev libseccomp-dev
libibverbs-dev librdmacm-dev ibverbs-providers libnl-3-dev libnl-route-3-dev check"
# test: real engines (../shared/TESTBED.md), a static busybox for rootfs,
# the CDI schema validator, man page lint, eBPF inspection; make bench: hyperfine,
# time, linux-perf (CPU time), valgrind
TEST_PKGS="runc crun podman docker.io containerd busybox-static python3-jsonschema python3-yaml
mandoc bpftool iproute2 util-linux procps hyperfine time valgrind clang libclang-rt-14-dev jq file strace
linux-perf"
# packaging tests (tests/e2e/package.sh, install.sh): the .deb and its lint,
# rpmbuild for the spec, systemd-analyze for the units
PKG_PKGS="debhelper dpkg-dev lintian rpm systemd git"

missing=""
for p in $BUILD_PKGS $TEST_PKGS $PKG_PKGS; do
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
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
