/* SPDX-License-Identifier: Apache-2.0 */
#include "watch.h"
#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define IB_DIR "infiniband"
/* Inside infiniband/ and the verbs class directory: any entry that comes,
 * goes or changes owner and mode (udev sets those after devtmpfs made the
 * node). IN_DELETE_SELF/IN_MOVE_SELF say that the directory itself went. */
#define DIR_MASK                                                                                   \
        (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF |        \
         IN_MOVE_SELF | IN_ONLYDIR)
/* On the dev root, only while infiniband/ is missing. */
#define ROOT_MASK (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)

struct ect_watch {
        int fd;
        int root_wd, ib_wd, sys_wd; /* -1: not watched */
        char *dev_root, *ib_path, *sys_path;
};

static void drop(struct ect_watch *w, int *wd)
{
        if (*wd >= 0)
                (void)inotify_rm_watch(w->fd, *wd); /* EINVAL when already gone */
        *wd = -1;
}

/* Watches infiniband/ if it is there, else the dev root for its creation.
 * Checks for the directory again after watching the dev root: it may have
 * appeared in between, and no event would tell. */
static int arm(struct ect_watch *w, struct ect_error **err)
{
        for (int tries = 0; tries < 2; tries++) {
                int wd = inotify_add_watch(w->fd, w->ib_path, DIR_MASK);
                if (wd >= 0) {
                        w->ib_wd = wd;
                        drop(w, &w->root_wd);
                        log_debug("watching '%s'", w->ib_path);
                        return 0;
                }
                if (errno != ENOENT && errno != ENOTDIR)
                        return ect_error_set(err, errno, "inotify watch '%s'", w->ib_path);
                if (w->root_wd < 0) {
                        w->root_wd = inotify_add_watch(w->fd, w->dev_root, ROOT_MASK);
                        if (w->root_wd < 0)
                                return ect_error_set(err, errno, "inotify watch '%s'", w->dev_root);
                        log_debug("'%s' is missing: watching '%s' for it", w->ib_path, w->dev_root);
                }
        }
        return 0;
}

int ect_watch_new(const char *dev_root, const char *sysfs_root, struct ect_watch **ret,
                  struct ect_error **err)
{
        struct ect_watch *w = xcalloc(1, sizeof *w);
        int r;

        w->root_wd = w->ib_wd = w->sys_wd = -1;
        w->dev_root = xstrdup(dev_root ? dev_root : "/dev");
        w->ib_path = xasprintf("%s/" IB_DIR, w->dev_root);
        w->sys_path = xasprintf("%s/class/infiniband_verbs", sysfs_root ? sysfs_root : "/sys");
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0) {
                r = ect_error_set(err, errno, "inotify_init1");
                ect_watch_free(w);
                return r;
        }
        r = arm(w, err);
        if (r < 0) {
                ect_watch_free(w);
                return r;
        }
        /* Where inotify works on it (a fake tree); on the kernel's sysfs the
         * watch is accepted and stays silent. Missing until ib_uverbs is
         * loaded: not worth watching /sys/class for it, the node under the
         * dev root follows anyway. */
        w->sys_wd = inotify_add_watch(w->fd, w->sys_path, DIR_MASK);
        if (w->sys_wd < 0)
                log_debug("not watching '%s': %s", w->sys_path, strerror(errno));
        *ret = w;
        return 0;
}

void ect_watch_free(struct ect_watch *w)
{
        if (!w)
                return;
        if (w->fd >= 0)
                (void)close(w->fd);
        free(w->dev_root);
        free(w->ib_path);
        free(w->sys_path);
        free(w);
}

int ect_watch_fd(const struct ect_watch *w)
{
        return w->fd;
}

bool ect_watch_has_ib_dir(const struct ect_watch *w)
{
        return w->ib_wd >= 0;
}

bool ect_watch_has_sysfs(const struct ect_watch *w)
{
        return w->sys_wd >= 0;
}

/* One event; returns whether it matters and whether infiniband/ must be
 * looked for again. */
static bool handle(struct ect_watch *w, const struct inotify_event *ev, bool *rearm)
{
        if (ev->mask & IN_Q_OVERFLOW) {
                /* Events were lost: anything may have happened, including
                 * infiniband/ going and coming back. Watch the path again:
                 * the same directory gives back the same wd, a new one a
                 * new wd (the old one's events are then ignored). */
                log_debug("inotify queue overflow");
                w->ib_wd = -1;
                *rearm = true;
                return true;
        }
        if (ev->wd == w->root_wd && w->root_wd >= 0) {
                if (ev->len > 0 && strcmp(ev->name, IB_DIR) == 0) {
                        *rearm = true;
                        return true;
                }
                return false; /* another directory under the dev root */
        }
        if (ev->wd == w->ib_wd && w->ib_wd >= 0) {
                if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                        /* Gone (or moved away: the watch would follow the
                         * inode elsewhere). IN_IGNORED follows a
                         * DELETE_SELF, or says the file system went. */
                        if (!(ev->mask & IN_IGNORED))
                                (void)inotify_rm_watch(w->fd, w->ib_wd);
                        w->ib_wd = -1;
                        *rearm = true;
                }
                return true;
        }
        if (ev->wd == w->sys_wd && w->sys_wd >= 0) {
                if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                        if (!(ev->mask & IN_IGNORED))
                                (void)inotify_rm_watch(w->fd, w->sys_wd);
                        w->sys_wd = -1;
                }
                return true;
        }
        /* IN_IGNORED of a watch we removed ourselves. */
        return false;
}

int ect_watch_read(struct ect_watch *w, struct ect_error **err)
{
        alignas(struct inotify_event) char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)];
        bool relevant = false, rearm = false;

        for (;;) {
                ssize_t n = read(w->fd, buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return ect_error_set(err, errno, "read inotify events");
                }
                if (n == 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;
                        log_debug("inotify: wd %d mask 0x%x '%s'", ev->wd, ev->mask,
                                  ev->len ? ev->name : "");
                        if (handle(w, ev, &rearm))
                                relevant = true;
                        p += sizeof *ev + ev->len;
                }
        }
        if (rearm && w->ib_wd < 0) {
                int r = arm(w, err);
                if (r < 0)
                        return r;
        }
        return relevant ? 1 : 0;
}

int64_t ect_watch_now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
