#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Faults: the tools killed (SIGKILL) at each step of their work, a full
# disk, and concurrent writers. erdma-hook under runc: see its section.
#  - erdma-container-runtime and erdma-cdi generate --output killed before
#    and after every file-creating call, write (also half way), fsync, link,
#    rename and exec (tests/lib/faultinject.c, preloaded): the target file is
#    at every kill either the old one or the whole new one, byte for byte;
#    what a kill leaves behind is unnamed (O_TMPFILE) or, killed between
#    link and rename, one "<name>.tmp.PID" that the next run removes.
#  - a full disk (tmpfs with size=) while writing config.json or a spec:
#    the old file stays whole, the error says ENOSPC and names the file, no
#    temporary file is left.
#  - ten concurrent `erdma-cdi generate --output` on one path while a reader
#    reads it in a loop: every read is a complete, valid spec.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"

need_root
need_built erdma-container-runtime erdma-cdi
SHIM=$(ect_bin erdma-container-runtime)
CDI=$(ect_bin erdma-cdi)
need_bins -h "the C compiler for the fault library" cc
e2e_tmpdir ect-faults # the small tmpfs under it is unmounted at exit
SMALL=$T/small

cc -shared -fPIC -O1 -o "$T/fault.so" "$top/tests/lib/faultinject.c" -ldl
# A sanitizer build wants its runtime first; the preloaded library is fine.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
fakehost_standard "$T/host"
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"/bin/true"}\n' \
	"$T/host/sys" "$T/host/dev" >"$T/erdma.json"
export ERDMA_CONFIG=$T/erdma.json
FAULTS=0

# faulty STEP:N:WHEN CMD...: runs CMD with the fault; prints its status.
faulty() {
	local f=$1 st=0
	shift
	LD_PRELOAD=$T/fault.so ECT_FAULT=$f "$@" >/dev/null 2>"$T/fault.err" || st=$?
	echo "$st"
}

leftovers() { # DIR NAME: temporary files of NAME in DIR
	find "$1" -maxdepth 1 -name "$2.tmp.*" -printf '%f\n'
}

# ---- the shim, killed at each step ----
mkdir -p "$T/b"
printf '{"ociVersion":"1.0.2","process":{"args":["sh"],"env":["PATH=/bin","ERDMA_VISIBLE_DEVICES=erdma_1"]},"root":{"path":"rootfs"},"linux":{}}\n' >"$T/orig.json"
cp "$T/orig.json" "$T/b/config.json"
"$SHIM" create --bundle "$T/b" ref
cp "$T/b/config.json" "$T/edited.json"
if cmp -s "$T/orig.json" "$T/edited.json"; then not_ok "shim: a clean run edits config.json"; else ok "shim: a clean run edits config.json"; fi

# sweep STEP WHEN TOOL-RUN CHECK-FILE OLD NEW DIR NAME: kills at every call
# of STEP in turn until a run completes; checks after each kill.
sweep() {
	local s=$1 w=$2 run=$3 file=$4 old=$5 new=$6 dir=$7 name=$8 n st bad=0 kills=0 left
	for n in $(seq 1 30); do
		"$run" reset
		st=$(faulty "$s:$n:$w" "$run")
		[ "$st" = 137 ] || break
		kills=$((kills + 1))
		if ! { [ ! -e "$file" ] && [ -z "$old" ]; } &&
			! cmp -s "$file" "$old" 2>/dev/null && ! cmp -s "$file" "$new"; then
			bad=$((bad + 1))
			diag "$s:$n:$w: $file is neither the old nor the new file"
		fi
		left=$(leftovers "$dir" "$name")
		if [ -n "$left" ] && [ "$s" != link ] && ! { [ "$s" = rename ] && [ "$w" = before ]; }; then
			bad=$((bad + 1))
			diag "$s:$n:$w: named temporary file left before the data was whole: $left"
		fi
		# The next run completes and removes what the killed one left.
		"$run" >/dev/null 2>&1 || { bad=$((bad + 1)); diag "$s:$n:$w: next run failed"; }
		if ! cmp -s "$file" "$new"; then
			bad=$((bad + 1))
			diag "$s:$n:$w: next run did not write the new file"
		fi
		left=$(leftovers "$dir" "$name")
		[ -z "$left" ] || { bad=$((bad + 1)); diag "$s:$n:$w: left for ever: $left"; }
	done
	FAULTS=$((FAULTS + kills))
	check_eq "$RUNNAME killed $w $s (${kills} kill point(s)): old or whole new file, nothing left" "0:$st" "$bad:0"
}

shim_run() {
	if [ "${1:-}" = reset ]; then
		cp "$T/orig.json" "$T/b/config.json"
		return
	fi
	"$SHIM" create --bundle "$T/b" c$$
}
RUNNAME=shim
for w in before after; do
	for s in create write fsync link rename exec; do
		# after a successful exec the shim is gone: nothing to kill
		[ "$s/$w" != exec/after ] || continue
		sweep "$s" "$w" shim_run "$T/b/config.json" "$T/orig.json" "$T/edited.json" "$T/b" config.json
	done
done
sweep write half shim_run "$T/b/config.json" "$T/orig.json" "$T/edited.json" "$T/b" config.json

# ---- erdma-cdi generate --output, killed at each step ----
mkdir -p "$T/cdi"
"$CDI" generate --format json --sysfs-root "$T/host/sys" --dev-root "$T/host/dev" \
	--device-name-strategy index --output "$T/old.json" 2>/dev/null
"$CDI" generate --format json --sysfs-root "$T/host/sys" --dev-root "$T/host/dev" \
	--output "$T/new.json" 2>/dev/null
# shellcheck disable=SC2120 # sweep passes "reset"
cdi_run() {
	if [ "${1:-}" = reset ]; then
		cp "$T/old.json" "$T/cdi/erdma.json"
		return
	fi
	"$CDI" generate --format json --sysfs-root "$T/host/sys" --dev-root "$T/host/dev" \
		--output "$T/cdi/erdma.json"
}
RUNNAME="erdma-cdi generate"
for w in before after; do
	for s in create write fsync link rename; do
		sweep "$s" "$w" cdi_run "$T/cdi/erdma.json" "$T/old.json" "$T/new.json" "$T/cdi" erdma.json
	done
done
sweep write half cdi_run "$T/cdi/erdma.json" "$T/old.json" "$T/new.json" "$T/cdi" erdma.json

# A temporary file of a writer killed between link and rename, by hand:
# kept while its pid lives, removed once it is gone.
sleep 30 &
live=$!
cp "$T/old.json" "$T/cdi/erdma.json.tmp.$live"
cp "$T/old.json" "$T/cdi/erdma.json.tmp.999999999"
cdi_run >/dev/null 2>&1
check_eq "a live writer's temporary file is kept, a dead one's removed" \
	"erdma.json.tmp.$live" "$(leftovers "$T/cdi" erdma.json)"
kill "$live"
wait "$live" 2>/dev/null || true
cdi_run >/dev/null 2>&1
check_eq "... and removed by the next run once that writer is gone" "" "$(leftovers "$T/cdi" erdma.json)"

# ---- a full disk ----
mkdir -p "$SMALL"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$SMALL"
mkdir "$SMALL/b"
# config.json of about 20 KiB (a big annotation), the disk then filled up.
python3 - "$SMALL/b/config.json" <<'PY'
import json, sys
doc = {"ociVersion": "1.0.2", "annotations": {"big": "x" * 20000},
       "process": {"args": ["sh"], "env": ["ERDMA_VISIBLE_DEVICES=erdma_0"]},
       "root": {"path": "rootfs"}, "linux": {}}
open(sys.argv[1], "w").write(json.dumps(doc))
PY
cp "$SMALL/b/config.json" "$T/small-orig.json"
dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null || true
st=0
err=$("$SHIM" create --bundle "$SMALL/b" full$$ 2>&1 >/dev/null) || st=$?
FAULTS=$((FAULTS + 1))
check "full disk, shim: fails" [ "$st" -ne 0 ]
check_contains "full disk, shim: says ENOSPC" "$err" "No space left on device"
check_contains "full disk, shim: names the file" "$err" "$SMALL/b/config.json"
check "full disk, shim: config.json unchanged" cmp -s "$SMALL/b/config.json" "$T/small-orig.json"
check_eq "full disk, shim: no temporary file" "" "$(leftovers "$SMALL/b" config.json)"

rm -f "$SMALL/fill"
"$CDI" generate --format json --sysfs-root "$T/host/sys" --dev-root "$T/host/dev" \
	--device-name-strategy index --output "$SMALL/erdma.json" 2>/dev/null
cp "$SMALL/erdma.json" "$T/small-spec.json"
dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null || true
st=0
err=$("$CDI" generate --format json --sysfs-root "$T/host/sys" --dev-root "$T/host/dev" \
	--output "$SMALL/erdma.json" 2>&1 >/dev/null) || st=$?
FAULTS=$((FAULTS + 1))
check "full disk, erdma-cdi: fails" [ "$st" -ne 0 ]
check_contains "full disk, erdma-cdi: says ENOSPC" "$err" "No space left on device"
check_contains "full disk, erdma-cdi: names the file" "$err" "$SMALL/erdma.json"
check "full disk, erdma-cdi: old spec unchanged" cmp -s "$SMALL/erdma.json" "$T/small-spec.json"
check_eq "full disk, erdma-cdi: no temporary file" "" "$(leftovers "$SMALL" erdma.json)"

# ENOSPC on fsync (as NFS or a thin pool reports it late): same promise.
cp "$T/orig.json" "$T/b/config.json"
st=$(faulty fsync:1:enospc "$SHIM" create --bundle "$T/b" sp$$)
FAULTS=$((FAULTS + 1))
check "ENOSPC at fsync, shim: fails" [ "$st" -ne 0 ] && [ "$st" -ne 137 ]
check_contains "ENOSPC at fsync, shim: says so" "$(cat "$T/fault.err")" "fsync '$T/b/config.json.tmp."
check "ENOSPC at fsync, shim: config.json unchanged" cmp -s "$T/b/config.json" "$T/orig.json"
check_eq "ENOSPC at fsync, shim: no temporary file" "" "$(leftovers "$T/b" config.json)"
umount "$SMALL"

# ---- ten concurrent writers and a reader ----
cdi_run >/dev/null 2>&1
python3 - "$T/cdi/erdma.json" "$T/reader.out" "$T/stop" "$T/ready" <<'PY' &
import json, os, sys
path, out, stop, ready = sys.argv[1:5]
good = bad = missing = 0
open(ready, "w").close()
while not os.path.exists(stop):
    try:
        with open(path) as f:
            data = f.read()
    except FileNotFoundError:
        missing += 1
        continue
    try:
        doc = json.loads(data)
        assert doc["kind"] == "aliyun.com/erdma" and doc["devices"]
        good += 1
    except Exception:
        bad += 1
open(out, "w").write("%d %d %d\n" % (good, bad, missing))
PY
reader=$!
for _ in $(seq 1 100); do [ -e "$T/ready" ] && break; sleep 0.1; done
pids=()
for i in $(seq 1 10); do
	strategy=$(case $((i % 3)) in 0) echo ibdev ;; 1) echo index ;; *) echo both ;; esac)
	(for _ in $(seq 1 30); do
		"$CDI" generate --format json --sysfs-root "$T/host/sys" --dev-root "$T/host/dev" \
			--device-name-strategy "$strategy" --output "$T/cdi/erdma.json" 2>/dev/null || exit 1
	done) &
	pids+=($!)
done
wfail=0
for p in "${pids[@]}"; do wait "$p" || wfail=$((wfail + 1)); done
touch "$T/stop"
wait "$reader"
read -r good bad missing <"$T/reader.out"
diag "reader: $good complete reads, $bad bad, $missing while no file; 300 writes by 10 writers"
check_eq "10 concurrent writers: every write succeeded" 0 "$wfail"
check "10 concurrent writers: the reader saw the file" [ "$good" -gt 0 ]
check_eq "10 concurrent writers: no torn or missing spec at any read" "0 0" "$bad $missing"
check_eq "10 concurrent writers: no temporary file left" "" "$(leftovers "$T/cdi" erdma.json)"

# ---- erdma-hook under runc, killed at each step ----
# The hook is static (no preload): strace kills it at the entry of the Nth
# call of each system call of its work: prlimit64 (memlock), openat and
# write (device cgroup), setns (into the container), mkdirat and mknodat
# (nodes); in a sanitizer build without LeakSanitizer, which cannot run
# under ptrace (make check-valgrind and the other ASan tests check leaks).
# Whatever it was doing, the container must not start, nothing may
# appear outside the container's rootfs, and runc's cleanup must leave no
# cgroup behind. Inside the rootfs runc mounts a tmpfs on /dev, so even a
# half-made /dev/infiniband goes with the container's mount namespace; with
# an image /dev instead, what is left there belongs to a container that
# never started, in a bundle the engine removes.
HOOK=$(ect_bin erdma-hook)
if [ -x "$HOOK" ] && command -v strace >/dev/null && command -v runc >/dev/null &&
	command -v jq >/dev/null && command -v busybox >/dev/null; then
	printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608}\n' "$T/host/sys" "$T/host/dev" >"$T/hook.json"
	mkdir -p "$T/hb" "$T/runc-root"
	make_rootfs "$T/hb/rootfs" >/dev/null
	(cd "$T/hb" && runc spec)
	cat >"$T/hook-wrap" <<SH
#!/bin/sh
exec strace -o /dev/null -e inject=\$FAULT_SYSCALL:signal=KILL:when=\$FAULT_N "$HOOK" "\$@"
SH
	chmod +x "$T/hook-wrap"
	hook_bundle() { # SYSCALL N
		jq --arg hook "$T/hook-wrap" --arg cfg "$T/hook.json" --arg sc "$1" --arg n "$2" '
			.process.terminal = false
			| .process.args = ["sh", "-c", "ls /dev/infiniband"]
			| .annotations["com.aliyun.erdma.devices"] = "erdma_0"
			| .hooks.prestart = [{path: $hook, args: ["erdma-hook", "--config", $cfg, "prestart"],
			     env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FAULT_SYSCALL=\($sc)", "FAULT_N=\($n)",
			           "ASAN_OPTIONS=detect_leaks=0"]}]' \
			"$T/hb/config.json" >"$T/hb/c.json" && mv "$T/hb/c.json" "$T/hb/config.json"
	}
	host_ib_before=$([ -e /dev/infiniband ] && echo present || echo absent)
	touch "$T/hmark"
	sleep 1
	hook_kills=0
	for sc in prlimit64 openat write setns mkdirat mknodat; do
		bad=0 kills=0
		for n in $(seq 1 60); do
			hook_bundle "$sc" "$n"
			id=hf$$-$sc-$n
			st=0
			out=$(runc --root "$T/runc-root" run -b "$T/hb" "$id" </dev/null 2>&1) || st=$?
			runc --root "$T/runc-root" delete -f "$id" >/dev/null 2>&1 || true
			if [ "$st" = 0 ]; then
				case $out in *uverbs0*) ;; *) bad=$((bad + 1)); diag "$sc:$n: ran without uverbs0" ;; esac
				break
			fi
			kills=$((kills + 1))
			case $out in
			*"signal: killed"*) ;;
			*) bad=$((bad + 1)); diag "$sc:$n: failed, but not from the kill: $out" ;;
			esac
			left=$(find "$T" -newer "$T/hmark" \( -type c -o -type b \) ! -path "$T/hb/rootfs/*" ! -path "$T/host/*" 2>/dev/null)
			[ -z "$left" ] || { bad=$((bad + 1)); diag "$sc:$n: node outside the rootfs: $left"; }
			[ ! -e "$T/hb/rootfs/dev/infiniband" ] || { bad=$((bad + 1)); diag "$sc:$n: /dev/infiniband left in the image"; }
			cg=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$id" 2>/dev/null)
			[ -z "$cg" ] || { bad=$((bad + 1)); diag "$sc:$n: cgroup left: $cg"; }
		done
		hook_kills=$((hook_kills + kills))
		check_eq "hook killed at $sc ($kills kill point(s)): container not started, nothing outside the rootfs, no cgroup left, then a clean start" "0:0" "$bad:$st"
	done
	FAULTS=$((FAULTS + hook_kills))
	check_eq "hook: the host's /dev/infiniband as it was" "$host_ib_before" \
		"$([ -e /dev/infiniband ] && echo present || echo absent)"
	check_eq "hook: no node anywhere under the test dir but the fake host's" "" \
		"$(find "$T" \( -type c -o -type b \) ! -path "$T/host/*" ! -path "$T/hb/rootfs/*" 2>/dev/null)"
else
	ok_skip "hook killed at each step" "erdma-hook, strace, runc, jq or busybox missing"
fi

diag "faults injected: $FAULTS"
done_testing
