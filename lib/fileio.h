/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded reads and atomic writes of whole files. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Reads the regular file at path (relative to dirfd) into a NUL-terminated
 * buffer. Files larger than max fail with EFBIG rather than being cut, so a
 * truncated document is never mistaken for a whole one. */
int ect_read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
                     struct ect_error **err);
/* Same, naming the file 'what' in messages and returning its mode bits
 * (ret_mode may be NULL). st_size is not trusted (sysfs says 4096 for
 * every attribute): reading stops, with EFBIG, once max is passed. */
int ect_read_regular_at(int dirfd, const char *path, const char *what, size_t max, char **ret,
                        size_t *ret_len, mode_t *ret_mode, struct ect_error **err);
/* Same, from an open fd (read from its current offset). */
int ect_read_fd(int fd, const char *what, size_t max, char **ret, size_t *ret_len,
                struct ect_error **err);
/* A procfs file under dirfd (the kernel's text, never a FIFO or a device,
 * and of size 0 to fstat): opened and read to its end, without the
 * fstat() of ect_read_file_at(), one system call a file on every
 * container start. */
int ect_read_proc_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len,
                     struct ect_error **err);
/* Same, with the fd's fstat() that the caller already has. */
int ect_read_fd_stat(int fd, const struct stat *st, const char *what, size_t max, char **ret,
                     size_t *ret_len, struct ect_error **err);
/* Replaces path with buf atomically: a temporary file in the same directory
 * (O_EXCL), fsync, rename over path, fsync of the directory. On any failure
 * the old file is left as it was and the temporary file is removed. */
int ect_write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
                          struct ect_error **err);

enum {
        /* fsync the directory after the rename, so that the new name itself
         * survives a crash. Wanted for files that outlive a boot (a CDI spec
         * in /etc/cdi); not for a bundle's config.json, which runc reads
         * right away and which no one needs after a crash. */
        ECT_WRITE_SYNC_DIR = 1 << 0,
};
/* ect_write_file_atomic() with flags; it uses ECT_WRITE_SYNC_DIR. */
int ect_write_file_atomic_flags(const char *path, const void *buf, size_t len, mode_t mode,
                                unsigned flags, struct ect_error **err);
/* The same, the content written by fill(fd, what, ctx, err) into the
 * temporary file (what names it for messages; fill returns < 0 with *err
 * set on failure): for content too large to build in memory first. */
typedef int (*ect_write_fill_fn)(int fd, const char *what, void *ctx, struct ect_error **err);
int ect_write_file_atomic_fill(const char *path, ect_write_fill_fn fill, void *ctx, mode_t mode,
                               unsigned flags, struct ect_error **err);
/* ect_write_file_atomic_flags(), the new file owned by uid:gid ((uid_t)-1
 * and (gid_t)-1 leave the writer's): a configuration file replaced with
 * the owner and mode it had. */
int ect_write_file_atomic_owned(const char *path, const void *buf, size_t len, mode_t mode,
                                uid_t uid, gid_t gid, unsigned flags, struct ect_error **err);
/* ect_write_file_atomic_fill(), the new file owned by uid:gid as above. */
int ect_write_file_atomic_fill_owned(const char *path, ect_write_fill_fn fill, void *ctx,
                                     mode_t mode, uid_t uid, gid_t gid, unsigned flags,
                                     struct ect_error **err);
/* write() of all len bytes (EINTR retried, short writes continued); < 0
 * with errno set on failure. */
int ect_write_all(int fd, const void *buf, size_t len);

/* Whether the file at path already holds exactly buf (len bytes). A missing
 * or unreadable file, or one larger than len, differs. Never fails: the
 * answer when in doubt is "no", which costs one needless rewrite. */
bool ect_file_has_content(const char *path, const void *buf, size_t len);
