#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make check-vm: the real-kernel test host (tests/vm/README.md).
#
# Boots Debian's own kernel under qemu (KVM where /dev/kvm opens, TCG
# otherwise) with systemd as PID 1 and cgroup v2 only, makes two soft-RoCE
# devices in it, and runs every engine and way in against them: two guests,
#   bookworm  this machine's own root, shared read-only under a tmpfs
#             overlay, with Debian 12's kernel; our programs from build/
#   trixie    a Debian trixie root made by debootstrap (cached, keyed by its
#             package list) with its own kernel; our programs from the .deb
#             built from this tree, installed with dpkg
# The guests have no network device (-nic none). Each boot is bounded by a
# timeout; qemu is killed if it runs over, and nothing is left running.
# Results: build-vm/results/GUEST/*.tap, build-vm/results.md (the table).
#
# Environment: ECT_VM_GUESTS ("bookworm trixie"), ECT_VM_ONLY (engines, e.g.
# "docker,podman"), ECT_VM_CACHE (/var/cache/erdma-container-toolkit-vm),
# ECT_VM_TIMEOUT (seconds per boot, 1500), ECT_VM_MEM, ECT_VM_CPUS.
set -Eeuo pipefail
# A step that fails says which one, instead of ending the run in silence.
trap 'echo "check-vm: failed (exit $?) at ${BASH_SOURCE[0]}:$LINENO: $BASH_COMMAND" >&2' ERR
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
vm=$top/tests/vm
out=$top/build-vm
cache=${ECT_VM_CACHE:-/var/cache/erdma-container-toolkit-vm}
guests=${ECT_VM_GUESTS:-bookworm trixie}
limit=${ECT_VM_TIMEOUT:-1500}
append=()
[ -z "${ECT_VM_ONLY:-}" ] || append+=("ect.only=$ECT_VM_ONLY")

fail() { echo "check-vm: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (qemu's 9p shares keep file owners)"
for t in qemu-system-x86_64 debootstrap modprobe depmod cpio xz dpkg-buildpackage jq; do
	command -v "$t" >/dev/null || fail "$t missing: run ./setup.sh"
done
[ -x build/erdma-hook ] || fail "build the programs first (make)"

mkdir -p "$cache" "$out"
t0=$(date +%s)
elapsed() { echo $(( $(date +%s) - t0 )); }

# The package from this tree, for the trixie guest (built in a copy, as
# tests/e2e/package.sh does; the unit tests already ran in make check).
build_deb() {
	local w
	w=$(mktemp -d /tmp/ect-vm-deb.XXXXXX)
	git ls-files -z | xargs -0 cp --parents -t "$w" 2>/dev/null || { rm -rf "$w"; fail "copying the tree"; }
	mkdir -p "$w/src"
	(cd "$w" && find . -mindepth 1 -maxdepth 1 ! -name src -exec mv -t src {} +)
	if ! (cd "$w/src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -b -uc -us) >"$out/deb.log" 2>&1; then
		tail -n 30 "$out/deb.log" >&2
		rm -rf "$w"
		fail "dpkg-buildpackage failed (log: $out/deb.log)"
	fi
	rm -rf "$out/deb"
	mkdir -p "$out/deb"
	mv "$w"/*.deb "$out/deb/"
	rm -rf "$w"
}

# The last lines the guest wrote to its serial console, as plain text
# (the firmware's and systemd's escape sequences and carriage returns
# removed): what a guest that stopped early said last.
console_tail() { # FILE
	[ -e "$1" ] || { echo "(no console log)"; return; }
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][A-Z0-9]//g' "$1" |
		tr -d '\r' | tr -cd '[:print:]\t\n' | { grep -v '^[[:space:]]*$' || true; } | tail -n 25
}

boot_guest() { # NAME
	local name=$1 kernel initrd root modules base kver res try st=0
	res=$out/results/$name
	rm -rf "$res"
	mkdir -p "$res"
	case $name in
	bookworm)
		read -r kernel modules kver < <("$vm/kernel.sh" "$cache")
		base=${modules%/lib/modules/*}
		root=/
		;;
	trixie)
		root=$("$vm/trixie-root.sh" "$cache")
		kver=$(find "$root/usr/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
		kernel=$root/boot/vmlinuz-$kver
		modules=-
		base=$root
		;;
	*) fail "unknown guest '$name'" ;;
	esac
	"$vm/mkimage.sh" "$root" "$out/image-$name"
	# The cached initramfs is named after what goes into it (the kernel's
	# version, /init, the script that packs it), not judged by file dates:
	# another checkout's, made with another /init, is never taken for this
	# one's.
	initrd=$cache/initrd-$kver-$(cat "$vm/init" "$vm/initramfs.sh" | sha256sum | cut -c1-16).gz
	if [ ! -e "$initrd" ]; then
		rm -f "$cache/initrd-$kver".gz "$cache/initrd-$kver"-*.gz
		"$vm/initramfs.sh" "$base" "$kver" "$initrd"
	fi
	echo "check-vm: $name: kernel $kver ($(elapsed) s)" >&2
	# A boot that ends before main.sh has begun (no setup.tap) never ran a
	# test: the kernel, the initramfs or systemd stopped it. Its console
	# is shown and the guest booted once more, so that one lost boot under
	# TCG is told apart from a boot that always fails (which fails again,
	# with its console in the report).
	for try in first again; do
		st=0
		"$vm/boot.sh" "$name" "$kernel" "$initrd" "$root" "$modules" "$res" "$limit" "${append[@]}" || st=$?
		if [ "$try" = again ] || [ "$st" = 124 ] || [ -e "$res/setup.tap" ] || [ -e "$res/done" ]; then
			break
		fi
		echo "check-vm: $name: the guest stopped before its tests began (qemu exit $st); its console's last lines:" >&2
		console_tail "$res/console.log" | sed 's/^/  /' >&2
		[ ! -e "$res/console.log" ] || mv "$res/console.log" "$res/console-first.log"
		find "$res" -mindepth 1 -maxdepth 1 ! -name console-first.log -exec rm -rf {} +
		echo "check-vm: $name: booting it once more ($(elapsed) s)" >&2
	done
	if [ "$st" = 124 ]; then
		echo "not ok - $name: the guest did not power off within ${limit}s" >"$res/boot.tap"
	elif [ ! -e "$res/done" ]; then
		{
			echo "not ok - $name: the guest stopped before its tests ended (qemu exit $st)"
			console_tail "$res/console.log" | sed 's/^/# /'
		} >"$res/boot.tap"
	fi
	echo "check-vm: $name: done ($(elapsed) s)" >&2
}

case " $guests " in *" trixie "*) build_deb ;; esac
for g in $guests; do boot_guest "$g"; done
# shellcheck disable=SC2086 # $guests is a list of guest names: one per word
"$vm/report.sh" "$out" $guests
