/* SPDX-License-Identifier: Apache-2.0 */
/* Path resolution and node creation inside an untrusted container rootfs.
 *
 * Everything works on file descriptors: the rootfs is opened once and every
 * path is resolved relative to it as if it were "/" (symlinks are resolved
 * under the root, ".." stops at the root, magic links are refused), so no
 * link in the image can lead outside it. openat2(RESOLVE_IN_ROOT) does the
 * work when the kernel has it (5.6+); otherwise a component walk does the
 * same (crun safe_openat_fallback, nvc do_path_resolve). See STYLE.md 5. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ECT_ROOTFS_MAX_HOPS 40   /* symlinks followed in one resolution */
#define ECT_ROOTFS_MAX_PATH 4096 /* bytes of a path, links substituted */
#define ECT_ROOTFS_MAX_DEPTH 256 /* directory levels in one resolution */

/* Opens path inside the root rootfd (an O_PATH or O_RDONLY directory fd).
 * A leading "/" is optional; "" and "/" give the root itself. flags are
 * open(2) flags (O_CLOEXEC is added; O_CREAT is refused); the last
 * component is followed when it is a symlink, inside the root, unless
 * flags has O_NOFOLLOW. Returns the new fd, or < 0 with *err set. */
int ect_rootfs_open(int rootfd, const char *path, int flags, struct ect_error **err);

/* The component walk on its own (what ect_rootfs_open() falls back to when
 * openat2 fails with ENOSYS, EINVAL or EPERM). Exported for tests. */
int ect_rootfs_open_walk(int rootfd, const char *path, int flags, struct ect_error **err);

/* The mounts that nodes and directories may be created on: the container's
 * own /dev (the engine's tmpfs) and the rootfs mount. RESOLVE_IN_ROOT keeps
 * a resolution inside the root directory, but not on the root's mounts: a
 * link in the image can lead onto a volume or a bind mount of a host
 * directory, which must never gain anything of ours. */
#define ECT_ROOTFS_MAX_MOUNTS 2
struct ect_rootfs_mount {
        uint64_t mnt_id; /* statx STATX_MNT_ID; 0: unknown (kernels before 5.8) */
        dev_t dev;       /* the superblock */
};
struct ect_rootfs_mounts {
        struct ect_rootfs_mount m[ECT_ROOTFS_MAX_MOUNTS];
        size_t n;
};

/* The mount fd is on (statx on the fd itself, never a path). Returns 0, or
 * < 0 with *err set. */
int ect_rootfs_mount_of(int fd, struct ect_rootfs_mount *ret, struct ect_error **err);
/* Adds mount x (ect_rootfs_mount_of() of an fd) to m (at most
 * ECT_ROOTFS_MAX_MOUNTS, no duplicate). It takes the mount, not the fd: the
 * hook has looked at each mount before it adds it, and a second statx of
 * the same fd would only ask again. */
int ect_rootfs_mounts_add(struct ect_rootfs_mounts *m, const struct ect_rootfs_mount *x,
                          struct ect_error **err);
/* 0 when fd (which names path, inside the root) is on one of the mounts m;
 * otherwise EXDEV with a message naming path and the mount (its mount
 * point as /proc/self/mountinfo shows it, when readable). */
int ect_rootfs_check_mount(int fd, const struct ect_rootfs_mounts *m, const char *path,
                           struct ect_error **err);

/* The superblock field ("MAJ:MIN", the third) of a /proc/self/mountinfo
 * line, read as sscanf(line, "%*u %*u %u:%u") reads it, without scanf's
 * cost: the host's mountinfo has a line per mount, hundreds on a busy
 * node, and the hook reads it on every container start. false when the
 * line does not start that way. */
bool ect_rootfs_mountinfo_dev(const char *line, unsigned *ret_major, unsigned *ret_minor);

/* Makes sure the directory path exists inside the root, creating missing
 * components one at a time (mkdirat on the parent fd, then reopen with
 * O_NOFOLLOW) with mode (subject to the umask). Existing components may be
 * symlinks: they are resolved inside the root. With mounts (may be NULL:
 * no check), every directory created in and the directory returned must be
 * on one of them (EXDEV otherwise, nothing created there). Returns an
 * O_PATH directory fd of the last component, or < 0 (ENOTDIR when
 * something else is there). */
int ect_rootfs_mkdir_p(int rootfd, const char *path, mode_t mode,
                       const struct ect_rootfs_mounts *mounts, struct ect_error **err);

enum {
        ECT_ROOTFS_EXISTED = 0, /* the same character device was there: left alone */
        ECT_ROOTFS_CREATED = 1,
};

/* Creates the character device name (one component) in dirfd with mode
 * (subject to the umask, as for mknod(2)). An existing entry that is the
 * same character device is left alone (ECT_ROOTFS_EXISTED: CDI, --device or
 * an earlier run made it); anything else there is EEXIST. */
int ect_rootfs_mknod(int dirfd, const char *name, unsigned major, unsigned minor, mode_t mode,
                     struct ect_error **err);

/* For containers in a user namespace, where a device node made by us would
 * sit on a nodev superblock: creates an empty file name in dirfd and moves
 * the detached mount treefd (open_tree(OPEN_TREE_CLONE) of the host node,
 * taken in the host's mount namespace) onto it. The caller must be in the
 * mount namespace that holds dirfd. Same return values as
 * ect_rootfs_mknod(). */
int ect_rootfs_bind_node(int dirfd, const char *name, int treefd, unsigned major, unsigned minor,
                         struct ect_error **err);

/* Opens /proc/self/fd for the final check of the component walk. Call it
 * before entering another mount namespace whose /proc may not show us;
 * otherwise it is opened on first use. Returns 0 or < 0. */
int ect_rootfs_init_proc(struct ect_error **err);
