#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# packaging/rpm/erdma-container-toolkit.spec: rpmbuild (Debian's rpm) builds
# the binary RPM from a source tarball of the tree, and the RPM holds what
# `make install` installs, the configuration as %config(noreplace) and the
# systemd scriptlets. rpmbuild here cannot see dpkg's packages, so it runs
# with --nodeps (the EL BuildRequires are not checked) and --nocheck (the
# unit tests run in make check).
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"

SPEC=$top/packaging/rpm/erdma-container-toolkit.spec
# Built from the sources, without sanitizers: one run is enough.
if [ "$(cd "$(dirname "$(ect_bin x)")" 2>/dev/null && pwd)" != "$top/build" ]; then
	diag "rpm.sh runs once, with the normal build (ECT_BUILD=${ECT_BUILD:-})"
	echo "1..0"
	exit 0
fi
command -v rpmbuild >/dev/null || skip_all "rpmbuild missing (./setup.sh installs Debian's rpm)"
for f in examples/erdma-container-toolkit/config.json examples/podman/erdma-hook.json; do
	[ -e "$top/$f" ] || skip_all "$f is not on this branch yet (the spec packages it)"
done

e2e_tmpdir ect-e2e-rpm
version=$(sed -n 's/^Version:[[:space:]]*//p' "$SPEC")
name=erdma-container-toolkit-$version
mkdir -p "$T/rpm/SOURCES"
(cd "$top" && git ls-files -co --exclude-standard -z |
	tar --null -T - --transform "s|^|$name/|" -czf "$T/rpm/SOURCES/$name.tar.gz")
if rpmbuild -bb --nodeps --nocheck --define "_topdir $T/rpm" --define "debug_package %{nil}" \
	--define "_smp_mflags -j2" "$SPEC" >"$T/log" 2>&1; then
	ok "rpmbuild -bb --nodeps $(basename "$SPEC")"
else
	not_ok "rpmbuild -bb --nodeps $(basename "$SPEC")"
	tail -30 "$T/log" | sed 's/^/# /'
	done_testing
	exit 1
fi
# From here on a missing piece is a finding of the checks, not a stop.
rpm=$(ls "$T"/rpm/RPMS/*/erdma-container-toolkit-"$version"-*.rpm) || true
# Build-id links are rpmbuild's own; man pages: compressed on EL, not here.
got=$(rpm -qlp "$rpm" 2>/dev/null | grep -v '^/usr/lib/\.build-id' | sed 's|\.gz$||' | sort) || true

# What make install puts under PREFIX=/usr (man pages compressed by rpm).
# What it did install is what the check compares.
env -u MAKEFLAGS -u MAKELEVEL make -s -C "$top" install DESTDIR="$T/ref" PREFIX=/usr >/dev/null 2>&1 || true
want=$(cd "$T/ref" && find . -type f | sed 's|^\.||' | sort) || true
check_eq "the RPM holds the files make install installs" "$want" \
	"$(printf '%s\n' "$got" | grep -vx /etc/erdma-container-toolkit | grep -v '^/usr/share/licenses/')"
check "the RPM ships LICENSE as %license" sh -c "printf '%s\n' \"\$1\" | grep -qx '/usr/share/licenses/erdma-container-toolkit-$version/LICENSE'" _ "$got"
check_eq "config.json is %config(noreplace)" /etc/erdma-container-toolkit/config.json \
	"$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpm" 2>/dev/null | awk '$2 ~ /c/ && $2 ~ /n/ {print $1}')"
mkdir "$T/x"
(cd "$T" && rpm2archive "$rpm" && tar -C "$T/x" -xzf "$rpm.tgz") || true # the checks read what it unpacked
check_contains "hooks.d file names /usr/bin/erdma-hook" \
	"$(cat "$T/x/usr/share/containers/oci/hooks.d/erdma-hook.json")" '"/usr/bin/erdma-hook"'
check_contains "unit runs /usr/bin/erdma-cdi" \
	"$(cat "$T/x/usr/lib/systemd/system/erdma-cdi-generate.service")" "ExecStart=/usr/bin/erdma-cdi generate"
check_contains "requires/recommends runc" "$(rpm -qp --recommends "$rpm" 2>/dev/null)" runc

done_testing
