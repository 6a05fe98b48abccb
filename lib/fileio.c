/* SPDX-License-Identifier: Apache-2.0 */
#include "fileio.h"
#include "cleanup.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads fd to EOF. st: its fstat() when the caller has it, else NULL. */
static int read_fd(int fd, const struct stat *st, const char *what, size_t max, char **ret,
                   size_t *ret_len, struct ect_error **err)
{
        cleanup_free char *buf = NULL;
        size_t len = 0, cap = 0;

        /* A regular file's size, as a hint: one buffer, not a chain of
         * reallocations (the loop still reads to EOF, whatever the size). */
        if (st && S_ISREG(st->st_mode) && st->st_size > 0 && (uint64_t)st->st_size <= max)
                xgrow((void **)&buf, &cap, (size_t)st->st_size + 2, 1);
        for (;;) {
                ssize_t n;
                /* Without a size, 1 KiB first, then doubling: the hook's
                 * state, /proc/PID/cgroup and most mountinfo fit, and a
                 * page the process never touches costs no fault (about
                 * 10 us each on a VM, ten system calls' worth). */
                if (cap - len < 2)
                        xgrow((void **)&buf, &cap, cap < 1024 ? 1024 : cap + 1, 1);
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return ect_error_set(err, errno, "read '%s'", what);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return ect_error_set(err, EFBIG, "'%s' is larger than %zu bytes", what,
                                             max);
                /* A short read of a regular file is its end; when it ends
                 * at the size fstat gave, the read that would return 0 is
                 * a system call saved (the hook reads two such files on
                 * every container start). sysfs (4096) and procfs (0)
                 * sizes are not the content's: those read on to 0. */
                if (st && S_ISREG(st->st_mode) && (uint64_t)st->st_size == len &&
                    (size_t)n < cap - (len - (size_t)n) - 1)
                        break;
        }
        buf[len] = '\0';
        *ret = steal_ptr(&buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int ect_read_fd(int fd, const char *what, size_t max, char **ret, size_t *ret_len,
                struct ect_error **err)
{
        struct stat st;

        return read_fd(fd, fstat(fd, &st) == 0 ? &st : NULL, what, max, ret, ret_len, err);
}

int ect_read_fd_stat(int fd, const struct stat *st, const char *what, size_t max, char **ret,
                     size_t *ret_len, struct ect_error **err)
{
        return read_fd(fd, st, what, max, ret, ret_len, err);
}

int ect_read_regular_at(int dirfd, const char *path, const char *what, size_t max, char **ret,
                        size_t *ret_len, mode_t *ret_mode, struct ect_error **err)
{
        cleanup_close int fd = -1;
        struct stat st;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return ect_error_set(err, errno, "open '%s'", what);
        if (fstat(fd, &st) < 0)
                return ect_error_set(err, errno, "stat '%s'", what);
        /* Only regular files: anything else (a FIFO planted in a bundle, a
         * device) could block or never end. */
        if (!S_ISREG(st.st_mode))
                return ect_error_set(err, EINVAL, "'%s' is not a regular file", what);
        if (read_fd(fd, &st, what, max, ret, ret_len, err) < 0)
                return ect_error_rc(*err);
        if (ret_mode)
                *ret_mode = st.st_mode & 07777;
        return 0;
}

int ect_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
                     struct ect_error **err)
{
        return ect_read_regular_at(dirfd, path, path, max, ret, ret_len, NULL, err);
}

int ect_read_proc_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
                     struct ect_error **err)
{
        cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return ect_error_set(err, errno, "open '%s'", path);
        return read_fd(fd, NULL, path, max, ret, ret_len, err);
}

int ect_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                          struct ect_error **err)
{
        return ect_write_file_atomic_flags(path, buf, len, mode, ECT_WRITE_SYNC_DIR, err);
}

/* Removes "<base>.tmp.<pid>" files that a writer killed between naming its
 * temporary file and the rename left behind: those of our own pid (an
 * earlier process with it) and those whose pid no longer runs. A live
 * writer's file is kept; should a writer in another pid namespace lose its
 * file to this, its rename fails and it reports it: the target is never
 * torn either way. */
static void sweep_stale(int dfd, const char *base)
{
        cleanup_free char *prefix = xasprintf("%s.tmp.", base);
        size_t plen = strlen(prefix);
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *e;
        DIR *d;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d) {
                (void)close(fd);
                return;
        }
        while ((e = readdir(d))) {
                const char *num = e->d_name + plen;
                char *end;
                long pid;

                if (strncmp(e->d_name, prefix, plen) != 0 || !isdigit((unsigned char)*num))
                        continue;
                errno = 0;
                pid = strtol(num, &end, 10);
                if (*end || errno || pid <= 0 || pid > INT_MAX)
                        continue;
                if (pid == (long)getpid() || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
                        (void)unlinkat(dfd, e->d_name, 0);
        }
        (void)closedir(d);
}

/* Gives the unnamed file fd the name tmp in dfd. AT_EMPTY_PATH needs
 * CAP_DAC_READ_SEARCH; /proc/self/fd works without it where /proc is
 * mounted. */
static int link_tmpfile(int fd, int dfd, const char *tmp)
{
        char proc[64];

        if (linkat(fd, "", dfd, tmp, AT_EMPTY_PATH) == 0)
                return 0;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        return linkat(AT_FDCWD, proc, dfd, tmp, AT_SYMLINK_FOLLOW);
}

int ect_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

struct buf_fill {
        const void *buf;
        size_t len;
};

static int fill_buf(int fd, const char *what, void *ctx, struct ect_error **err)
{
        const struct buf_fill *b = ctx;

        if (ect_write_all(fd, b->buf, b->len) < 0)
                return ect_error_set(err, errno, "write '%s'", what);
        return 0;
}

static int write_atomic(const char *path, ect_write_fill_fn fill, void *ctx, mode_t mode, uid_t uid,
                        gid_t gid, unsigned flags, struct ect_error **err);

int ect_write_file_atomic_flags(const char *path, const void *buf, size_t len, mode_t mode,
                                unsigned flags, struct ect_error **err)
{
        struct buf_fill b = {.buf = buf, .len = len};

        return ect_write_file_atomic_fill(path, fill_buf, &b, mode, flags, err);
}

int ect_write_file_atomic_fill(const char *path, ect_write_fill_fn fill, void *ctx, mode_t mode,
                               unsigned flags, struct ect_error **err)
{
        return write_atomic(path, fill, ctx, mode, (uid_t)-1, (gid_t)-1, flags, err);
}

int ect_write_file_atomic_fill_owned(const char *path, ect_write_fill_fn fill, void *ctx,
                                     mode_t mode, uid_t uid, gid_t gid, unsigned flags,
                                     struct ect_error **err)
{
        return write_atomic(path, fill, ctx, mode, uid, gid, flags, err);
}

int ect_write_file_atomic_owned(const char *path, const void *buf, size_t len, mode_t mode,
                                uid_t uid, gid_t gid, unsigned flags, struct ect_error **err)
{
        struct buf_fill b = {.buf = buf, .len = len};

        return write_atomic(path, fill_buf, &b, mode, uid, gid, flags, err);
}

static int write_atomic(const char *path, ect_write_fill_fn fill, void *ctx, mode_t mode, uid_t uid,
                        gid_t gid, unsigned flags, struct ect_error **err)
{
        cleanup_free char *dir_copy = xstrdup(path);
        cleanup_free char *base_copy = xstrdup(path);
        cleanup_free char *tmp = NULL;
        cleanup_free char *tmp_base = NULL;
        cleanup_close int fd = -1;
        cleanup_close int dfd = -1;
        const char *dir = dirname(dir_copy);
        const char *base = basename(base_copy);
        bool named = false;
        int r;

        tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
        tmp_base = xasprintf("%s.tmp.%ld", base, (long)getpid());
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return ect_error_set(err, errno, "create '%s'", tmp);
        sweep_stale(dfd, base);
        /* The data goes into an unnamed file (O_TMPFILE, Linux 3.11; tmpfs,
         * ext4, xfs, btrfs, overlayfs): a writer killed before the file is
         * whole leaves nothing behind. It gets its name only once written
         * and synced, right before the rename. */
        fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode & 07777);
        if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
                named = true;
                fd = openat(dfd, tmp_base, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                            mode & 07777);
        }
        if (fd < 0)
                return ect_error_set(err, errno, "create '%s'", tmp);
        /* The owner before the mode: chown clears set-id bits. */
        if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) {
                r = ect_error_set(err, errno, "chown '%s'", tmp);
                goto fail;
        }
        /* The umask may have removed bits the caller asked for. */
        if (fchmod(fd, mode & 07777) < 0) {
                r = ect_error_set(err, errno, "chmod '%s'", tmp);
                goto fail;
        }
        if ((r = fill(fd, tmp, ctx, err)) < 0)
                goto fail;
        if (fsync(fd) < 0) {
                r = ect_error_set(err, errno, "fsync '%s'", tmp);
                goto fail;
        }
        if (!named) {
                if (link_tmpfile(fd, dfd, tmp_base) < 0) {
                        r = ect_error_set(err, errno, "link '%s'", tmp);
                        goto fail;
                }
                named = true;
        }
        if (close(steal_fd(&fd)) < 0) {
                r = ect_error_set(err, errno, "close '%s'", tmp);
                goto fail;
        }
        if (renameat(dfd, tmp_base, dfd, base) < 0) {
                r = ect_error_set(err, errno, "rename '%s' to '%s'", tmp, path);
                goto fail;
        }
        /* Make the rename itself durable; failing here is not worth failing
         * the write for, the data is in place. */
        if (flags & ECT_WRITE_SYNC_DIR)
                (void)fsync(dfd);
        return 0;
fail:
        if (named)
                (void)unlinkat(dfd, tmp_base, 0);
        return r;
}

bool ect_file_has_content(const char *path, const void *buf, size_t len)
{
        cleanup_free char *old = NULL;
        struct ect_error *err = NULL;
        size_t old_len = 0;

        if (ect_read_file_at(AT_FDCWD, path, len, &old, &old_len, &err) < 0) {
                ect_error_free(&err);
                return false;
        }
        return old_len == len && memcmp(old, buf, len) == 0;
}
