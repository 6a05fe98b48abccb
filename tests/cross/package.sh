#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The packages for the cross architecture, built on this host:
# `dpkg-buildpackage -a arm64` gives an arm64 .deb that lintian passes as it
# passes the amd64 one (tests/e2e/package.sh), with the make-install files
# and arm64 programs in it; `rpmbuild --target aarch64` (Debian's rpmbuild,
# --nodeps as in tests/e2e/rpm.sh) gives an aarch64 RPM with the same files.
# The programs from the .deb run under qemu-user and list the fake host as
# the native build does. Neither package is installed here: its programs
# cannot run natively. `make check-cross` runs it (ECT_CROSS_ARCH,
# ECT_EMULATOR).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=../lib/fakehost.sh
. "$top/tests/lib/fakehost.sh"
# shellcheck source=../lib/rootfs.sh
. "$top/tests/lib/rootfs.sh"

PKG=erdma-container-toolkit
arch=${ECT_CROSS_ARCH:-arm64}
emu=${ECT_EMULATOR:-qemu-aarch64-static}
N=${ECT_BUILD:-$top/build}
case $arch in
arm64) machine=AArch64 rpmarch=aarch64 triplet=aarch64-linux-gnu ;;
amd64) machine="Advanced Micro Devices X86-64" rpmarch=x86_64 triplet=x86_64-linux-gnu ;;
*) skip_all "no expectations for ARCH=$arch in this test" ;;
esac
if [ "$(cd "$N" 2>/dev/null && pwd)" != "$top/build" ]; then
	diag "package.sh runs once, with the normal build (ECT_BUILD=$N)"
	echo "1..0"
	exit 0
fi
for t in dpkg-buildpackage dh lintian rpmbuild rpm2archive readelf "$emu"; do
	command -v "$t" >/dev/null || skip_all "$t missing (./setup.sh installs it)"
done
[ -x "$N/erdma-cdi" ] || skip_all "$N/erdma-cdi not built (make)"
missing=$(cd "$top" && dpkg-checkbuilddeps -a "$arch" 2>&1) ||
	skip_all "build dependencies for $arch missing (./setup.sh installs them): $missing"

T=$(mktemp -d /tmp/ect-cross-pkg.XXXXXX)
trap 'rm -rf "$T"' EXIT
# What make install puts where the Debian package does (debian/rules).
env -u MAKEFLAGS -u MAKELEVEL make -s -C "$top" install DESTDIR="$T/ref" PREFIX=/usr \
	SYSTEMDUNITDIR=/lib/systemd/system UDEVRULESDIR=/lib/udev/rules.d >/dev/null 2>&1
want=$(cd "$T/ref" && find . -type f | sed 's|^\.||; s|\.1$|.1.gz|' | sort)

# elf_checks WHAT DIR: the four programs in DIR/usr/bin are of the target.
elf_checks() {
	local p
	for p in erdma-cdi erdma-container-runtime erdma-hook erdma-probe; do
		check_eq "$1: /usr/bin/$p is an ELF for $machine" "$machine" \
			"$(readelf -h "$2/usr/bin/$p" 2>&1 | sed -n 's/^ *Machine: *//p')"
	done
	for p in erdma-hook erdma-probe; do
		check_contains "$1: /usr/bin/$p is static-pie" "$(file -b "$2/usr/bin/$p")" "static-pie linked"
	done
}

# --- the .deb -------------------------------------------------------------
mkdir "$T/src"
(cd "$top" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$T/src"
start=$SECONDS
if (cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -a "$arch" -b -uc -us) \
	>"$T/build.log" 2>&1; then
	ok "dpkg-buildpackage -a $arch -b -uc -us ($((SECONDS - start)) s)"
else
	not_ok "dpkg-buildpackage -a $arch -b -uc -us"
	tail -30 "$T/build.log" | sed 's/^/# /'
	done_testing
	exit 1
fi
check "the programs were built by $triplet-gcc" grep -q "^$triplet-gcc .* -o build-$arch/erdma-probe " "$T/build.log"
deb=$T/${PKG}_0.1.0_$arch.deb
check "the .deb is named for $arch" test -f "$deb"
lint=$(lintian --pedantic "$T"/${PKG}_*_"$arch".changes 2>&1 | grep -E '^[EWP]:')
check_eq "lintian --pedantic: no error, warning or pedantic tag (overrides carry reasons)" "" "$lint"
check_eq "Architecture: $arch" "$arch" "$(dpkg-deb -f "$deb" Architecture)"
dpkg-deb -x "$deb" "$T/deb"
got=$(cd "$T/deb" && find . -type f | sed 's|^\.||' | grep -vE '^/usr/share/(doc|lintian)/' | sort)
check_eq "the .deb holds the files make install installs" "$want" "$got"
elf_checks ".deb" "$T/deb"
fakehost_standard "$T/host"
H=(--sysfs-root "$T/host/sys" --dev-root "$T/host/dev")
check_eq "the .deb's erdma-cdi list --json under $emu: the native build's output" \
	"$("$N/erdma-cdi" list --json "${H[@]}" 2>&1)" "$("$emu" "$T/deb/usr/bin/erdma-cdi" list --json "${H[@]}" 2>&1)"
out=$("$emu" "$T/deb/usr/bin/erdma-probe" --sysfs-root "$T/host/sys" --json 2>/dev/null)
check_contains "the .deb's erdma-probe under $emu: a JSON report" "$out" '"checks":'

# --- the RPM --------------------------------------------------------------
SPEC=$top/packaging/rpm/$PKG.spec
version=$(sed -n 's/^Version:[[:space:]]*//p' "$SPEC")
name=$PKG-$version
mkdir -p "$T/rpm/SOURCES"
(cd "$top" && git ls-files -co --exclude-standard -z |
	tar --null -T - --transform "s|^|$name/|" -czf "$T/rpm/SOURCES/$name.tar.gz")
start=$SECONDS
if rpmbuild -bb --target "$rpmarch" --nodeps --nocheck --define "_topdir $T/rpm" \
	--define "debug_package %{nil}" --define "_smp_mflags -j2" "$SPEC" >"$T/rpm.log" 2>&1; then
	ok "rpmbuild -bb --target $rpmarch ($((SECONDS - start)) s)"
else
	not_ok "rpmbuild -bb --target $rpmarch"
	tail -30 "$T/rpm.log" | sed 's/^/# /'
	done_testing
	exit 1
fi
rpm=$(ls "$T"/rpm/RPMS/"$rpmarch"/"$name"-*."$rpmarch".rpm 2>/dev/null)
check "the RPM is named for $rpmarch" test -f "$rpm"
check_eq "RPM ARCH: $rpmarch" "$rpmarch" "$(rpm -qp --qf '%{ARCH}' "$rpm" 2>/dev/null)"
mkdir "$T/x"
(cd "$T" && rpm2archive "$rpm" && tar -C "$T/x" -xzf "$rpm.tgz")
env -u MAKEFLAGS -u MAKELEVEL make -s -C "$top" install DESTDIR="$T/rref" PREFIX=/usr >/dev/null 2>&1
rwant=$(cd "$T/rref" && find . -type f | sed 's|^\.||' | sort)
rall=$(cd "$T/x" && find . -type f | sed 's|^\.||; s|\.gz$||' | grep -v '^/usr/lib/\.build-id' | sort)
# %license LICENSE is the spec's, not make install's: checked on its own.
rgot=$(printf '%s\n' "$rall" | grep -v '^/usr/share/licenses/')
check_eq "the RPM holds the files make install installs" "$rwant" "$rgot"
check_contains "the RPM ships LICENSE as %license" "$rall" "/usr/share/licenses/"
check_contains "  ... the project's LICENSE" "$(printf '%s\n' "$rall" | grep '^/usr/share/licenses/')" "/LICENSE"
elf_checks "RPM" "$T/x"

done_testing
