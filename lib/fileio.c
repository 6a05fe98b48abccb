#include "fileio.h"
#include "cleanup.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ect_read_fd(int fd, const char *what, size_t max, char **ret, size_t *ret_len,
                struct ect_error **err)
{
        cleanup_free char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t n;
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

int ect_write_file_atomic_flags(const char *path, const void *buf, size_t len, mode_t mode,
                                unsigned flags, struct ect_error **err)
{
        cleanup_free char *dir_copy = xstrdup(path);
        cleanup_free char *tmp = NULL;
        cleanup_close int fd = -1;
        cleanup_close int dfd = -1;
        const char *dir = dirname(dir_copy);
        const char *p = buf;
        size_t left = len;
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
        while (left > 0) {
                ssize_t n = write(fd, p, left);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = ect_error_set(err, errno, "write '%s'", tmp);
                        goto fail;
                }
                p += n;
                left -= (size_t)n;
        }
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
