/* SPDX-License-Identifier: Apache-2.0 */
#include "ctk_plan.h"
#include "cleanup.h"
#include "fileio.h"
#include "spawn.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_CONFIG (4u << 20)
#define DIFF "/usr/bin/diff"

char *ect_ctk_rooted(const char *root, const char *path)
{
        if (!root || strcmp(root, "/") == 0)
                return xstrdup(path);
        return xasprintf("%s%s", root, path);
}

int ect_ctk_file_read(const char *path, struct ect_ctk_file *ret, struct ect_error **err)
{
        cleanup_close int fd = -1;
        struct stat st;

        memset(ret, 0, sizeof *ret);
        if (lstat(path, &st) < 0) {
                if (errno != ENOENT)
                        return ect_error_set(err, errno, "stat '%s'", path);
                ret->path = xstrdup(path);
                return 0;
        }
        if (S_ISLNK(st.st_mode))
                return ect_error_set(err, ELOOP,
                                     "'%s' is a symbolic link: name its target with --config "
                                     "(an edit would replace the link by a file)",
                                     path);
        if (!S_ISREG(st.st_mode))
                return ect_error_set(err, EINVAL, "'%s' is not a regular file", path);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return ect_error_set(err, errno, "open '%s'", path);
        if (fstat(fd, &ret->st) < 0)
                return ect_error_set(err, errno, "stat '%s'", path);
        if (ect_read_fd(fd, path, MAX_CONFIG, &ret->text, &ret->len, err) < 0)
                return ect_error_rc(*err);
        ret->path = xstrdup(path);
        return 0;
}

void ect_ctk_file_clear(struct ect_ctk_file *f)
{
        free(f->path);
        free(f->text);
        memset(f, 0, sizeof *f);
}

void ect_ctk_plan_add(struct ect_ctk_plan *p, struct ect_ctk_file *old, char *text, mode_t mode,
                      bool backup)
{
        size_t cap = p->n;
        size_t len = text ? strlen(text) : 0;

        if ((!text && !old->text) ||
            (text && old->text && len == old->len && memcmp(text, old->text, len) == 0)) {
                free(text);
                ect_ctk_file_clear(old);
                return;
        }
        xgrow((void **)&p->v, &cap, p->n + 1, sizeof *p->v);
        p->v[p->n++] = (struct ect_ctk_change){
                .old = *old, .text = text, .len = len, .mode = mode, .backup = backup};
        memset(old, 0, sizeof *old);
}

struct ect_ctk_change *ect_ctk_plan_find(struct ect_ctk_plan *p, const char *path)
{
        for (size_t k = 0; k < p->n; k++)
                if (strcmp(p->v[k].old.path, path) == 0)
                        return &p->v[k];
        return NULL;
}

void ect_ctk_plan_clear(struct ect_ctk_plan *p)
{
        for (size_t k = 0; k < p->n; k++) {
                ect_ctk_file_clear(&p->v[k].old);
                free(p->v[k].text);
        }
        free(p->v);
        p->v = NULL;
        p->n = 0;
}

/* A memory file holding text, inherited by diff (no CLOEXEC). */
static int memfile(const char *text, size_t len, struct ect_error **err)
{
        int fd = memfd_create("ect-diff", 0);

        if (fd < 0)
                return ect_error_set(err, errno, "memfd_create");
        if (ect_write_all(fd, text, len) < 0) {
                int e = errno;
                (void)close(fd);
                return ect_error_set(err, e, "write memfd");
        }
        return fd;
}

int ect_ctk_plan_diff(const struct ect_ctk_plan *p, struct ect_error **err)
{
        for (size_t k = 0; k < p->n; k++) {
                const struct ect_ctk_change *c = &p->v[k];
                cleanup_close int a = -1, b = -1;
                cleanup_free char *pa = NULL, *pb = NULL;
                struct ect_spawn_result res;
                const char *la = c->old.text ? c->old.path : "/dev/null";
                const char *lb = c->text ? c->old.path : "/dev/null";

                if (c->old.text && (a = memfile(c->old.text, c->old.len, err)) < 0)
                        return ect_error_rc(*err);
                if (c->text && (b = memfile(c->text, c->len, err)) < 0)
                        return ect_error_rc(*err);
                pa = a >= 0 ? xasprintf("/proc/self/fd/%d", a) : xstrdup("/dev/null");
                pb = b >= 0 ? xasprintf("/proc/self/fd/%d", b) : xstrdup("/dev/null");
                {
                        char *argv[] = {(char *)DIFF,
                                        (char *)"-u",
                                        (char *)"--label",
                                        (char *)la,
                                        (char *)"--label",
                                        (char *)lb,
                                        pa,
                                        pb,
                                        NULL};
                        fflush(stdout);
                        if (ect_spawn(argv, 1, &res, err) < 0)
                                return ect_error_wrap(err, "--dry-run needs " DIFF);
                }
                /* 141: SIGPIPE, the reader (| head) went away. */
                if (res.status > 1 && res.status != 128 + 13) {
                        int r = ect_error_set(err, 0, DIFF " failed (%d): %s", res.status,
                                              res.errout ? res.errout : "");
                        ect_spawn_result_clear(&res);
                        return r;
                }
                ect_spawn_result_clear(&res);
        }
        return 0;
}

static int mkdir_parents(const char *path, struct ect_error **err)
{
        cleanup_free char *d = xstrdup(path);

        for (char *s = strchr(d + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                if (mkdir(d, 0755) < 0 && errno != EEXIST)
                        return ect_error_set(err, errno, "mkdir '%s'", d);
                *s = '/';
        }
        return 0;
}

static int put(const char *path, const char *text, size_t len, const struct ect_ctk_file *like,
               mode_t mode, struct ect_error **err)
{
        if (like && like->text)
                return ect_write_file_atomic_owned(path, text, len, like->st.st_mode & 07777,
                                                   like->st.st_uid, like->st.st_gid,
                                                   ECT_WRITE_SYNC_DIR, err);
        if (mkdir_parents(path, err) < 0)
                return ect_error_rc(*err);
        return ect_write_file_atomic_owned(path, text, len, mode, (uid_t)-1, (gid_t)-1,
                                           ECT_WRITE_SYNC_DIR, err);
}

static int step(struct ect_ctk_change *c, struct ect_error **err)
{
        if (c->backup && c->old.text) {
                /* The file as it was before erdma-ctk first changed it: an
                 * existing backup is that one already. */
                cleanup_free char *bak = xasprintf("%s.erdma-ctk.bak", c->old.path);
                struct stat st;
                if (lstat(bak, &st) < 0 && errno == ENOENT) {
                        if (put(bak, c->old.text, c->old.len, &c->old, 0, err) < 0)
                                return ect_error_wrap(err, "backup of '%s'", c->old.path);
                        c->bak_written = true;
                }
        }
        if (c->text)
                return put(c->old.path, c->text, c->len, &c->old, c->mode, err);
        if (unlink(c->old.path) < 0 && errno != ENOENT)
                return ect_error_set(err, errno, "remove '%s'", c->old.path);
        return 0;
}

static int undo(struct ect_ctk_change *c, struct ect_error **err)
{
        if (c->bak_written) {
                cleanup_free char *bak = xasprintf("%s.erdma-ctk.bak", c->old.path);
                (void)unlink(bak);
                c->bak_written = false;
        }
        if (c->old.text)
                return put(c->old.path, c->old.text, c->old.len, &c->old, 0, err);
        if (unlink(c->old.path) < 0 && errno != ENOENT)
                return ect_error_set(err, errno, "remove '%s'", c->old.path);
        return 0;
}

int ect_ctk_plan_revert(struct ect_ctk_plan *p, struct ect_error **err)
{
        int r = 0;

        for (size_t k = p->n; k-- > 0;) {
                struct ect_error *e = NULL;
                if (!p->v[k].done)
                        continue;
                if (undo(&p->v[k], &e) < 0) {
                        /* Go on with the others; report the first. */
                        if (r == 0)
                                r = ect_error_set(err, e->code, "cannot restore: %s", e->msg);
                        ect_error_free(&e);
                        continue;
                }
                p->v[k].done = false;
        }
        return r;
}

int ect_ctk_plan_apply(struct ect_ctk_plan *p, struct ect_error **err)
{
        for (size_t k = 0; k < p->n; k++) {
                if (p->v[k].done)
                        continue;
                if (step(&p->v[k], err) < 0) {
                        struct ect_error *e = NULL;
                        if (ect_ctk_plan_revert(p, &e) < 0) {
                                ect_error_wrap(err, "undoing the earlier steps failed too (%s)",
                                               e->msg);
                                ect_error_free(&e);
                        }
                        return ect_error_rc(*err);
                }
                p->v[k].done = true;
        }
        return 0;
}

int ect_ctk_plan_rewrite(struct ect_ctk_change *c, char *text, struct ect_error **err)
{
        free(c->text);
        c->text = text;
        c->len = strlen(text);
        return put(c->old.path, c->text, c->len, &c->old, c->mode, err);
}
