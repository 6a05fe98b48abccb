#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# runc and crun with erdma-hook as a prestart hook in config.json (plain OCI
# runtimes, as a platform that only registers hooks runs them), both on the
# systemd cgroup driver; and the same bundle with the devices but without the
# hook, left at the default memlock.
set -uo pipefail
# shellcheck source=tests/vm/guest/lib.sh
. /ect/tests/vm/guest/lib.sh
B=/var/tmp/ect-bundles
mkdir -p "$B"
ran=()
cleanup() {
	local i
	for ((i = 0; i < ${#ran[@]}; i += 2)); do "${ran[i]}" delete -f "${ran[i + 1]}" >/dev/null 2>&1; done
	rm -rf "$B"
}
trap cleanup EXIT

# bundle DIR HOOK(0|1) CMD: config.json on the image folder (read-only, so
# bundles share it; a tmpfs at /tmp; CAP_MKNOD for eperm_cmd), the host's network namespace, our hook at prestart and
# the annotation that selects rxe0; without the hook, rxe0's nodes and allow
# rules written by hand instead.
bundle() {
	local d=$1 hook=$2 cmd=$3 u0maj=${U0_MM%%:*} u0min=${U0_MM##*:} cmmaj=${CM_MM%%:*} cmmin=${CM_MM##*:}
	mkdir -p "$d"
	(cd "$d" && runc spec)
	jq --arg img "$IMG" --arg cmd "$cmd" --arg hook "$BIN/erdma-hook" --arg dev "$DEV0" \
		--argjson h "$hook" --arg id "$(basename "$d")" --arg u0 "/dev/infiniband/$U0" \
		--argjson um "$u0maj" --argjson un "$u0min" --argjson cm "$cmmaj" --argjson cn "$cmmin" '
		.process.terminal = false | .process.args = ["sh", "-c", $cmd]
		| .root = {path: $img, readonly: true}
		| .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=1777"]}]
		| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
		| .linux.namespaces |= map(select(.type != "network"))
		| .linux.cgroupsPath = "system.slice:ect:" + $id
		| if $h == 1 then
			.hooks.prestart = [{path: $hook, args: ["erdma-hook", "prestart"],
			                    env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]
			| .annotations["com.aliyun.erdma.devices"] = $dev
		  else
			.linux.devices += [{path: $u0, type: "c", major: $um, minor: $un, fileMode: 438},
			                   {path: "/dev/infiniband/rdma_cm", type: "c", major: $cm, minor: $cn, fileMode: 438}]
			| .linux.resources.devices += [{allow: true, type: "c", major: $um, minor: $un, access: "rw"},
			                               {allow: true, type: "c", major: $cm, minor: $cn, access: "rw"}]
		  end' "$d/config.json" >"$d/config.json.new" && mv "$d/config.json.new" "$d/config.json"
}
for rt in runc crun; do
	ENGINE=$rt
	WAY=hook
	id=ect-$rt-hook-$$
	bundle "$B/$id" 1 "$(full_cmd)"
	ran+=("$rt" "$id")
	out=$(tmo "$rt" --systemd-cgroup run -b "$B/$id" "$id" </dev/null 2>&1)
	full_rows "$out"
	WAY=manual
	id=ect-$rt-manual-$$
	bundle "$B/$id" 0 "$(default_cmd)"
	ran+=("$rt" "$id")
	default_rows "$(tmo "$rt" --systemd-cgroup run -b "$B/$id" "$id" </dev/null 2>&1)"
	WAY=engine
	row "version" pass "$("$rt" --version | head -n 1)"
done
done_testing
