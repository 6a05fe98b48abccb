#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Memory on hostile but valid input (issue 13, section 3): a config.json of
# about 15 MiB (under the 16 MiB bound) made of millions of tiny values,
# in members that neither program reads and inside the arrays and objects
# they do read, or of one read key repeated (tests/lib/bigjson.sh
# "unread", "read" and "refused" shapes).
# erdma-container-runtime create and erdma-hook prestart each stay within
# 8 x the file size + 8 MiB of peak RSS (GNU time's %M); the shim still
# writes every value back, with its own entries after them. The bound is
# asserted in the sanitizer build as well, with ASan's quarantine (freed
# memory it holds back to catch a use after free, 256 MiB by default) cut
# to 8 MiB: reading millions of elements one at a time frees a node each,
# which would fill it, and this test measures the programs, not ASan (a
# parse that keeps a node per value is far over the bound either way).
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/bigjson.sh"

need_root
need_built erdma-container-runtime erdma-hook
need_bins -h "apt-get install time" /usr/bin/time
need_bins jq
SHIM=$(ect_bin erdma-container-runtime)
HOOK=$(ect_bin erdma-hook)
e2e_tmpdir ect-hostile-memory
SIZE=$((15 * 1024 * 1024))
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8

shim_host
mkdir -p "$T/b/rootfs"
printf '{"ociVersion":"1.0.2","id":"m","status":"creating","pid":1,"bundle":"%s"}' "$T/b" >"$T/state"

# within NAME KIB: the bound for this file.
within() {
	local bound=$((8 * $(stat -c %s "$T/orig.json") / 1024 + 8192))
	check "$1: peak RSS $2 KiB <= 8 x file + 8 MiB ($bound KiB)" [ "$2" -le "$bound" ]
}

ran() { [ "$1" = 0 ] && [ -e "$T/ran" ]; }
refused() { [ "$1" != 0 ] && [ ! -e "$T/ran" ]; }

# The member holding the shape, as jq reads it.
member() {
	case $1 in
	process-args) echo .process.args ;;
	linux-sysctl) echo .linux.sysctl ;;
	env) echo .process.env ;;
	annotations) echo .annotations ;;
	devices) echo .linux.devices ;;
	rules) echo .linux.resources.devices ;;
	rlimits) echo .process.rlimits ;;
	caps) echo .process.capabilities.bounding ;;
	*) echo .x ;;
	esac
}

# written M: what the shim wrote, checked in one read of each file (jq
# takes seconds over millions of values): member M, but for the entries
# it appended to an array, is the original's; its entries are there once.
written() {
	local n
	jq -c "$1, ($1 | length)" "$T/orig.json" >"$T/o"
	n=$(sed -n 2p "$T/o")
	jq -c "($1 | if type == \"array\" then .[:$n] else . end),
		([.linux.devices[] | select(.path == \"/dev/infiniband/uverbs0\")] | length),
		(.linux.resources.devices[-2:] | map(.allow)),
		[.process.rlimits[] | select(.type == \"RLIMIT_MEMLOCK\") | .soft]" \
		"$T/b/config.json" >"$T/w"
	check_eq "shim, $shape: $1 written back the same" \
		"$(head -n1 "$T/o" | md5sum)" "$(head -n1 "$T/w" | md5sum)"
	check_eq "shim, $shape: uverbs0 added once" "$(sed -n 2p "$T/w")" 1
	check_eq "shim, $shape: its cgroup rules are the last" "$(sed -n 3p "$T/w")" '[true,true]'
	check_eq "shim, $shape: one RLIMIT_MEMLOCK, 8 MiB" "$(sed -n 4p "$T/w")" '[8388608]'
}

for shape in $(bigjson_shapes unread) $(bigjson_shapes read); do
	bigjson "$shape" "$SIZE" >"$T/orig.json"
	cp "$T/orig.json" "$T/b/config.json"
	rm -f "$T/ran"
	st=0
	ERDMA_CONFIG=$T/erdma.json /usr/bin/time -q -f %M -o "$T/rss" \
		"$SHIM" create --bundle "$T/b" m >/dev/null 2>"$T/err" || st=$?
	check "shim, $shape: create succeeds and runs the runtime" ran "$st"
	within "shim, $shape" "$(cat "$T/rss")"
	written "$(member "$shape")"

	# The hook parses config.json before it looks for a request, and reads
	# process.env for it: without one it stops there, having paid both.
	sed 's/"ERDMA_VISIBLE_DEVICES=/"XERDMA_VISIBLE_DEVICE=/' "$T/orig.json" >"$T/b/config.json"
	st=0
	/usr/bin/time -q -f %M -o "$T/rss" "$HOOK" prestart <"$T/state" >/dev/null 2>"$T/err" || st=$?
	check "hook, $shape: nothing to do, status 0" [ "$st" = 0 ]
	within "hook, $shape" "$(cat "$T/rss")"
done

# A read key repeated a million times (spelled alike, the annotation read,
# spelled apart): refused by both programs past 64 times, within the same
# bound (the parse keeps 65 of them, which the check refuses as well).
for shape in $(bigjson_shapes refused); do
	bigjson "$shape" "$SIZE" >"$T/orig.json"
	cp "$T/orig.json" "$T/b/config.json"
	rm -f "$T/ran"
	st=0
	ERDMA_CONFIG=$T/erdma.json /usr/bin/time -q -f %M -o "$T/rss" \
		"$SHIM" create --bundle "$T/b" m >/dev/null 2>"$T/err" || st=$?
	check "shim, $shape: refused, the runtime not run" refused "$st"
	check "shim, $shape: the message says so" grep -q "appears more than 64 times" "$T/err"
	within "shim, $shape" "$(cat "$T/rss")"
	check "shim, $shape: config.json left as it was" cmp -s "$T/orig.json" "$T/b/config.json"
	st=0
	/usr/bin/time -q -f %M -o "$T/rss" "$HOOK" prestart <"$T/state" >/dev/null 2>"$T/err" || st=$?
	check "hook, $shape: refused" [ "$st" != 0 ]
	check "hook, $shape: the message says so" grep -q "appears more than 64 times" "$T/err"
	within "hook, $shape" "$(cat "$T/rss")"
done
done_testing
