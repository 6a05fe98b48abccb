#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark: what a container start pays to talk with systemd over D-Bus
# (lib/systemd.c: the hook's device-cgroup step on a host run by systemd,
# where the container's scope gets our DeviceAllow=). The fake host has no
# systemd, so bench/hook.sh never pays it. Here a message bus of its own
# (dbus-daemon, as on the hosts) and a stand-in for systemd that answers at
# once (bench/systemd.c): the figures are the protocol's round trips
# through the bus daemon, systemd's own work comes on top.
#
# Runs in a mount namespace with a tmpfs on /run, so that the toolkit finds
# the bus at /run/dbus/system_bus_socket and systemd's private socket where
# it looks (/run/systemd/private) without touching the host's.
#
# Usage: bench/systemd.sh [ROUNDS]   (root; ROUNDS 500; ECT_BUILD names the
# build dir; BENCH_SYSTEMD=PATH runs that build of bench/systemd instead)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${ECT_BUILD:-$top/build}
bin=${BENCH_SYSTEMD:-$BUILD/bench/systemd}
[ "$(id -u)" = 0 ] || { echo "bench/systemd.sh: needs root" >&2; exit 1; }
for b in dbus-daemon unshare; do
	command -v "$b" >/dev/null || { echo "bench/systemd.sh: needs $b, skipped"; exit 0; }
done
[ -x "$bin" ] || { echo "bench/systemd.sh: no $bin: make bench builds it" >&2; exit 1; }
if [ -z "${ECT_BENCH_SYSTEMD_NS:-}" ]; then
	exec env ECT_BENCH_SYSTEMD_NS=1 unshare -m --propagation private bash "$0" "$@"
fi
mount -t tmpfs -o mode=755 ect-bench /run
mkdir -p /run/dbus /run/systemd
: >/run/systemd/private
cat >/run/bus.conf <<'XML'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
XML
# Both go with the namespace's /run when this script exits; their pids
# are killed then.
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
dbus-daemon --config-file=/run/bus.conf --nofork --nopidfile 2>/run/bus.err &
pids+=($!)
for _ in $(seq 100); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.05; done
[ -S /run/dbus/system_bus_socket ] || { echo "bench/systemd.sh: dbus-daemon did not start: $(cat /run/bus.err)" >&2; exit 1; }
mkfifo /run/ready
"$bin" serve >/run/ready &
pids+=($!)
read -r line </run/ready
[ "$line" = ready ] || { echo "bench/systemd.sh: the stand-in for systemd did not start" >&2; exit 1; }
echo "D-Bus with systemd, per container start (a stand-in that answers at once; ${1:-500} rounds, medians):"
"$bin" "${1:-500}" | sed 's/^/  /'
