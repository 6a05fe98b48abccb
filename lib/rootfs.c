/* SPDX-License-Identifier: Apache-2.0 */
#include "rootfs.h"
#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

/* /proc/self/fd of this process, for the final check of the walk. */
static int proc_fd_dir = -1;

int ect_rootfs_init_proc(struct ect_error **err)
{
        if (proc_fd_dir >= 0)
                return 0;
        proc_fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (proc_fd_dir < 0)
                return ect_error_set(err, errno, "open '/proc/self/fd'");
        return 0;
}

static const char *describe(const struct stat *st, char *buf, size_t n)
{
        switch (st->st_mode & S_IFMT) {
        case S_IFCHR:
                snprintf(buf, n, "character device %u:%u", major(st->st_rdev), minor(st->st_rdev));
                return buf;
        case S_IFBLK:
                snprintf(buf, n, "block device %u:%u", major(st->st_rdev), minor(st->st_rdev));
                return buf;
        case S_IFDIR:
                return "a directory";
        case S_IFLNK:
                return "a symbolic link";
        case S_IFREG:
                return "a regular file";
        case S_IFIFO:
                return "a FIFO";
        case S_IFSOCK:
                return "a socket";
        default:
                return "of unknown type";
        }
}

/* The walk never follows a link itself and never asks the kernel for "..",
 * so a rename can at worst move a directory we hold out of the root while
 * we walk. Compare the result's path with the root's, as crun's
 * check_fd_under_path does. Without /proc (not mounted where we are), the
 * check is skipped: the walk itself is still confined. */
static int check_under_root(int rootfd, int fd, const char *path, struct ect_error **err)
{
        char rbuf[ECT_ROOTFS_MAX_PATH + 1], fbuf[ECT_ROOTFS_MAX_PATH + 1], name[32];
        ssize_t rn, fn;

        if (proc_fd_dir < 0) {
                struct ect_error *e = NULL;
                if (ect_rootfs_init_proc(&e) < 0) {
                        log_debug("no /proc/self/fd, final check of '%s' skipped", path);
                        ect_error_free(&e);
                        return 0;
                }
        }
        snprintf(name, sizeof name, "%d", rootfd);
        rn = readlinkat(proc_fd_dir, name, rbuf, sizeof rbuf - 1);
        snprintf(name, sizeof name, "%d", fd);
        fn = readlinkat(proc_fd_dir, name, fbuf, sizeof fbuf - 1);
        if (rn < 0 || fn < 0 || rn >= (ssize_t)sizeof rbuf - 1 || fn >= (ssize_t)sizeof fbuf - 1)
                return ect_error_set(err, errno ? errno : ENAMETOOLONG,
                                     "cannot verify where '%s' resolved to", path);
        rbuf[rn] = fbuf[fn] = '\0';
        if (strcmp(rbuf, "/") == 0)
                return 0;
        if (strncmp(fbuf, rbuf, (size_t)rn) == 0 && (fbuf[rn] == '\0' || fbuf[rn] == '/'))
                return 0;
        return ect_error_set(err, EXDEV, "'%s' resolved outside the rootfs (to '%s')", path, fbuf);
}

/* The mount ID of fd from /proc/self/fdinfo (Linux 3.15 and later), read
 * through the /proc fd opened on the host; 0 when unknown. */
static uint64_t fdinfo_mnt_id(int fd)
{
        cleanup_free char *buf = NULL;
        struct ect_error *e = NULL;
        char name[64];
        const char *p;

        if (proc_fd_dir < 0)
                return 0;
        snprintf(name, sizeof name, "../fdinfo/%d", fd);
        if (ect_read_file_at(proc_fd_dir, name, 64 << 10, &buf, NULL, &e) < 0) {
                ect_error_free(&e);
                return 0;
        }
        for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                unsigned long long id;
                if (sscanf(p, "mnt_id: %llu", &id) == 1)
                        return id;
        }
        return 0;
}

int ect_rootfs_mount_of(int fd, struct ect_rootfs_mount *ret, struct ect_error **err)
{
        struct statx stx;
        struct stat st;

        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) == 0) {
                ret->mnt_id = (stx.stx_mask & STATX_MNT_ID) ? stx.stx_mnt_id : 0;
                ret->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
        } else if (errno == ENOSYS) {
                /* Kernels before 4.11 (CentOS 7) have no statx. */
                if (fstat(fd, &st) < 0)
                        return ect_error_set(err, errno, "fstat");
                ret->mnt_id = 0;
                ret->dev = st.st_dev;
        } else {
                return ect_error_set(err, errno, "statx");
        }
        /* statx gives the mount ID from Linux 5.8; before (CentOS 8, Ubuntu
         * 18.04, Alibaba Cloud Linux 2), and under emulators that drop the
         * field, /proc's fdinfo has it. Only where neither does is the
         * superblock alone compared, which still tells a volume on another
         * file system apart but not a bind mount of the same one. */
        if (ret->mnt_id == 0)
                ret->mnt_id = fdinfo_mnt_id(fd);
        return 0;
}

static bool same_mount(const struct ect_rootfs_mount *a, const struct ect_rootfs_mount *b)
{
        return a->dev == b->dev && a->mnt_id == b->mnt_id;
}

int ect_rootfs_mounts_add(struct ect_rootfs_mounts *m, const struct ect_rootfs_mount *x,
                          struct ect_error **err)
{
        for (size_t i = 0; i < m->n; i++)
                if (same_mount(&m->m[i], x))
                        return 0;
        if (m->n >= ECT_ROOTFS_MAX_MOUNTS)
                return ect_error_set(err, E2BIG, "too many mounts");
        m->m[m->n++] = *x;
        return 0;
}

/* The mount point of mount id as this process's mountinfo shows it (read
 * through the /proc fd opened on the host, never a path of the image);
 * NULL when unknown. The mount point is left octal-escaped, as the kernel
 * writes it: it is only printed. */
static char *mount_point(uint64_t id)
{
        cleanup_free char *buf = NULL;
        struct ect_error *e = NULL;
        char *line, *save = NULL;

        if (proc_fd_dir < 0 || id == 0)
                return NULL;
        if (ect_read_file_at(proc_fd_dir, "../mountinfo", 8 << 20, &buf, NULL, &e) < 0) {
                ect_error_free(&e);
                return NULL;
        }
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned long long mid;
                char mp[ECT_ROOTFS_MAX_PATH + 1];
                if (sscanf(line, "%llu %*u %*u:%*u %*s %4096s", &mid, mp) == 2 && mid == id)
                        return xstrdup(mp);
        }
        return NULL;
}

/* One unsigned field as scanf's %u reads it (strtoul: leading white
 * space skipped, a sign accepted, ULONG_MAX on overflow); NULL when there
 * is no number. Plain digits, what the kernel writes, are read here: glibc's
 * strtoul costs about 140 instructions a field, on every line of the
 * host's mountinfo; anything else goes to strtoul itself. */
static const char *field_u(const char *p, unsigned long *ret)
{
        const char *q = p;
        unsigned long v = 0;
        char *end;

        while (*q == ' ' || (*q >= '\t' && *q <= '\r'))
                q++;
        if (*q >= '0' && *q <= '9') {
                for (; *q >= '0' && *q <= '9'; q++) {
                        unsigned d = (unsigned)(*q - '0');
                        v = v > (ULONG_MAX - d) / 10 ? ULONG_MAX : v * 10 + d;
                }
                *ret = v;
                return q;
        }
        *ret = strtoul(p, &end, 10);
        return end == p ? NULL : end;
}

bool ect_rootfs_mountinfo_dev(const char *line, unsigned *ret_major, unsigned *ret_minor)
{
        unsigned long id, parent, maj, min;
        const char *p = line;

        if (!(p = field_u(p, &id)) || !(p = field_u(p, &parent)) || !(p = field_u(p, &maj)) ||
            *p != ':' || !field_u(p + 1, &min))
                return false;
        *ret_major = (unsigned)maj;
        *ret_minor = (unsigned)min;
        return true;
}

int ect_rootfs_check_mount(int fd, const struct ect_rootfs_mounts *m, const char *path,
                           struct ect_error **err)
{
        struct ect_rootfs_mount x;
        cleanup_free char *mp = NULL;

        if (!m)
                return 0;
        if (ect_rootfs_mount_of(fd, &x, err) < 0)
                return ect_error_wrap(err, "'%s'", path);
        for (size_t i = 0; i < m->n; i++)
                if (same_mount(&m->m[i], &x))
                        return 0;
        mp = mount_point(x.mnt_id);
        return ect_error_set(err, EXDEV,
                             "'%s' is on mount %llu%s%s%s (device %u:%u), which is neither the "
                             "container's /dev nor its rootfs (a volume or a bind mount?): "
                             "nothing is created there",
                             path, (unsigned long long)x.mnt_id, mp ? " at '" : "", mp ? mp : "",
                             mp ? "'" : "", major(x.dev), minor(x.dev));
}

struct walk {
        int fds[ECT_ROOTFS_MAX_DEPTH + 1]; /* fds[0] is the root, not owned */
        size_t n;
};

static void walk_pop(struct walk *w)
{
        if (w->n > 0)
                (void)close(w->fds[w->n--]);
}

static void walk_clear(struct walk *w)
{
        while (w->n > 0)
                walk_pop(w);
}

/* Opens the final component name in dir with the caller's flags and makes
 * sure it is the object the walk saw (no swap in between). */
static int open_final(int dir, const char *name, int flags, const struct stat *seen,
                      struct ect_error **err)
{
        cleanup_close int fd = -1;
        struct stat st;

        fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return ect_error_set(err, errno, "open '%s'", name);
        if (seen) {
                if (fstat(fd, &st) < 0)
                        return ect_error_set(err, errno, "stat '%s'", name);
                if (st.st_dev != seen->st_dev || st.st_ino != seen->st_ino)
                        return ect_error_set(err, EAGAIN, "'%s' changed while it was opened", name);
        }
        return steal_fd(&fd);
}

int ect_rootfs_open_walk(int rootfd, const char *path, int flags, struct ect_error **err)
{
        char rest[ECT_ROOTFS_MAX_PATH + 1], target[ECT_ROOTFS_MAX_PATH + 1];
        struct walk w = {.fds = {rootfd}, .n = 0};
        cleanup_close int result = -1;
        unsigned hops = 0;
        size_t pos = 0;
        int r;

        if (flags & O_CREAT)
                return ect_error_set(err, EINVAL, "O_CREAT is not supported");
        if (strlen(path) > ECT_ROOTFS_MAX_PATH)
                return ect_error_set(err, ENAMETOOLONG, "path in the rootfs is too long");
        strcpy(rest, path);

        for (;;) {
                char comp[NAME_MAX + 1];
                size_t len, after;
                bool last, want_dir;
                cleanup_close int fd = -1;
                struct stat st;

                while (rest[pos] == '/')
                        pos++;
                if (rest[pos] == '\0')
                        break;
                len = strcspn(rest + pos, "/");
                if (len > NAME_MAX) {
                        r = ect_error_set(err, ENAMETOOLONG, "a component of '%s' is too long",
                                          path);
                        goto out;
                }
                memcpy(comp, rest + pos, len);
                comp[len] = '\0';
                after = pos + len;
                want_dir = rest[after] == '/';
                while (rest[after] == '/')
                        after++;
                last = rest[after] == '\0';
                pos = after;

                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0) {
                        walk_pop(&w); /* clamped: ".." of the root is the root */
                        continue;
                }

                if (last && (flags & O_NOFOLLOW)) {
                        r = open_final(w.fds[w.n], comp, flags | (want_dir ? O_DIRECTORY : 0), NULL,
                                       err);
                        if (r < 0)
                                goto out;
                        result = r;
                        goto check;
                }

                fd = openat(w.fds[w.n], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0) {
                        r = ect_error_set(err, errno, "open '%s'", path);
                        goto out;
                }
                if (S_ISLNK(st.st_mode)) {
                        ssize_t n;
                        size_t tail = strlen(rest + pos);

                        if (++hops > ECT_ROOTFS_MAX_HOPS) {
                                r = ect_error_set(err, ELOOP, "open '%s'", path);
                                goto out;
                        }
                        n = readlinkat(fd, "", target, sizeof target);
                        if (n <= 0) {
                                r = ect_error_set(err, n < 0 ? errno : ENOENT, "readlink in '%s'",
                                                  path);
                                goto out;
                        }
                        if ((size_t)n + 1 + tail > ECT_ROOTFS_MAX_PATH) {
                                r = ect_error_set(err, ENAMETOOLONG, "open '%s'", path);
                                goto out;
                        }
                        /* rest := target "/" tail (the slash keeps want_dir). */
                        memmove(rest + n + 1, rest + pos, tail + 1);
                        memcpy(rest, target, (size_t)n);
                        rest[n] = (tail > 0 || want_dir) ? '/' : '\0';
                        pos = 0;
                        if (target[0] == '/')
                                walk_clear(&w);
                        continue;
                }
                if (!last || want_dir) {
                        if (!S_ISDIR(st.st_mode)) {
                                r = ect_error_set(err, ENOTDIR, "open '%s'", path);
                                goto out;
                        }
                }
                if (last) {
                        if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
                                r = ect_error_set(err, ENOTDIR, "open '%s'", path);
                                goto out;
                        }
                        if ((flags & O_PATH) &&
                            !(flags & ~(O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW))) {
                                result = steal_fd(&fd);
                        } else {
                                r = open_final(w.fds[w.n], comp, flags, &st, err);
                                if (r < 0)
                                        goto out;
                                result = r;
                        }
                        goto check;
                }
                if (w.n >= ECT_ROOTFS_MAX_DEPTH) {
                        r = ect_error_set(err, ENAMETOOLONG, "'%s' is too deep", path);
                        goto out;
                }
                w.fds[++w.n] = steal_fd(&fd);
        }
        /* The path ended in the directory we stand in ("", "/", "a/.."). */
        result = openat(w.fds[w.n], ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
        if (result < 0) {
                r = ect_error_set(err, errno, "open '%s'", path);
                goto out;
        }
check:
        r = check_under_root(rootfd, result, path, err);
        if (r < 0)
                goto out;
        r = steal_fd(&result);
out:
        walk_clear(&w);
        return r;
}

int ect_rootfs_open(int rootfd, const char *path, int flags, struct ect_error **err)
{
        struct open_how how = {
                .flags = (unsigned long long)(flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        const char *p = path;
        int fd, tries;

        if (flags & O_CREAT)
                return ect_error_set(err, EINVAL, "O_CREAT is not supported");
        if (strlen(path) > ECT_ROOTFS_MAX_PATH)
                return ect_error_set(err, ENAMETOOLONG, "path in the rootfs is too long");
        while (*p == '/')
                p++;
        if (*p == '\0')
                p = ".";
        /* EAGAIN: a rename raced with a ".." in the resolution; retry. */
        for (tries = 0; tries < 8; tries++) {
                fd = (int)syscall(SYS_openat2, rootfd, p, &how, sizeof how);
                if (fd >= 0)
                        return fd;
                if (errno != EAGAIN)
                        break;
        }
        /* ENOSYS: kernel before 5.6 (delete with it); EINVAL: a kernel that
         * knows the call but not a flag; EPERM: a seccomp profile (older
         * Docker and Podman ones) that blocks openat2. */
        if (errno == ENOSYS || errno == EINVAL || errno == EPERM) {
                log_debug("openat2 failed (%s), walking '%s' component by component",
                          strerror(errno), path);
                return ect_rootfs_open_walk(rootfd, path, flags, err);
        }
        return ect_error_set(err, errno, "open '%s'", path);
}

int ect_rootfs_mkdir_p(int rootfd, const char *path, mode_t mode,
                       const struct ect_rootfs_mounts *mounts, struct ect_error **err)
{
        /* "/" + each component: one byte more than a path without a
         * leading '/' (plus the NUL). */
        char prefix[ECT_ROOTFS_MAX_PATH + 2];
        size_t plen = 0;
        /* The directory reached so far, -1 while that is the root: rootfd
         * is used then, and "." reopened only when the root itself is the
         * answer (the hook's first component, /dev, always exists). */
        cleanup_close int cur = -1;
        const char *p = path;

        if (strlen(path) > ECT_ROOTFS_MAX_PATH)
                return ect_error_set(err, ENAMETOOLONG, "path in the rootfs is too long");

        for (;;) {
                char comp[NAME_MAX + 1];
                size_t len;
                struct ect_error *e = NULL;
                int fd, r, at = cur >= 0 ? cur : rootfd;

                while (*p == '/')
                        p++;
                if (*p == '\0')
                        break;
                len = strcspn(p, "/");
                if (len > NAME_MAX)
                        return ect_error_set(err, ENAMETOOLONG, "a component of '%s' is too long",
                                             path);
                memcpy(comp, p, len);
                comp[len] = '\0';
                p += len;
                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0)
                        return ect_error_set(err, EINVAL, "'..' in '%s'", path);
                prefix[plen++] = '/';
                memcpy(prefix + plen, comp, len + 1);
                plen += len;

                /* Without the '/' we added: within the bound when path is. */
                fd = ect_rootfs_open(rootfd, prefix + 1, O_PATH | O_DIRECTORY, &e);
                if (fd >= 0) {
                        ect_closep(&cur);
                        cur = fd;
                        continue;
                }
                if (e->code != ENOENT) {
                        int code = e->code;
                        ect_error_free(&e);
                        return ect_error_set(err, code, "'%s'", prefix);
                }
                ect_error_free(&e);
                /* Never on a mount that is not the container's own: the
                 * parent is checked on the fd the directory is made in. */
                prefix[plen - len - 1] = '\0'; /* the parent's path, for the message */
                r = ect_rootfs_check_mount(at, mounts, prefix[0] ? prefix : "/", err);
                prefix[plen - len - 1] = '/';
                if (r < 0)
                        return r;
                /* Missing (or a dangling symlink: then mkdirat says EEXIST
                 * and the reopen below refuses the link). */
                if (mkdirat(at, comp, mode) < 0 && errno != EEXIST)
                        return ect_error_set(err, errno, "mkdir '%s'", prefix);
                fd = openat(at, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ENOTDIR || errno == ELOOP)
                                return ect_error_set(err, ENOTDIR,
                                                     "'%s' exists and is not a directory "
                                                     "(a symbolic link to nowhere?)",
                                                     prefix);
                        return ect_error_set(err, errno, "open '%s'", prefix);
                }
                ect_closep(&cur);
                cur = fd;
        }
        if (cur < 0)
                cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return ect_error_set(err, errno, "open the rootfs");
        if (ect_rootfs_check_mount(cur, mounts, plen > 0 ? prefix : "/", err) < 0)
                return ect_error_rc(*err);
        return steal_fd(&cur);
}

static bool valid_name(const char *name)
{
        return name[0] != '\0' && strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
               strcmp(name, "..") != 0 && strlen(name) <= NAME_MAX;
}

static int check_existing(int dirfd, const char *name, unsigned maj, unsigned min,
                          struct ect_error **err)
{
        struct stat st;
        char buf[64];

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return ect_error_set(err, errno, "stat '%s'", name);
        if (S_ISCHR(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min)
                return ECT_ROOTFS_EXISTED;
        return ect_error_set(err, EEXIST, "'%s' exists and is %s, not character device %u:%u", name,
                             describe(&st, buf, sizeof buf), maj, min);
}

int ect_rootfs_mknod(int dirfd, const char *name, unsigned major, unsigned minor, mode_t mode,
                     struct ect_error **err)
{
        if (!valid_name(name))
                return ect_error_set(err, EINVAL, "invalid node name '%s'", name);
        if (mknodat(dirfd, name, S_IFCHR | (mode & 07777), makedev(major, minor)) == 0)
                return ECT_ROOTFS_CREATED;
        if (errno != EEXIST)
                return ect_error_set(err, errno, "mknod '%s'", name);
        /* EEXIST can be a planted symlink or file: look, never assume. */
        return check_existing(dirfd, name, major, minor, err);
}

int ect_rootfs_bind_node(int dirfd, const char *name, int treefd, unsigned major, unsigned minor,
                         struct ect_error **err)
{
        cleanup_close int fd = -1;
        struct stat st;

        if (!valid_name(name))
                return ect_error_set(err, EINVAL, "invalid node name '%s'", name);
        if (fstat(treefd, &st) < 0)
                return ect_error_set(err, errno, "stat the host node for '%s'", name);
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != major || minor(st.st_rdev) != minor)
                return ect_error_set(err, ENODEV, "the host node for '%s' is not %u:%u", name,
                                     major, minor);
        fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) {
                if (errno != EEXIST)
                        return ect_error_set(err, errno, "create '%s'", name);
                return check_existing(dirfd, name, major, minor, err);
        }
        /* The mount goes onto the file this very fd created (O_EXCL), never
         * onto whatever the name points to by now: no reopen by name, so no
         * window to swap the entry (the TOCTOU class of CVE-2024-0132). */
        if (move_mount(treefd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return ect_error_set(err, errno, "bind-mount the host node onto '%s'", name);
        return ECT_ROOTFS_CREATED;
}
