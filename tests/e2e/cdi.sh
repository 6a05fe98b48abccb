#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-cdi on fake hosts: list, generate (every strategy, both formats,
# hostPath on and off) validated against the CDI schema and name rules,
# atomic --output, then real Podman with the spec in /var/run/cdi.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/e2e.sh"
. "$here/../lib/podman.sh"

need_root
need_built erdma-cdi
CDI=$(ect_bin erdma-cdi)
PY=/usr/bin/python3 # Debian's, with python3-jsonschema and python3-yaml
SCHEMA=$(ect_shared)/cdi-schema
VALIDATE="$here/../lib/cdi_validate.py"

e2e_tmpdir ect-e2e-cdi # what is mounted under it is unmounted at exit
SPEC="" # our file in /var/run/cdi while it exists
made_cdi_dir=0
remove_spec() {
	if [ -n "$SPEC" ]; then
		rm -f "$SPEC"
		if [ "$made_cdi_dir" = 1 ]; then rmdir /var/run/cdi 2>/dev/null || true; fi
	fi
}
e2e_on_exit remove_spec

fakehost_standard "$T/host"
SYS=$T/host/sys
DEV=$T/host/dev
roots=(--sysfs-root "$SYS" --dev-root "$DEV")

# ---- list ----
out=$("$CDI" list "${roots[@]}" 2>"$T/err")
check_contains "list: erdma_0 row" "$out" "erdma_0  /dev/infiniband/uverbs0  231:192  CA    ACTIVE  0000:00:05.0  erdma   eth1    aliyun.com/erdma=erdma_0,aliyun.com/erdma=all"
check_contains "list: erdma_1 row" "$out" "1  erdma_1  /dev/infiniband/uverbs1  231:193"
check_contains "list: rdma_cm line" "$out" "rdma_cm: /dev/infiniband/rdma_cm 10:241"
check_eq "list: nothing on stderr for a clean host" "" "$(cat "$T/err")"
out=$("$CDI" list --device-name-strategy index "${roots[@]}" 2>/dev/null)
check_contains "list: CDI names follow the strategy" "$out" "aliyun.com/erdma=1,aliyun.com/erdma=all"

"$CDI" list --json "${roots[@]}" >"$T/list.json"
got=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(len(d["devices"]), " ".join("%s:%s:%d:%d:%s" % (x["index"], x["ibdev"], x["uverbs"]["major"], x["uverbs"]["minor"], ",".join(x["cdi_names"])) for x in d["devices"]), "%d:%d" % (d["rdma_cm"]["major"], d["rdma_cm"]["minor"]), d["devices"][0]["pci_address"], d["devices"][0]["netdev"])' "$T/list.json")
check_eq "list --json: devices, names, rdma_cm" \
	"2 0:erdma_0:231:192:aliyun.com/erdma=erdma_0,aliyun.com/erdma=all 1:erdma_1:231:193:aliyun.com/erdma=erdma_1,aliyun.com/erdma=all 10:241 0000:00:05.0 eth1" "$got"

# A mixed host: the driver filter leaves mlx5 out and says so on stderr.
fakehost_standard "$T/mixed"
fakehost_add_device "$T/mixed" 2 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x1017
out=$("$CDI" list --sysfs-root "$T/mixed/sys" --dev-root "$T/mixed/dev" 2>"$T/err")
check_not_contains "list: mlx5 left out by default" "$out" "mlx5_0"
check_contains "list: filtered count on stderr" "$(cat "$T/err")" "1 RDMA device(s) left out by the driver filter"
out=$("$CDI" list --driver any --sysfs-root "$T/mixed/sys" --dev-root "$T/mixed/dev" 2>/dev/null)
check_contains "list --driver any: mlx5 listed" "$out" "mlx5_0"

# The host configuration the shim and the hook read also sets erdma-cdi's
# driver filter and roots where no option does (the units pass none).
fakehost_add_device "$T/mixed" 3 rxe0 pci=none
printf '{"drivers": "any", "sysfs-root": "%s", "dev-root": "%s"}\n' "$T/mixed/sys" "$T/mixed/dev" >"$T/host.json"
out=$("$CDI" generate --config "$T/host.json" 2>/dev/null)
check_contains "generate --config: drivers any gives out soft-RoCE rxe0" "$out" "name: rxe0"
check_contains "generate --config: and mlx5_0" "$out" "name: mlx5_0"
check_contains "generate --config: the config's dev-root (hostPath)" "$out" "hostPath: $T/mixed/dev/infiniband/uverbs3"
out=$(ERDMA_CONFIG=$T/host.json "$CDI" generate 2>/dev/null)
check_contains "generate with ERDMA_CONFIG: the same" "$out" "name: rxe0"
out=$("$CDI" generate --config "$T/host.json" --driver erdma 2>/dev/null)
check_not_contains "--driver overrides the config's drivers" "$out" "rxe0"
check_contains "--driver erdma: eRDMA devices" "$out" "name: erdma_0"
echo '{"drivers": "erdma,,x"}' >"$T/bad.json"
st=0; out=$("$CDI" generate --config "$T/bad.json" 2>&1) || st=$?
check_eq "a bad host config: exit 1" 1 "$st"
check_contains "a bad host config: the error names the file and the key" "$out" "$T/bad.json: key 'drivers'"
st=0; out=$("$CDI" list --config "$T/none.json" 2>&1) || st=$?
check_eq "a named host config that is missing: exit 1" 1 "$st"
check_contains "a named host config that is missing: says so" "$out" "open '$T/none.json': No such file or directory"

# Discovery warnings reach stderr; the device is still listed.
fakehost_standard "$T/warn"
echo garbage >"$T/warn/sys/class/infiniband/erdma_1/ports/1/state"
out=$("$CDI" list --sysfs-root "$T/warn/sys" --dev-root "$T/warn/dev" 2>"$T/err")
check_contains "list: discovery warning on stderr" "$(cat "$T/err")" "warning: "
check_contains "list: device with a broken attribute still listed" "$out" "erdma_1"

# ---- generate: every strategy, both formats, hostPath on and off ----
declare -A names=([ibdev]="erdma_0,erdma_1,all" [index]="0,1,all" [both]="erdma_0,0,erdma_1,1,all")
for strategy in ibdev index both; do
	for fmt in json yaml; do
		for hp in yes no; do
			# hostPath only when the dev root is not /dev (the nodes are not
			# there: discovery warns about them, the spec is still right).
			devroot=$DEV
			[ "$hp" = no ] && devroot=/dev
			f=$T/spec-$strategy-$hp.$fmt
			"$CDI" generate --format "$fmt" --device-name-strategy "$strategy" \
				--sysfs-root "$SYS" --dev-root "$devroot" >"$f" 2>"$T/err"
			want=0.5.0
			[ "$strategy" = ibdev ] && [ "$hp" = no ] && want=0.3.0
			got=$($PY "$VALIDATE" "$SCHEMA" "$f" 2>&1) || true
			check_eq "generate $strategy $fmt hostPath=$hp: schema, names, lowest version" \
				"version=$want kind=aliyun.com/erdma names=${names[$strategy]} hostpath=$hp" "$got"
		done
	done
done
check "generate: YAML by default, cdiVersion quoted" grep -qx 'cdiVersion: "0.5.0"' "$T/spec-ibdev-yes.yaml"
check "generate: hostPath under the dev root" grep -q "hostPath: $DEV/infiniband/uverbs0" "$T/spec-ibdev-yes.yaml"
check "generate: rdma_cm in the spec-wide edits" \
	$PY -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["containerEdits"]["deviceNodes"][0]["path"]=="/dev/infiniband/rdma_cm"' "$T/spec-ibdev-no.json"
sed 's/^cdiVersion: .*/cdiVersion: "0.3.0"/' "$T/spec-ibdev-yes.yaml" >"$T/wrong.yaml"
if $PY "$VALIDATE" "$SCHEMA" "$T/wrong.yaml" >/dev/null 2>&1; then
	not_ok "validator refuses a spec whose cdiVersion is too low"
else
	ok "validator refuses a spec whose cdiVersion is too low"
fi

"$CDI" generate --vendor example.com --class rdma "${roots[@]}" >"$T/kind.yaml" 2>/dev/null
got=$($PY "$VALIDATE" "$SCHEMA" "$T/kind.yaml" 2>&1) || true
check_contains "generate --vendor --class" "$got" "kind=example.com/rdma "

st=0
"$CDI" generate --vendor 9bad "${roots[@]}" >/dev/null 2>"$T/err" || st=$?
check_eq "generate: invalid --vendor is a usage error" 2 "$st"
check_contains "generate: invalid --vendor message" "$(cat "$T/err")" "invalid CDI vendor '9bad'"
st=0
"$CDI" generate --class 'a/b' "${roots[@]}" >/dev/null 2>"$T/err" || st=$?
check_eq "generate: invalid --class is a usage error" 2 "$st"
st=0
"$CDI" generate --bogus >/dev/null 2>&1 || st=$?
check_eq "generate: unknown option exits 2" 2 "$st"
st=0
"$CDI" generate --driver 'erdma mlx5' "${roots[@]}" >/dev/null 2>"$T/err" || st=$?
check_eq "generate: invalid --driver list is a usage error" 2 "$st"
check_contains "generate: invalid --driver message" "$(cat "$T/err")" "invalid driver list 'erdma mlx5'"
"$CDI" generate -o - "${roots[@]}" >"$T/dash.yaml" 2>"$T/err"
check_eq "generate -o -: stdout, no file-name warning" "" "$(grep "does not end in" "$T/err" || true)"
check_contains "generate -o -: the spec on stdout" "$(cat "$T/dash.yaml")" "kind: aliyun.com/erdma"
check_contains "--help lists every option" "$("$CDI" --help)" "--device-name-strategy"
check_contains "--version" "$("$CDI" --version)" "erdma-cdi "

# A device whose ibdev is not a CDI name is skipped with a warning.
fakehost_init "$T/odd"
fakehost_add_device "$T/odd" 0 "erdma_0" mknod=0
fakehost_add_device "$T/odd" 1 "erdma_1." mknod=0
"$CDI" generate --sysfs-root "$T/odd/sys" --dev-root "$T/odd/dev" >"$T/odd.yaml" 2>"$T/err" || true
check_contains "generate: invalid device name warned" "$(cat "$T/err")" 'ibdev name "erdma_1." is not a valid CDI device name'
got=$($PY "$VALIDATE" "$SCHEMA" "$T/odd.yaml" 2>&1) || true
check_contains "generate: invalid device name skipped" "$got" "names=erdma_0,all "

# No matching device: exit 1 and say what was looked at.
fakehost_init "$T/empty"
fakehost_add_device "$T/empty" 0 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x1017 mknod=0
st=0
"$CDI" generate --sysfs-root "$T/empty/sys" --dev-root "$T/empty/dev" >"$T/out" 2>"$T/err" || st=$?
check_eq "generate: no matching device exits 1" 1 "$st"
check_contains "generate: no device message names the sysfs root" "$(cat "$T/err")" "$T/empty/sys/class/infiniband_verbs"
check_contains "generate: no device message names filter and count" "$(cat "$T/err")" "driver filter erdma (PCI ID 1ded:107f or driver erdma); 1 RDMA device(s) seen, 1 left out"
check_eq "generate: no device writes nothing to stdout" "" "$(cat "$T/out")"
st=0
"$CDI" list --json --sysfs-root "$T/empty/sys" --dev-root "$T/empty/dev" >"$T/out" 2>/dev/null || st=$?
check_eq "list: no device exits 1" 1 "$st"
check_eq "list --json: no device is still a document" "0 None 1" \
	"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["devices"]), d["rdma_cm"], d["filtered_out"])' "$T/out")"

# ---- --output: atomic, 0644, format from the extension ----
mkdir "$T/out.d"
(umask 077 && "$CDI" generate -o "$T/out.d/erdma.json" "${roots[@]}" 2>/dev/null)
check_eq "--output: mode 0644 whatever the umask" 644 "$(stat -c %a "$T/out.d/erdma.json")"
check "--output .json: JSON" $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out.d/erdma.json"
"$CDI" generate -o "$T/out.d/erdma.yml" "${roots[@]}" 2>/dev/null
check "--output .yml: YAML" grep -q '^kind: aliyun.com/erdma$' "$T/out.d/erdma.yml"
"$CDI" generate -o "$T/out.d/x.json" --format yaml "${roots[@]}" 2>/dev/null
check "--format wins over the extension" grep -q '^kind: aliyun.com/erdma$' "$T/out.d/x.json"
echo "old spec" >"$T/out.d/old.yaml"
st=0
# shellcheck disable=SC2016 # expanded by the inner shell: single quotes on purpose
unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" generate -o "$1/old.yaml" --sysfs-root "$3" --dev-root "$4"' \
	sh "$T/out.d" "$CDI" "$SYS" "$DEV" 2>"$T/err" || st=$?
check_eq "--output on a read-only directory fails" 1 "$st"
check_eq "--output failure leaves the old file" "old spec" "$(cat "$T/out.d/old.yaml")"
check_contains "--output failure says so" "$(cat "$T/err")" "older file there is left as it was"
mkdir "$T/out.d/dir.yaml"
st=0
"$CDI" generate -o "$T/out.d/dir.yaml" "${roots[@]}" 2>/dev/null || st=$?
check_eq "--output onto a directory fails" 1 "$st"
check "--output onto a directory leaves it" test -d "$T/out.d/dir.yaml"
check_eq "--output leaves no temporary file" "" "$(find "$T/out.d" -name '*.tmp.*')"

# ---- real Podman (../shared/TESTBED.md) ----
if ! command -v podman >/dev/null; then
	ok_skip "podman" "podman not installed"
	done_testing
	exit
fi
P=$T/podman
make_rootfs "$T/podman-rootfs"
podman_init "$P" "$T/podman-rootfs" localhost/busybox:test

# What a container sees: "name type maj,min" per node, then the errno of
# opening each node.
# shellcheck disable=SC2016 # expanded by the inner shell: single quotes on purpose
show='for f in /dev/infiniband/*; do ls -l "$f" | awk "{print substr(\$1,1,1), \$5 \$6}" | tr "\n" " "; echo "${f##*/}"; done; cat /dev/infiniband/uverbs0 2>&1 | sed "s/.*: //"; cat /dev/infiniband/rdma_cm 2>&1 | sed "s/.*: //"'
prun() { podman run --rm --network none --name "ect-e2e-cdi-$$-$1" --device "$2" localhost/busybox:test sh -c "$show" 2>&1; }

exec 9>/run/ect-e2e-cdi.lock
flock 9
[ -d /var/run/cdi ] || { mkdir -p /var/run/cdi && made_cdi_dir=1; }
SPEC=/var/run/cdi/ect-e2e-cdi-$$.yaml
"$CDI" generate -o "$SPEC" "${roots[@]}" 2>/dev/null
out=$(prun a aliyun.com/erdma=erdma_0) || true
check_eq "podman =erdma_0: exactly uverbs0 and rdma_cm, ENXIO and ENODEV" \
	"$(printf '%s\n' "c 10,241 rdma_cm" "c 231,192 uverbs0" "No such device or address" "No such device")" "$out"
out=$(prun b aliyun.com/erdma=all) || true
check_eq "podman =all: both devices and rdma_cm" \
	"$(printf '%s\n' "c 10,241 rdma_cm" "c 231,192 uverbs0" "c 231,193 uverbs1" "No such device or address" "No such device")" "$out"
rm -f "$SPEC"
SPEC=/var/run/cdi/ect-e2e-cdi-$$.json
"$CDI" generate -o "$SPEC" --device-name-strategy index "${roots[@]}" 2>/dev/null
out=$(prun c aliyun.com/erdma=1) || true
check_eq "podman =1 (index naming, JSON spec): uverbs1 and rdma_cm only" \
	"$(printf '%s\n' "c 10,241 rdma_cm" "c 231,193 uverbs1" "No such file or directory" "No such device")" "$out"
st=0
podman run --rm --network none --device aliyun.com/erdma=erdma_0 localhost/busybox:test true >/dev/null 2>&1 || st=$?
check "podman: a name the spec does not have is refused" test "$st" -ne 0
rm -f "$SPEC"
if [ "$made_cdi_dir" = 1 ]; then rmdir /var/run/cdi 2>/dev/null || true; fi
SPEC=""
flock -u 9

done_testing
