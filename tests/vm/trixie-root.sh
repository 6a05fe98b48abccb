#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds (or finds) the Debian trixie root of the real-kernel test host:
# today's engines (Docker 26, Podman 5, containerd 1.7, runc, crun), systemd
# 257, udev, rdma-core with soft-RoCE tools, and trixie's own kernel.
#
# The root is made once by debootstrap from the same archive the host uses
# and kept in the cache, in a folder named after the hash of everything that
# decides its content (suite, mirror, package list, this recipe's version),
# so a warm run reuses it and a changed list builds a new one. The host's
# apt state is never touched: debootstrap brings its own.
#
# Usage: trixie-root.sh CACHE_DIR   prints the root's path on stdout.
set -euo pipefail

cache=${1:?usage: trixie-root.sh CACHE_DIR}
suite=trixie
# The archive the host's own sources name (deb822 or one-line form).
mirror=$(sed -n 's/^URIs:[[:space:]]*\(http[^ ]*debian\)[[:space:]]*$/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | sed -n 1p)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
# Recipe version: bump when the steps below change what the root holds.
recipe=1
pkgs=(systemd systemd-sysv udev dbus iproute2 kmod procps util-linux
	rdma-core ibverbs-providers ibverbs-utils rdmacm-utils perftest
	docker.io docker-cli containerd runc podman crun conmon catatonit
	jq busybox-static linux-image-amd64 apparmor
	libyajl2 libyaml-0-2 libseccomp2)
key=$(printf '%s\n' "$suite" "$mirror" "$recipe" "${pkgs[@]}" | sha256sum | cut -c1-16)
root=$cache/trixie-$key

if [ -e "$root/.complete" ]; then
	echo "$root"
	exit 0
fi
mkdir -p "$cache"
# A half-built root from an interrupted run is never reused.
rm -rf "$root" "$root.tmp"
include=$(IFS=,; echo "${pkgs[*]}")
echo "trixie-root: building $root (debootstrap $suite from $mirror; a few minutes)" >&2
start=$(date +%s)
if ! debootstrap --variant=minbase --include="$include" \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	"$suite" "$root.tmp" "$mirror" >"$cache/trixie-$key.log" 2>&1; then
	echo "trixie-root: debootstrap failed; last lines of $cache/trixie-$key.log:" >&2
	tail -n 20 "$cache/trixie-$key.log" >&2
	rm -rf "$root.tmp"
	exit 1
fi
# The downloaded .debs are not needed at run time (about 250 MB).
rm -rf "$root.tmp"/var/cache/apt/archives/*.deb
printf '%s\n' "${pkgs[@]}" >"$root.tmp/.ect-packages"
mv "$root.tmp" "$root"
touch "$root/.complete"
# Roots of older package lists are not used again: about 1 GB each.
for old in "$cache"/trixie-*; do
	case $old in "$root" | "$root".log) ;; *) rm -rf "$old" ;; esac
done
echo "trixie-root: built in $(( $(date +%s) - start )) s" >&2
echo "$root"
