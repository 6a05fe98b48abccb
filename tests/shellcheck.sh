#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make shellcheck: every shell script of the tree (tests, tests/vm, bench,
# examples, packaging, setup.sh, .ci; by name *.sh or by a sh/bash #! line)
# through shellcheck, with the settings of .shellcheckrc. Fails on any
# finding, notes included: fix it, or disable it on that line with the
# reason.
set -eu
cd "$(dirname "$0")/.." || exit 1
if ! command -v shellcheck >/dev/null; then
	echo "SKIP shellcheck: not installed (./setup.sh installs it)"
	[ "${CI:-}" != true ]
	exit
fi
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find . \( -path ./.git -o -path './build*' -o -path ./debian/erdma-container-toolkit \) -prune -o \
	-type f -print | sort | while read -r f; do
	case $f in
	*.sh) echo "$f" ;;
	*) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*[/ ](ba)?sh( |$)' && echo "$f" ;;
	esac
done >"$list"
n=$(wc -l <"$list")
if grep -q '[[:space:]]' "$list"; then
	echo "shellcheck: a script path holds a blank: $(grep '[[:space:]]' "$list" | head -n 1)" >&2
	exit 1
fi
# shellcheck disable=SC2046 # the list above: one path per word
if shellcheck $(cat "$list"); then
	echo "shellcheck: $n scripts, no finding"
else
	echo "shellcheck: findings above (in $n scripts)" >&2
	exit 1
fi
