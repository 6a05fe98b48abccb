# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Podman as ../shared/TESTBED.md runs it here: runc, cgroupfs, vfs storage,
# no network, every piece of state under one directory.
#
# podman_init DIR ROOTFS IMAGE [HOOKS_DIR [EVENTS_LOG]]
#   writes DIR/containers.conf and DIR/storage.conf, exports CONTAINERS_CONF
#   and CONTAINERS_STORAGE_CONF, and imports the directory ROOTFS as IMAGE.
#   HOOKS_DIR defaults to DIR/hooks.d. nofile and nproc are given because
#   podman otherwise tries to raise them and fails without CAP_SYS_RESOURCE.
podman_init() {
	local p=$1 rootfs=$2 image=$3 hooks=${4:-$1/hooks.d} events=${5:-}
	mkdir -p "$p/tmp" "$p/run" "$p/root" "$hooks"
	{
		echo '[containers]'
		echo 'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]'
		echo 'netns = "none"'
		echo '[engine]'
		echo 'cgroup_manager = "cgroupfs"'
		echo 'events_logger = "file"'
		[ -z "$events" ] || echo "events_logfile_path = \"$events\""
		echo 'runtime = "runc"'
		echo "tmp_dir = \"$p/tmp\""
		echo "hooks_dir = [\"$hooks\"]"
	} >"$p/containers.conf"
	printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/root"\n' "$p" "$p" \
		>"$p/storage.conf"
	export CONTAINERS_CONF=$p/containers.conf CONTAINERS_STORAGE_CONF=$p/storage.conf
	tar -C "$rootfs" -cf "$p/image.tar" . &&
		podman import -q "$p/image.tar" "$image" >/dev/null
}
