#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make bench: runs every bench/*.sh part (never part of make check) and
# prints their tables. Root is needed for the container parts.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
: "${ECT_BUILD:=$PWD/build}"
export ECT_BUILD
echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
for part in bench/*.sh; do
	# hook-hot.sh writes a source file (hook/hot.ld): a tool, not a table.
	case $(basename "$part") in run.sh | hook-hot.sh) continue ;; esac
	echo
	echo "## $(basename "$part" .sh)"
	bash "$part" || rc=1
done
echo
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
