#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Docker in the real-kernel guest (20.10 on bookworm, 26.1 on trixie), on
# its default cgroup driver under systemd: the runtime shim registered in
# daemon.json, CDI where Docker has it (25+), the engine's default memlock as
# the kernel enforces it, and RDMA traffic between two containers.
set -uo pipefail
ENGINE=docker
# shellcheck source=tests/vm/guest/lib.sh
. /ect/tests/vm/guest/lib.sh
IMAGE=ect/rdma:test
ctr_ids=()
cleanup() {
	[ ${#ctr_ids[@]} -eq 0 ] || docker rm -f "${ctr_ids[@]}" >/dev/null 2>&1
	systemctl stop docker.service docker.socket containerd.service >/dev/null 2>&1
}
trap cleanup EXIT

cdi=false
[ "$GUEST" = bookworm ] || cdi=true
WAY=engine
if ! docker_setup; then
	row "dockerd starts" fail "$(journalctl -u docker.service -n 30 --no-pager 2>&1)"
	done_testing
	exit 1
fi
info=$(docker info --format '{{.ServerVersion}} {{.CgroupDriver}} cgroup v{{.CgroupVersion}}' 2>&1)
case $info in
*" systemd cgroup v2") row "dockerd on the systemd cgroup driver, cgroup v2" pass "Docker $info" ;;
*) row "dockerd on the systemd cgroup driver, cgroup v2" fail "$info" ;;
esac
if ! out=$(docker import "$IMG_TAR" "$IMAGE" 2>&1); then
	row "image import" fail "$out"
	done_testing
	exit 1
fi

# drun [docker run options...] -- CMD: one container, output on stdout.
drun() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	tmo docker run --rm --net=host "${opts[@]}" "$IMAGE" sh -c "$*" 2>&1
}

# --- the runtime shim (daemon.json "runtimes") ------------------------------
WAY=shim
out=$(drun --runtime erdma -e "ERDMA_VISIBLE_DEVICES=$DEV0" -- "$(full_cmd)")
full_rows "$out"

# --- CDI (Docker 25+) -----------------------------------------------------
WAY=cdi
if $cdi; then
	out=$(drun --device "aliyun.com/erdma=$DEV0" --ulimit memlock=-1 -- "$(full_cmd)")
	full_rows "$out"
	# Left at the engine's default limit: the kernel refuses 64 MiB.
	default_rows "$(drun --device "aliyun.com/erdma=$DEV0" -- "$(default_cmd)")"
else
	row "CDI" n/a "Docker $(docker version --format '{{.Server.Version}}') has no CDI (25 and later)"
	WAY=manual
	# The manual recipe without its --ulimit: the kernel refuses 64 MiB.
	default_rows "$(drun --device "/dev/infiniband/$U0" --device /dev/infiniband/rdma_cm -- "$(default_cmd)")"
fi

# --- traffic through the shim: rping and ib_write_bw between containers ------
WAY=shim
SEL=(--runtime erdma -e "ERDMA_VISIBLE_DEVICES=$DEV0")
srv_start() {
	ctr_ids+=("$1")
	docker run -d --name "$1" --net=host "${SEL[@]}" "$IMAGE" sh -c "$2" >/dev/null
}
cli_run() { drun "${SEL[@]}" -- "$1"; }
srv_wait() { tmo docker wait "$1"; }
srv_logs() { docker logs "$1"; }
srv_kill() { docker kill "$1" >/dev/null 2>&1; }
traffic_rows
done_testing
