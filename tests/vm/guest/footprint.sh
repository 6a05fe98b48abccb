#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every path under ROOT where our package installs, enables or writes
# something, with its type: compared before dpkg -i and after dpkg -P
# (engine-units.sh). Usage: footprint.sh ROOT
r=${1:?usage: footprint.sh ROOT}
cd "$r" || exit 1
for d in etc/erdma-container-toolkit etc/systemd/system usr/lib/systemd/system \
	lib/systemd/system usr/lib/udev/rules.d lib/udev/rules.d usr/bin usr/share/man/man1 \
	usr/share/containers/oci/hooks.d usr/share/bash-completion/completions \
	usr/share/doc/erdma-container-toolkit var/lib/systemd/deb-systemd-helper-enabled \
	var/lib/systemd/deb-systemd-helper-masked var/lib/dpkg/info run/cdi; do
	[ -e "$d" ] || continue
	find "$d" -xdev \( -name '*erdma*' -o -path '*erdma*' \) -printf '%y %p\n' 2>/dev/null
done | sort
