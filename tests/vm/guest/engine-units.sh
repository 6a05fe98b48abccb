#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Our systemd units and udev rule on a real systemd host (trixie guest: the
# .deb was installed before the first boot by prepare.sh, as an image build
# or a provisioning step installs it; soft-RoCE is made at boot by
# ect-rxe.service, ordered before erdma-cdi-generate.service; the host
# configuration's drivers key selects soft-RoCE). Runs last: it detaches
# every device and purges the package at the end.
set -uo pipefail
ENGINE=systemd
# shellcheck source=tests/vm/guest/lib.sh
. /ect/tests/vm/guest/lib.sh
SPEC=/var/run/cdi/erdma.yaml
if [ "$GUEST" = bookworm ]; then
	WAY=units
	row "units and udev" n/a "the bookworm guest runs the tree's build; the units are tested with the .deb in the trixie guest"
	done_testing
	exit 0
fi

# wait_for SECONDS CMD...: true once CMD is, polling every 0.1 s.
wait_for() {
	local limit=$1 t=0
	shift
	while ! "$@"; do
		t=$((t + 1))
		[ $t -le $((limit * 10)) ] || return 1
		sleep 0.1
	done
}
spec_has() { grep -q "name: $1\$" "$SPEC" 2>/dev/null; }
spec_lacks() { [ -e "$SPEC" ] && ! grep -q "name: $1\$" "$SPEC"; }
no_spec() { [ ! -e "$SPEC" ]; }
# rxe_add N: soft-RoCE rxeN on a dummy dN of its own.
rxe_add() {
	ip link show "d$1" >/dev/null 2>&1 || { ip link add "d$1" type dummy && ip link set "d$1" up; }
	rdma link add "rxe$1" type rxe netdev "d$1"
}
rxe_del() { rdma link delete "rxe$1"; }
errors() { # UNIT: its journal lines at priority err or worse, this boot
	journalctl -b -u "$1" -p err --no-pager -q 2>&1
}
# timed CHECK-NAME CMD...: a row that passes when CMD holds within the
# target, 5 s of wall-clock time. Emulation (TCG) runs this guest several
# times slower than a host, so up to 3x the target is allowed here; the
# detail says how long it took against the target.
TARGET_MS=5000
ALLOWED_MS=${ECT_VM_UDEV_ALLOWED_MS:-15000}
timed() {
	local name=$1 t0 now
	shift
	t0=$(date +%s%N)
	while :; do
		if "$@"; then
			now=$(( ($(date +%s%N) - t0) / 1000000 ))
			row "$name" pass "after $now ms ($([ $now -le $TARGET_MS ] && echo "within" || echo "over") the 5 s target)"
			return
		fi
		now=$(( ($(date +%s%N) - t0) / 1000000 ))
		if [ $now -gt "$ALLOWED_MS" ]; then
			row "$name" fail "not after $now ms; spec: $(head -c 600 "$SPEC" 2>&1)"
			return
		fi
		sleep 0.1
	done
}

# --- at boot ---------------------------------------------------------------
WAY=boot
prop() { systemctl show -p "$1" --value erdma-cdi-generate.service; }
st="$(prop ActiveState) $(prop Result) $(prop ExecMainStatus) $(prop ExecMainStartTimestampMonotonic)"
case $st in
"inactive success 0 "[1-9]*) row "erdma-cdi-generate.service ran at boot and succeeded" pass ;;
*) row "erdma-cdi-generate.service ran at boot and succeeded" fail "ActiveState Result ExecMainStatus started: $st" ;;
esac
if [ "$(systemctl show -p ActiveState --value ect-rxe.service)" = active ] &&
	systemctl show -p After --value erdma-cdi-generate.service | grep -q . ; then
	t_rxe=$(systemctl show -p ExecMainExitTimestampMonotonic --value ect-rxe.service)
	t_gen=$(systemctl show -p ExecMainStartTimestampMonotonic --value erdma-cdi-generate.service)
	if [ "$t_rxe" -gt 0 ] && [ "$t_gen" -gt "$t_rxe" ]; then
		row "the devices were made before it (ect-rxe.service, ordered ahead)" pass
	else
		row "the devices were made before it (ect-rxe.service, ordered ahead)" fail "rxe done $t_rxe, generate started $t_gen"
	fi
else
	row "the devices were made before it (ect-rxe.service, ordered ahead)" fail "ect-rxe.service: $(systemctl status ect-rxe.service --no-pager 2>&1 | head -5)"
fi
if spec_has rxe0 && spec_has rxe1; then row "the spec has rxe0 and rxe1 (drivers: any from the host config)" pass
else row "the spec has rxe0 and rxe1 (drivers: any from the host config)" fail "$(head -c 600 "$SPEC" 2>&1)"; fi
en=$(systemctl is-enabled erdma-cdi-generate.service 2>&1) wen=$(systemctl is-enabled erdma-cdi-watch.service 2>&1)
if [ "$en" = enabled ] && [ "$wen" = disabled ]; then
	row "postinst: the oneshot enabled, the watch unit installed but not enabled" pass
else
	row "postinst: the oneshot enabled, the watch unit installed but not enabled" fail "generate: $en, watch: $wen"
fi

# --- udev starts the oneshot as devices come and go -------------------------
WAY=udev
rxe_add 2
timed "rdma link add rxe2: udev starts the oneshot, the spec gains rxe2" spec_has rxe2
rxe_del 2
timed "rdma link delete rxe2: rxe2 leaves the spec" spec_lacks rxe2
rxe_del 0
rxe_del 1
timed "the last device deleted: the spec is removed" no_spec
rxe_add 0
timed "a device added again: the spec is written again" spec_has rxe0
rxe_add 1
wait_for 5 spec_has rxe1
u=$(errors erdma-cdi-generate.service)
if [ -z "$u" ]; then row "journal of erdma-cdi-generate.service: no error" pass "$(journalctl -b -u erdma-cdi-generate.service --no-pager -q | grep -c 'wrote\|removed') writes and removals logged"
else row "journal of erdma-cdi-generate.service: no error" fail "$u"; fi

# --- the same with erdma-cdi-watch.service instead ---------------------------
WAY=watch
# The oneshot out of the way (udev would start it too: both write the same
# file, which is harmless, but this is the watch unit's test).
systemctl mask --runtime --now erdma-cdi-generate.service >/dev/null 2>&1
rm -f "$SPEC"
systemctl start erdma-cdi-watch.service
timed "erdma-cdi-watch.service started: the spec has rxe0 and rxe1" spec_has rxe1
rxe_add 2
timed "rdma link add rxe2: the spec gains rxe2" spec_has rxe2
rxe_del 2
timed "rdma link delete rxe2: rxe2 leaves the spec" spec_lacks rxe2
rxe_del 0
rxe_del 1
timed "the last device deleted: the spec is removed" no_spec
rxe_add 0
timed "a device added again: the spec is written again" spec_has rxe0
rxe_add 1
wait_for 5 spec_has rxe1
if [ "$(systemctl show -p ActiveState --value erdma-cdi-watch.service)" = active ]; then
	row "erdma-cdi-watch.service still running" pass
else
	row "erdma-cdi-watch.service still running" fail "$(systemctl status erdma-cdi-watch.service --no-pager 2>&1 | head -8)"
fi
u=$(errors erdma-cdi-watch.service)
if [ -z "$u" ]; then row "journal of erdma-cdi-watch.service: no error" pass
else row "journal of erdma-cdi-watch.service: no error" fail "$u"; fi
systemctl stop erdma-cdi-watch.service
systemctl unmask --runtime erdma-cdi-generate.service >/dev/null 2>&1

# --- purge: the system as a clean install left it -----------------------------
WAY=purge
# What prepare.sh recorded before dpkg -i, against the same paths now.
before=/ect-results/trixie-before-install.list
after=/var/tmp/after-purge.list
installed=$(/ect/tests/vm/guest/footprint.sh / | wc -l)
if out=$(dpkg -P erdma-container-toolkit 2>&1); then row "dpkg -P" pass "$installed paths of ours before"
else row "dpkg -P" fail "$out"; fi
systemctl daemon-reload
/ect/tests/vm/guest/footprint.sh / >"$after"
if d=$(diff "$before" "$after"); then
	row "after the purge: no file, unit, enable link, helper state or spec of ours left" pass "the same $(wc -l <"$after") paths as before dpkg -i"
else
	row "after the purge: no file, unit, enable link, helper state or spec of ours left" fail "$d"
fi
if systemctl list-unit-files 'erdma-*' --no-legend 2>/dev/null | grep -q .; then
	row "systemd knows no erdma unit after the purge" fail "$(systemctl list-unit-files 'erdma-*' --no-legend)"
else
	row "systemd knows no erdma unit after the purge" pass
fi
done_testing
