#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: a demo on a built-in fake eRDMA host (no hardware needed).
# Builds a fake host (two eRDMA devices and rdma_cm, sysfs laid out as the
# kernel does, nodes made with mknod), then runs each part in demo.d/ in
# order: erdma-cdi, the runtime shim, the hook, the probe. Needs root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
: "${ECT_BUILD:=$top/build}"
export ECT_BUILD
# shellcheck source=../tests/lib/fakehost.sh
. "$top/tests/lib/fakehost.sh"
# shellcheck source=../tests/lib/rootfs.sh
. "$top/tests/lib/rootfs.sh"
# shellcheck source=../tests/lib/podman.sh
. "$top/tests/lib/podman.sh"

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (mknod, containers)" >&2
	exit 1
fi

DEMO=$(mktemp -d /tmp/erdma-demo.XXXXXX)
export DEMO
cleanups=()
demo_cleanup() { local i; for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[i]}" || true; done; rm -rf "$DEMO"; }
trap demo_cleanup EXIT
# on_exit CMD: run CMD when the demo ends (last registered runs first).
on_exit() { cleanups+=("$1"); }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "A fake eRDMA host in $DEMO/host: two devices and rdma_cm"
fakehost_standard "$DEMO/host"
SYSFS="$DEMO/host/sys"
DEVROOT="$DEMO/host/dev"
export SYSFS DEVROOT
ls -l "$DEVROOT/infiniband"
make_rootfs "$DEMO/rootfs"

for part in "$top"/examples/demo.d/*.sh; do
	[ -e "$part" ] || continue
	# shellcheck disable=SC1090
	. "$part"
done
say "Demo finished"
