#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Finds (or fetches) Debian's own kernel for the host-root guest: the
# package linux-image-amd64 depends on, downloaded with apt-get download and
# unpacked with dpkg -x into the cache. Nothing is installed on the host.
# The .deb ships no modules.dep: depmod -b makes it.
#
# Usage: kernel.sh CACHE_DIR    prints "VMLINUZ MODULES_DIR KVER" on stdout.
set -euo pipefail

cache=${1:?usage: kernel.sh CACHE_DIR}
# The archive moves on (linux-image-6.1.0-NN-amd64): look the name up.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^[[:space:]]*Depends:[[:space:]]*\(linux-image-[0-9][^[:space:]]*\)$/\1/p' | sed -n 1p)
if [ -z "$pkg" ]; then
	echo "kernel.sh: apt-cache knows no linux-image-amd64 dependency (run apt-get update)" >&2
	exit 1
fi
dir=$cache/$pkg
if [ ! -e "$dir/.complete" ]; then
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp/deb"
	echo "kernel.sh: fetching $pkg" >&2
	# apt-get download writes into the current directory; as root it
	# drops to _apt, which must be able to write there.
	chmod 0777 "$dir.tmp/deb"
	(cd "$dir.tmp/deb" && apt-get download -q "$pkg" >/dev/null)
	dpkg -x "$dir.tmp"/deb/*.deb "$dir.tmp/root"
	rm -rf "$dir.tmp/deb"
	kver=$(ls "$dir.tmp/root/lib/modules")
	depmod -b "$dir.tmp/root" "$kver"
	mv "$dir.tmp" "$dir"
	touch "$dir/.complete"
fi
kver=$(ls "$dir/root/lib/modules")
echo "$dir/root/boot/vmlinuz-$kver $dir/root/lib/modules/$kver $kver"
