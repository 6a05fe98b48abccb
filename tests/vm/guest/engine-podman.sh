#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Podman in the real-kernel guest (4.3 on bookworm, 5.4 on trixie), with its
# defaults under systemd (systemd cgroup manager, crun): CDI, the hooks.d
# entry selected by annotation, the engine's default memlock as the kernel
# enforces it, and RDMA traffic between two containers through the hook.
set -uo pipefail
ENGINE=podman
# shellcheck source=tests/vm/guest/lib.sh
. /ect/tests/vm/guest/lib.sh
IMAGE=localhost/ect/rdma:test
ctr_ids=()
cleanup() { [ ${#ctr_ids[@]} -eq 0 ] || podman rm -f "${ctr_ids[@]}" >/dev/null 2>&1; }
trap cleanup EXIT

WAY=engine
info=$(podman info --format '{{.Version.Version}} {{.Host.CgroupManager}} {{.Host.CgroupsVersion}} {{.Host.OCIRuntime.Name}}' 2>&1)
case $info in
*" systemd v2 "*) row "podman on the systemd cgroup manager, cgroup v2" pass "Podman $info" ;;
*) row "podman on the systemd cgroup manager, cgroup v2" fail "$info" ;;
esac
if ! out=$(podman import -q "$IMG_TAR" "$IMAGE" 2>&1); then
	row "image import" fail "$out"
	done_testing
	exit 1
fi
# The hooks.d entry where the package installs it (trixie: the package did;
# on the host-root guest: the tree's example with the build's path, written
# into the guest's overlay).
hooks=/usr/share/containers/oci/hooks.d/erdma-hook.json
if [ "$GUEST" = bookworm ]; then
	mkdir -p "$(dirname "$hooks")"
	jq --arg p "$BIN/erdma-hook" '.hook.path = $p' /ect/examples/podman/erdma-hook.json >"$hooks"
fi
if [ -s "$hooks" ]; then row "hooks.d entry" pass "$hooks -> $(jq -r .hook.path "$hooks")"
else row "hooks.d entry" fail "$hooks missing"; fi

prun() { # [podman run options...] -- CMD
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	# CAP_MKNOD for eperm_cmd only (Podman 4+ does not grant it).
	tmo podman run --rm --network host --cap-add mknod "${opts[@]}" "$IMAGE" sh -c "$*" 2>&1
}

# --- CDI ------------------------------------------------------------------
WAY=cdi
out=$(prun --device "aliyun.com/erdma=$DEV0" --ulimit memlock=-1:-1 -- "$(full_cmd)")
full_rows "$out"
# Left at the engine's default limit: the kernel refuses 64 MiB.
default_rows "$(prun --device "aliyun.com/erdma=$DEV0" -- "$(default_cmd)")"

# --- hooks.d, selected by the annotation --------------------------------------
WAY=hook
out=$(prun --annotation "com.aliyun.erdma.devices=$DEV0" -- "$(full_cmd)")
full_rows "$out"

# --- traffic through the hook -------------------------------------------------
SEL=(--annotation "com.aliyun.erdma.devices=$DEV0")
srv_start() {
	ctr_ids+=("$1")
	podman run -d --name "$1" --network host "${SEL[@]}" "$IMAGE" sh -c "$2" >/dev/null
}
cli_run() { prun "${SEL[@]}" -- "$1"; }
srv_wait() { tmo podman wait "$1"; }
srv_logs() { podman logs "$1"; }
srv_kill() { podman kill "$1" >/dev/null 2>&1; }
traffic_rows
done_testing
