# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Part 3: erdma-hook, an OCI prestart hook, on the fake host: plain runc
# with the hook in config.json (the way Podman hooks.d and other engines
# that only run hooks use it). The annotation selects erdma_0; the hook
# makes the nodes inside the container's /dev, allows them in its device
# cgroup and raises RLIMIT_MEMLOCK (runc starts from a 64 KiB soft limit).

say "erdma-hook: devices injected by an OCI prestart hook"
hook_cfg="$DEMO/erdma-hook.json"
hook_b="$DEMO/hook-bundle"
hook_id="erdma-demo-hook-$$"
cat >"$hook_cfg" <<JSON
{"sysfs-root": "$SYSFS", "dev-root": "$DEVROOT", "memlock": 8388608}
JSON
mkdir -p "$hook_b"
(cd "$hook_b" && runc spec)
jq --arg root "$DEMO/rootfs" --arg hook "$ECT_BUILD/erdma-hook" --arg cfg "$hook_cfg" '
	.root = {path: $root, readonly: true}
	| .process.terminal = false
	| .process.args = ["sh", "-c", "ls -l /dev/infiniband; cat /dev/infiniband/uverbs0; cat /dev/infiniband/rdma_cm; echo \"ulimit -l: $(ulimit -l)\""]
	| .annotations["com.aliyun.erdma.devices"] = "erdma_0"
	| .hooks.prestart = [{path: $hook, args: ["erdma-hook", "--config", $cfg, "prestart"],
	                      env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]
	' "$hook_b/config.json" >"$hook_b/config.new"
mv "$hook_b/config.new" "$hook_b/config.json"
on_exit "runc delete -f $hook_id >/dev/null 2>&1"
on_exit "runc delete -f $hook_id-bad >/dev/null 2>&1"

echo "\$ cat $hook_cfg"
cat "$hook_cfg"
echo "\$ jq .hooks,.annotations config.json"
jq -c '.hooks.prestart[0] | {path, args, env}' "$hook_b/config.json"
jq -c '.annotations' "$hook_b/config.json"
echo "\$ prlimit --memlock=65536:8388608 runc run $hook_id"
(cd "$hook_b" && prlimit --memlock=65536:8388608 runc run "$hook_id" 2>&1) || true
cat <<'TXT'

uverbs0 (231:192) and rdma_cm (10:241) are there, erdma_1's uverbs1 is not.
ENXIO ("No such device or address") and ENODEV ("No such device") mean the
device cgroup let the open through and no driver answered: on this fake host
that is the expected end. ulimit -l went from 64 to 8192 KiB.
TXT

say "erdma-hook refuses a hostile image: /dev/infiniband is a symlink to a host directory"
hook_bad="$DEMO/hook-bad"
mkdir -p "$hook_bad" "$DEMO/host-target"
cp -a "$DEMO/rootfs" "$hook_bad/rootfs"
ln -s "$DEMO/host-target" "$hook_bad/rootfs/dev/infiniband"
jq --arg root "$hook_bad/rootfs" '.root.path = $root
	| .mounts |= map(select(.destination | startswith("/dev") | not))' \
	"$hook_b/config.json" >"$hook_bad/config.json"
echo "\$ ls -l rootfs/dev/infiniband; runc run $hook_id-bad   # image /dev used as is (no tmpfs)"
ls -l "$hook_bad/rootfs/dev/infiniband"
(cd "$hook_bad" && runc run "$hook_id-bad" 2>&1 | sed -n 's/.*stderr: \(erdma-hook: [^\\]*\).*/\1/p') || true
echo "\$ ls -A $DEMO/host-target    # stays empty"
ls -A "$DEMO/host-target"
