#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile input at the command line, one case per row of docs/SECURITY.md
# that no other test covers end to end: config.json content (deep nesting,
# invalid UTF-8, overflowing integers, wrong types, duplicate keys, a NUL,
# path traversal in the selection, host switches in the container's env)
# through erdma-container-runtime, and a broken or hostile sysfs through
# erdma-cdi and erdma-probe. Each case: the status, the message a user
# sees, and that nothing was changed or run.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"

need_root
need_built erdma-container-runtime erdma-cdi erdma-probe
SHIM=$(ect_bin erdma-container-runtime)
CDI=$(ect_bin erdma-cdi)
PROBE=$(ect_bin erdma-probe)
e2e_tmpdir ect-hostile
CASES=0

shim_host
export ERDMA_CONFIG=$T/erdma.json
mkdir -p "$T/b"

# bad_config NAME MESSAGE: config.json (already written) is refused with
# MESSAGE, left byte for byte, and the runtime is not run.
bad_config() {
	local name=$1 want=$2 st=0 err
	CASES=$((CASES + 1))
	cp "$T/b/config.json" "$T/before"
	rm -f "$T/ran"
	err=$("$SHIM" create --bundle "$T/b" h$$ 2>&1 >/dev/null) || st=$?
	check "shim, $name: refused (status $st)" [ "$st" -ne 0 ]
	check_contains "shim, $name: says why" "$err" "$want"
	check "shim, $name: config.json untouched, runtime not run" untouched
}
untouched() { cmp -s "$T/b/config.json" "$T/before" && [ ! -e "$T/ran" ]; }
doc() { # ENV-JSON [EXTRA-TOP-LEVEL]
	printf '{"ociVersion":"1.0.2","process":{"args":["sh"],"env":%s},"root":{"path":"rootfs"},"linux":{}%s}' \
		"$1" "${2:-}" >"$T/b/config.json"
}

# deep nesting: 100000 levels in an annotation nobody reads
python3 -c 'import sys; sys.stdout.write("{\"process\":{\"env\":[\"ERDMA_VISIBLE_DEVICES=all\"]},\"annotations\":{\"x\":" + "[" * 100000 + "]" * 100000 + "}}")' >"$T/b/config.json"
bad_config "100000 nested arrays" "nesting deeper than 64 levels"
# invalid UTF-8 in a string
doc '["ERDMA_VISIBLE_DEVICES=erdma_0","X=\xff\xfe"]'
bad_config "invalid UTF-8 in process.env" "invalid JSON"
# truncated inside a string
printf '{"process":{"env":["ERDMA_VISIBLE_DEVICES=er' >"$T/b/config.json"
bad_config "truncated in a string" "invalid JSON at line 1"
# overflowing integers where we must edit
doc '["ERDMA_VISIBLE_DEVICES=erdma_0"]' ',"x":1'
sed -i 's/"args":\["sh"\]/"args":["sh"],"rlimits":[{"type":"RLIMIT_MEMLOCK","hard":18446744073709551616,"soft":1}]/' "$T/b/config.json"
bad_config "RLIMIT_MEMLOCK hard of 2^64" "'hard' is not an unsigned integer"
doc '["ERDMA_VISIBLE_DEVICES=erdma_0"]'
sed -i 's/"args":\["sh"\]/"args":["sh"],"rlimits":[{"type":"RLIMIT_MEMLOCK","hard":1e400,"soft":1}]/' "$T/b/config.json"
bad_config "RLIMIT_MEMLOCK hard of 1e400" "'hard' is not an unsigned integer"
# wrong types
doc '["ERDMA_VISIBLE_DEVICES=erdma_0"]' ',"annotations":["com.aliyun.erdma.devices"]'
bad_config "annotations an array" "annotations: expected an object, got array"
doc '"ERDMA_VISIBLE_DEVICES=erdma_0"'
bad_config "process.env a string" "process.env: expected an array"
doc '["ERDMA_VISIBLE_DEVICES=erdma_0"]' ',"annotations":{"com.aliyun.erdma.devices":0}'
bad_config "selection annotation a number" "expected a string, got number"
# a NUL inside the value
doc '["ERDMA_VISIBLE_DEVICES=erdma_0\u0000,erdma_1"]'
bad_config "NUL in ERDMA_VISIBLE_DEVICES" "NUL"
# path traversal and unknown names in the selection
doc '["ERDMA_VISIBLE_DEVICES=../../../dev/sda"]'
bad_config "ERDMA_VISIBLE_DEVICES=../../../dev/sda" "unknown eRDMA device '../../../dev/sda'"
doc '[]' ',"annotations":{"com.aliyun.erdma.devices":"aliyun.com/erdma=../uverbs0"}'
bad_config "CDI name with ../" "unknown eRDMA device"
doc '["ERDMA_VISIBLE_DEVICES=/dev/infiniband/uverbs0"]'
bad_config "a host path as the selection" "unknown eRDMA device '/dev/infiniband/uverbs0'"
doc '["ERDMA_VISIBLE_DEVICES=erdma_0\nerdma_1"]'
bad_config "a newline in the selection" "control character"

# duplicate keys: the last one wins, as runc (Go) reads it
CASES=$((CASES + 1))
printf '{"process":{"args":["sh"],"env":[]},"annotations":{"com.aliyun.erdma.devices":"erdma_0","com.aliyun.erdma.devices":"erdma_1"},"linux":{}}' >"$T/b/config.json"
"$SHIM" create --bundle "$T/b" d$$ 2>/dev/null
out=$(cat "$T/b/config.json")
check_contains "shim, duplicate selection keys: the last one (erdma_1) is used" "$out" '"/dev/infiniband/uverbs1"'
check_not_contains "shim, duplicate selection keys: the first one is not" "$out" '"/dev/infiniband/uverbs0"'

# host switches in the container's env are not ours: ERDMA_CONFIG and
# ERDMA_LOG_LEVEL inside process.env change nothing.
CASES=$((CASES + 1))
printf '{"sysfs-root":"/nonexistent","runtime":"/bin/false"}\n' >"$T/evil.json"
doc "[\"ERDMA_CONFIG=$T/evil.json\",\"ERDMA_LOG_LEVEL=debug\",\"LD_PRELOAD=/x.so\",\"ERDMA_VISIBLE_DEVICES=erdma_0\"]"
rm -f "$T/ran"
st=0
err=$("$SHIM" create --bundle "$T/b" e$$ 2>&1 >/dev/null) || st=$?
check_eq "shim, ERDMA_CONFIG in the container's env: ignored (host config used, runtime ran)" "0 yes" "$st $([ -e "$T/ran" ] && echo yes)"
check_eq "shim, ERDMA_LOG_LEVEL in the container's env: no debug output" "" "$err"

# ---- a broken and hostile sysfs: erdma-cdi and erdma-probe ----
fakehost_standard "$T/bad"
u=$T/bad/sys/class/infiniband_verbs
echo "../../../etc" >"$u/uverbs0/ibdev"                       # traversal as a name
ln -s uverbs9 "$u/uverbs9"                                     # a loop
ln -s /etc "$u/uverbs8"                                        # out of sysfs
head -c 1000000 /dev/zero | tr '\0' 7 >"$u/uverbs1/abi_version" # huge attribute
mkfifo "$T/bad/sys/class/infiniband/erdma_1/node_type.fifo"
rm "$T/bad/sys/class/infiniband/erdma_1/node_type"
ln -s node_type.fifo "$T/bad/sys/class/infiniband/erdma_1/node_type" # a FIFO
fakehost_add_device "$T/bad" 2 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x1017 # not eRDMA
CASES=$((CASES + 7))
st=0
timeout 20 "$CDI" generate --format json --sysfs-root "$T/bad/sys" --dev-root "$T/bad/dev" \
	>"$T/spec.json" 2>"$T/err" || st=$?
check_eq "erdma-cdi, hostile sysfs: a spec is still made" 0 "$st"
check "erdma-cdi, hostile sysfs: the spec is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/spec.json"
check_contains "erdma-cdi, ibdev '../../../etc': dropped with a warning" "$(cat "$T/err")" "uverbs0/ibdev"
check_not_contains "erdma-cdi, ibdev '../../../etc': not in the spec" "$(cat "$T/spec.json")" "etc"
check_contains "erdma-cdi, only erdma_1 (no mlx5_0: unknown device left out)" \
	"$(python3 -c 'import json,sys; print(sorted(d["name"] for d in json.load(open(sys.argv[1]))["devices"]))' "$T/spec.json")" "['all', 'erdma_1']"
# generate reads only what a spec needs (no abi_version, node_type, ports):
# list reads every attribute.
st=0
timeout 20 "$CDI" list --sysfs-root "$T/bad/sys" --dev-root "$T/bad/dev" >/dev/null 2>"$T/lerr" || st=$?
check_contains "erdma-cdi list, 1 MB attribute: bounded, a warning" "$(cat "$T/lerr")" "larger than"
check_contains "erdma-cdi list, a FIFO as an attribute: not waited on, a warning" "$(cat "$T/lerr")" "erdma_1/node_type: unexpected value"
# The probe reads the kernel's sysfs of the container (no image can put a
# FIFO there); libibverbs, which it calls, would block on one: not a case.
rm "$T/bad/sys/class/infiniband/erdma_1/node_type"
echo "1: CA" >"$T/bad/sys/class/infiniband/erdma_1/node_type"
st=0
timeout 20 "$PROBE" --json --sysfs-root "$T/bad/sys" --dev-root "$T/bad/dev" >"$T/probe.json" 2>"$T/perr" || st=$?
CASES=$((CASES + 1))
check "erdma-probe, hostile sysfs: ends (status $st), a JSON report" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/probe.json"

diag "hostile cases: $CASES"
done_testing
