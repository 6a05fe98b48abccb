# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# The preamble every tests/e2e script shares. Source it first:
#
#   top=$(cd "$(dirname "$0")/../.." && pwd)
#   . "$top/tests/lib/e2e.sh"
#
# It turns on strict mode (set -euo pipefail): a command whose failure a
# test expects is written `st=0; out=$(cmd) || st=$?`, so that an assertion
# reports "not ok" and the script goes on. It loads tap.sh, fakehost.sh and
# rootfs.sh, and gives:
#
#   e2e_tmpdir NAME      T=/tmp/NAME.XXXXXX, removed at exit (mounts under
#                        it unmounted first); KEEP_TMP=1 keeps it and says where
#   e2e_on_exit CMD      runs CMD at exit; the last registered runs first, each
#                        one whatever the others did (one stack per script)
#   e2e_absent PATH...   PATH is removed at exit unless it exists now (state
#                        that engines leave in /run)
#   need_bins BIN...     skip_all naming the first BIN not installed; with
#                        `need_bins -h HINT BIN...` the reason adds (HINT)
#   need_built PROG...   skip_all naming the first program not built
#   need_root, need_cgroup2
#   shim_host            the shim's run without an engine: a fake host in
#                        $T/host, a runtime $T/fake-runc that only leaves
#                        $T/ran behind, the host config $T/erdma.json naming
#                        both (memlock 8 MiB)
#   e2e_no_errexit       set +e, for a script not yet converted to -e
#   stop_pid PIDFILE     stops the daemon whose pid PIDFILE holds (by its pid:
#                        never by name, other people's engines run here)
#   containerd_config DIR      DIR/config.toml: a containerd of our own, its
#                              sockets and state in DIR, no CRI plugin
#   daemon_start SOCK PIDFILE LOG CMD...   CMD in the background until SOCK
#                              appears (10 s); stopped at exit
#   dockerd_start DIR CTD_SOCK DAEMON_JSON LOG   dockerd in DIR (as
#                              ../shared/TESTBED.md runs it) on that containerd,
#                              ready when `docker version` answers; exports
#                              DOCKER_HOST, stopped at exit; removes the
#                              "docker" cgroups it made
set -euo pipefail
# A command that fails where the script did not expect it stops the script:
# say which one, so that the stop is not silent (tests/run-e2e.sh counts a
# script that exits non-zero without a "not ok" as a failure).
trap 'echo "# ${BASH_SOURCE[0]}:$LINENO: stopped (set -e): \"$BASH_COMMAND\" failed"' ERR

E2E_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$E2E_LIB/tap.sh"
# shellcheck source=tests/lib/fakehost.sh
. "$E2E_LIB/fakehost.sh"
# shellcheck source=tests/lib/rootfs.sh
. "$E2E_LIB/rootfs.sh"

E2E_CLEANUPS=()
# One trap for the whole script, set here: a second `trap ... EXIT` would
# silently replace the stack, and one set inside $(...) (e2e_on_exit called
# there) would run the stack when that subshell ends. A command registered
# inside $(...) is lost with the subshell: register in the script itself.
trap e2e_cleanup EXIT
e2e_on_exit() { E2E_CLEANUPS+=("$1"); }
e2e_cleanup() {
	local i
	# Cleanup must run to the end: a daemon already gone or a file already
	# removed is not an error here.
	set +e
	trap - ERR
	for ((i = ${#E2E_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${E2E_CLEANUPS[i]}" >/dev/null 2>&1
	done
	# The script's exit status is the one it had before this trap ran.
}

# umount_under DIR: lazily unmounts what engines or the test mounted under
# DIR, deepest first, so that removing DIR never reaches through a bind mount.
umount_under() {
	grep -o " $1/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
}

e2e_tmpdir() {
	T=$(mktemp -d "/tmp/$1.XXXXXX")
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		# The message must reach the person even though cleanups are quiet.
		e2e_on_exit "umount_under '$T'; echo '# KEEP_TMP=1: kept $T' >&3"
		exec 3>&1
	else
		e2e_on_exit "umount_under '$T'; rm -rf '$T'"
	fi
}

e2e_absent() {
	local p
	for p in "$@"; do [ -e "$p" ] || e2e_on_exit "rm -rf '$p'"; done
}

# e2e_no_errexit: strict mode without -e, for a script whose every command
# has not yet been read for what a failure under -e would do (package.sh).
e2e_no_errexit() {
	set +e
	trap - ERR
}

need_bins() {
	local hint="" b
	if [ "${1:-}" = -h ]; then hint=" ($2)"; shift 2; fi
	for b in "$@"; do command -v "$b" >/dev/null || skip_all "$b not installed$hint"; done
}

need_built() {
	local p
	for p in "$@"; do [ -x "$(ect_bin "$p")" ] || skip_all "$p not built ($(ect_bin "$p")): make first"; done
}

need_cgroup2() { grep -q cgroup2 /proc/filesystems || skip_all "kernel without cgroup2"; }

shim_host() {
	fakehost_standard "$T/host"
	cat >"$T/fake-runc" <<SH
#!/bin/sh
touch "$T/ran"
SH
	chmod +x "$T/fake-runc"
	printf '{"sysfs-root":"%s","dev-root":"%s","memlock":8388608,"runtime":"%s"}\n' \
		"$T/host/sys" "$T/host/dev" "$T/fake-runc" >"$T/erdma.json"
}

stop_pid() {
	[ -f "$1" ] || return 0
	kill "$(cat "$1")" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$(cat "$1")" 2>/dev/null || break; sleep 0.1; done
	rm -f "$1"
}

containerd_config() {
	mkdir -p "$1"
	cat >"$1/config.toml" <<TOML
version = 2
root = "$1/root"
state = "$1/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$1/containerd.sock"
[ttrpc]
  address = "$1/containerd.sock.ttrpc"
TOML
}

daemon_start() {
	local sock=$1 pidfile=$2 log=$3
	shift 3
	"$@" >"$log" 2>&1 &
	echo $! >"$pidfile"
	e2e_on_exit "stop_pid '$pidfile'"
	for _ in $(seq 100); do [ -S "$sock" ] && return 0; sleep 0.1; done
	return 1
}

dockerd_start() {
	local d=$1 ctd=$2 json=$3 log=$4 c
	if [ -z "${E2E_DOCKERD:-}" ]; then
		E2E_DOCKERD=1
		e2e_absent /run/docker
		# dockerd (cgroupfs driver) makes a "docker" group in every
		# hierarchy and leaves it: remove the ones that were not there
		# before (rmdir: only empty ones).
		for c in /sys/fs/cgroup/*/; do
			[ -L "${c%/}" ] || [ -e "${c}docker" ] || e2e_on_exit "rmdir '${c}docker'"
		done
	fi
	export DOCKER_HOST=unix://$d/docker.sock
	# The container inherits its limits from dockerd and containerd: a low
	# soft memlock, the hard limit these machines have.
	prlimit --memlock=65536:8388608 dockerd --data-root "$d/root" --exec-root "$d/exec" \
		--pidfile "$d/docker.pid.d" -H "unix://$d/docker.sock" --containerd "$ctd" \
		--storage-driver vfs --iptables=false --ip6tables=false --bridge=none --ip-masq=false \
		--exec-opt native.cgroupdriver=cgroupfs --config-file "$json" >>"$log" 2>&1 &
	echo $! >"$d/docker.pid"
	e2e_on_exit "stop_pid '$d/docker.pid'"
	for _ in $(seq 150); do
		/usr/bin/docker version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$d/docker.pid")" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
