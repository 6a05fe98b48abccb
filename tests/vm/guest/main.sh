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

# --- soft-RoCE: rxe0 on d0, rxe1 on d1 (no NIC: dummy interfaces); made at
# boot by ect-rxe.service on trixie --------------------------------------------
step "soft-RoCE"
"$G/rxe.sh"
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
	# Soft-RoCE devices are selected through the host configuration's
	# drivers key (rxe has no PCI function and no driver link: only "any").
	cat >/etc/erdma-container-toolkit/config.json <<JSON
{"drivers": "any", "memlock": "unlimited", "log-level": "info"}
JSON
else
	# prepare.sh installed the package built from the tree before the boot.
	export BIN=/usr/bin
	if [ "$(dpkg-query -W -f '${Status}' erdma-container-toolkit 2>&1)" = "install ok installed" ]; then
		row "dpkg -i our .deb (before the first boot)" pass "$(dpkg-query -W -f '${Version}' erdma-container-toolkit)"
	else
		row "dpkg -i our .deb (before the first boot)" fail "$(cat /ect-results/dpkg-install.log)"
	fi
fi
# The CDI spec: on trixie the package's oneshot wrote it at boot (details in
# engine-units.sh); here the tree's erdma-cdi writes it as that unit does:
# no options, the host configuration's drivers key selects soft-RoCE.
mkdir -p /var/run/cdi
[ "$GUEST" != bookworm ] || out=$("$BIN/erdma-cdi" generate --output /var/run/cdi/erdma.yaml 2>&1)
if grep -q "name: rxe0" /var/run/cdi/erdma.yaml 2>/dev/null; then
	row "CDI spec with soft-RoCE (drivers: any in the host config)" pass "$(grep -c 'name:' /var/run/cdi/erdma.yaml) CDI devices"
else
	row "CDI spec with soft-RoCE (drivers: any in the host config)" fail "${out:-} $(cat /var/run/cdi/erdma.yaml 2>&1)"
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
echo "done" >"$RESULTS/done"
sync
