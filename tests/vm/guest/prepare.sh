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

# The trixie guest is a host provisioned with our package: the .deb built
# from the tree is installed before the first boot (as an image build or a
# provisioning step installs it: its postinst enables the oneshot, nothing
# starts without systemd), the host configuration selects soft-RoCE, and
# ect-rxe.service makes the devices at boot, ahead of the oneshot. The boot
# goes through multi-user.target, as a host's does.
# shellcheck source=/dev/null # the guest root's os-release
. "$r/etc/os-release"
if [ "$VERSION_CODENAME" = trixie ]; then
	mount -t proc proc "$r/proc"
	in_root() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
	in_root /bin/sh /ect/tests/vm/guest/footprint.sh / >"$r/ect-results/trixie-before-install.list"
	in_root /bin/sh -c 'dpkg -i /ect/build-vm/deb/erdma-container-toolkit_*_amd64.deb' \
		>"$r/ect-results/dpkg-install.log" 2>&1 || echo "dpkg -i failed" >>"$r/ect-results/dpkg-install.log"
	umount "$r/proc"
	mkdir -p "$r/etc/erdma-container-toolkit"
	echo '{"drivers": "any", "memlock": "unlimited", "log-level": "info"}' \
		>"$r/etc/erdma-container-toolkit/config.json"
	cp "$g/ect-rxe.service" "$r/etc/systemd/system/"
	mkdir -p "$r/etc/systemd/system/multi-user.target.wants" "$r/etc/systemd/system/ect-vm.target.d"
	ln -sf ../ect-rxe.service "$r/etc/systemd/system/multi-user.target.wants/ect-rxe.service"
	printf '[Unit]\nWants=multi-user.target\nAfter=multi-user.target\n' \
		>"$r/etc/systemd/system/ect-vm.target.d/multi-user.conf"
	mkdir -p "$r/etc/systemd/system/ect-vm.service.d"
	printf '[Unit]\nAfter=multi-user.target\n' >"$r/etc/systemd/system/ect-vm.service.d/multi-user.conf"
fi
