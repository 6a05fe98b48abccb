#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run by the initramfs (busybox sh) on the guest's overlay root before
# systemd starts: fresh tmpfs where engines keep state (an overlay cannot sit
# on the root overlay) and at /tmp (the root share's /tmp is the host's),
# the test target and service, and the few units that would only cost
# boot time masked. Nothing here touches the read-only share below.
set -e
r=${1:?usage: prepare.sh NEWROOT}
g=$r/ect/tests/vm/guest

# /run as an initramfs leaves it: a fresh tmpfs (the share's /run holds the
# host's leftovers, which systemd would take for its own state).
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$r/run"
for d in tmp var/tmp var/lib/docker var/lib/containers var/lib/containerd \
	var/lib/cni var/cache/ect-vm; do
	mkdir -p "$r/$d"
	mount -t tmpfs -o mode=1777 tmpfs "$r/$d"
done
# A container engine's marker in the share (this host may itself be a
# container) would make systemd run in container mode, which ignores the
# kernel command line (systemd.unit=) and skips units real hosts run.
rm -f "$r/.dockerenv" "$r/run/.containerenv"
mkdir -p "$r/etc/systemd/system" "$r/etc/tmpfiles.d"
cp "$g/ect-vm.target" "$g/ect-vm.service" "$r/etc/systemd/system/"
# systemd-tmpfiles would empty /tmp (done: it is a fresh tmpfs) and age
# /var/tmp; over the share that walks the host's folders.
ln -sf /dev/null "$r/etc/tmpfiles.d/tmp.conf"
for u in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
	man-db.timer e2scrub_all.timer fstrim.timer dpkg-db-backup.timer \
	podman-auto-update.timer systemd-pstore.service getty@tty1.service \
	serial-getty@ttyS0.service console-getty.service postgresql.service e2scrub_reap.service \
	systemd-firstboot.service; do
	ln -sf /dev/null "$r/etc/systemd/system/$u"
done
# The guest has no machine id of its own when the share's is empty.
[ -s "$r/etc/machine-id" ] || : >"$r/etc/machine-id"
