# shellcheck shell=bash
# A minimal busybox root filesystem for containers (../shared/TESTBED.md).
# make_rootfs DIR: DIR/bin/busybox plus its applet links.
make_rootfs() {
	local r=$1 bb
	bb=$(command -v busybox) || return 1
	mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/etc"
	cp "$bb" "$r/bin/busybox"
	chroot "$r" /bin/busybox --install -s /bin
	echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
	echo 'root:x:0:' >"$r/etc/group"
}

# busybox_tar DIR OUT: a tarball of a busybox rootfs, for podman/docker import.
busybox_tar() {
	local tmp
	tmp=$(mktemp -d)
	make_rootfs "$tmp/r" && tar -C "$tmp/r" -cf "$2" .
	rm -rf "$tmp"
}

# Where the tools under test live (make sets ECT_BUILD).
ect_bin() { echo "${ECT_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}/$1"; }

# The CDI schema shipped beside the project (../shared/cdi-schema).
ect_shared() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if [ -d "$top/../shared" ]; then echo "$top/../shared"; else echo /work/shared; fi
}
