/* SPDX-License-Identifier: Apache-2.0 */
/* Watching for RDMA devices that come and go (erdma-cdi generate --watch).
 *
 * The source that works on a real host is the dev root's infiniband
 * directory: devtmpfs creates and removes /dev/infiniband/uverbsN through
 * vfs_mknod/vfs_unlink, which notify inotify watchers, and udev then changes
 * owner and mode (IN_ATTRIB). sysfs delivers no inotify events for devices
 * the kernel adds or removes (kernfs only notifies on explicit
 * sysfs_notify()/kernfs_notify() of an attribute), so the watch on the sysfs
 * root's class/infiniband_verbs only helps on fake trees (tests, demos) and
 * never costs anything on a real one.
 *
 * devtmpfs removes /dev/infiniband once it is empty, and creates it with the
 * first node: while it is missing the dev root itself is watched for a
 * directory of that name, and the watch moves back once it is there.
 *
 * The watcher only says "something changed"; what changed is for discovery
 * to find out (lib/rdma.h). */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ect_watch;

/* Starts watching dev_root/infiniband (or dev_root for its creation) and,
 * where it exists, sysfs_root/class/infiniband_verbs. NULL roots mean /dev
 * and /sys. Fails when the dev root cannot be watched. */
int ect_watch_new(const char *dev_root, const char *sysfs_root, struct ect_watch **ret,
                  struct ect_error **err);
void ect_watch_free(struct ect_watch *w);
static inline void ect_watch_freep(struct ect_watch **w)
{
        ect_watch_free(*w);
}
#define cleanup_watch __attribute__((cleanup(ect_watch_freep)))

/* The inotify fd to poll for POLLIN (non-blocking, close-on-exec). */
int ect_watch_fd(const struct ect_watch *w);

/* Reads every queued event. Returns 1 when one of them may change the
 * device set (a node created, removed, renamed or chmod'ed under
 * infiniband/, the directory itself appearing or going, a verbs class
 * entry, a queue overflow), 0 when none does or nothing was queued, < 0 on
 * a read error. Moves the watch between the dev root and its infiniband
 * directory as that directory appears and goes. */
int ect_watch_read(struct ect_watch *w, struct ect_error **err);

/* Whether dev_root/infiniband is being watched (false: the dev root is
 * watched for its creation). */
bool ect_watch_has_ib_dir(const struct ect_watch *w);
/* Whether the sysfs class directory is being watched. */
bool ect_watch_has_sysfs(const struct ect_watch *w);

/* How long cdi/watcher.c waits for a burst of events to end (debounce.h). */
#define ECT_WATCH_QUIET_MS 100
#define ECT_WATCH_MAX_MS 500

/* CLOCK_MONOTONIC in milliseconds. */
int64_t ect_watch_now_ms(void);
