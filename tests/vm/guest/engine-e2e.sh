#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The end-to-end scripts of tests/e2e/ that make sense on a real kernel, run
# unchanged in their real-device mode (ECT_E2E_REAL=1, tests/lib/devices.sh):
# the same assertions as on the fake host, against rxe0 and rxe1, where an
# allowed node really opens and the kernel's device cgroup decides. Each TAP
# point becomes a row of the results table (way in: the script's name).
#
# Only on the bookworm guest: the scripts use this machine's engines (Docker
# 20.10 with its own containerd, containerd 1.6 with ctr, runc) and python3,
# which the trixie root does not carry; the trixie engines are covered by the
# other engine-*.sh scripts.
set -uo pipefail
# shellcheck source=tests/vm/guest/lib.sh
. /ect/tests/vm/guest/lib.sh
ENGINE=e2e
SCRIPTS="runtime-docker runtime-containerd"

if [ "$GUEST" != bookworm ]; then
	for s in $SCRIPTS; do
		WAY=$s row "tests/e2e/$s.sh in real-device mode" n/a "runs on the bookworm guest (this machine's engines and python3)"
	done
	done_testing
	exit 0
fi

# tap_rows: a row per TAP point read on stdin; a failure's detail is the
# comment lines that follow it.
tap_rows() {
	local l name st="" detail=""
	flush() { [ -z "$st" ] || row "$name" "$st" "$detail"; st="" detail=""; }
	while IFS= read -r l; do
		case $l in
		"ok "*"# SKIP"*) flush; name=${l#ok * - }; name=${name%% # SKIP*}; st=skip detail=${l##*# SKIP } ;;
		"ok "*) flush; name=${l#ok * - }; st=pass ;;
		"not ok "*) flush; name=${l#not ok * - }; st=fail ;;
		"#"*) [ "$st" != fail ] || detail="$detail ${l#\#}" ;;
		esac
	done
	flush
}

for s in $SCRIPTS; do
	WAY=$s
	out=$(cd /tmp && ECT_E2E_REAL=1 ECT_BUILD=$BIN timeout --kill-after=10 300 \
		bash "/ect/tests/e2e/$s.sh" 2>&1)
	st=$?
	tap_rows < <(printf '%s\n' "$out")
	if [ "$st" = 0 ]; then row "tests/e2e/$s.sh exit 0" pass
	else row "tests/e2e/$s.sh exit 0" fail "exit $st: $(printf '%s\n' "$out" | tail -n 5)"; fi
done
done_testing
