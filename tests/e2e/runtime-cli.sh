#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-container-runtime's own contract, without an engine (fast): the
# arguments reach the runtime unchanged, pass-through commands do no
# config.json work, bad input gives a clear error in stderr and in the --log
# file (runc's JSON lines) and leaves config.json untouched, no request
# leaves the file as it was, a second create changes nothing.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"

need_root
need_built erdma-container-runtime
SHIM=$(ect_bin erdma-container-runtime)
e2e_tmpdir ect-rt-cli

fakehost_standard "$T/host"
# A runtime that records how it was called.
cat >"$T/fake-runc" <<SH
#!/bin/sh
printf '%s\n' "\$@" >"$T/args"
exit 0
SH
chmod +x "$T/fake-runc"
conf() { # [MEMLOCK-JSON]
	printf '{"sysfs-root":"%s","dev-root":"%s","memlock":%s,"runtime":"%s"}\n' \
		"$T/host/sys" "$T/host/dev" "${1:-8388608}" "$T/fake-runc" >"$T/erdma.json"
}
conf
export ERDMA_CONFIG=$T/erdma.json
mkdir -p "$T/b"
spec() { # ENV-JSON-ARRAY [EXTRA-TOP-LEVEL]
	printf '{"ociVersion":"1.0.2","process":{"args":["sh"],"env":%s},"root":{"path":"rootfs"}%s}' "$1" "${2:-}" >"$T/b/config.json"
	chmod 0640 "$T/b/config.json"
}
PREFIX=()
shim() { rm -f "$T/args"; "${PREFIX[@]}" "$SHIM" "$@"; }

# 1. arguments unchanged, edits done
spec '["PATH=/bin","ERDMA_VISIBLE_DEVICES=erdma_1"]'
chown 1234:5678 "$T/b/config.json"
shim --root "$T/state" --log "$T/log.json" --log-format json --systemd-cgroup create --bundle "$T/b" --pid-file "$T/pid" c1
check_eq "create: the runtime gets the arguments unchanged" \
	"--root $T/state --log $T/log.json --log-format json --systemd-cgroup create --bundle $T/b --pid-file $T/pid c1" \
	"$(tr '\n' ' ' <"$T/args" | sed 's/ $//')"
check_contains "create: uverbs1 added to linux.devices" "$(cat "$T/b/config.json")" '"path":"/dev/infiniband/uverbs1","type":"c","major":231,"minor":193,"fileMode":438'
check_contains "create: memlock added" "$(cat "$T/b/config.json")" '{"type":"RLIMIT_MEMLOCK","hard":8388608,"soft":8388608}'
check_eq "create: mode kept" "640" "$(stat -c %a "$T/b/config.json")"
check_eq "create: owner kept (uid:gid)" "1234:5678" "$(stat -c %u:%g "$T/b/config.json")"
before=$(stat -c '%i %Y' "$T/b/config.json"); sum=$(md5sum <"$T/b/config.json")
sleep 1
(cd "$T/b" && shim run c1b)
check_eq "run from the bundle directory, second time: file not rewritten" "$before $sum" "$(stat -c '%i %Y' "$T/b/config.json") $(md5sum <"$T/b/config.json")"

# 2. no request: not rewritten
spec '["PATH=/bin"]'
before=$(stat -c '%i %Y' "$T/b/config.json"); sum=$(md5sum <"$T/b/config.json")
sleep 1
shim create -b "$T/b" c2
check_eq "no request: file not rewritten" "$before $sum" "$(stat -c '%i %Y' "$T/b/config.json") $(md5sum <"$T/b/config.json")"
check "no request: runtime called" [ -s "$T/args" ]

# 3. pass-through: no config.json work even when the bundle is broken
echo '{broken' >"$T/b/config.json"
shim --root "$T/state" state c1
check_eq "state passes through" "--root $T/state state c1" "$(tr '\n' ' ' <"$T/args" | sed 's/ $//')"
shim delete --force c1
check "delete passes through" [ -s "$T/args" ]

# 4. errors: stderr and the --log file, config.json untouched, runtime not called
fail_case() { # NAME EXPECTED-MESSAGE ARGS...
	local name=$1 want=$2 st=0 err sum2
	shift 2
	rm -f "$T/log.json"
	sum2=$(md5sum <"$T/b/config.json" 2>/dev/null || true)
	err=$(shim --log "$T/log.json" --log-format json "$@" 2>&1 >/dev/null) || st=$?
	check "$name: exit status non-zero" [ "$st" -ne 0 ]
	check_contains "$name: stderr" "$err" "$want"
	check_contains "$name: --log has a JSON error line" "$(cat "$T/log.json" 2>/dev/null)" '{"level":"error","msg":"'
	check_contains "$name: --log names the cause" "$(cat "$T/log.json" 2>/dev/null)" "$want"
	check "$name: runtime not called" [ ! -e "$T/args" ]
	check_eq "$name: config.json unchanged" "$sum2" "$(md5sum <"$T/b/config.json" 2>/dev/null || true)"
}
printf '{"ociVersion":"1.0.2",\n "process":{"env":["ERDMA_VISIBLE_DEVICES=0"]' >"$T/b/config.json"
fail_case "truncated config.json" "config.json: invalid JSON at line 2" create --bundle "$T/b" c3
spec '["ERDMA_VISIBLE_DEVICES=erdma_0,erdma_5"]'
fail_case "unknown device" "unknown eRDMA device 'erdma_5' (this host has: erdma_0 (index 0), erdma_1 (index 1))" create --bundle "$T/b" c4
spec '["ERDMA_VISIBLE_DEVICES=0"]' ',"linux":{"devices":{}}'
fail_case "wrong type in config.json" "linux.devices: expected an array, got object" create --bundle "$T/b" c5
# runc (Go) reads "Linux" as linux and merges it with a "linux" we would add:
# /dev/fuse would be dropped. Refused instead.
spec '["ERDMA_VISIBLE_DEVICES=0"]' ',"Linux":{"devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}]}'
fail_case "case variant of a key the shim edits" "key 'linux' appears more than once" create --bundle "$T/b" c5b
spec '["ERDMA_VISIBLE_DEVICES=0"]'
fail_case "missing bundle" "bundle '$T/nope'" create --bundle "$T/nope" c6
truncate -s 17M "$T/b/config.json"
fail_case "huge config.json" "larger than 16777216 bytes" create --bundle "$T/b" c7
spec '["ERDMA_VISIBLE_DEVICES=0"]'
chattr +i "$T/b" 2>/dev/null && immutable=1 || immutable=0
if [ "$immutable" = 1 ]; then
	fail_case "unwritable bundle" "create '$T/b/config.json.tmp." create --bundle "$T/b" c8
	chattr -i "$T/b"
else
	ok_skip "unwritable bundle" "chattr +i not supported on $(stat -f -c %T "$T")"
fi
conf '"lots"'
fail_case "bad host configuration" "$T/erdma.json: key 'memlock'" create --bundle "$T/b" c9
fail_case "bad host configuration, pass-through command" "$T/erdma.json: key 'memlock'" state c9
printf '{"memlock": 8388608,\n  "runtime" "runc"}' >"$T/erdma.json"
fail_case "malformed host configuration" "$T/erdma.json: invalid JSON at line 2, column" create --bundle "$T/b" c10
conf '"unlimited"'
# A hard limit below "unlimited" and no CAP_SYS_RESOURCE (root's effective
# set after exec is its bounding set): runc could not set the limit.
PREFIX=(prlimit --memlock=65536:8388608 setpriv --bounding-set -sys_resource)
fail_case "memlock above the hard limit" "memlock unlimited is above this runtime's hard RLIMIT_MEMLOCK (8388608) and it lacks CAP_SYS_RESOURCE" create --bundle "$T/b" c11
PREFIX=()
conf
printf '{"runtime":"no-such-runtime-%s"}' $$ >"$T/erdma.json"
fail_case "runtime not in PATH" "runtime 'no-such-runtime-$$' not found in PATH" state c12
# The runtime is looked up before the edit: a create that cannot reach it
# leaves config.json as it was.
spec '["ERDMA_VISIBLE_DEVICES=0"]'
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"no-such-runtime-%s"}' "$T/host/sys" "$T/host/dev" $$ >"$T/erdma.json"
fail_case "runtime not in PATH, create with a request" "runtime 'no-such-runtime-$$' not found in PATH" create --bundle "$T/b" c12b
spec '["ERDMA_VISIBLE_DEVICES=0"]'
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"%s"}' "$T/host/sys" "$T/host/dev" "$T/b" >"$T/erdma.json"
fail_case "runtime not executable, create with a request" "runtime '$T/b'" create --bundle "$T/b" c12c
ERDMA_CONFIG=$T/missing.json fail_case "ERDMA_CONFIG names a missing file" "open '$T/missing.json'" state c13

# 4b. a lone escaped surrogate elsewhere is written back as Go reads it (U+FFFD)
conf
spec '["ERDMA_VISIBLE_DEVICES=0","X=a\ud800b","Y=\ud800\u0041"]'
shim create --bundle "$T/b" c13b
check_contains "lone surrogate: U+FFFD, as runc reads it" "$(cat "$T/b/config.json")" '"X=a'$'\xef\xbf\xbd''b","Y='$'\xef\xbf\xbd''A"'

# 5. text --log-format
conf
spec '["ERDMA_VISIBLE_DEVICES=erdma_9"]'
rm -f "$T/log.txt"
shim --log "$T/log.txt" create --bundle "$T/b" c14 2>/dev/null || true
check_contains "--log without --log-format json: a text line" "$(cat "$T/log.txt")" "erdma-container-runtime: error: container 'c14': ERDMA_VISIBLE_DEVICES: unknown eRDMA device 'erdma_9'"
# 5b. what discovery finds wrong with a requested device is logged (info),
# as the hook logs it (lib/plan.h)
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"%s","log-level":"info"}\n' \
	"$T/host/sys" "$T/host/dev" "$T/fake-runc" >"$T/erdma.json"
mv "$T/host/dev/infiniband/uverbs1" "$T/uverbs1.saved"
spec '["ERDMA_VISIBLE_DEVICES=erdma_1"]'
rm -f "$T/log.txt"
shim --log "$T/log.txt" create --bundle "$T/b" c14b 2>/dev/null || true
mv "$T/uverbs1.saved" "$T/host/dev/infiniband/uverbs1"
check_contains "discovery problem of a requested device: logged at info" "$(cat "$T/log.txt")" "discovery: $T/host/dev/infiniband/uverbs1: missing"
conf
# 6. the host config's drivers key: which RDMA devices may be given out.
# An mlx5 function and a soft-RoCE device (virtual: no PCI parent, no driver)
# beside the two eRDMA ones.
fakehost_add_device "$T/host" 2 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x101b
fakehost_add_device "$T/host" 3 rxe0 pci=none
drivers_conf() { # DRIVERS-JSON
	printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"%s"%s}\n' \
		"$T/host/sys" "$T/host/dev" "$T/fake-runc" "$1" >"$T/erdma.json"
}
drivers_conf ''
spec '["ERDMA_VISIBLE_DEVICES=mlx5_0"]'
fail_case "drivers unset: an mlx5 device is not given out" "unknown eRDMA device 'mlx5_0' (this host has: erdma_0 (index 0), erdma_1 (index 1))" create --bundle "$T/b" c15
drivers_conf ',"drivers":"mlx5_core"'
spec '["ERDMA_VISIBLE_DEVICES=mlx5_0"]'
shim create --bundle "$T/b" c16
check_contains "drivers mlx5_core: mlx5_0 (uverbs2) added" "$(cat "$T/b/config.json")" '"path":"/dev/infiniband/uverbs2","type":"c","major":231,"minor":194'
spec '["ERDMA_VISIBLE_DEVICES=erdma_0"]'
fail_case "drivers mlx5_core: eRDMA devices are not given out" "unknown eRDMA device 'erdma_0' (this host has: mlx5_0 (index 2))" create --bundle "$T/b" c17
drivers_conf ',"drivers":"any"'
spec '["ERDMA_VISIBLE_DEVICES=rxe0"]'
shim create --bundle "$T/b" c18
check_contains "drivers any: soft-RoCE rxe0 (uverbs3) added" "$(cat "$T/b/config.json")" '"path":"/dev/infiniband/uverbs3","type":"c","major":231,"minor":195'
drivers_conf ',"drivers":"erdma,,x"'
fail_case "drivers: a malformed list names the key" "driver names separated by commas, got 'erdma,,x'" state c19
# 7. accept-annotation false: the annotation selects nothing (any pod of a
# RuntimeClass can set it); the environment still does, when accepted.
drivers_conf ',"accept-annotation":false'
spec '["PATH=/bin"]' ',"annotations":{"com.aliyun.erdma.devices":"all"}'
before=$(md5sum <"$T/b/config.json")
shim create --bundle "$T/b" c20
check_eq "accept-annotation false: the annotation adds nothing, file unchanged" "$before" "$(md5sum <"$T/b/config.json")"
check "accept-annotation false: runtime called" [ -s "$T/args" ]
spec '["ERDMA_VISIBLE_DEVICES=erdma_1"]' ',"annotations":{"com.aliyun.erdma.devices":"erdma_0"}'
shim create --bundle "$T/b" c21
check_contains "accept-annotation false: the environment selects (uverbs1)" "$(cat "$T/b/config.json")" '"path":"/dev/infiniband/uverbs1"'
check_not_contains "accept-annotation false: ... and the annotation not (uverbs0)" "$(cat "$T/b/config.json")" '"path":"/dev/infiniband/uverbs0"'
drivers_conf ',"accept-annotation":"no"'
fail_case "accept-annotation: not a boolean, names the key" "key 'accept-annotation': expected true or false" state c22
done_testing
