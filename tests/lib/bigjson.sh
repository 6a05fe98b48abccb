# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Hostile but valid config.json files for the memory bound of issue 13
# (docs/SECURITY.md): millions of tiny values, close to a size in bytes,
# in a place that the hook and the shim do not read ("unread" shapes) or
# inside a subtree that they do read ("read" shapes), or a read key
# repeated more often than the programs accept ("refused"). Each file carries
# an eRDMA request in process.env, without which the shim does not parse.
#
#   bigjson_shapes unread|read|refused     the names of the shapes
#   bigjson SHAPE BYTES >FILE      one file of about BYTES bytes

bigjson_shapes() {
	case $1 in
	unread) echo "top-zeros top-strings top-arrays top-keys top-deep process-args linux-sysctl" ;;
	read) echo "env annotations devices rules rlimits caps" ;;
	refused) echo "dup-caps dup-annotation dup-spellings" ;;
	esac
}

# _bigjson_run TOKEN BYTES: TOKEN repeated, comma-separated, about BYTES long.
_bigjson_run() {
	{ yes "$1" || :; } | head -n $(($2 / (${#1} + 1))) | paste -sd, - | tr -d '\n'
}

bigjson() {
	local shape=$1 bytes=$2 e='"ERDMA_VISIBLE_DEVICES=erdma_0"' deep tok pre post
	local h='{"ociVersion":"1.0.2","root":{"path":"rootfs"},'
	deep=$(printf '%.0s[' $(seq 60))0$(printf '%.0s]' $(seq 60))
	case $shape in
	top-zeros) tok=0 pre=$h'"process":{"env":['$e']},"x":[' post=']}' ;;
	top-strings) tok='""' pre=$h'"process":{"env":['$e']},"x":[' post=']}' ;;
	top-arrays) tok='[]' pre=$h'"process":{"env":['$e']},"x":[' post=']}' ;;
	top-keys) tok='"":0' pre=$h'"process":{"env":['$e']},"x":{' post='}}' ;;
	top-deep) tok=$deep pre=$h'"process":{"env":['$e']},"x":[' post=']}' ;;
	process-args) tok=0 pre=$h'"process":{"args":[' post='],"env":['$e']}}' ;;
	linux-sysctl) tok='"":""' pre=$h'"process":{"env":['$e']},"linux":{"sysctl":{' post='}}}' ;;
	env) tok='""' pre=$h'"process":{"env":[' post=','$e']}}' ;;
	annotations) tok='"":""' pre=$h'"process":{"env":['$e']},"annotations":{' post='}}' ;;
	devices) tok='{}' pre=$h'"process":{"env":['$e']},"linux":{"devices":[' post=']}}' ;;
	rules) tok='{}' pre=$h'"process":{"env":['$e']},"linux":{"resources":{"devices":[' post=']}}}' ;;
	rlimits) tok='{}' pre=$h'"process":{"env":['$e'],"rlimits":[' post=']}}' ;;
	caps) tok='""' pre=$h'"process":{"env":['$e'],"capabilities":{"bounding":[' post=']}}}' ;;
	# A read key repeated (refused past ECT_JSON_MAX_REPEAT times): spelled
	# alike, the annotation read, spelled apart.
	dup-caps) tok='"bounding":[]' pre=$h'"process":{"env":['$e'],"capabilities":{' post='}}}' ;;
	dup-annotation) tok='"com.aliyun.erdma.devices":"erdma_0"' pre=$h'"process":{"env":['$e']},"annotations":{' post='}}' ;;
	dup-spellings) tok='"Bounding":[],"bounding":[]' pre=$h'"process":{"env":['$e'],"capabilities":{' post='}}}' ;;
	*) echo "bigjson: unknown shape $shape" >&2; return 1 ;;
	esac
	printf '%s' "$pre"
	_bigjson_run "$tok" "$bytes"
	printf '%s' "$post"
}
