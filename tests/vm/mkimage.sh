#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The guests' test image, as a folder, made on the host from a guest's root
# (natively: under TCG the same ldd walk takes a minute): a static busybox
# and the rdma-core and perftest tools the traffic tests run (rping,
# ib_write_bw, ibv_devinfo, ibv_rc_pingpong) with exactly the shared objects
# they load (ldd, run in ROOT), plus libibverbs' providers and their
# /etc/libibverbs.d entries. The guest adds the probe under test.
# ROOT is only read (chroot runs ldd there; it writes nothing).
# Usage: mkimage.sh ROOT DIR
set -euo pipefail
root=${1:?usage: mkimage.sh ROOT DIR} d=${2:?usage: mkimage.sh ROOT DIR}
in_root() { if [ "$root" = / ]; then "$@"; else chroot "$root" "$@"; fi; }
rm -rf "$d"
# Merged /usr, as both guests' roots are: every path copied below is the
# canonical one (readlink -f in ROOT), and the old names are links.
mkdir -p "$d"/{bin,dev,proc,sys,tmp,etc,run,root,usr/bin,usr/lib,usr/lib64}
ln -s usr/lib "$d/lib"
ln -s usr/lib64 "$d/lib64"
cp "$root/bin/busybox" "$d/bin/busybox"
for a in $("$d/bin/busybox" --list); do [ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
echo 'root:x:0:' >"$d/etc/group"
copy() { # PATH-IN-ROOT: into the image in its folder's canonical path, under
	# the name asked for (the soname, not the versioned file it links to)
	local p
	p=$(in_root readlink -f "$(dirname "$1")")/$(basename "$1")
	mkdir -p "$d$(dirname "$p")"
	cp -L "$root$p" "$d$p"
}
libs=""
for t in rping ib_write_bw ibv_devinfo ibv_rc_pingpong; do
	p=/usr/bin/$t
	[ -e "$root$p" ] || { echo "mkimage.sh: $root$p missing" >&2; exit 1; }
	copy "$p"
	libs="$libs $(in_root ldd "$p" | awk '/=>/ { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }')"
done
provdir=$(in_root readlink -f "$(dirname "$(in_root ldconfig -p | awk '/libibverbs.so.1 / && !f { print $NF; f = 1 }')")")/libibverbs
for p in "$root$provdir"/*.so; do
	p=${p#"$root"}
	p=/${p#/}
	libs="$libs $p $(in_root ldd "$p" | awk '/=>/ { print $3 }')"
done
# rping ends its threads with pthread_exit, which loads libgcc_s at run time.
libs="$libs $(in_root ldconfig -p | awk '/libgcc_s.so.1 / && !f { print $NF; f = 1 }')"
# shellcheck disable=SC2086 # $libs is a list of paths without blanks: one per word
for l in $(printf '%s\n' $libs | sort -u); do
	[ -e "$root$l" ] && copy "$l"
done
# ELF binaries name the loader /lib64/ld-linux-x86-64.so.2, a link to its
# canonical path in both roots: the same link in the image.
ld=$(in_root readlink -f /lib64)/ld-linux-x86-64.so.2
[ -e "$d$ld" ] || ld=$(in_root readlink -f /lib64/ld-linux-x86-64.so.2)
[ -e "$d$ld" ] || { echo "mkimage.sh: no loader ($ld) in the image" >&2; exit 1; }
[ -e "$d/lib64/ld-linux-x86-64.so.2" ] || ln -s "$ld" "$d/usr/lib64/ld-linux-x86-64.so.2"
mkdir -p "$d/etc/libibverbs.d"
cp "$root"/etc/libibverbs.d/*.driver "$d/etc/libibverbs.d/"
