#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Memory on hostile but valid input (issue 13, section 3): a config.json of
# about 15 MiB (under the 16 MiB bound) made of millions of tiny values in
# members that neither program reads (tests/lib/bigjson.sh "unread"
# shapes). erdma-container-runtime create and erdma-hook prestart each stay
# within 8 x the file size + 8 MiB of peak RSS (GNU time's %M), and the
# shim still writes every value back. The bound is asserted in the
# sanitizer build as well: with ASan's shadow memory and quarantine the
# programs peak at 43-56 MiB here, under half of it (a parse that keeps a
# node per value is far over it either way). Shapes inside the subtrees
# the programs read: bench/hostile.sh.
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

shim_host
mkdir -p "$T/b/rootfs"
printf '{"ociVersion":"1.0.2","id":"m","status":"creating","pid":1,"bundle":"%s"}' "$T/b" >"$T/state"

# within NAME KIB: the bound for this file.
within() {
	local bound=$((8 * $(stat -c %s "$T/orig.json") / 1024 + 8192))
	check "$1: peak RSS $2 KiB <= 8 x file + 8 MiB ($bound KiB)" [ "$2" -le "$bound" ]
}

ran() { [ "$1" = 0 ] && [ -e "$T/ran" ]; }

# The member holding the shape, as jq reads it.
member() {
	case $1 in
	process-args) echo .process.args ;;
	linux-sysctl) echo .linux.sysctl ;;
	*) echo .x ;;
	esac
}

for shape in $(bigjson_shapes unread); do
	bigjson "$shape" "$SIZE" >"$T/orig.json"
	cp "$T/orig.json" "$T/b/config.json"
	rm -f "$T/ran"
	st=0
	ERDMA_CONFIG=$T/erdma.json /usr/bin/time -q -f %M -o "$T/rss" \
		"$SHIM" create --bundle "$T/b" m >/dev/null 2>"$T/err" || st=$?
	check "shim, $shape: create succeeds and runs the runtime" ran "$st"
	within "shim, $shape" "$(cat "$T/rss")"
	m=$(member "$shape")
	check_eq "shim, $shape: $m written back the same" \
		"$(jq -c "$m" "$T/orig.json" | md5sum)" "$(jq -c "$m" "$T/b/config.json" | md5sum)"
	check_eq "shim, $shape: uverbs0 added" \
		"$(jq -r '.linux.devices[0].path' "$T/b/config.json")" /dev/infiniband/uverbs0

	# The hook parses config.json before it looks for a request: without
	# one it stops there, having paid the parse.
	sed 's/"ERDMA_VISIBLE_DEVICES=/"XERDMA_VISIBLE_DEVICE=/' "$T/orig.json" >"$T/b/config.json"
	st=0
	/usr/bin/time -q -f %M -o "$T/rss" "$HOOK" prestart <"$T/state" >/dev/null 2>"$T/err" || st=$?
	check "hook, $shape: nothing to do, status 0" [ "$st" = 0 ]
	within "hook, $shape" "$(cat "$T/rss")"
done
done_testing
