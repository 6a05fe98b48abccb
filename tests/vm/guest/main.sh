#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Guest side of make check-vm, started by ect-vm.service (systemd is PID 1,
# cgroup v2 only). Makes two soft-RoCE devices on dummy interfaces, installs
# our programs (the .deb on trixie, the tree's build on the host-root guest),
# builds the test image, then runs each engine's script (tests/vm/guest/
# engine-*.sh), each bounded in time, its TAP kept in /ect-results. The
# guest powers off when this returns (the unit's SuccessAction/FailureAction).
set -uo pipefail
export RESULTS=/ect-results
exec >>"$RESULTS/guest.log" 2>&1
# Setup's own test points go to setup.tap; its progress lines to guest.log.
exec 3>&1 >"$RESULTS/setup.tap"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
G=/ect/tests/vm/guest
. "$G/lib.sh"
. /etc/os-release
export GUEST=${VERSION_CODENAME:-unknown}
ENGINE=guest WAY=setup
step() { echo "== $(date +%T) $*" >&3; }

step "guest $GUEST: kernel $(uname -r), PID 1 $(cat /proc/1/comm), $(stat -fc %T /sys/fs/cgroup)"
if [ "$(cat /proc/1/comm)" = systemd ]; then row "systemd is PID 1" pass "$(systemctl --version | head -n 1)"
else row "systemd is PID 1" fail "$(cat /proc/1/comm)"; fi
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then row "cgroup v2 only" pass
else row "cgroup v2 only" fail "$(stat -fc %T /sys/fs/cgroup)"; fi

# --- soft-RoCE: rxe0 on d0, rxe1 on d1 (no NIC: dummy interfaces) ---------
step "soft-RoCE"
modprobe -a rdma_rxe rdma_ucm ib_uverbs dummy veth
ip link add d0 type dummy && ip addr add 192.0.2.1/24 dev d0 && ip link set d0 up
ip link add d1 type dummy && ip addr add 198.51.100.1/24 dev d1 && ip link set d1 up
rdma link add rxe0 type rxe netdev d0
rdma link add rxe1 type rxe netdev d1
udevadm settle -t 30 || true
export DEV0=rxe0 DEV1=rxe1 ADDR0=192.0.2.1
uverbs_of() { # IBDEV -> uverbsN
	local u
	for u in /sys/class/infiniband_verbs/uverbs*; do
		[ "$(cat "$u/ibdev" 2>/dev/null)" = "$1" ] && { basename "$u"; return; }
	done
}
U0=$(uverbs_of rxe0) U1=$(uverbs_of rxe1)
export U0 U1
U0_MM=$(cat "/sys/class/infiniband_verbs/$U0/dev") U1_MM=$(cat "/sys/class/infiniband_verbs/$U1/dev")
CM_MM=$(cat /sys/class/misc/rdma_cm/dev)
export U0_MM U1_MM CM_MM
if [ -c "/dev/infiniband/$U0" ] && [ -c "/dev/infiniband/$U1" ] && [ -c /dev/infiniband/rdma_cm ]; then
	row "rxe0 and rxe1 nodes" pass "$U0 $U0_MM, $U1 $U1_MM, rdma_cm $CM_MM"
else
	row "rxe0 and rxe1 nodes" fail "$(ls -l /dev/infiniband 2>&1)"
fi

# --- our programs ----------------------------------------------------------
step "toolkit"
mkdir -p /etc/erdma-container-toolkit
if [ "$GUEST" = bookworm ]; then
	export BIN=/ect/build
else
	# The package built from the tree, installed as a user installs it.
	deb=$(ls /ect/build-vm/deb/erdma-container-toolkit_*_amd64.deb 2>/dev/null | head -n 1)
	if [ -n "$deb" ] && out=$(dpkg -i "$deb" 2>&1); then row "dpkg -i our .deb" pass "$(basename "$deb")"
	else row "dpkg -i our .deb" fail "${deb:-no .deb in /ect/build-vm/deb}: ${out:-}"; fi
	export BIN=/usr/bin
fi
# Soft-RoCE devices are selected through the host configuration's drivers
# key (rxe has no PCI function and no driver link: only "any" selects it).
cat >/etc/erdma-container-toolkit/config.json <<JSON
{"drivers": "any", "memlock": "unlimited", "log-level": "info"}
JSON
mkdir -p /var/run/cdi
if out=$("$BIN/erdma-cdi" generate --driver any --output /var/run/cdi/erdma.yaml 2>&1) &&
	grep -q "name: rxe0" /var/run/cdi/erdma.yaml; then
	row "erdma-cdi generate --driver any" pass "$(grep -c 'name:' /var/run/cdi/erdma.yaml) CDI devices"
else
	row "erdma-cdi generate --driver any" fail "$out $(cat /var/run/cdi/erdma.yaml 2>&1)"
fi

# --- the test image: busybox, rdma-core and perftest tools (made on the
# host from this guest's root by tests/vm/mkimage.sh), and the probe ---------
step "image"
export IMG=/var/tmp/ect-img IMG_TAR=/var/tmp/ect-img.tar
cp -a "/ect/build-vm/image-$GUEST" "$IMG" && cp "$BIN/erdma-probe" "$IMG/erdma-probe" &&
	tar -C "$IMG" -cf "$IMG_TAR" .
if [ -x "$IMG/erdma-probe" ] && [ -x "$IMG/usr/bin/rping" ] && [ -s "$IMG_TAR" ]; then
	row "test image" pass "$(du -sh "$IMG" | cut -f1)"
else
	row "test image" fail "no image from /ect/build-vm/image-$GUEST"
fi
done_testing || true
exec >&3

# --- the engines -------------------------------------------------------------
# ect.only=NAME[,NAME] on the kernel command line runs only those engines
# (make check-vm ECT_VM_ONLY=docker,podman: for working on one of them).
only=$(sed -n 's/.*ect\.only=\([^ ]*\).*/\1/p' /proc/cmdline)
for s in "$G"/engine-*.sh; do
	name=$(basename "$s" .sh)
	case ",$only," in ,,) ;; *",${name#engine-},"*) ;; *) continue ;; esac
	step "$name"
	timeout --kill-after=10 "${ECT_VM_SCRIPT_TIMEOUT:-400}" bash "$s" >"$RESULTS/$name.tap" 2>&1
	echo "$name: exit $?" >>"$RESULTS/exits"
done
step "done"
# The guest's journal, for whoever reads a failure: every unit, timestamps
# from boot.
journalctl -b -o short-monotonic --no-pager >"$RESULTS/journal.txt" 2>&1
echo done >"$RESULTS/done"
sync
