#include "fileio.h"
#include "cleanup.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ect_read_fd(int fd, const char *what, size_t max, char **ret, size_t *ret_len,
                struct ect_error **err)
{
        cleanup_free char *buf = NULL;
        size_t len = 0, cap = 0;
        struct stat st;

        /* A regular file's size, as a hint: one buffer, not a chain of
         * reallocations (the loop still reads to EOF, whatever the size). */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
            (uint64_t)st.st_size <= max)
                xgrow((void **)&buf, &cap, (size_t)st.st_size + 2, 1);
        for (;;) {
                ssize_t n;
                if (cap - len < 2)
                        xgrow((void **)&buf, &cap, len + 4096 + 1, 1);
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
        }
        buf[len] = '\0';
        *ret = steal_ptr(&buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int ect_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
                     struct ect_error **err)
{
        cleanup_close int fd = -1;
        struct stat st;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return ect_error_set(err, errno, "open '%s'", path);
        if (fstat(fd, &st) < 0)
                return ect_error_set(err, errno, "stat '%s'", path);
        /* sysfs attributes are regular files; anything else (a FIFO planted
         * in a bundle, a device) could block or never end. */
        if (!S_ISREG(st.st_mode))
                return ect_error_set(err, EINVAL, "'%s' is not a regular file", path);
        return ect_read_fd(fd, path, max, ret, ret_len, err);
}

int ect_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                          struct ect_error **err)
{
        return ect_write_file_atomic_flags(path, buf, len, mode, ECT_WRITE_SYNC_DIR, err);
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

int ect_write_file_atomic_flags(const char *path, const void *buf, size_t len, mode_t mode,
                                unsigned flags, struct ect_error **err)
{
        struct buf_fill b = {.buf = buf, .len = len};

        return ect_write_file_atomic_fill(path, fill_buf, &b, mode, flags, err);
}

int ect_write_file_atomic_fill(const char *path, ect_write_fill_fn fill, void *ctx, mode_t mode,
                               unsigned flags, struct ect_error **err)
{
        cleanup_free char *dir_copy = xstrdup(path);
        cleanup_free char *tmp = NULL;
        cleanup_close int fd = -1;
        cleanup_close int dfd = -1;
        const char *dir = dirname(dir_copy);
        int r;

        tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
        (void)unlink(tmp); /* a leftover of a killed earlier run with our pid */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 07777);
        if (fd < 0)
                return ect_error_set(err, errno, "create '%s'", tmp);
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
        if (close(steal_fd(&fd)) < 0) {
                r = ect_error_set(err, errno, "close '%s'", tmp);
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = ect_error_set(err, errno, "rename '%s' to '%s'", tmp, path);
                goto fail;
        }
        /* Make the rename itself durable; failing here is not worth failing
         * the write for, the data is in place. */
        if (flags & ECT_WRITE_SYNC_DIR) {
                dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0)
                        (void)fsync(dfd);
        }
        return 0;
fail:
        (void)unlink(tmp);
        return r;
}
