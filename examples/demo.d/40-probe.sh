# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Part 4: erdma-probe inside a container. runc creates the fake host's
# nodes (linux.devices) and allows them in the device cgroup; the probe is
# bind-mounted read-only from the build, as a user would bind the installed
# /usr/bin/erdma-probe. The image is busybox: no rdma-core, no libc.

say "erdma-probe: what a container actually got"
probe_bin="$ECT_BUILD/erdma-probe"
probe_b="$DEMO/probe-bundle"
probe_id="erdma-demo-probe-$$"
mkdir -p "$probe_b" "$DEMO/rootfs/usr/local/bin" "$DEMO/rootfs/fakesys"
(cd "$probe_b" && runc spec)

# The nodes of every uverbs device of the fake host, and rdma_cm.
probe_devs='[]'
for uv in "$SYSFS"/class/infiniband_verbs/uverbs*; do
	IFS=: read -r maj min <"$uv/dev"
	probe_devs=$(jq --arg p "/dev/infiniband/$(basename "$uv")" --argjson M "$maj" --argjson m "$min" \
		'. + [{path: $p, type: "c", major: $M, minor: $m, fileMode: 438, uid: 0, gid: 0}]' <<<"$probe_devs")
done
IFS=: read -r maj min <"$SYSFS/class/misc/rdma_cm/dev"
probe_devs=$(jq --argjson M "$maj" --argjson m "$min" \
	'. + [{path: "/dev/infiniband/rdma_cm", type: "c", major: $M, minor: $m, fileMode: 438, uid: 0, gid: 0}]' <<<"$probe_devs")

jq --arg root "$DEMO/rootfs" --arg probe "$probe_bin" --arg sys "$SYSFS" --argjson devs "$probe_devs" '
	.root = {path: $root, readonly: true}
	| .process.terminal = false
	| .process.args = ["/usr/local/bin/erdma-probe", "--sysfs-root", "/fakesys", "--mr-size", "4M"]
	| .mounts += [
		{destination: "/usr/local/bin/erdma-probe", type: "bind", source: $probe, options: ["bind", "ro"]},
		{destination: "/fakesys", type: "bind", source: $sys, options: ["rbind", "ro"]}]
	| .linux.devices = $devs
	| .linux.resources.devices += [$devs[] | {allow: true, type: "c", major, minor, access: "rwm"}]
	' "$probe_b/config.json" >"$probe_b/config.new"
mv "$probe_b/config.new" "$probe_b/config.json"
on_exit "runc delete -f $probe_id >/dev/null 2>&1"

echo "\$ runc run $probe_id   # busybox + -v $probe_bin:/usr/local/bin/erdma-probe:ro, nodes from linux.devices"
echo "    erdma-probe --sysfs-root /fakesys --mr-size 4M"
probe_rc=0
(cd "$probe_b" && runc run "$probe_id") || probe_rc=$?
echo "(exit status $probe_rc)"
cat <<'TXT'

On this fake host the probe must fail, and it says why: the nodes are real
character devices with the right numbers, the device cgroup lets them open,
and the probe's built-in libibverbs finds erdma_0/erdma_1 in sysfs and
matches the erdma provider. But no kernel driver stands behind 231:192 on
this machine, so open() gives ENXIO ("no kernel driver behind this node"),
and the verbs and rdma_cm checks point back at that. The netns warning is
real too: the container has its own network namespace, and eRDMA connection
management wants --net=host. On an ECS instance with eRDMA, the same run
passes every check that the injection got right.
TXT

say "erdma-probe --json (what a script reads)"
jq '.process.args += ["--json"]' "$probe_b/config.json" >"$probe_b/config.new"
mv "$probe_b/config.new" "$probe_b/config.json"
(cd "$probe_b" && runc run "$probe_id-json") | jq -c '{ok, checks: [.checks[] | {name, status}]}' || true
runc delete -f "$probe_id-json" >/dev/null 2>&1 || true
