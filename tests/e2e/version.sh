#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The version lives in one place, the Makefile's VERSION: every program's
# --version prints "NAME VERSION" from it (erdma-container-runtime first,
# then the runtime's own --version, which engines read), and the package
# metadata agrees with it.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"

want=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$top/Makefile")
[ -n "$want" ] || { not_ok "the Makefile sets VERSION"; done_testing; }
for p in erdma-cdi erdma-container-runtime erdma-ctk erdma-hook erdma-probe; do
	bin=$(ect_bin "$p")
	if [ ! -x "$bin" ]; then
		ok_skip "$p --version" "build it first (make)"
		continue
	fi
	out=$("$bin" --version 2>&1) || { not_ok "$p --version: exit status $?"; continue; }
	check_eq "$p --version" "$p $want" "$(printf '%s\n' "$out" | head -n 1)"
done
bin=$(ect_bin erdma-container-runtime)
if [ -x "$bin" ] && command -v runc >/dev/null; then
	check_contains "erdma-container-runtime --version: runc's version follows" \
		"$("$bin" --version 2>&1 | sed -n 2p)" "runc version"
fi
check_contains "debian/changelog: the same version" "$(head -n 1 "$top/debian/changelog")" "($want)"
check_eq "RPM spec: the same version" "$want" \
	"$(sed -n 's/^Version:[[:space:]]*//p' "$top/packaging/rpm/erdma-container-toolkit.spec")"
done_testing
