# SPDX-License-Identifier: Apache-2.0
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

# bundle_run DIR ID ARGS...: `runc run` of the bundle DIR as container ID
# with process.args set to ARGS, then `runc delete`; sets out (stdout) and
# rc (status); stderr goes to DIR.err.
bundle_run() {
	local d=$1 id=$2 args
	shift 2
	args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
	jq --argjson a "$args" '.process.args = $a' "$d/config.json" >"$d/c.json"
	mv "$d/c.json" "$d/config.json"
	rc=0
	# shellcheck disable=SC2034 # out and rc are this function's results, read by the caller
	out=$(cd "$d" && runc run "$id" 2>"$d.err") || rc=$?
	runc delete -f "$id" >/dev/null 2>&1 || true
}

# Where the tools under test live (make sets ECT_BUILD).
ect_bin() { echo "${ECT_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}/$1"; }

# The CDI schema shipped beside the project (../shared/cdi-schema).
ect_shared() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if [ -d "$top/../shared" ]; then echo "$top/../shared"; else echo /work/shared; fi
}
