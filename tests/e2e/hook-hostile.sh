#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-hook against hostile images (runc, no /dev tmpfs so that the image's
# own /dev is what the hook meets): symlinks to host directories (absolute,
# relative with ..), a file where a directory belongs, a different node or
# a symlink at the node's path, a loop, a very long path. Nothing may
# appear outside the rootfs. Regression tests for the attack classes:
# TOCTOU on the rootfs (CVE-2024-0132/0134 class) and environment taken
# from the container (CVE-2025-23266 class).
# shellcheck disable=SC2016 # jq programs and container commands: single quotes on purpose
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/hook.sh"
need_root
need_bins runc jq
need_built erdma-hook
hook_init

# A bundle whose image /dev is used as is (no tmpfs on /dev).
nodev_bundle() {
	hook_bundle "$T/$1"
	bundle_annotate "$T/$1" erdma_0
	bundle_jq "$T/$1" '.mounts |= map(select(.destination | startswith("/dev") | not))'
	bundle_cmd "$T/$1" "$SHOW_CMD"
}
# What we could have left in a host directory: device nodes or our dir.
ours_in() { find "$1" \( -type c -o -name infiniband -o -name 'uverbs*' -o -name rdma_cm \) -print 2>/dev/null; }

nodev_bundle plain
st=0; out=$(runc_run "$T/plain" "hh$$-plain") || st=$?
check_eq "no /dev tmpfs: runs" 0 "$st"
check_contains "no /dev tmpfs: uverbs0 in the image's /dev" "$out" "/dev/infiniband/uverbs0 character special file e7:c0"
check "no /dev tmpfs: the node is inside the rootfs" test -c "$T/plain/rootfs/dev/infiniband/uverbs0"

# /dev/infiniband -> host dir, absolute and relative with "..": resolved
# inside the rootfs, where the target does not exist: refused.
for kind in abs rel; do
	h=$T/host-ib-$kind
	mkdir -p "$h"
	nodev_bundle "ib-$kind"
	if [ $kind = abs ]; then tgt=$h; else tgt=../../../../../../../../../..$h; fi
	ln -s "$tgt" "$T/ib-$kind/rootfs/dev/infiniband"
	st=0; out=$(runc_run "$T/ib-$kind" "hh$$-ib-$kind") || st=$?
	check "/dev/infiniband -> host dir ($kind): container does not start" test "$st" -ne 0
	check_contains "/dev/infiniband -> host dir ($kind): clear error" "$out" "erdma-hook: device 'erdma_0': '/dev/infiniband/uverbs0': '/dev/infiniband' exists and is not a directory"
	check_eq "/dev/infiniband -> host dir ($kind): host dir stays empty" "" "$(ls -A "$h")"
done

# /dev -> host dir. runc 1.1.5 itself writes its /dev symlinks (fd, stdin,
# ...) through such a link onto the host; we check that nothing of ours
# lands there: our resolution keeps the link inside the rootfs, so the
# nodes go to <rootfs>/<host dir>/infiniband, which the container sees as
# its /dev/infiniband.
for kind in abs rel; do
	h=$T/host-dev-$kind
	mkdir -p "$h"
	nodev_bundle "dev-$kind"
	if [ $kind = abs ]; then tgt=$h; else tgt=../../../../../../../../../..$h; fi
	rm -rf "$T/dev-$kind/rootfs/dev"
	ln -s "$tgt" "$T/dev-$kind/rootfs/dev"
	st=0; out=$(runc_run "$T/dev-$kind" "hh$$-dev-$kind") || st=$?
	check_eq "/dev -> host dir ($kind): no node of ours in the host dir" "" "$(ours_in "$h")"
	check "/dev -> host dir ($kind): nodes stayed inside the rootfs" test -c "$T/dev-$kind/rootfs$h/infiniband/uverbs0"
	check_contains "/dev -> host dir ($kind): the container sees them" "$out" "/dev/infiniband/uverbs0 character special file e7:c0"
done

nodev_bundle file
touch "$T/file/rootfs/dev/infiniband"
st=0; out=$(runc_run "$T/file" "hh$$-file") || st=$?
check "a file where /dev/infiniband belongs: container does not start" test "$st" -ne 0
check_contains "a file where /dev/infiniband belongs: clear error" "$out" "'/dev/infiniband': Not a directory"

nodev_bundle node
mkdir "$T/node/rootfs/dev/infiniband"
mknod "$T/node/rootfs/dev/infiniband/uverbs0" c 1 3
st=0; out=$(runc_run "$T/node" "hh$$-node") || st=$?
check "a different node at the path: container does not start" test "$st" -ne 0
check_contains "a different node at the path: clear error" "$out" "'uverbs0' exists and is character device 1:3, not character device 231:192"

h=$T/host-nodelink
mkdir -p "$h"
nodev_bundle nodelink
mkdir "$T/nodelink/rootfs/dev/infiniband"
ln -s "$h/uverbs0" "$T/nodelink/rootfs/dev/infiniband/uverbs0"
st=0; out=$(runc_run "$T/nodelink" "hh$$-nodelink") || st=$?
check "a symlink at the node's path: container does not start" test "$st" -ne 0
check_contains "a symlink at the node's path: clear error" "$out" "'uverbs0' exists and is a symbolic link"
check_eq "a symlink at the node's path: host dir stays empty" "" "$(ls -A "$h")"

nodev_bundle loop
ln -s infiniband "$T/loop/rootfs/dev/infiniband"
st=0; out=$(runc_run "$T/loop" "hh$$-loop") || st=$?
check "a symlink loop: container does not start" test "$st" -ne 0
check_contains "a symlink loop: clear error" "$out" "Too many levels of symbolic links"

# Very long: a 4 KiB link target (works, inside the rootfs), and a chain
# whose expansion exceeds PATH_MAX components deep (a clear error).
nodev_bundle long
seg=$(printf 'a%.0s' $(seq 1 90))
long=$(printf "$seg/%.0s" $(seq 1 44))
mkdir -p "$T/long/rootfs/$long"
ln -s "/$long" "$T/long/rootfs/dev/infiniband"
st=0; out=$(runc_run "$T/long" "hh$$-long") || st=$?
check_eq "a 4 KiB symlink target: runs" 0 "$st"
check "a 4 KiB symlink target: node inside the rootfs" test -c "$T/long/rootfs/$long/uverbs0"
nodev_bundle toolong
(cd "$T/toolong/rootfs" && for i in $(seq 1 50); do ln -s "$long/$long" "l$i" 2>/dev/null || true; done)
ln -s "/$(printf 'l1/%.0s' $(seq 1 30))" "$T/toolong/rootfs/dev/infiniband"
st=0; out=$(runc_run "$T/toolong" "hh$$-toolong") || st=$?
check "a path that never ends: container does not start" test "$st" -ne 0
check_contains "a path that never ends: clear error" "$out" "erdma-hook: device 'erdma_0': '/dev/infiniband/uverbs0'"

# --- TOCTOU (CVE-2024-0132/0134 class) ------------------------------------
# A "container" process in its own mount namespace and devices cgroup; its
# image's /dev/infiniband is swapped atomically (renameat2 RENAME_EXCHANGE)
# with a symlink to a host directory, as fast as possible, while the hook
# runs 150 times with openat2 and 150 times with openat2 blocked (ENOSYS
# from a seccomp filter set by a tiny launcher, so the component walk does
# the work). The host directory must never gain anything.
if command -v python3 >/dev/null && command -v cc >/dev/null; then
	h=$T/host-race
	mkdir -p "$h"
	R=$T/race/rootfs
	nodev_bundle race
	mkdir -p "$R/dev/infiniband"
	ln -s "$h" "$R/dev/ib-link"
	cat >"$T/noopenat2.c" <<'C'
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = {sizeof f / sizeof f[0], f};
	if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p))
		return 125;
	execv(argv[1], argv + 1);
	return 126;
}
C
	cc -o "$T/noopenat2" "$T/noopenat2.c"
	cg=/sys/fs/cgroup/devices/ect-race-$$
	mkdir "$cg"
	unshare -m --propagation private sleep 300 &
	cpid=$!
	# The cgroup goes only once its process is gone: kill, wait, rmdir.
	hook_on_exit "kill $cpid; wait $cpid; rmdir '$cg'"
	echo "$cpid" >"$cg/cgroup.procs"
	python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
while True:
    libc.renameat2(-100, a, -100, b, 2)
' "$R/dev/infiniband" "$R/dev/ib-link" &
	fpid=$!
	hook_on_exit "kill $fpid"
	sleep 0.3
	state='{"ociVersion":"1.0.2","id":"race","status":"creating","pid":'$cpid',"bundle":"'$T/race'"}'
	for mode in openat2 walk; do
		okc=0 errc=0
		if [ $mode = walk ]; then pre=("$T/noopenat2"); else pre=(); fi
		for i in $(seq 1 150); do
			if echo "$state" | "${pre[@]}" "$HOOK" --config "$HCFG" prestart 2>/dev/null; then okc=$((okc + 1)); else errc=$((errc + 1)); fi
			[ -n "$(ls -A "$h")" ] && break
		done
		diag "racing rootfs ($mode): $okc runs succeeded, $errc refused"
		check_eq "racing rootfs ($mode): the host dir never gained anything" "" "$(ls -A "$h")"
		check "racing rootfs ($mode): both outcomes seen (the race was on)" test "$okc" -gt 0 -a "$errc" -gt 0
	done
	kill "$fpid" 2>/dev/null || true
	wait "$fpid" 2>/dev/null || true # killed: its status is the signal's
	# The launcher really blocks openat2: the walk is what ran (whether the
	# hook then succeeds depends on the race's last rename).
	out=$(echo "$state" | "$T/noopenat2" "$HOOK" --debug --config "$HCFG" prestart 2>&1) || true
	check_contains "walk mode: openat2 was refused and the walk used" "$out" "walking"
else
	ok_skip "racing rootfs" "needs python3 and cc"
fi

# --- environment from the container (CVE-2025-23266 class) ----------------
# The container's env asks for a preload library from the image that would
# leave a marker on the host if anything of ours loaded it.
marker=$T/preload-marker
mkdir -p "$T/evil"
cat >"$T/evil/evil.c" <<C
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	int fd = open("$marker", O_WRONLY | O_CREAT, 0644);
	if (fd >= 0) close(fd);
}
C
if cc -shared -fPIC -o "$T/evil/evil.so" "$T/evil/evil.c" 2>/dev/null; then
	LD_PRELOAD=$T/evil/evil.so /bin/true
	check "preload test library works (sanity)" test -e "$marker"
	rm -f "$marker"
	hook_bundle "$T/preload"
	mkdir -p "$T/preload/rootfs/lib"
	cp "$T/evil/evil.so" "$T/preload/rootfs/lib/evil.so"
	bundle_annotate "$T/preload" erdma_0
	bundle_env "$T/preload" LD_PRELOAD=/lib/evil.so
	bundle_env "$T/preload" LD_LIBRARY_PATH=/lib
	bundle_env "$T/preload" ERDMA_CONFIG=/etc/evil.json
	bundle_cmd "$T/preload" "$SHOW_CMD"
	st=0; out=$(runc_run "$T/preload" "hh$$-preload") || st=$?
	check_eq "container env LD_PRELOAD: runs" 0 "$st"
	check_contains "container env LD_PRELOAD: devices injected" "$out" "uverbs0 character special file e7:c0"
	check "container env LD_PRELOAD: nothing loaded it (no marker)" test ! -e "$marker"
else
	ok_skip "LD_PRELOAD regression" "no C compiler"
fi

# --- root.path checked against the host's view ---------------------------
# A rootfs that only the container's mount namespace holds (a tmpfs mounted
# there): the host cannot stat root.path, so the device-and-inode check of
# the rootfs cannot be made. Refused, nothing made in that namespace.
if command -v unshare >/dev/null && command -v nsenter >/dev/null; then
	ns=$T/nsonly
	mkdir -p "$ns/m" "$ns/b"
	unshare -m --propagation private sh -c 'mount -t tmpfs none "$1" && mkdir -p "$1/r/dev" && exec sleep 60' sh "$ns/m" &
	nspid=$!
	cgs=""
	for _ in $(seq 50); do nsenter -t "$nspid" -m test -d "$ns/m/r/dev" 2>/dev/null && break; sleep 0.1; done
	# Its own device cgroups: the hook writes its rule there, not in a
	# cgroup of the host.
	for h in /sys/fs/cgroup/devices /sys/fs/cgroup/unified; do
		[ -d "$h" ] || continue
		mkdir -p "$h/ect-hh-$$" && cgs="$cgs $h/ect-hh-$$" && echo "$nspid" >"$h/ect-hh-$$/cgroup.procs"
	done
	# The sleeper first, then its (now empty) cgroups.
	hook_on_exit "kill $nspid; wait $nspid; rmdir $cgs"
	jq -n --arg r "$ns/m/r" '{ociVersion: "1.0.2", root: {path: $r},
		annotations: {"com.aliyun.erdma.devices": "erdma_0"}}' >"$ns/b/config.json"
	st=0
	out=$(printf '{"ociVersion":"1.0.2","id":"nsonly","status":"creating","pid":%s,"bundle":"%s"}' "$nspid" "$ns/b" |
		"$HOOK" --config "$HCFG" prestart 2>&1) || st=$?
	check "rootfs the host cannot see: refused" test "$st" -ne 0
	check_contains "rootfs the host cannot see: says so" "$out" "rootfs '$ns/m/r'"
	check "rootfs the host cannot see: nothing made in the namespace" \
		nsenter -t "$nspid" -m test ! -e "$ns/m/r/dev/infiniband"
else
	ok_skip "rootfs the host cannot see" "no unshare/nsenter"
fi

done_testing
