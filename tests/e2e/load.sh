#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Load: 100 container starts, 20 at a time, through erdma-container-runtime
# (runc as its runtime) and through erdma-hook (runc prestart). Each
# container asks for one of erdma_0, erdma_1, all, none and must see
# exactly those nodes (and rdma_cm with any device). The tools are
# short-lived: what must not grow is each invocation's peak RSS, and the
# shim must hand no fd of its own to runc (tests/lib/faultinject.c,
# preloaded, reports both at the shim's exec; the hook's peak RSS comes
# from /usr/bin/time); and nothing may be left behind: no cgroup, no
# mount, no runc state, no temporary file in a bundle.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"

need_root
need_bins runc jq busybox xargs cc
need_bins -h "package time" /usr/bin/time
need_built erdma-container-runtime erdma-hook
SHIM=$(ect_bin erdma-container-runtime)
HOOK=$(ect_bin erdma-hook)
N=${ECT_LOAD_STARTS:-100}
P=${ECT_LOAD_PARALLEL:-20}
e2e_tmpdir ect-load
delete_containers() {
	local id
	for id in $(runc --root "$T/runc-root" list -q 2>/dev/null); do
		runc --root "$T/runc-root" delete -f "$id" >/dev/null 2>&1
	done
}
e2e_on_exit delete_containers

fakehost_standard "$T/host"
make_rootfs "$T/rootfs" >/dev/null
mkdir -p "$T/runc-root" "$T/rss" "$T/out"
cc -shared -fPIC -O1 -o "$T/fault.so" "$top/tests/lib/faultinject.c" -ldl
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
cat >"$T/hook-wrap" <<SH
#!/bin/sh
exec /usr/bin/time -f %M -o "$T/rss/hook.\$\$" "$HOOK" "\$@"
SH
chmod +x "$T/hook-wrap"
printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"runc"}\n' \
	"$T/host/sys" "$T/host/dev" >"$T/erdma.json"
(cd "$T" && runc spec && mv config.json base.json)

sel() { case $(($1 % 4)) in 0) echo erdma_0 ;; 1) echo erdma_1 ;; 2) echo all ;; *) echo none ;; esac; }
want() {
	case $1 in
	erdma_0) echo "rdma_cm uverbs0" ;;
	erdma_1) echo "rdma_cm uverbs1" ;;
	all) echo "rdma_cm uverbs0 uverbs1" ;;
	none) echo "" ;;
	esac
}
# bundle MODE I: a bundle sharing the read-only rootfs
bundle() {
	local mode=$1 i=$2 d=$T/b-$1-$2 s
	s=$(sel "$i")
	mkdir -p "$d"
	jq --arg root "$T/rootfs" --arg s "$s" --arg mode "$mode" --arg hook "$T/hook-wrap" --arg cfg "$T/erdma.json" '
		.root = {path: $root, readonly: true}
		| .process.terminal = false
		| .process.args = ["sh", "-c", "ls /dev/infiniband 2>/dev/null | tr \"\\n\" \" \""]
		| .annotations["com.aliyun.erdma.devices"] = $s
		| if $mode == "hook" then .hooks.prestart = [{path: $hook,
		      args: ["erdma-hook", "--config", $cfg, "prestart"],
		      env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}] else . end' \
		"$T/base.json" >"$d/config.json"
}
export T SHIM
# start MODE I: one container, its output in $T/out/MODE-I
start() {
	local mode=$1 i=$2 id=ld$$-$1-$2 d=$T/b-$1-$2
	if [ "$mode" = shim ]; then
		ERDMA_CONFIG=$T/erdma.json LD_PRELOAD=$T/fault.so ECT_RUSAGE_OUT=$T/rss/shim.$i \
			"$SHIM" --root "$T/runc-root" run -b "$d" "$id" </dev/null >"$T/out/$mode-$i" 2>&1
	else
		runc --root "$T/runc-root" run -b "$d" "$id" </dev/null >"$T/out/$mode-$i" 2>&1
	fi
	echo $? >"$T/out/$mode-$i.st"
	runc --root "$T/runc-root" delete -f "$id" >/dev/null 2>&1
}
export -f start

for mode in shim hook; do
	for i in $(seq 1 "$N"); do bundle "$mode" "$i"; done
	t0=$(date +%s.%N)
	# A start's status is in its .st file, read below.
	seq 1 "$N" | xargs -P "$P" -I{} bash -c "start $mode {}" || true
	t1=$(date +%s.%N)
	bad=0 failed=0
	for i in $(seq 1 "$N"); do
		st=$(cat "$T/out/$mode-$i.st" 2>/dev/null || echo missing)
		if [ "$st" != 0 ]; then
			failed=$((failed + 1))
			[ "$failed" -le 3 ] && diag "$mode $i: status $st: $(head -c 300 "$T/out/$mode-$i")"
			continue
		fi
		got=$(tr -s ' ' <"$T/out/$mode-$i" | sed 's/ $//')
		[ "$got" = "$(want "$(sel "$i")")" ] || {
			bad=$((bad + 1))
			[ "$bad" -le 3 ] && diag "$mode $i ($(sel "$i")): got '$got'"
		}
	done
	diag "$mode: $N starts, $P at a time, in $(echo "$t1 - $t0" | bc) s"
	check_eq "$mode: $N starts, $P at a time: all ran" 0 "$failed"
	check_eq "$mode: every container saw exactly its devices" 0 "$bad"
	# None measured is a finding of the checks below, not a stop.
	rss=$(cat "$T"/rss/"$mode".* 2>/dev/null | cut -d' ' -f1 | sort -n) || true
	n_rss=$(echo "$rss" | grep -c .) || true
	lo=$(echo "$rss" | head -1) hi=$(echo "$rss" | tail -1)
	diag "$mode: peak RSS of $n_rss invocations: min $lo KiB, max $hi KiB"
	check "$mode: peak RSS measured for every start" [ "$n_rss" -ge "$N" ]
	# Flat: no invocation above the smallest by more than 25% or 512 KiB
	# (the selections differ in work: "none" stops early); a leak that grew
	# with the load would show as a spread.
	slack=$((lo / 4)); [ "$slack" -ge 512 ] || slack=512
	check "$mode: peak RSS flat (max within max(25%, 512 KiB) of min)" [ "$hi" -le $((lo + slack)) ]
done
check_eq "shim: no fd of its own left open across its exec of runc, at any start" "0" \
	"$(cut -d' ' -f2 "$T"/rss/shim.* | sort -u | tr '\n' ' ' | sed 's/ $//')"
check_eq "no container left in runc's state" "" "$(runc --root "$T/runc-root" list -q)"
check_eq "no cgroup left" "" "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "ld$$-*" 2>/dev/null)"
check_eq "no mount left" "" "$(grep -F "$T" /proc/self/mountinfo)"
check_eq "no temporary file left in a bundle" "" "$(find "$T" -name '*.tmp.*')"
done_testing
