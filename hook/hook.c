/* SPDX-License-Identifier: Apache-2.0 */
#include "hook.h"
#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "edits.h"
#include "fileio.h"
#include "filter.h"
#include "log.h"
#include "ocispec.h"
#include "plan.h"
#include "rdma.h"
#include "rootfs.h"
#include "sandbox.h"
#include "select.h"
#include "state.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* /proc/self/mountinfo: a line per mount, thousands on a busy node. */
#define MAX_MOUNTINFO (16 << 20)

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* Capabilities kept for the work inside the container's mount namespace,
 * and why (nvc ecaps[]). Everything else, the bounding set included, goes. */
static const int rootfs_caps[] = {
        CAP_MKNOD,           /* mknodat of the device nodes */
        CAP_DAC_OVERRIDE,    /* directories of the image need not be root-writable */
        CAP_DAC_READ_SEARCH, /* ... nor searchable */
        CAP_SYS_ADMIN,       /* move_mount of a host node (user namespaces) */
};

/* What the in-namespace phase may call: hook/filter.h, compiled into a
 * filter at build time (hook/gen-filter.c). */
const struct ect_sandbox ect_hook_sandbox = {
        .caps = rootfs_caps,
        .n_caps = sizeof rootfs_caps / sizeof *rootfs_caps,
        .filter = &ect_hook_filter,
};

static const char *node_owner(const struct ect_edit_node *n)
{
        return n->ibdev ? n->ibdev : "rdma_cm";
}

/* Raises the container's RLIMIT_MEMLOCK to the plan's, never lowers it.
 * Above the hard limit without CAP_SYS_RESOURCE this is an error (the
 * plan's one check and message): a warning would be lost (runc and Podman
 * show a hook's stderr only on failure) and the container would then fail
 * at its first large memory registration. */
static int raise_memlock(pid_t pid, const struct ect_plan *plan, struct ect_error **err)
{
        uint64_t want = plan->memlock.want;
        rlim_t w = want == ECT_MEMLOCK_UNLIMITED ? RLIM_INFINITY : (rlim_t)want;
        struct rlimit cur, nl;
        char b[24];

        if (prlimit(pid, RLIMIT_MEMLOCK, NULL, &cur) < 0)
                return ect_error_set(err, errno, "memlock: read RLIMIT_MEMLOCK of process %d",
                                     (int)pid);
        if (cur.rlim_cur == RLIM_INFINITY || (w != RLIM_INFINITY && cur.rlim_cur >= w))
                return 0;
        nl.rlim_cur = w;
        nl.rlim_max = cur.rlim_max;
        if (cur.rlim_max != RLIM_INFINITY && (w == RLIM_INFINITY || cur.rlim_max < w))
                nl.rlim_max = w;
        if (prlimit(pid, RLIMIT_MEMLOCK, &nl, NULL) < 0) {
                int e = errno;
                /* With CAP_SYS_RESOURCE held, EPERM is another refusal (a
                 * process we may not touch): said as it is. */
                if (e == EPERM && nl.rlim_max != cur.rlim_max &&
                    ect_plan_memlock_check(plan, cur.rlim_max, err) < 0)
                        return -1;
                return ect_error_set(err, e, "memlock: prlimit of process %d", (int)pid);
        }
        log_debug("memlock of %d raised to %s", (int)pid, ect_plan_limit_text(want, b, sizeof b));
        return 0;
}

/* The devices' host nodes must be what sysfs says (STYLE.md 5.5). */
static int check_host_nodes(const struct ect_edits *e, struct ect_error **err)
{
        for (size_t i = 0; i < e->n_nodes; i++) {
                const struct ect_edit_node *n = &e->nodes[i];
                if (n->status == ECT_NODE_MISMATCH)
                        return ect_error_set(err, ENODEV,
                                             "device '%s': host node '%s' is not character "
                                             "device %u:%u",
                                             node_owner(n), n->host_path ? n->host_path : n->path,
                                             n->major, n->minor);
        }
        return 0;
}

static bool same_ns(int procfd, const char *ns)
{
        char p[64];
        struct stat a, b;

        snprintf(p, sizeof p, "ns/%s", ns);
        if (fstatat(procfd, p, &a, 0) < 0)
                return true;
        snprintf(p, sizeof p, "/proc/self/ns/%s", ns);
        if (stat(p, &b) < 0)
                return true;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Whether the process of procfd is in this process's mount namespace: a
 * container being created never is (runc, crun and Podman all unshare it
 * before the hooks run), so a state pid that is names a host process,
 * which we must neither raise limits for nor make nodes around. Unlike
 * same_ns(), an error is an error here, not a yes. */
static int refuse_own_mntns(int procfd, pid_t pid, struct ect_error **err)
{
        struct stat a, b;

        if (fstatat(procfd, "ns/mnt", &a, 0) < 0)
                return ect_error_set(err, errno, "stat '/proc/%d/ns/mnt'", (int)pid);
        if (stat("/proc/self/ns/mnt", &b) < 0)
                return ect_error_set(err, errno, "stat '/proc/self/ns/mnt'");
        if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                return ect_error_set(err, EINVAL,
                                     "process %d (the state's pid) is in the hook's own mount "
                                     "namespace: not a container being created; nothing done",
                                     (int)pid);
        return 0;
}

/* The host id that is root (0) in the container's user namespace, from
 * /proc/PID/{uid,gid}_map ("inside outside count" lines). */
static int root_id(int procfd, const char *map, unsigned *ret, struct ect_error **err)
{
        cleanup_free char *buf = NULL;
        const char *p = map;
        const char *line;

        if (ect_read_file_at(procfd, map, 65536, &buf, NULL, err) < 0)
                return -1;
        for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                unsigned long in, out, cnt;
                if (sscanf(line, "%lu %lu %lu", &in, &out, &cnt) == 3 && in == 0 && cnt > 0) {
                        *ret = (unsigned)out;
                        return 0;
                }
        }
        return ect_error_set(err, EINVAL, "'%s' maps no root", p);
}

/* Whether the process of pidfd still runs; true without a pidfd (kernels
 * before 5.3: the /proc fd alone is the pin there). */
static bool alive(int pidfd)
{
        return pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 ||
               errno != ESRCH;
}

/* Enters the mount namespace of the process pidfd and procfd refer to. */
static int enter_mntns(int pidfd, int procfd, pid_t pid, struct ect_error **err)
{
        cleanup_close int nsfd = -1;

        if (pidfd >= 0 && setns(pidfd, CLONE_NEWNS) == 0)
                return 0;
        if (pidfd >= 0 && errno == ESRCH)
                return ect_error_set(err, ESRCH, "container process %d exited", (int)pid);
        /* Kernels before 5.8 take only namespace fds (delete with them). */
        nsfd = openat(procfd, "ns/mnt", O_RDONLY | O_CLOEXEC);
        if (nsfd < 0)
                return ect_error_set(err, errno, "open '/proc/%d/ns/mnt'", (int)pid);
        if (setns(nsfd, CLONE_NEWNS) < 0)
                return ect_error_set(err, errno, "setns into the mount namespace of %d", (int)pid);
        return 0;
}

/* The rootfs as the container's mount namespace shows it. Before
 * pivot_root (runc) it is root.path there; after (crun may already have
 * pivoted when it runs createRuntime hooks) it is the namespace's root.
 * A directory in the image that mimics the host path is told apart by
 * comparing with what the host sees at root.path. */
static int open_rootfs_in_ns(const char *rootfs, const struct stat *host_st, struct ect_error **err)
{
        cleanup_close int fd = -1;
        struct stat st;

        /* Usually not (runc runs prestart hooks before pivot_root): a
         * stat first, and an open only when it is. */
        if (stat("/", &st) == 0 && st.st_dev == host_st->st_dev && st.st_ino == host_st->st_ino) {
                fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == host_st->st_dev &&
                    st.st_ino == host_st->st_ino)
                        return steal_fd(&fd);
                ect_closep(&fd);
        }
        fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return ect_error_set(err, errno, "rootfs '%s' in the container's namespace",
                                     rootfs);
        if (fstat(fd, &st) < 0)
                return ect_error_set(err, errno, "stat rootfs '%s'", rootfs);
        if (st.st_dev != host_st->st_dev || st.st_ino != host_st->st_ino)
                return ect_error_set(err, EXDEV,
                                     "rootfs '%s' in the container's namespace is not "
                                     "the one the host sees",
                                     rootfs);
        return steal_fd(&fd);
}

/* The superblocks of the host's mount namespace, from its mountinfo
 * ("ID PARENT MAJ:MIN ..." lines), in its order. The text is cut into
 * lines in place, so it is taken and freed: call this after the device
 * cgroup, its other reader. */
static void host_superblocks(char **mountinfo, dev_t **ret, size_t *ret_n)
{
        cleanup_free char *buf = steal_ptr(mountinfo);
        cleanup_free dev_t *devs = NULL;
        size_t n = 0, cap = 0;
        char *line, *save = NULL;

        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned maj, min;
                if (!ect_rootfs_mountinfo_dev(line, &maj, &min))
                        continue;
                if (n == cap)
                        xgrow((void **)&devs, &cap, n + 1, sizeof *devs);
                devs[n++] = makedev(maj, min);
        }
        *ret = steal_ptr(&devs);
        *ret_n = n;
}

/* The mounts the nodes may go on (lib/rootfs.h): the rootfs mount, and the
 * container's /dev when it is a mount of its own made by the engine: a
 * tmpfs whose superblock the host's namespace does not hold. A volume or a
 * bind mount of a host directory at /dev (an image's VOLUME /dev, a -v
 * host:/dev) is neither, so nothing is made there. Runs in the container's
 * mount namespace, before the sandbox. *ret_devfd keeps the /dev mount
 * pinned (a mount ID is reused only once its mount is gone). */
static int container_mounts(int rootfd, const dev_t *host, size_t n_host,
                            struct ect_rootfs_mounts *m, int *ret_devfd, struct ect_error **err)
{
        struct ect_rootfs_mount rm, dm;
        cleanup_close int devfd = -1;
        struct statfs sfs;
        bool on_host = false;

        if (ect_rootfs_mount_of(rootfd, &rm, err) < 0 || ect_rootfs_mounts_add(m, &rm, err) < 0)
                return ect_error_wrap(err, "the rootfs");
        /* Not followed: runc mounts /dev at the path itself. */
        devfd = openat(rootfd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (devfd < 0)
                return 0;
        if (ect_rootfs_mount_of(devfd, &dm, err) < 0)
                return ect_error_wrap(err, "'/dev'");
        if (dm.mnt_id == rm.mnt_id && dm.dev == rm.dev)
                return 0; /* the image's own /dev, on the rootfs mount */
        for (size_t i = 0; i < n_host; i++)
                on_host = on_host || host[i] == dm.dev;
        if (fstatfs(devfd, &sfs) < 0)
                return ect_error_set(err, errno, "statfs '/dev'");
        if (sfs.f_type != TMPFS_MAGIC || on_host) {
                log_debug("/dev is a mount that is not the engine's tmpfs (%s): nothing is made "
                          "on it",
                          on_host ? "a file system of the host" : "not a tmpfs");
                return 0;
        }
        if (ect_rootfs_mounts_add(m, &dm, err) < 0)
                return -1;
        *ret_devfd = steal_fd(&devfd);
        return 0;
}

static const char *base_name(const char *path)
{
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

static char *dir_name(const char *path)
{
        const char *s = strrchr(path, '/');
        return s ? xstrndup(path, (size_t)(s - path)) : xstrdup("/");
}

/* Nodes inside the rootfs. Runs in the container's mount namespace, in
 * the sandbox. trees[i] >= 0: bind-mount it instead of mknod. */
static int make_nodes(int rootfd, const struct ect_edits *e, const int *trees,
                      const struct ect_rootfs_mounts *mounts, struct ect_error **err)
{
        cleanup_free char *cur_dir = NULL;
        cleanup_close int dirfd = -1;

        for (size_t i = 0; i < e->n_nodes; i++) {
                const struct ect_edit_node *n = &e->nodes[i];
                cleanup_free char *dir = dir_name(n->path);
                int r;

                if (!cur_dir || strcmp(cur_dir, dir) != 0) {
                        ect_closep(&dirfd);
                        free(cur_dir);
                        cur_dir = steal_ptr(&dir);
                        dirfd = ect_rootfs_mkdir_p(rootfd, cur_dir, 0755, mounts, err);
                        if (dirfd < 0)
                                return ect_error_wrap(err, "device '%s': '%s'", node_owner(n),
                                                      n->path);
                }
                if (trees[i] >= 0)
                        r = ect_rootfs_bind_node(dirfd, base_name(n->path), trees[i], n->major,
                                                 n->minor, err);
                else
                        r = ect_rootfs_mknod(dirfd, base_name(n->path), n->major, n->minor, 0666,
                                             err);
                if (r < 0)
                        return ect_error_wrap(err, "device '%s': '%s'", node_owner(n), n->path);
                log_debug("%s %s (%u:%u)", r == ECT_ROOTFS_CREATED ? "created" : "kept", n->path,
                          n->major, n->minor);
        }
        return 0;
}

/* Pins the container's process: a pidfd, and its /proc directory opened
 * while the pidfd shows it alive (a /proc/PID fd stays bound to that
 * process), so that a reused pid cannot redirect us. */
static int pin_process(pid_t pid, int *ret_pidfd, int *ret_procfd, struct ect_error **err)
{
        cleanup_close int pidfd = -1, procfd = -1;
        char procpath[32];

        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0 && errno == ESRCH)
                return ect_error_set(err, ESRCH, "container process %d does not exist (exited?)",
                                     (int)pid);
        snprintf(procpath, sizeof procpath, "/proc/%d", (int)pid);
        procfd = open(procpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (procfd < 0)
                return ect_error_set(err, errno == ENOENT ? ESRCH : errno,
                                     "container process %d does not exist (exited?)", (int)pid);
        if (!alive(pidfd))
                return ect_error_set(err, ESRCH, "container process %d exited", (int)pid);
        if (refuse_own_mntns(procfd, pid, err) < 0)
                return -1;
        *ret_pidfd = steal_fd(&pidfd);
        *ret_procfd = steal_fd(&procfd);
        return 0;
}

/* Host side: memlock and the device cgroup (mountinfo: the host's). */
static int apply_host_side(int pidfd, int procfd, pid_t pid, const struct ect_plan *plan,
                           const char *mountinfo, struct ect_error **err)
{
        const struct ect_edits *e = plan->edits;
        cleanup_free struct ect_cgroup_dev *devs = NULL;

        if (raise_memlock(pid, plan, err) < 0)
                return -1;
        devs = xcalloc(e->n_nodes, sizeof *devs);
        for (size_t i = 0; i < e->n_nodes; i++) {
                devs[i].major = e->nodes[i].major;
                devs[i].minor = e->nodes[i].minor;
        }
        if (ect_cgroup_allow(procfd, pid, mountinfo, devs, e->n_nodes, NULL, err) < 0)
                return -1;
        /* prlimit() above took the pid number: make sure it was still ours. */
        if (!alive(pidfd))
                return ect_error_set(err, ESRCH, "container process %d exited", (int)pid);
        return 0;
}

/* In a user namespace a node we make would sit on a nodev /dev: the
 * host's nodes, opened as trees to bind-mount instead, as runc does.
 * trees[i] stays -1 outside one. */
static int open_host_trees(const struct ect_edits *e, bool userns, int *trees,
                           struct ect_error **err)
{
        /* All -1 first: on a failure half-way, host_trees_closep() closes only
         * what was opened (never fd 0 of a zeroed entry). */
        for (size_t i = 0; i < e->n_nodes; i++)
                trees[i] = -1;
        for (size_t i = 0; i < e->n_nodes; i++) {
                const struct ect_edit_node *n = &e->nodes[i];
                if (!userns)
                        continue;
                if (!n->host_path || n->status != ECT_NODE_OK)
                        return ect_error_set(err, ENOENT,
                                             "device '%s': no host node to bind-mount for '%s' "
                                             "(user namespace)",
                                             node_owner(n), n->path);
                trees[i] = open_tree(AT_FDCWD, n->host_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (trees[i] < 0)
                        return ect_error_set(err, errno, "device '%s': open_tree '%s'",
                                             node_owner(n), n->host_path);
        }
        return 0;
}

/* The trees of open_host_trees(), closed on every way out of apply_plan(). */
struct host_trees {
        int *fd;
        size_t n;
};

static void host_trees_closep(struct host_trees *t)
{
        for (size_t i = 0; t->fd && i < t->n; i++)
                ect_closep(&t->fd[i]);
        free(t->fd);
}

/* The plan, applied to the live container of st. */
static int apply_plan(const struct ect_state *st, const struct ect_oci_doc *doc,
                      const struct ect_plan *plan, struct ect_error **err)
{
        const struct ect_edits *edits = plan->edits;
        cleanup_free char *rootfs = NULL, *mountinfo = NULL;
        __attribute__((cleanup(host_trees_closep))) struct host_trees trees = {.n = 0};
        cleanup_free dev_t *host_sbs = NULL;
        size_t n_host_sbs = 0;
        struct ect_rootfs_mounts mounts = {.n = 0};
        cleanup_close int pidfd = -1, procfd = -1, rootfd = -1, devfd = -1;
        struct stat host_st;
        bool userns;
        unsigned ns_uid = 0, ns_gid = 0;
        int r;

        if (check_host_nodes(edits, err) < 0)
                return -1;
        if (ect_oci_rootfs_path(doc->tree, st->bundle, &rootfs, err) < 0)
                return -1;
        if (pin_process(st->pid, &pidfd, &procfd, err) < 0)
                return -1;
        /* The host's mount table, read once, before setns: for the device
         * cgroup and for the host's superblocks. */
        if (ect_read_proc_at(AT_FDCWD, "/proc/self/mountinfo", MAX_MOUNTINFO, &mountinfo, NULL,
                             err) < 0)
                return -1;
        if (apply_host_side(pidfd, procfd, st->pid, plan, mountinfo, err) < 0)
                return -1;

        userns = !same_ns(procfd, "user");
        if (userns && (root_id(procfd, "uid_map", &ns_uid, err) < 0 ||
                       root_id(procfd, "gid_map", &ns_gid, err) < 0))
                return ect_error_wrap(err, "user namespace of %d", (int)st->pid);
        trees.fd = xcalloc(edits->n_nodes, sizeof *trees.fd);
        trees.n = edits->n_nodes;
        if (open_host_trees(edits, userns, trees.fd, err) < 0)
                return -1;

        /* The host's view of the rootfs is what the namespace's must match:
         * without it there is nothing to check against, so no rootfs. */
        if (stat(rootfs, &host_st) < 0)
                return ect_error_set(err, errno, "rootfs '%s'", rootfs);
        if (!S_ISDIR(host_st.st_mode))
                return ect_error_set(err, ENOTDIR, "rootfs '%s'", rootfs);
        if (ect_rootfs_init_proc(err) < 0)
                return -1;
        host_superblocks(&mountinfo, &host_sbs, &n_host_sbs);
        if (enter_mntns(pidfd, procfd, st->pid, err) < 0)
                return -1;
        rootfd = open_rootfs_in_ns(rootfs, &host_st, err);
        if (rootfd < 0)
                return -1;
        if (container_mounts(rootfd, host_sbs, n_host_sbs, &mounts, &devfd, err) < 0)
                return -1;

        /* A /dev mounted inside a user namespace takes only ids mapped
         * there (EOVERFLOW otherwise): create as the container's root. */
        if (userns) {
                (void)setfsgid(ns_gid);
                (void)setfsuid(ns_uid);
                if ((unsigned)setfsuid((uid_t)-1) != ns_uid)
                        return ect_error_set(err, EPERM, "setfsuid %u", ns_uid);
        }

        /* Everything from here touches the untrusted image. */
        umask(0);
        if (ect_sandbox_enter(&ect_hook_sandbox, err) < 0)
                return -1;
        r = make_nodes(rootfd, edits, trees.fd, &mounts, err);
        return r < 0 ? r : 0;
}

static void log_warnings(const struct ect_plan *plan)
{
        for (size_t i = 0; i < plan->n_warnings; i++)
                ect_log_write(plan->warnings[i].level, __FILE__, __LINE__, "%s",
                              plan->warnings[i].text);
}

int ect_hook_run(const struct ect_hook_opts *o, struct ect_error **err)
{
        cleanup_state struct ect_state *st = NULL;
        cleanup_config struct ect_config *cfg = NULL;
        cleanup_oci struct ect_oci_doc *doc = NULL;
        cleanup_plan struct ect_plan *plan = NULL;

        if (ect_state_read(o->state_fd, &st, err) < 0)
                return -1;
        if (ect_config_load(o->config_path, &cfg, err) < 0)
                return -1;
        if (ect_oci_load(st->bundle, &doc, err) < 0)
                return -1;
        /* The selection comes from config.json (what the runtime reads),
         * or the state's annotations when it has none (lib/plan.h). */
        if (ect_plan_make(cfg, doc, st, &plan, err) < 0)
                return -1;
        log_warnings(plan);
        if (plan->source == ECT_SELECT_NONE) {
                log_debug("no eRDMA request: nothing to do");
                return 0;
        }
        if (!plan->edits) {
                log_debug("the request (%s) selects no device",
                          ect_select_source_name(plan->source));
                return 0;
        }
        return apply_plan(st, doc, plan, err);
}
