# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Minimal TAP for the end-to-end scripts (bwrap tests/libtest-core.sh style).
# A skip's reason is printed; tests/run-e2e.sh decides what a skip means.
TAP_N=0
TAP_FAILED=0

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
ok_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }

# check DESCRIPTION COMMAND...: one test point from a command's status.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   expected: %s\n#   actual:   %s\n' "$2" "$3" | sed 's/^\([^#]\)/# \1/'
	fi
}

# check_contains DESCRIPTION HAYSTACK NEEDLE
check_contains() {
	case $2 in
	*"$3"*) ok "$1" ;;
	*) not_ok "$1"; printf '#   wanted: %s\n#   in: %s\n' "$3" "$2" | head -20 ;;
	esac
}

# check_not_contains DESCRIPTION HAYSTACK NEEDLE
check_not_contains() {
	case $2 in
	*"$3"*) not_ok "$1"; printf '#   unwanted: %s\n#   in: %s\n' "$3" "$2" | head -20 ;;
	*) ok "$1" ;;
	esac
}

diag() { echo "# $*"; }

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# skip_all REASON: the whole script cannot run here.
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

need_root() { [ "$(id -u)" = 0 ] || skip_all "needs root"; }
