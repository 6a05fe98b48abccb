#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# examples/kubernetes: every YAML and TOML file parses; the DaemonSet runs
# exactly the command of erdma-cdi-watch.service and of the Containerfile,
# unprivileged, with the host's /var/run/cdi, /sys and /dev where that
# command expects them; the containerd and CRI-O snippets enable CDI on
# /var/run/cdi and register the shim. Then, when erdma-cdi has --watch, that
# exact command runs in a private mount namespace laid out like the pod (a
# fake host's sys and dev at /sys and /dev, a fresh /var/run/cdi) and the
# spec follows a device being added and removed.
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"

PY=/usr/bin/python3 # Debian's, with python3-yaml; tomllib is in 3.11
K=$top/examples/kubernetes
WANT='["erdma-cdi", "generate", "--watch", "--output", "/var/run/cdi/erdma.yaml"]'

# A file that does not parse is a finding of the check below, not a stop.
out=$($PY - "$K" <<'EOF' 2>&1
import glob, os, sys, tomllib, yaml
k = sys.argv[1]
for f in sorted(glob.glob(os.path.join(k, "*.yaml"))):
    docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    assert docs, f + ": no document"
    for d in docs:
        assert d.get("apiVersion") and d.get("kind") and d.get("metadata", {}).get("name"), f
    print(os.path.basename(f), " ".join(d["kind"] for d in docs))
for f in sorted(glob.glob(os.path.join(k, "*.toml")) + glob.glob(os.path.join(k, "*.conf"))):
    tomllib.load(open(f, "rb"))
    print(os.path.basename(f), "toml")
EOF
) || true
check_eq "every manifest and config snippet parses" "$(printf '%s\n' \
	"erdma-cdi-daemonset.yaml DaemonSet" "pod-erdma-cdi.yaml Pod" \
	"pod-erdma-runtimeclass.yaml RuntimeClass Pod" "containerd-1.7-config.toml toml" \
	"containerd-2.x-config.toml toml" "crio-erdma.conf toml")" "$out"

ds() { $PY -c 'import json,sys,yaml
d = yaml.safe_load(open(sys.argv[1]))
c = d["spec"]["template"]["spec"]["containers"][0]
v = {x["name"]: x for x in d["spec"]["template"]["spec"]["volumes"]}
print(eval(sys.argv[2]))' "$K/erdma-cdi-daemonset.yaml" "$1"; }
check_eq "DaemonSet command" "$WANT" "$(ds 'json.dumps(c["command"])')"
unit=$(sed -n 's/^ExecStart=//p' "$top/packaging/systemd/erdma-cdi-watch.service")
check_eq "erdma-cdi-watch.service runs the same command" "$WANT" \
	"$($PY -c 'import json,os,shlex,sys; a=shlex.split(sys.argv[1]); a[0]=os.path.basename(a[0]); print(json.dumps(a))' "$unit")"
check_eq "Containerfile CMD is the same command" "CMD $WANT" "$(grep '^CMD ' "$K/Containerfile")"
check_eq "DaemonSet is not privileged, drops every capability" "False ['ALL'] False" \
	"$(ds '" ".join(str(x) for x in (c["securityContext"]["privileged"], c["securityContext"]["capabilities"]["drop"], c["securityContext"]["allowPrivilegeEscalation"]))')"
check_eq "DaemonSet mounts (path, host path, read-only)" \
	"/tmp - False /var/run/cdi /var/run/cdi False /sys /sys True /dev /dev True" \
	"$(ds '" ".join("%s %s %s" % (m["mountPath"], v[m["name"]].get("hostPath", {}).get("path", "-"), m.get("readOnly", False)) for m in c["volumeMounts"])')"

# cfg FILE CODE: run CODE with t = the parsed TOML file.
cfg() { $PY -c 'import sys,tomllib
t = tomllib.load(open(sys.argv[1], "rb"))
exec(sys.argv[2])' "$K/$1" "$2"; }
shim='r = p["containerd"]["runtimes"]["erdma"]
print(p["enable_cdi"], "/var/run/cdi" in p["cdi_spec_dirs"], r["options"]["BinaryName"], r["pod_annotations"])'
check_eq "containerd 1.7: enable_cdi on /var/run/cdi, shim handler with the annotation" \
	"True True /usr/bin/erdma-container-runtime ['com.aliyun.erdma.devices']" \
	"$(cfg containerd-1.7-config.toml 'p = t["plugins"]["io.containerd.grpc.v1.cri"]'$'\n'"$shim" 2>&1)"
check_eq "containerd 2.x: enable_cdi on /var/run/cdi, shim handler with the annotation" \
	"True True /usr/bin/erdma-container-runtime ['com.aliyun.erdma.devices']" \
	"$(cfg containerd-2.x-config.toml 'p = t["plugins"]["io.containerd.cri.v1.runtime"]'$'\n'"$shim" 2>&1)"
check_eq "CRI-O: /var/run/cdi, shim handler" "True /usr/bin/erdma-container-runtime" \
	"$(cfg crio-erdma.conf 'r = t["crio"]["runtime"]
print("/var/run/cdi" in r["cdi_spec_dirs"], r["runtimes"]["erdma"]["runtime_path"])' 2>&1)"
check_eq "RuntimeClass handler matches the containerd runtime name" "erdma erdma aliyun.com/erdma=all" \
	"$($PY -c 'import sys,yaml; rc,pod=yaml.safe_load_all(open(sys.argv[1])); print(rc["handler"], pod["spec"]["runtimeClassName"], pod["metadata"]["annotations"]["com.aliyun.erdma.devices"])' \
		"$K/pod-erdma-runtimeclass.yaml")"

# --- the DaemonSet's command, run as the pod would run it --------------------
CDI=$(ect_bin erdma-cdi)
if [ ! -x "$CDI" ]; then
	ok_skip "DaemonSet command on a fake host" "erdma-cdi not built ($CDI)"
	done_testing
	exit
fi
if ! "$CDI" --help 2>&1 | grep -q -- --watch; then
	ok_skip "DaemonSet command on a fake host" "erdma-cdi has no --watch on this branch yet"
	done_testing
	exit
fi
need_root
e2e_tmpdir ect-e2e-k8s
pid=""
stop_watch() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
e2e_on_exit stop_watch
fakehost_standard "$T/host"
mkdir "$T/cdi"
cmd=$($PY -c 'import json,shlex,sys; print(shlex.join(json.loads(sys.argv[1])))' "$WANT")
# A private mount namespace: the fake host's sys and dev at /sys and /dev,
# /run a fresh tmpfs whose cdi directory is $T/cdi (readable from here).
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m --propagation private sh -c '
	mount --bind "$1/host/sys" /sys && mount --bind "$1/host/dev" /dev &&
	mount -t tmpfs -o size=1m none /run && mkdir /run/cdi && mount --bind "$1/cdi" /run/cdi &&
	PATH="$2:$PATH" exec '"$cmd" sh "$T" "$(dirname "$CDI")" 2>"$T/err" &
pid=$!
# wait_for WHAT: up to 10 s for the spec to hold exactly the names WHAT (the
# watch reacts in about 0.1 s; the bound is for a loaded 2-core machine, where
# 3 s was once not enough: an outcome, not a speed, is asserted).
names() { $PY -c 'import sys,yaml; print(" ".join(d["name"] for d in yaml.safe_load(open(sys.argv[1]))["devices"]))' \
	"$T/cdi/erdma.yaml" 2>/dev/null; }
wait_for() {
	local _
	for _ in $(seq 100); do
		[ "$(names)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
check "DaemonSet command writes /var/run/cdi/erdma.yaml for the host's devices" wait_for "erdma_0 erdma_1 all"
fakehost_add_device "$T/host" 2 erdma_2
check "a device attached: the spec follows" wait_for "erdma_0 erdma_1 erdma_2 all"
rm -f "$T/host/sys/class/infiniband_verbs/uverbs2" "$T/host/sys/class/infiniband/erdma_2"
rm -f "$T/host/dev/infiniband/uverbs2"
check "the device detached: the spec follows" wait_for "erdma_0 erdma_1 all"
for n in 0 1; do
	rm -f "$T/host/sys/class/infiniband_verbs/uverbs$n" "$T/host/sys/class/infiniband/erdma_$n"
	rm -f "$T/host/dev/infiniband/uverbs$n"
done
gone() {
	for _ in $(seq 100); do
		[ -e "$T/cdi/erdma.yaml" ] || return 0
		sleep 0.1
	done
	return 1
}
check "every device detached: the spec is removed" gone
check "the command is still running" kill -0 "$pid"
[ "$TAP_FAILED" -gt 0 ] && sed 's/^/# stderr: /' "$T/err" | head -10

done_testing
