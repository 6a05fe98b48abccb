#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# erdma-hook and the container's mounts (issue 13, section 1), with real
# runc: RESOLVE_IN_ROOT keeps a resolution inside the root directory, but
# not on the root's mounts. A link in the image that stays inside the root
# yet lands on a volume (a bind mount of a host directory), or a volume at
# /dev or /dev/infiniband itself, must not make the hook create anything
# there: the host directory stays empty, the container does not start and
# the error names the path and the mount. With openat2 and with the
# component walk, with and without a user namespace.
# shellcheck disable=SC2016 # jq programs and container commands: single quotes on purpose
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib/e2e.sh"
. "$top/tests/lib/hook.sh"
need_root
need_bins runc jq
need_built erdma-hook
hook_init

# What the hook could have left in a host directory: our names, as nodes,
# directories or (user namespace) the files it mounts the host node onto.
ours_in() { find "$1" \( -name infiniband -o -name 'uverbs*' -o -name rdma_cm \) -print 2>/dev/null; }

# A launcher that makes openat2 fail with ENOSYS, so that the hook takes
# the component walk (as on a kernel before 5.6).
WALK=""
if command -v cc >/dev/null; then
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
	cc -o "$T/noopenat2" "$T/noopenat2.c" && WALK=$T/noopenat2
fi

# vol_bundle NAME RESOLVE [nodev]: a bundle asking for erdma_0; RESOLVE is
# openat2 or walk (the hook started through the launcher); nodev: no /dev
# tmpfs, the image's own /dev is used.
vol_bundle() {
	local b=$T/$1
	hook_bundle "$b"
	bundle_annotate "$b" erdma_0
	bundle_cmd "$b" "$SHOW_CMD"
	if [ "$2" = walk ]; then
		bundle_jq "$b" --arg w "$WALK" '.hooks.prestart[0] |= (.args = ["noopenat2", .path] + .args[1:] | .path = $w)'
	fi
	if [ "${3:-}" = nodev ]; then
		bundle_jq "$b" '.mounts |= map(select(.destination | startswith("/dev") | not))'
	fi
}
# bind_at BUNDLE HOSTDIR DEST: a volume (bind mount of a host directory).
bind_at() {
	bundle_jq "$1" --arg s "$2" --arg d "$3" '.mounts += [{destination: $d, type: "bind", source: $s, options: ["rbind", "rw"]}]'
}
# refused NAME OUT STATUS HOSTDIR PATH: the checks every case makes.
refused() {
	local name=$1 out=$2 st=$3 h=$4 path=$5
	check "$name: container does not start" test "$st" -ne 0
	check_contains "$name: the error names the path and the mount" "$out" "'$path' is on mount"
	check_contains "$name: ... and says why" "$out" "neither the container's /dev nor its rootfs"
	check_eq "$name: the host directory gained nothing" "" "$(ours_in "$h")"
}

modes=(openat2)
if [ -n "$WALK" ]; then modes+=(walk); else ok_skip "component walk cases" "no C compiler"; fi

for m in "${modes[@]}"; do
	# Sanity: a volume that nothing points at changes nothing.
	h=$T/h-ok-$m
	mkdir -p "$h"
	vol_bundle "ok-$m" "$m"
	bind_at "$T/ok-$m" "$h" /data
	st=0; out=$(runc_run "$T/ok-$m" "hm$$-ok-$m") || st=$?
	check_eq "a volume elsewhere ($m): runs" 0 "$st"
	check_contains "a volume elsewhere ($m): uverbs0 on the engine's /dev" "$out" "/dev/infiniband/uverbs0 character special file e7:c0"
	check_eq "a volume elsewhere ($m): the volume gained nothing" "" "$(ls -A "$h")"

	# The image's /dev/infiniband -> /data, a volume (no /dev tmpfs).
	h=$T/h-ib-$m
	mkdir -p "$h"
	vol_bundle "ib-$m" "$m" nodev
	bind_at "$T/ib-$m" "$h" /data
	ln -s /data "$T/ib-$m/rootfs/dev/infiniband"
	st=0; out=$(runc_run "$T/ib-$m" "hm$$-ib-$m") || st=$?
	refused "/dev/infiniband -> a volume ($m)" "$out" "$st" "$h" /dev/infiniband

	# The image's /dev -> /data, a volume (no /dev tmpfs): runc itself
	# writes its /dev entries there; nothing of ours may follow.
	h=$T/h-dev-$m
	mkdir -p "$h"
	vol_bundle "dev-$m" "$m" nodev
	bind_at "$T/dev-$m" "$h" /data
	rm -rf "$T/dev-$m/rootfs/dev"
	ln -s data "$T/dev-$m/rootfs/dev"
	st=0; out=$(runc_run "$T/dev-$m" "hm$$-dev-$m") || st=$?
	refused "/dev -> a volume ($m)" "$out" "$st" "$h" /dev

	# A volume at /dev itself, replacing the engine's tmpfs (an image's
	# VOLUME /dev, a -v host:/dev).
	h=$T/h-voldev-$m
	mkdir -p "$h"
	vol_bundle "voldev-$m" "$m"
	bundle_jq "$T/voldev-$m" '.mounts |= map(select(.destination != "/dev"))'
	bind_at "$T/voldev-$m" "$h" /dev
	st=0; out=$(runc_run "$T/voldev-$m" "hm$$-voldev-$m") || st=$?
	refused "a volume at /dev ($m)" "$out" "$st" "$h" /dev

	# A volume at /dev/infiniband on the engine's /dev tmpfs.
	h=$T/h-volib-$m
	mkdir -p "$h"
	vol_bundle "volib-$m" "$m"
	bind_at "$T/volib-$m" "$h" /dev/infiniband
	st=0; out=$(runc_run "$T/volib-$m" "hm$$-volib-$m") || st=$?
	refused "a volume at /dev/infiniband ($m)" "$out" "$st" "$h" /dev/infiniband
done

# A tmpfs of the host bind-mounted at /dev: a tmpfs, but not the engine's
# (its superblock is mounted on the host).
h=$T/h-tmpfs
mkdir -p "$h"
if mount -t tmpfs -o size=1m ect-hm "$h"; then
	hook_on_exit "umount -l '$h'"
	vol_bundle tmpfs openat2
	bundle_jq "$T/tmpfs" '.mounts |= map(select(.destination != "/dev"))'
	bind_at "$T/tmpfs" "$h" /dev
	st=0; out=$(runc_run "$T/tmpfs" "hm$$-tmpfs") || st=$?
	refused "a host tmpfs at /dev" "$out" "$st" "$h" /dev
else
	ok_skip "a host tmpfs at /dev" "cannot mount a tmpfs"
fi

# In a user namespace the hook bind-mounts the host node onto an empty
# file it creates: neither the file nor the mount may land on a volume.
for m in "${modes[@]}"; do
	h=$T/h-userns-$m
	mkdir -p "$h"
	chmod 755 "$T"
	b=$T/userns-$m
	vol_bundle "userns-$m" "$m"
	chown -R 100000:100000 "$b/rootfs" "$h"
	bundle_jq "$b" '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .mounts |= map(select(.destination != "/sys"))'
	bind_at "$b" "$h" /dev/infiniband
	st=0; out=$(runc_run "$b" "hm$$-userns-$m") || st=$?
	refused "user namespace, a volume at /dev/infiniband ($m)" "$out" "$st" "$h" /dev/infiniband
done

done_testing
