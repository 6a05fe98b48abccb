#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Makes the small initramfs of the real-kernel guest: busybox-static, the
# few modules that mount a 9p share and an overlay (with their dependencies,
# in load order, as the kernel's own modules.dep gives them; built-in ones
# are skipped), and tests/vm/init as /init.
#
# Usage: initramfs.sh MODULES_BASE KVER OUT.cpio.gz
#   MODULES_BASE: the folder holding lib/modules/KVER (an unpacked kernel
#   package or a whole root).
set -euo pipefail

base=${1:?usage: initramfs.sh MODULES_BASE KVER OUT}
kver=${2:?usage: initramfs.sh MODULES_BASE KVER OUT}
out=${3:?usage: initramfs.sh MODULES_BASE KVER OUT}
here=$(cd "$(dirname "$0")" && pwd)
bb=$(command -v busybox) || { echo "initramfs.sh: busybox missing (busybox-static)" >&2; exit 1; }
if ! file -L "$bb" | grep 'statically linked' >/dev/null; then
	echo "initramfs.sh: $bb is not static (install busybox-static)" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,lower,rw,newroot,lib/modules}
cp "$bb" "$work/bin/busybox"
ln -s busybox "$work/bin/sh"
install -m 0755 "$here/init" "$work/init"

# modprobe prints "insmod PATH" per module to load, dependencies first, and
# "builtin NAME" for those in the kernel image (6.12 has virtio built in).
n=0
while read -r verb path _; do
	[ "$verb" = insmod ] || continue
	name=$(basename "$path")
	n=$((n + 1))
	dst=$(printf '%02d-%s' "$n" "${name%%.ko*}.ko")
	case $name in
	*.ko.xz) xz -dc "$path" >"$work/lib/modules/$dst" ;;
	*.ko.zst) zstd -qdc "$path" >"$work/lib/modules/$dst" ;;
	*.ko.gz) gzip -dc "$path" >"$work/lib/modules/$dst" ;;
	*) cp "$path" "$work/lib/modules/$dst" ;;
	esac
done < <(modprobe -a -d "$base" -S "$kver" --show-depends \
	virtio_pci 9pnet_virtio 9p overlay | awk '!seen[$2]++')
if [ "$n" = 0 ] && ! modprobe -d "$base" -S "$kver" --show-depends 9p | grep builtin >/dev/null; then
	echo "initramfs.sh: no 9p modules found under $base/lib/modules/$kver" >&2
	exit 1
fi
(cd "$work" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
