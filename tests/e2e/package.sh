#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package, end to end: dpkg-buildpackage -b from a copy of the
# tree, lintian, dpkg -i on this machine, the installed files, the installed
# erdma-cdi on a fake host, real Podman containers through the installed CDI
# spec and the installed hooks.d entry, every other end-to-end test run again
# against the installed paths (ECT_BUILD=/usr/bin), then dpkg -P: the machine is left
# as it was (an existing /etc/erdma-container-toolkit is put back).
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"
# shellcheck source=../lib/podman.sh
. "$top/tests/lib/podman.sh"
# This script reads many statuses as `cmd; x=$?` and runs dpkg, lintian and
# the whole suite again: it keeps running past a failing command (set +e)
# until it has been gone through line by line for -e.
e2e_no_errexit

need_root
PKG=erdma-container-toolkit
# The package is built from the sources, without sanitizers: one run is
# enough (the sanitizer pass of make check has nothing to add here).
if [ "$(cd "$(dirname "$(ect_bin x)")" 2>/dev/null && pwd)" != "$top/build" ]; then
	diag "package.sh runs once, with the normal build (ECT_BUILD=${ECT_BUILD:-})"
	echo "1..0"
	exit 0
fi
need_bins -h "./setup.sh installs it" dpkg-buildpackage dh lintian podman systemd-analyze
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
	skip_all "$PKG is installed on this machine: this test would purge it"
fi

e2e_tmpdir ect-e2e-pkg
ETC=/etc/erdma-container-toolkit
SPEC=""
installed=0
cleanup() {
	[ -n "$SPEC" ] && rm -f "$SPEC"
	[ "$installed" = 1 ] && dpkg_retry -P "$PKG" >/dev/null 2>&1
	if [ -d "$T/etc-backup" ]; then
		rm -rf "$ETC" && cp -a "$T/etc-backup" "$ETC"
	fi
}
e2e_on_exit cleanup
# dpkg refuses to run while another dpkg/apt holds its lock: wait a little.
dpkg_retry() {
	local _
	for _ in $(seq 30); do
		dpkg "$@" && return 0
		fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1 || return 1
		sleep 2
	done
	return 1
}
[ -e "$ETC" ] && cp -a "$ETC" "$T/etc-backup"

# --- build, lint -----------------------------------------------------------
# A copy of the tree (tracked and untracked, not ignored): dpkg-buildpackage
# writes the .deb into the parent directory. Unit tests run elsewhere in
# make check: nocheck keeps this test short.
mkdir "$T/src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$T/src"
else
	tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$T/src"
fi
if (cd "$T/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -b -uc -us) >"$T/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -uc -us"
else
	not_ok "dpkg-buildpackage -b -uc -us"
	tail -30 "$T/build.log" | sed 's/^/# /'
	done_testing
	exit 1
fi
deb=$(ls "$T"/${PKG}_*.deb)
lint=$(lintian --pedantic "$T"/${PKG}_*.changes 2>&1 | grep -E '^[EWP]:')
# An override for a program this branch does not build yet does not match.
for p in hook probe; do
	[ -e "$top/$p/module.mk" ] ||
		lint=$(printf '%s\n' "$lint" | grep -v "mismatched-override .*\[usr/bin/erdma-$p\]")
done
check_eq "lintian --pedantic: no error, warning or pedantic tag (overrides carry reasons)" "" "$lint"

# --- install ----------------------------------------------------------------
if dpkg_retry -i --force-confdef --force-confold "$deb" >"$T/install.log" 2>&1; then
	installed=1
	ok "dpkg -i $(basename "$deb")"
else
	not_ok "dpkg -i $(basename "$deb")"
	sed 's/^/# /' "$T/install.log"
	done_testing
	exit 1
fi
files=$(dpkg -L "$PKG")
quiet() { "$@" >/dev/null 2>&1; }
progs="erdma-cdi erdma-container-runtime erdma-hook erdma-probe erdma-ctk"
for p in $progs; do
	if [ -e "$top/$( [ "$p" = erdma-container-runtime ] && echo runtime || echo "${p#erdma-}")/module.mk" ]; then
		check "/usr/bin/$p installed and runs (--help)" quiet "/usr/bin/$p" --help
		check "man page $p(1) installed" test -e "/usr/share/man/man1/$p.1.gz"
	else
		ok_skip "/usr/bin/$p" "$p is not on this branch yet"
	fi
done
check "units in /lib/systemd/system" test -f /lib/systemd/system/erdma-cdi-generate.service \
	-a -f /lib/systemd/system/erdma-cdi-watch.service
check "udev rule /lib/udev/rules.d/90-erdma-cdi.rules" test -f /lib/udev/rules.d/90-erdma-cdi.rules
check "bash completion" test -f /usr/share/bash-completion/completions/erdma-cdi
wants=/etc/systemd/system/multi-user.target.wants
check_eq "oneshot enabled at boot, watch variant not" "yes no" \
	"$(test -L $wants/erdma-cdi-generate.service && echo yes || echo no) $(
		test -L $wants/erdma-cdi-watch.service && echo yes || echo no)"
out=$(systemd-analyze verify /lib/systemd/system/erdma-cdi-generate.service \
	/lib/systemd/system/erdma-cdi-watch.service 2>&1)
check_eq "systemd-analyze verify of the installed units (man pages included)" "" "$out"
have_config=0
if [ -e "$top/examples/erdma-container-toolkit/config.json" ]; then
	have_config=1
	check "config $ETC/config.json installed as a conffile" \
		grep -qx " $ETC/config.json [0-9a-f]*" <(dpkg-query -W -f='${Conffiles}\n' "$PKG")
else
	ok_skip "config $ETC/config.json" "examples/erdma-container-toolkit/config.json not on this branch yet"
fi
have_hook=0
if [ -e "$top/examples/podman/erdma-hook.json" ] && [ -e "$top/hook/module.mk" ]; then
	have_hook=1
	check_eq "hooks.d file names /usr/bin/erdma-hook" /usr/bin/erdma-hook \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' \
			/usr/share/containers/oci/hooks.d/erdma-hook.json 2>&1)"
else
	ok_skip "hooks.d file" "examples/podman/erdma-hook.json or the hook is not on this branch yet"
fi

# --- the installed erdma-cdi on a fake host ---------------------------------
fakehost_standard "$T/host"
SYS=$T/host/sys DEV=$T/host/dev
have_cdi=0
[ -e "$top/cdi/module.mk" ] && have_cdi=1
if [ $have_cdi = 1 ]; then
	out=$(/usr/bin/erdma-cdi list --sysfs-root "$SYS" --dev-root "$DEV" 2>&1)
	check_contains "installed erdma-cdi list: erdma_0" "$out" "aliyun.com/erdma=erdma_0"
	check_contains "installed erdma-cdi list: erdma_1" "$out" "aliyun.com/erdma=erdma_1"
	/usr/bin/erdma-cdi generate --output "$T/erdma.yaml" --sysfs-root "$SYS" --dev-root "$DEV" 2>"$T/err"
	check "installed erdma-cdi generate --output: a spec of kind aliyun.com/erdma" \
		grep -qx 'kind: aliyun.com/erdma' "$T/erdma.yaml"
else
	ok_skip "installed erdma-cdi" "erdma-cdi is not on this branch yet"
fi

# --- real containers: Podman (../shared/TESTBED.md) -------------------------
P=$T/podman
make_rootfs "$T/podman-rootfs"
podman_init "$P" "$T/podman-rootfs" localhost/busybox:test /usr/share/containers/oci/hooks.d
# shellcheck disable=SC2016 # expanded by the inner shell
show='for f in /dev/infiniband/*; do ls -l "$f" | awk "{print substr(\$1,1,1), \$5 \$6}" | tr "\n" " "; echo "${f##*/}"; done; cat /dev/infiniband/uverbs0 2>&1 | sed "s/.*: //"'

if [ $have_cdi = 1 ]; then
	exec 9>/run/ect-e2e-cdi.lock
	flock 9
	made_cdi_dir=0
	[ -d /var/run/cdi ] || { mkdir -p /var/run/cdi && made_cdi_dir=1; }
	SPEC=/var/run/cdi/ect-e2e-pkg-$$.yaml
	/usr/bin/erdma-cdi generate --output "$SPEC" --sysfs-root "$SYS" --dev-root "$DEV" 2>/dev/null
	out=$(podman run --rm --name "ect-e2e-pkg-$$-cdi" --device aliyun.com/erdma=erdma_0 \
		localhost/busybox:test sh -c "$show" 2>&1)
	check_eq "podman --device aliyun.com/erdma=erdma_0 with the installed erdma-cdi's spec" \
		"$(printf '%s\n' "c 10,241 rdma_cm" "c 231,192 uverbs0" "No such device or address")" "$out"
	rm -f "$SPEC"
	SPEC=""
	[ "$made_cdi_dir" = 1 ] && rmdir /var/run/cdi 2>/dev/null
	flock -u 9
	exec 9>&-
fi

if [ $have_hook = 1 ] && [ $have_config = 1 ]; then
	# What an admin does: point the installed configuration at the host's
	# devices (here the fake host) and at what this machine can grant.
	python3 - "$ETC/config.json" "$SYS" "$DEV" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c.update({"sysfs-root": sys.argv[2], "dev-root": sys.argv[3], "memlock": 8388608})
json.dump(c, open(p, "w"), indent=2)
EOF
	# Podman started from a lower soft memlock (64 KiB) and no --ulimit
	# memlock (runc would re-apply it after the hook): the hook raises it.
	out=$(prlimit --memlock=65536:8388608 podman run --rm --name "ect-e2e-pkg-$$-hook" \
		--annotation com.aliyun.erdma.devices=erdma_0 localhost/busybox:test sh -c "$show; ulimit -l" 2>&1)
	check_eq "podman with the installed hooks.d entry (annotation erdma_0): nodes, ENXIO, memlock 8 MiB" \
		"$(printf '%s\n' "c 10,241 rdma_cm" "c 231,192 uverbs0" "No such device or address" 8192)" "$out"
	if [ -e "$top/probe/module.mk" ]; then
		out=$(podman run --rm --name "ect-e2e-pkg-$$-probe" --annotation com.aliyun.erdma.devices=all \
			-v /usr/bin/erdma-probe:/usr/local/bin/erdma-probe:ro \
			localhost/busybox:test /usr/local/bin/erdma-probe --json 2>/dev/null)
		check_eq "installed erdma-probe in that container: a JSON report, ok=false (no driver here)" False \
			"$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ok"])' 2>&1)"
	fi
else
	ok_skip "podman through the installed hooks.d entry" "the hook or its hooks.d/config examples are not on this branch yet"
fi

# --- the end-to-end tests against the installed paths -----------------------
# Every other e2e script takes its programs from ECT_BUILD (ect_bin NAME):
# run each once more with ECT_BUILD=/usr/bin, the package's programs.
ran=0
for s in "$top"/tests/e2e/*.sh; do
	case ${s##*/} in install.sh | package.sh | rpm.sh) continue ;; esac
	ran=1
	out=$(ECT_BUILD=/usr/bin "$top/tests/run-e2e.sh" "tests/e2e/${s##*/}" 2>&1)
	st=$?
	summary=$(printf '%s\n' "$out" | tail -1)
	if [ $st = 0 ]; then
		ok "ECT_BUILD=/usr/bin tests/e2e/${s##*/}: $summary"
	else
		not_ok "ECT_BUILD=/usr/bin tests/e2e/${s##*/}: $summary"
		printf '%s\n' "$out" | grep -E '^not ok|SKIP' | head -20 | sed 's/^/# /'
	fi
done
[ $ran = 1 ] || ok_skip "e2e tests against /usr/bin" "no other e2e test on this branch yet"

# --- purge: nothing left ----------------------------------------------------
if dpkg_retry -P "$PKG" >"$T/purge.log" 2>&1; then
	installed=0
	ok "dpkg -P $PKG"
else
	not_ok "dpkg -P $PKG"
	sed 's/^/# /' "$T/purge.log"
fi
left=""
for f in $files; do
	[ -f "$f" ] && left="$left $f"
done
check_eq "purge leaves none of the package's files" "" "$left"
check "purge removes the boot-time enablement" test ! -e $wants/erdma-cdi-generate.service -a \
	! -e /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/erdma-cdi-generate.service
if [ -d "$T/etc-backup" ]; then
	rm -rf "$ETC" && cp -a "$T/etc-backup" "$ETC"
	rm -rf "$T/etc-backup"
	ok "the earlier $ETC is back"
else
	check "purge removes $ETC" test ! -e "$ETC"
fi

done_testing
