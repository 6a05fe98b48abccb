#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-ctk runtime configure/unconfigure against Docker 20.10: a
# real-world daemon.json is configured, dockerd is (re)started on it and
# runs `docker run --runtime erdma` (and, as the default runtime, plain
# `docker run`) with the devices; its other settings are the ones dockerd
# loaded. unconfigure gives back the same bytes, and dockerd started on
# them no longer knows the runtime.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"

need_root
need_bins -h "setup.sh installs docker.io" dockerd containerd /usr/bin/docker runc busybox python3
need_built erdma-container-runtime erdma-ctk
SHIM=$(ect_bin erdma-container-runtime)
CTK=$(ect_bin erdma-ctk)

e2e_tmpdir ect-ctk-docker
e2e_absent /run/containerd

fakehost_standard "$T/host"
cat >"$T/erdma.json" <<JSON
{"sysfs-root": "$T/host/sys", "dev-root": "$T/host/dev", "memlock": 8388608}
JSON
export ERDMA_CONFIG=$T/erdma.json

containerd_config "$T/ctd"
# A containerd that does not come up shows in dockerd's log below.
daemon_start "$T/ctd/containerd.sock" "$T/containerd.pid" "$T/containerd.log" \
	prlimit --memlock=65536:8388608 containerd --config "$T/ctd/config.toml" || true

# A daemon.json as found on hosts (4-space layout, as nvidia-ctk and Go's
# MarshalIndent write it), with settings the flags below do not also give.
cat >"$T/daemon.json" <<'JSON'
{
    "log-driver": "json-file",
    "log-opts": {
        "max-size": "10m",
        "max-file": "3"
    },
    "max-concurrent-downloads": 7,
    "labels": [
        "zone=cn-hangzhou-杭州",
        "owner=ops"
    ],
    "runtimes": {}
}
JSON
chmod 0600 "$T/daemon.json"
cp "$T/daemon.json" "$T/original.json"

start_dockerd() { dockerd_start "$T" "$T/ctd/containerd.sock" "$T/daemon.json" "$T/dockerd.log"; }

out=$("$CTK" runtime configure --engine docker --config "$T/daemon.json" --runtime-path "$SHIM" --set-as-default 2>&1)
check_contains "configure: says what it added" "$out" "runtime \"erdma\" -> $SHIM, default-runtime"
check_contains "configure: prints the restart line" "$out" "systemctl restart docker.service"
check_eq "configure: daemon.json keeps mode 0600" 600 "$(stat -c %a "$T/daemon.json")"
check "configure: backup beside it" cmp -s "$T/original.json" "$T/daemon.json.erdma-ctk.bak"

if ! start_dockerd; then
	not_ok "dockerd starts on the configured daemon.json"; sed 's/^/# /' "$T/dockerd.log" | tail -20; done_testing; exit 1
fi
ok "dockerd starts on the configured daemon.json"
check_eq "dockerd: the default runtime is erdma" erdma "$(/usr/bin/docker info --format '{{.DefaultRuntime}}')"
check_contains "dockerd: runtime erdma is the shim" "$(/usr/bin/docker info --format '{{json .Runtimes}}')" "\"erdma\":{\"path\":\"$SHIM\"}"
check_contains "dockerd: the labels of daemon.json were kept and loaded" \
	"$(/usr/bin/docker info --format '{{json .Labels}}')" "zone=cn-hangzhou-杭州"

busybox_tar x "$T/busybox.tar"
/usr/bin/docker import "$T/busybox.tar" busybox:ect$$ >/dev/null
# shellcheck disable=SC2016 # expanded by the container's shell: single quotes on purpose
PROBE='for f in /dev/infiniband/*; do [ -e "$f" ] && stat -c "%n %F %t:%T" "$f"; done
cat /dev/infiniband/uverbs0 2>&1 | sed "s/.*: //"; echo "memlock $(ulimit -l)"'
out=$(/usr/bin/docker run --rm --network none --runtime erdma -e ERDMA_VISIBLE_DEVICES=erdma_0 busybox:ect$$ sh -c "$PROBE" 2>&1) || true
check_eq "docker run --runtime erdma: uverbs0 (231:192) and rdma_cm (10:241)" \
	"/dev/infiniband/rdma_cm character special file a:f1
/dev/infiniband/uverbs0 character special file e7:c0" "$(echo "$out" | grep '^/dev/')"
check_eq "docker run --runtime erdma: uverbs0 opens to ENXIO" "No such device or address" "$(echo "$out" | sed -n 3p)"
check_eq "docker run --runtime erdma: memlock 8 MiB" "memlock 8192" "$(echo "$out" | grep '^memlock')"
out=$(/usr/bin/docker run --rm --network none -e ERDMA_VISIBLE_DEVICES=1 busybox:ect$$ sh -c "$PROBE" 2>&1) || true
check_eq "plain docker run (erdma is the default runtime): uverbs1 and rdma_cm" \
	"/dev/infiniband/rdma_cm character special file a:f1
/dev/infiniband/uverbs1 character special file e7:c1" "$(echo "$out" | grep '^/dev/')"

stop_pid "$T/docker.pid"
out=$("$CTK" runtime unconfigure --engine docker --config "$T/daemon.json" 2>&1)
check "unconfigure: daemon.json is the original, byte for byte" cmp -s "$T/original.json" "$T/daemon.json"
check_eq "unconfigure: no record or backup left" "daemon.json" "$(cd "$T" && ls daemon.json*)"
check_eq "unconfigure: mode still 0600" 600 "$(stat -c %a "$T/daemon.json")"
if ! start_dockerd; then
	not_ok "dockerd starts on the unconfigured daemon.json"; sed 's/^/# /' "$T/dockerd.log" | tail -20
else
	ok "dockerd starts on the unconfigured daemon.json"
	check_eq "dockerd: default runtime back to runc" runc "$(/usr/bin/docker info --format '{{.DefaultRuntime}}')"
	st=0
	out=$(/usr/bin/docker run --rm --network none --runtime erdma busybox:ect$$ true 2>&1) || st=$?
	check "dockerd: --runtime erdma is unknown again" [ "$st" -ne 0 ]
	check_contains "dockerd: says so" "$out" "Unknown runtime specified erdma"
fi
done_testing
