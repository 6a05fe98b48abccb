#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-hook through Podman's hooks.d (oci-hooks(5) 1.0.0): selection by
# --annotation, an "always" hook that does nothing without a request, and
# devices that CDI already injected (the hook meets EEXIST with the same
# device and leaves it alone).
# shellcheck disable=SC2016 # jq programs and container commands: single quotes on purpose
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/podman.sh"
. "$top/tests/lib/hook.sh"
need_root
need_bins podman runc
need_built erdma-hook
hook_init

P=$T/podman
podman_init "$P" "$T/rootfs.base" localhost/ect-busybox:test "$P/hooks.d" "$P/events.log"
hook_on_exit "podman rm -af -t 0; podman system reset -f; rm -rf '$P'"

# The shipped example, with this test's paths.
sed -e "s|/usr/local/bin/erdma-hook|$HOOK|" -e "s|\"erdma-hook\", \"prestart\"|\"erdma-hook\", \"--config\", \"$HCFG\", \"prestart\"|" \
	"$top/examples/podman/erdma-hook.json" >"$P/hooks.d/erdma-hook.json"
check_contains "example hooks.d file was adapted" "$(cat "$P/hooks.d/erdma-hook.json")" "$HCFG"

prun() { prlimit --memlock=65536:8388608 podman run --rm "$@" </dev/null 2>&1; }

st=0; out=$(prun --annotation com.aliyun.erdma.devices=erdma_0 localhost/ect-busybox:test sh -c "$SHOW_CMD") || st=$?
check_eq "podman --annotation erdma_0: runs" 0 "$st"
check_contains "podman: uverbs0 is c 231:192" "$out" "/dev/infiniband/uverbs0 character special file e7:c0"
check_contains "podman: rdma_cm is c 10:241" "$out" "/dev/infiniband/rdma_cm character special file a:f1"
check_not_contains "podman: uverbs1 not injected" "$out" "uverbs1"
check_contains "podman: uverbs0 ENXIO" "$out" "uverbs0': No such device or address"
check_contains "podman: rdma_cm ENODEV" "$out" "rdma_cm': No such device"
check_contains "podman: memlock raised" "$out" "memlock 8192"

st=0; out=$(prun localhost/ect-busybox:test sh -c 'ls /dev/infiniband 2>&1; true') || st=$?
check_eq "podman without the annotation: runs" 0 "$st"
check_contains "podman without the annotation: nothing injected" "$out" "No such file or directory"

st=0; out=$(prun --annotation com.aliyun.erdma.devices=erdma_9 localhost/ect-busybox:test true) || st=$?
check "podman, unknown device: does not start" test "$st" -ne 0
check_contains "podman, unknown device: the hook's message reaches the user" "$out" "erdma_9"

# Volumes (issue 13, section 1): nothing of ours may appear in a host
# directory mounted at /dev/infiniband or at /dev (replacing Podman's /dev
# tmpfs), nor in the anonymous volume of an image's VOLUME /dev. The
# container does not start and the hook's message names the mount.
ours_in() { find "$1" \( -name infiniband -o -name 'uverbs*' -o -name rdma_cm \) -print 2>/dev/null; }
for dest in /dev/infiniband /dev; do
	h=$T/pvol$(echo "$dest" | tr / -)
	mkdir -p "$h"
	st=0; out=$(prun --annotation com.aliyun.erdma.devices=erdma_0 -v "$h:$dest" localhost/ect-busybox:test sh -c "$SHOW_CMD") || st=$?
	check "podman, a volume at $dest: does not start" test "$st" -ne 0
	check_contains "podman, a volume at $dest: the hook's message names the mount" "$out" "'$dest' is on mount"
	check_eq "podman, a volume at $dest: the host directory gained nothing" "" "$(ours_in "$h")"
done
if podman import -q --change 'VOLUME=/dev' "$P/image.tar" localhost/ect-busybox-voldev:test >/dev/null 2>&1; then
	st=0
	out=$(prlimit --memlock=65536:8388608 podman run --name "ect-voldev-$$" --annotation com.aliyun.erdma.devices=erdma_0 \
		localhost/ect-busybox-voldev:test sh -c "$SHOW_CMD" </dev/null 2>&1) || st=$?
	vol=$(podman inspect "ect-voldev-$$" --format '{{range .Mounts}}{{if eq .Destination "/dev"}}{{.Source}}{{end}}{{end}}' 2>/dev/null) || true
	check "podman, image VOLUME /dev: does not start" test "$st" -ne 0
	check_contains "podman, image VOLUME /dev: the hook's message names the mount" "$out" "'/dev' is on mount"
	check "podman, image VOLUME /dev: the volume is known ($vol)" test -n "$vol" -a -d "$vol"
	check_eq "podman, image VOLUME /dev: the volume gained nothing" "" "$(ours_in "${vol:-/nonexistent}")"
	podman rm -f -v "ect-voldev-$$" >/dev/null 2>&1 || true
else
	ok_skip "podman, image VOLUME /dev" "podman import --change VOLUME failed"
fi

# The "always" variant: runs for every container; the environment variable
# selects.
rm -f "$P/hooks.d/erdma-hook.json"
sed -e "s|/usr/local/bin/erdma-hook|$HOOK|" -e "s|\"erdma-hook\", \"prestart\"|\"erdma-hook\", \"--config\", \"$HCFG\", \"prestart\"|" \
	"$top/examples/podman/erdma-hook-always.json" >"$P/hooks.d/erdma-hook.json"
st=0; out=$(prun -e ERDMA_VISIBLE_DEVICES=erdma_1 localhost/ect-busybox:test sh -c "$SHOW_CMD") || st=$?
check_eq "podman always-hook, env erdma_1: runs" 0 "$st"
check_contains "podman always-hook: uverbs1" "$out" "/dev/infiniband/uverbs1 character special file e7:c1"
check_contains "podman always-hook: uverbs1 ENXIO" "$out" "uverbs1': No such device or address"
st=0; out=$(prun localhost/ect-busybox:test sh -c 'ls /dev/infiniband 2>&1; true') || st=$?
check_eq "podman always-hook, no request: runs" 0 "$st"
check_contains "podman always-hook, no request: nothing" "$out" "No such file or directory"

# CDI made the nodes already (EEXIST path). /var/run/cdi is shared: hold
# the lock while our spec is there, with a vendor name of our own.
mkdir -p /var/run/cdi
exec 9>/run/ect-e2e-cdi.lock
flock 9
vendor="hook$$.ect-test.example"
spec=/var/run/cdi/ect-hook-$$.json
hook_on_exit "rm -f '$spec'"
cat >"$spec" <<JSON
{"cdiVersion": "0.5.0", "kind": "$vendor/rdma",
 "devices": [{"name": "erdma_0", "containerEdits": {"deviceNodes": [
   {"path": "/dev/infiniband/uverbs0", "hostPath": "$HOST/dev/infiniband/uverbs0", "type": "c", "major": 231, "minor": 192, "permissions": "rw"},
   {"path": "/dev/infiniband/rdma_cm", "hostPath": "$HOST/dev/infiniband/rdma_cm", "type": "c", "major": 10, "minor": 241, "permissions": "rw"}]}}]}
JSON
st=0; out=$(prun --device "$vendor/rdma=erdma_0" -e ERDMA_VISIBLE_DEVICES=erdma_0 localhost/ect-busybox:test sh -c "$SHOW_CMD") || st=$?
rm -f "$spec"
flock -u 9
check_eq "podman CDI + hook on the same device: runs (EEXIST tolerated)" 0 "$st"
check_contains "podman CDI + hook: uverbs0 is c 231:192" "$out" "/dev/infiniband/uverbs0 character special file e7:c0"
check_contains "podman CDI + hook: uverbs0 ENXIO" "$out" "uverbs0': No such device or address"
check_contains "podman CDI + hook: memlock raised by the hook" "$out" "memlock 8192"

done_testing
