#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs each program's main invocations (the command lines of the end-to-end
# tests, on a fake host) under valgrind memcheck, and fails on any memory
# error or any leak, of every kind (definite, indirect, possible and still
# reachable). `make check-valgrind` runs it on build-valgrind/, a normal
# optimised build whose erdma-probe and erdma-hook are linked dynamically
# (DYNAMIC=1): valgrind cannot follow the heap of a static binary.
#
# valgrind's own status for an error is 99, so that a tool's expected
# failure (status 1 or 2 on hostile input) stays apart from it.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/fakehost.sh"
. "$top/tests/lib/rootfs.sh"

B=${ECT_BUILD:-$top/build-valgrind}
command -v valgrind >/dev/null || skip_all "valgrind not installed"
T=$(mktemp -d /tmp/ect-valgrind.XXXXXX)
trap 'rm -rf "$T"' EXIT
RUNS=0

# vg NAME WANT-STATUS CMD...: one tool run under memcheck.
vg() {
	local name=$1 want=$2 st=0
	shift 2
	RUNS=$((RUNS + 1))
	valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
		--error-exitcode=99 --suppressions="$top/tests/valgrind.supp" --log-file="$T/vg.$RUNS.log" \
		"$@" >"$T/out.$RUNS" 2>"$T/err.$RUNS" <"${VG_STDIN:-/dev/null}" || st=$?
	if [ "$st" = "$want" ] && [ ! -s "$T/vg.$RUNS.log" ]; then
		ok "valgrind: $name"
	else
		not_ok "valgrind: $name (status $st, expected $want)"
		sed 's/^/#   /' "$T/vg.$RUNS.log" | head -60
		sed 's/^/#   stderr: /' "$T/err.$RUNS" | head -5
	fi
}

fakehost_standard "$T/host"
fakehost_init "$T/empty"
H=(--sysfs-root "$T/host/sys" --dev-root "$T/host/dev")
CDI=$B/erdma-cdi SHIM=$B/erdma-container-runtime PROBE=$B/erdma-probe HOOK=$B/erdma-hook

# ---- erdma-cdi ----
vg "erdma-cdi list" 0 "$CDI" list "${H[@]}"
vg "erdma-cdi list --json" 0 "$CDI" list --json "${H[@]}"
vg "erdma-cdi generate (YAML, stdout)" 0 "$CDI" generate "${H[@]}"
vg "erdma-cdi generate --output (JSON, both names)" 0 "$CDI" generate "${H[@]}" \
	--device-name-strategy both --output "$T/erdma.json"
vg "erdma-cdi generate on a host without devices" 1 "$CDI" generate \
	--sysfs-root "$T/empty/sys" --dev-root "$T/empty/dev"
vg "erdma-cdi generate, bad vendor" 2 "$CDI" generate "${H[@]}" --vendor '-bad'
vg "erdma-cdi generate, unwritable output" 1 "$CDI" generate "${H[@]}" --output "$T/no/dir/x.json"

# ---- erdma-container-runtime ----
conf() { # RUNTIME
	printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"%s","capabilities":["CAP_IPC_LOCK"]}\n' \
		"$T/host/sys" "$T/host/dev" "$1" >"$T/rt.json"
}
mkdir -p "$T/b"
bundle() { # ENV-JSON
	printf '{"ociVersion":"1.0.2","process":{"args":["sh"],"env":%s,"capabilities":{"bounding":[],"effective":[],"permitted":[]}},"root":{"path":"rootfs"},"annotations":{"x":"y"},"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}}\n' \
		"$1" >"$T/b/config.json"
}
export ERDMA_CONFIG=$T/rt.json
# The shim ends in exec(runtime): valgrind checks the heap at exit only, so
# the full edit path runs with a runtime that is an executable file the
# kernel refuses (ENOEXEC: the shim edits, the exec fails, the shim returns
# and every allocation is checked), and once more with /bin/true for the
# exec itself. A runtime that is missing is found before any edit.
printf 'not a program\n' >"$T/badrt"
chmod 0755 "$T/badrt"
conf "$T/badrt"
bundle '["PATH=/bin","ERDMA_VISIBLE_DEVICES=erdma_0,1"]'
vg "erdma-container-runtime create: edit config.json (runtime cannot be executed)" 1 \
	"$SHIM" --root "$T/state" --log "$T/log.json" --log-format json create --bundle "$T/b" vg1
check_contains "  ... config.json was edited" "$(cat "$T/b/config.json")" '"path":"/dev/infiniband/uverbs1"'
check_contains "  ... and the exec failed" "$(cat "$T/err.$RUNS")" "Exec format error"
conf /nonexistent/runc
bundle '["PATH=/bin","ERDMA_VISIBLE_DEVICES=erdma_0,1"]'
vg "erdma-container-runtime create: runtime missing" 1 \
	"$SHIM" --root "$T/state" --log "$T/log.json" --log-format json create --bundle "$T/b" vg1b
check_not_contains "  ... config.json was not edited" "$(cat "$T/b/config.json")" 'uverbs'
check_contains "  ... and the runtime is named" "$(cat "$T/err.$RUNS")" "runtime '/nonexistent/runc': No such file or directory"
bundle '["PATH=/bin"]'
vg "erdma-container-runtime create: no request (runtime missing)" 1 "$SHIM" create --bundle "$T/b" vg2
echo '{"process":' >"$T/b/config.json"
vg "erdma-container-runtime create: truncated config.json" 1 "$SHIM" create --bundle "$T/b" vg3
bundle '["ERDMA_VISIBLE_DEVICES=erdma_9"]'
vg "erdma-container-runtime create: unknown device" 1 "$SHIM" create --bundle "$T/b" vg4
conf /bin/true
bundle '["ERDMA_VISIBLE_DEVICES=all"]'
vg "erdma-container-runtime create: edit and exec /bin/true" 0 "$SHIM" create --bundle "$T/b" vg5
vg "erdma-container-runtime state: pass-through to /bin/true" 0 "$SHIM" state vg5

# ---- erdma-probe ----
vg "erdma-probe on the fake host (verbs cannot open: status 1)" 1 "$PROBE" --json "${H[@]}"
vg "erdma-probe --device erdma_1" 1 "$PROBE" --device erdma_1 "${H[@]}"
vg "erdma-probe, unknown device" 1 "$PROBE" --device nope "${H[@]}"
vg "erdma-probe, bad option" 2 "$PROBE" --mr-size 12Q

# ---- erdma-hook ----
# Direct: state on stdin, no live container needed for these paths.
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608}\n' "$T/host/sys" "$T/host/dev" >"$T/hook.json"
mkdir -p "$T/hb/rootfs"
printf '{"ociVersion":"1.0.2","process":{"args":["sh"],"env":["PATH=/bin"]},"root":{"path":"rootfs"}}' >"$T/hb/config.json"
vgin() { # NAME WANT-STATUS STDIN CMD...
	local name=$1 want=$2 in=$3
	shift 3
	printf '%s' "$in" >"$T/stdin"
	VG_STDIN=$T/stdin vg "$name" "$want" "$@"
}
vgin "erdma-hook, no request in config.json" 0 \
	"{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"pid\":$$,\"bundle\":\"$T/hb\"}" \
	"$HOOK" --config "$T/hook.json" prestart
vgin "erdma-hook, truncated state" 1 '{"pid":1,"bundle":' "$HOOK" --config "$T/hook.json" prestart
vgin "erdma-hook, pid 0" 1 "{\"pid\":0,\"bundle\":\"$T/hb\"}" "$HOOK" --config "$T/hook.json" prestart
printf '{"process":{"env":["ERDMA_VISIBLE_DEVICES=erdma_7"]},"root":{"path":"rootfs"}}' >"$T/hb2.json"
mkdir -p "$T/hb2" && mv "$T/hb2.json" "$T/hb2/config.json"
vgin "erdma-hook, unknown device" 1 "{\"pid\":$$,\"bundle\":\"$T/hb2\"}" "$HOOK" --config "$T/hook.json" prestart
vg "erdma-hook, usage error" 2 "$HOOK" --bogus

# The rest of the hook's work (cgroup, namespaces, nodes) happens with a
# live container and inside its seccomp sandbox, which filters valgrind's
# own system calls: valgrind cannot run there. That path is leak-checked by
# LeakSanitizer instead: tests/e2e/hook-*.sh under build-asan (make
# check-asan), for which the sandbox allows what LeakSanitizer needs.

# ---- erdma-ctk ----
CTK=$B/erdma-ctk
FIX=$top/tests/fixtures/ctk
mkdir -p "$T/ctk/etc/docker"
cp "$FIX/docker/production-2space.json" "$T/ctk/etc/docker/daemon.json"
vg "erdma-ctk runtime configure --dry-run (diff)" 0 "$CTK" runtime configure --engine docker \
	--root "$T/ctk" --cdi --set-as-default --memlock-dropin --dry-run
vg "erdma-ctk runtime configure docker" 0 "$CTK" runtime configure --engine docker --root "$T/ctk" \
	--cdi --set-as-default --memlock-dropin
vg "erdma-ctk runtime configure docker again (no change)" 0 "$CTK" runtime configure \
	--engine docker --root "$T/ctk" --cdi --set-as-default --memlock-dropin
vg "erdma-ctk runtime unconfigure docker" 0 "$CTK" runtime unconfigure --engine docker --root "$T/ctk"
check "  ... daemon.json is back" cmp -s "$FIX/docker/production-2space.json" "$T/ctk/etc/docker/daemon.json"
cp "$FIX/docker/bad-trailing-comma.json" "$T/ctk/etc/docker/daemon.json"
vg "erdma-ctk runtime configure on a bad daemon.json" 1 "$CTK" runtime configure --engine docker --root "$T/ctk"
vg "erdma-ctk runtime configure crio" 0 "$CTK" runtime configure --engine crio --root "$T/ctk" --set-as-default
mkdir -p "$T/ctk/ctd"
cp "$FIX/containerd/kubeadm-systemd.toml" "$T/ctk/ctd/config.toml"
if command -v containerd >/dev/null; then
	vg "erdma-ctk runtime configure containerd --cdi on 1.6 (refused)" 1 "$CTK" runtime configure \
		--engine containerd --config "$T/ctk/ctd/config.toml" --drop-in "$T/ctk/ctd/conf.d/99-erdma.toml" --cdi
	vg "erdma-ctk runtime configure containerd" 0 "$CTK" runtime configure --engine containerd \
		--config "$T/ctk/ctd/config.toml" --drop-in "$T/ctk/ctd/conf.d/99-erdma.toml"
	vg "erdma-ctk runtime unconfigure containerd" 0 "$CTK" runtime unconfigure --engine containerd \
		--config "$T/ctk/ctd/config.toml" --drop-in "$T/ctk/ctd/conf.d/99-erdma.toml"
fi
mkdir -p "$T/ctk/specs"
"$CDI" generate "${H[@]}" --output "$T/ctk/specs/erdma.yaml" 2>/dev/null
vg "erdma-ctk check (a spec, engine versions given)" 0 "$CTK" check --spec-dir "$T/ctk/specs" \
	--engine-version podman=4.3.1 --engine-version docker=20.10.24
vg "erdma-ctk check (CRI-O 1.24 skips it)" 1 "$CTK" check --spec-dir "$T/ctk/specs" --engine-version crio=1.24.0
vg "erdma-ctk usage error" 2 "$CTK" runtime configure --engine nosuch

diag "valgrind: $RUNS runs"
rc=0
done_testing || rc=1
# The plain closing line CI reads: make check ends here.
echo "valgrind: $((TAP_N - TAP_FAILED)) passed, $TAP_FAILED failed"
exit $rc
