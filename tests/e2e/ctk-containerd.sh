#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-ctk runtime configure/unconfigure against containerd 1.6:
# - held-out config.toml shapes (tests/fixtures/ctk/containerd) configured
#   with the drop-in; `containerd config dump` (containerd's own reading)
#   shows the handler with the shim and every other setting as before, and
#   unconfigure gives back the same bytes;
# - why the drop-in carries the CRI section on 1.x: a drop-in with only the
#   handler makes containerd drop the main file's CRI settings;
# - a containerd daemon started on a configured config.toml loads the
#   handler (its CRI plugin logs its config) and runs a container through
#   the handler's BinaryName with ctr (ctr has no CRI handler flag).
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"

need_root
need_bins -h "setup.sh installs containerd" containerd ctr runc busybox python3
need_built erdma-container-runtime erdma-ctk
SHIM=$(ect_bin erdma-container-runtime)
CTK=$(ect_bin erdma-ctk)
case $(containerd --version) in
*" 1."*) ;;
*) skip_all "containerd $(containerd --version | awk '{print $3}') is not 1.x (this test is about 1.x)" ;;
esac
FIX=$top/tests/fixtures/ctk/containerd

e2e_tmpdir ect-ctk-ctd
e2e_absent /run/containerd

# dump_get DUMP TABLE KEY: the raw value of KEY in [TABLE] of a dump.
dump_get() {
	awk -v t="[$2]" -v k="$3" '
		/^ *\[/ { cur = $0; sub(/^ */, "", cur); next }
		cur == t { line = $0; sub(/^ */, "", line); if (index(line, k " = ") == 1) { print substr(line, length(k) + 4); exit } }' "$1"
}
CRI='plugins."io.containerd.grpc.v1.cri"'
H="$CRI.containerd.runtimes.erdma"

# --- held-out shapes, proven by containerd config dump ---
for f in "$FIX"/kubeadm-systemd.toml "$FIX"/eks-config-d.toml "$FIX"/gardener-conf-d.toml \
	"$FIX"/odd-spacing.toml "$FIX"/imports-in-table.toml "$FIX"/crlf-no-final-newline.toml; do
	name=$(basename "$f")
	D=$T/shape-$name
	mkdir -p "$D"
	# Imports the shape names must exist for containerd: here, in $D.
	sed "s|/etc/containerd/base.toml|$D/base.toml|; s|/etc/containerd/gpu.toml|$D/gpu.toml|" "$f" >"$D/orig.toml"
	printf 'version = 2\n' >"$D/base.toml"
	printf 'version = 2\n' >"$D/gpu.toml"
	cp "$D/orig.toml" "$D/config.toml"
	containerd --config "$D/config.toml" config dump >"$D/before.dump"
	out=$("$CTK" runtime configure --engine containerd --config "$D/config.toml" \
		--drop-in "$D/conf.d/99-erdma.toml" --runtime-path "$SHIM" 2>&1) ||
		{ not_ok "$name: configure"; printf '%s\n' "$out" | sed 's/^/# /'; continue; }
	check_contains "$name: configure checked the result with containerd config dump" "$out" "checked: containerd config dump shows handler"
	containerd --config "$D/config.toml" config dump >"$D/after.dump"
	check_eq "$name: dump has the handler's BinaryName" "\"$SHIM\"" "$(dump_get "$D/after.dump" "$H.options" BinaryName)"
	check_eq "$name: dump has runtime_type runc.v2" '"io.containerd.runc.v2"' "$(dump_get "$D/after.dump" "$H" runtime_type)"
	check_eq "$name: dump has pod_annotations for the selection" '["com.aliyun.erdma.devices"]' "$(dump_get "$D/after.dump" "$H" pod_annotations)"
	for k in sandbox_image max_container_log_line_size; do
		check_eq "$name: $k as before" "$(dump_get "$D/before.dump" "$CRI" $k)" "$(dump_get "$D/after.dump" "$CRI" $k)"
	done
	check_eq "$name: SystemdCgroup of runc as before" \
		"$(dump_get "$D/before.dump" "$CRI.containerd.runtimes.runc.options" SystemdCgroup)" \
		"$(dump_get "$D/after.dump" "$CRI.containerd.runtimes.runc.options" SystemdCgroup)"
	check_eq "$name: registry config_path as before" \
		"$(dump_get "$D/before.dump" "$CRI.registry" config_path)" "$(dump_get "$D/after.dump" "$CRI.registry" config_path)"
	"$CTK" runtime unconfigure --engine containerd --config "$D/config.toml" --drop-in "$D/conf.d/99-erdma.toml" >/dev/null 2>&1
	check "$name: unconfigure gives back the same bytes" cmp -s "$D/orig.toml" "$D/config.toml"
	check_eq "$name: no file of erdma-ctk left" "" "$(find "$D" -type f -name '*erdma*')"
done

# --- the trap a drop-in with only the handler falls into on 1.x ---
D=$T/naive
mkdir -p "$D"
cp "$FIX/kubeadm-systemd.toml" "$D/config.toml"
sed -i "s|^imports = \[\]|imports = [\"$D/naive.toml\"]|" "$D/config.toml"
cat >"$D/naive.toml" <<TOML
version = 2
[$H]
  runtime_type = "io.containerd.runc.v2"
  [$H.options]
    BinaryName = "$SHIM"
TOML
containerd --config "$D/config.toml" config dump >"$D/naive.dump"
check_eq "containerd 1.6 with a handler-only drop-in: the main file's sandbox_image is lost (why the drop-in carries the CRI section)" \
	'"registry.k8s.io/pause:3.6"' "$(dump_get "$D/naive.dump" "$CRI" sandbox_image)"

# --- a config.toml that disables the CRI plugin (Docker's containerd.io) ---
D=$T/cri-off
mkdir -p "$D"
printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >"$D/config.toml"
cp "$D/config.toml" "$D/orig.toml"
st=0
out=$("$CTK" runtime configure --engine containerd --config "$D/config.toml" --drop-in "$D/conf.d/99-erdma.toml" 2>&1) || st=$?
check_eq "CRI plugin disabled: refused" 1 "$st"
check_contains "CRI plugin disabled: says so" "$out" "disables the CRI plugin (disabled_plugins)"
check "CRI plugin disabled: config.toml untouched, no drop-in" \
	sh -c "cmp -s '$D/orig.toml' '$D/config.toml' && ! test -e '$D/conf.d/99-erdma.toml'"

# --- a containerd daemon on a configured config.toml ---
fakehost_standard "$T/host"
cat >"$T/erdma.json" <<JSON
{"sysfs-root": "$T/host/sys", "dev-root": "$T/host/dev", "memlock": 8388608}
JSON
make_rootfs "$T/rootfs"
D=$T/daemon
mkdir -p "$D"
cat >"$D/config.toml" <<TOML
# A host's config.toml: the CRI plugin on, settings of its own.
version = 2
root = "$D/root"
state = "$D/state"

[grpc]
  address = "$D/containerd.sock"

[ttrpc]
  address = "$D/containerd.sock.ttrpc"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:ect-kept"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
TOML
cp "$D/config.toml" "$D/original.toml"
out=$("$CTK" runtime configure --engine containerd --config "$D/config.toml" \
	--drop-in "$D/conf.d/99-erdma.toml" --runtime-path "$SHIM" 2>&1) || true
check_contains "daemon config: configure checked with containerd config dump" "$out" "checked: containerd config dump"

if ! daemon_start "$D/containerd.sock" "$T/containerd.pid" "$T/containerd.log" \
	env ERDMA_CONFIG="$T/erdma.json" prlimit --memlock=65536:8388608 containerd --config "$D/config.toml" --log-level info; then
	not_ok "containerd starts on the configured config.toml"; sed 's/^/# /' "$T/containerd.log" | tail -20; done_testing; exit 1
fi
ok "containerd starts on the configured config.toml"
for _ in $(seq 50); do grep -q 'Start cri plugin with config' "$T/containerd.log" && break; sleep 0.1; done
crilog=$(grep -m1 'Start cri plugin with config' "$T/containerd.log" || true)
if [ -z "$crilog" ]; then
	ok_skip "containerd's CRI plugin logs the handler" "the CRI plugin did not start here: $(grep -m1 -i 'cri' "$T/containerd.log" | cut -c1-200)"
else
	check_contains "containerd's CRI plugin loaded handler erdma as runc.v2" "$crilog" "erdma:{Type:io.containerd.runc.v2"
	check_contains "containerd's CRI plugin loaded BinaryName" "$crilog" "BinaryName:$SHIM"
	check_contains "containerd's CRI plugin loaded the pod annotation" "$crilog" "PodAnnotations:[com.aliyun.erdma.devices]"
	check_contains "containerd kept the main file's sandbox_image" "$crilog" "SandboxImage:localhost/pause:ect-kept"
fi

# ctr runs containers without the CRI plugin: it takes the handler's
# BinaryName as read back from containerd's own dump.
bin=$(containerd --config "$D/config.toml" config dump >"$D/dump" && dump_get "$D/dump" "$H.options" BinaryName | tr -d '"')
check_eq "the handler's BinaryName is the shim" "$SHIM" "$bin"
# ctr's default spec asks for cgroup settings this host's hybrid layout
# lacks: a spec of our own, as runtime-containerd.sh does.
(cd "$T" && runc spec)
python3 - "$T/config.json" "$T/rootfs" <<'PY2'
import json, sys
c = json.load(open(sys.argv[1]))
c["root"] = {"path": sys.argv[2], "readonly": False}
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", 'for f in /dev/infiniband/*; do stat -c "%n %t:%T" "$f"; done\n'
                        'cat /dev/infiniband/uverbs0 2>&1 | sed "s/.*: //"; echo "memlock $(ulimit -l)"']
c["process"]["env"] += ["ERDMA_VISIBLE_DEVICES=erdma_0"]
json.dump(c, open(sys.argv[1], "w"))
PY2
out=$(ctr -a "$D/containerd.sock" run --rm --runc-binary "$bin" --config "$T/config.json" ect-ctk-$$ 2>&1) || true
echo "$out" | head -5 | sed 's/^/# ctr: /'
check_eq "ctr through the handler's binary: uverbs0 (231:192) and rdma_cm (10:241)" \
	"/dev/infiniband/rdma_cm a:f1
/dev/infiniband/uverbs0 e7:c0" "$(echo "$out" | grep '^/dev/')"
check_eq "ctr through the handler's binary: uverbs0 opens to ENXIO" "No such device or address" "$(echo "$out" | sed -n 3p)"
check_eq "ctr through the handler's binary: memlock 8 MiB" "memlock 8192" "$(echo "$out" | grep '^memlock')"

"$CTK" runtime unconfigure --engine containerd --config "$D/config.toml" --drop-in "$D/conf.d/99-erdma.toml" >/dev/null
check "daemon config: unconfigure gives back the same bytes" cmp -s "$D/original.toml" "$D/config.toml"
done_testing
