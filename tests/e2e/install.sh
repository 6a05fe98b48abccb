#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make install / make uninstall into a DESTDIR: every file lands where the
# engines, systemd and udev look for it, the installed paths (not DESTDIR)
# are written into the hooks.d file and the units, the units pass
# `systemd-analyze verify`, an existing host configuration survives, and
# uninstall leaves nothing behind. Also the bash completion of erdma-cdi.
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/e2e.sh
. "$top/tests/lib/e2e.sh"

build=$(dirname "$(ect_bin erdma-cdi)")
# Against installed binaries (ECT_BUILD=/usr/bin) there is nothing to install.
[ -e "$build/libect.a" ] || skip_all "ECT_BUILD=$build is not a build directory (installed-paths run)"

e2e_tmpdir ect-install
tmp=$T
json_ok() { python3 -m json.tool "$1" >/dev/null 2>&1; }
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$top" BUILD="$build" "$@"; }
cfg_example=$top/examples/erdma-container-toolkit/config.json
hook_example=$top/examples/podman/erdma-hook.json

progs=()
for p in erdma-cdi erdma-container-runtime erdma-hook erdma-probe erdma-ctk; do
	[ -x "$build/$p" ] && progs+=("$p")
done
diag "programs in $build: ${progs[*]:-none}"

# --- PREFIX=/usr ------------------------------------------------------------
d=$tmp/usr-root
if mk install DESTDIR="$d" PREFIX=/usr >"$tmp/log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	not_ok "make install DESTDIR=... PREFIX=/usr"
	sed 's/^/# /' "$tmp/log"
fi
(cd "$d" && find . -type f | sort | sed 's|^\./|#   |') || true # a failed install: the checks say so
for p in "${progs[@]}"; do
	check "/usr/bin/$p installed, executable" test -x "$d/usr/bin/$p"
done
for m in "$top"/man/*.1; do
	[ -e "$m" ] || continue
	check "man page $(basename "$m")" cmp -s "$m" "$d/usr/share/man/man1/$(basename "$m")"
done
units=$d/usr/lib/systemd/system
check "units in /usr/lib/systemd/system" \
	test -f "$units/erdma-cdi-generate.service" -a -f "$units/erdma-cdi-watch.service"
check "udev rule in /usr/lib/udev/rules.d" test -f "$d/usr/lib/udev/rules.d/90-erdma-cdi.rules"
check "bash completion in /usr/share/bash-completion/completions" \
	test -f "$d/usr/share/bash-completion/completions/erdma-cdi"
check "bash completion of erdma-ctk" test -f "$d/usr/share/bash-completion/completions/erdma-ctk"
check_contains "oneshot unit runs the installed erdma-cdi" "$(cat "$units/erdma-cdi-generate.service")" \
	"ExecStart=/usr/bin/erdma-cdi generate --remove-if-none --output /var/run/cdi/erdma.yaml"
check_contains "watch unit runs generate --watch" "$(cat "$units/erdma-cdi-watch.service")" \
	"ExecStart=/usr/bin/erdma-cdi generate --watch --output /var/run/cdi/erdma.yaml"

if [ -e "$cfg_example" ]; then
	c=$d/etc/erdma-container-toolkit/config.json
	check_eq "default config installed, mode 0644" 644 "$(stat -c %a "$c" 2>&1)"
	check "default config is valid JSON" json_ok "$c"
	echo '{"memlock": 8388608}' >"$c"
	mk install DESTDIR="$d" PREFIX=/usr >"$tmp/log" 2>&1 || true # the check reads the config
	check_eq "reinstall keeps an existing config" '{"memlock": 8388608}' "$(cat "$c")"
else
	ok_skip "default config" "examples/erdma-container-toolkit/config.json not on this branch yet"
fi

if [ -e "$hook_example" ]; then
	h=$d/usr/share/containers/oci/hooks.d/erdma-hook.json
	check "hooks.d file is valid JSON" json_ok "$h"
	check_eq "hooks.d file names the installed hook" /usr/bin/erdma-hook \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hook"]["path"])' "$h" 2>&1)"
else
	ok_skip "hooks.d file" "examples/podman/erdma-hook.json not on this branch yet"
fi

# systemd-analyze verify wants the ExecStart binary on this machine: check a
# copy whose path points into DESTDIR; man pages (Documentation=) from DESTDIR.
if [ -x "$d/usr/bin/erdma-cdi" ]; then
	mkdir -p "$tmp/verify"
	for u in erdma-cdi-generate.service erdma-cdi-watch.service; do
		sed "s|/usr/bin/erdma-cdi|$d/usr/bin/erdma-cdi|" "$units/$u" >"$tmp/verify/$u"
	done
	man_opt=--man=no
	[ -e "$d/usr/share/man/man1/erdma-cdi.1" ] && man_opt=--man=yes
	st=0
	out=$(cd "$tmp/verify" && MANPATH="$d/usr/share/man" systemd-analyze verify $man_opt \
		./erdma-cdi-generate.service ./erdma-cdi-watch.service 2>&1) || st=$?
	check_eq "systemd-analyze verify $man_opt: status" 0 "$st"
	check_eq "systemd-analyze verify: no complaint" "" "$out"
else
	ok_skip "systemd-analyze verify" "erdma-cdi not built in $build yet"
fi

# The oneshot's command, as the unit runs it, on fake hosts: the spec is
# written while a device matches, removed (and the unit succeeds) when none
# is left, and kept when generate fails for another reason.
if [ -x "$d/usr/bin/erdma-cdi" ]; then
	read -ra cmd < <(sed -n 's/^ExecStart=//p' "$units/erdma-cdi-generate.service" |
		sed "s|/usr/bin/erdma-cdi|$d/usr/bin/erdma-cdi|; s|/var/run/cdi/erdma.yaml|$tmp/erdma.yaml|")
	oneshot() { # HOST: "STATUS spec-there|spec-gone" after a run over a stale spec
		local st=0
		echo stale >"$tmp/erdma.yaml"
		"${cmd[@]}" --sysfs-root "$1/sys" --dev-root "$1/dev" 2>/dev/null || st=$?
		if [ -e "$tmp/erdma.yaml" ] && [ "$(cat "$tmp/erdma.yaml")" = stale ]; then echo "$st stale kept"
		elif [ -e "$tmp/erdma.yaml" ]; then echo "$st written"
		else echo "$st removed"; fi
	}
	echo '{}' >"$tmp/empty.json"
	cmd+=(--config "$tmp/empty.json")
	fakehost_standard "$tmp/host"
	fakehost_init "$tmp/none"
	check_eq "oneshot: devices there: spec written, unit succeeds" "0 written" "$(oneshot "$tmp/host")"
	check_eq "oneshot: no device left: spec removed, unit succeeds" "0 removed" "$(oneshot "$tmp/none")"
	check_eq "oneshot: generate fails (no sysfs): old spec kept, unit fails" "1 stale kept" "$(oneshot "$tmp/missing")"
fi

# udev: one rule, for the verbs subsystem, add and remove, starting the oneshot.
rule=$(grep -v '^#' "$d/usr/lib/udev/rules.d/90-erdma-cdi.rules" | grep .) || true # none: the checks say so
check_contains "udev rule matches infiniband_verbs" "$rule" 'SUBSYSTEM=="infiniband_verbs"'
check_contains "udev rule on add and remove" "$rule" 'ACTION=="add|remove"'
check_contains "udev rule starts the oneshot without blocking" "$rule" \
	'RUN+="/bin/systemctl --no-block start erdma-cdi-generate.service"'

check "make uninstall DESTDIR=... PREFIX=/usr" mk uninstall DESTDIR="$d" PREFIX=/usr
left=$(cd "$d" && find . -type f | sort)
if [ -e "$cfg_example" ]; then
	check_eq "uninstall removes all but the modified config" ./etc/erdma-container-toolkit/config.json "$left"
	# The check below reads what is left.
	mk install DESTDIR="$tmp/again" PREFIX=/usr >/dev/null 2>&1 || true
	mk uninstall DESTDIR="$tmp/again" PREFIX=/usr >/dev/null 2>&1 || true
	check_eq "uninstall removes an unmodified config" "" "$(cd "$tmp/again" && find . -type f)"
else
	check_eq "uninstall removes every file" "" "$left"
fi

# --- PREFIX=/usr/local (the default) ---------------------------------------
d=$tmp/local-root
mk install DESTDIR="$d" >"$tmp/log" 2>&1 || true # the checks read what it installed
check_contains "PREFIX=/usr/local: unit runs /usr/local/bin/erdma-cdi" \
	"$(cat "$d/usr/local/lib/systemd/system/erdma-cdi-generate.service" 2>&1)" \
	"ExecStart=/usr/local/bin/erdma-cdi generate"
check "PREFIX=/usr/local: udev rule in /etc/udev/rules.d (udev never reads /usr/local)" \
	test -f "$d/etc/udev/rules.d/90-erdma-cdi.rules"
if [ -e "$hook_example" ]; then
	check_contains "PREFIX=/usr/local: hooks.d file (fixed dir) names /usr/local/bin/erdma-hook" \
		"$(cat "$d/usr/share/containers/oci/hooks.d/erdma-hook.json" 2>&1)" '"/usr/local/bin/erdma-hook"'
fi
mk uninstall DESTDIR="$d" >"$tmp/log" 2>&1 || true # the check reads what is left
check_eq "PREFIX=/usr/local: uninstall removes every file" "" "$(cd "$d" && find . -type f)"

# --- bash completion --------------------------------------------------------
ctk_comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _erdma_ctk; echo "${COMPREPLY[*]}"' \
		_ "$top/packaging/bash-completion/erdma-ctk" "$@"
}
check_eq "completion of 'erdma-ctk '" "runtime check --help --version" "$(ctk_comp erdma-ctk '')"
check_eq "completion of 'erdma-ctk runtime '" "configure unconfigure" "$(ctk_comp erdma-ctk runtime '')"
check_eq "completion of '--engine '" "docker containerd crio podman" "$(ctk_comp erdma-ctk runtime configure --engine '')"
if [ -x "$build/erdma-ctk" ]; then
	help=$("$build/erdma-ctk" --help 2>&1) || true
	missing=""
	for o in $(ctk_comp erdma-ctk runtime configure --) $(ctk_comp erdma-ctk check --); do
		case $help in *"$o"*) ;; *) missing="$missing $o" ;; esac
	done
	check_eq "every option erdma-ctk's completion offers appears in erdma-ctk --help" "" "$missing"
fi
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _erdma_cdi; echo "${COMPREPLY[*]}"' \
		_ "$top/packaging/bash-completion/erdma-cdi" "$@"
}
check_eq "completion of 'erdma-cdi '" "list generate --help --version" "$(comp erdma-cdi '')"
check_eq "completion of 'erdma-cdi generate --f'" "--format" "$(comp erdma-cdi generate --f)"
check_eq "completion of 'erdma-cdi generate --format '" "json yaml" "$(comp erdma-cdi generate --format '')"
check_eq "completion of 'erdma-cdi list --j'" "--json" "$(comp erdma-cdi list --j)"
check_eq "completion of '--device-name-strategy '" "ibdev index both" \
	"$(comp erdma-cdi generate --device-name-strategy '')"
# Every option the completion offers is one that erdma-cdi --help mentions.
if [ -x "$build/erdma-cdi" ]; then
	help=$("$build/erdma-cdi" --help 2>&1) || true
	missing=""
	for o in $(comp erdma-cdi generate --) $(comp erdma-cdi list --); do
		case $help in *"$o"*) ;; *) missing="$missing $o" ;; esac
	done
	# --watch belongs to the CDI watch work (issue 7), landing separately.
	if [ "$missing" = " --watch" ]; then
		ok_skip "completion's --watch in erdma-cdi --help" "erdma-cdi has no --watch on this branch yet"
		missing=""
	fi
	check_eq "every completed option appears in erdma-cdi --help" "" "$missing"
fi

done_testing
