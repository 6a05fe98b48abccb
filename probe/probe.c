/* SPDX-License-Identifier: Apache-2.0 */
/* The checks of erdma-probe, in the order a user needs them: a later check
 * is read in the light of the earlier ones (a failed open explains a failed
 * ibv_open_device). Nothing here links libibverbs: every verbs call goes
 * through opts->ops. */
#include "probe.h"
#include "cleanup.h"
#include "fileio.h"
#include "rdma.h"
#include "xalloc.h"

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CAP_BIT_IPC_LOCK 14
#define CAP_BIT_SYS_RAWIO 17
#define SYSFS_MAX 4096

/* What the probe learns about one uverbs device, from /dev and from sysfs. */
struct pdev {
        unsigned index;
        char name[32];   /* "uverbs0" */
        char *node_path; /* dev_root/infiniband/uverbs0 */
        bool has_node, is_chr;
        unsigned node_major, node_minor;
        int open_errno; /* 0 opened, -1 not tried */
        bool has_sysfs, sysfs_dev_ok;
        unsigned sys_major, sys_minor;
        char *ibdev;     /* from sysfs, NULL unknown */
        char *node_guid; /* from sysfs, NULL unknown */
};

struct probe {
        const struct ect_probe_opts *o;
        const struct ect_probe_ops *ops;
        const char *sysfs, *dev, *image;
        uint64_t mr_size;
        struct ect_probe_report *r;
        struct pdev *devs;
        size_t n_devs;
        bool has_class;      /* sysfs class/infiniband_verbs visible */
        bool device_unknown; /* --device matched nothing */
        bool has_cm_node, cm_is_chr;
        unsigned cm_major, cm_minor;
        char *cm_path;
        int cm_errno;           /* -1 not tried */
        size_t n_verbs_devices; /* what ibv_get_device_list returned; SIZE_MAX unknown */
        bool has_ipc_lock, has_rawio, caps_known;
};

/* ---- small helpers ---- */

static void strapp(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void strapp(char **s, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *add = xvasprintf(fmt, ap);
        va_end(ap);
        if (!*s) {
                *s = add;
                return;
        }
        /* one item a line: the text report indents them, JSON joins with "; " */
        char *n = xasprintf("%s%s%s", *s, **s ? "\n" : "", add);
        free(*s);
        free(add);
        *s = n;
}

static void add_check(struct probe *p, const char *name, enum ect_probe_status st, char *detail,
                      char *hint)
{
        struct ect_probe_report *r = p->r;
        xgrow((void **)&r->checks, &r->cap, r->n_checks + 1, sizeof *r->checks);
        r->checks[r->n_checks++] = (struct ect_probe_check){
            .name = name, .status = st, .detail = detail ? detail : xstrdup(""), .hint = hint};
}

static const char *errname(int e)
{
        const char *n = strerrorname_np(e);
        return n ? n : "E?";
}

static char *errtext(int e)
{
        return xasprintf("%s (%s)", errname(e), strerror(e));
}

static char *human_size(uint64_t n)
{
        static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        unsigned u = 0;
        uint64_t v = n;
        while (u < 4 && v >= 1024 && v % 1024 == 0) {
                v /= 1024;
                u++;
        }
        return xasprintf("%" PRIu64 " %s", v, units[u]);
}

/* Reads a small sysfs attribute, trimmed; NULL when unreadable. */
static char *read_attr(const char *path)
{
        struct ect_error *err = NULL;
        char *buf = NULL;
        size_t len = 0;
        if (ect_read_file_at(AT_FDCWD, path, SYSFS_MAX, &buf, &len, &err) < 0) {
                ect_error_free(&err);
                return NULL;
        }
        while (len > 0 && isspace((unsigned char)buf[len - 1]))
                buf[--len] = '\0';
        return buf;
}

static bool parse_devnum(const char *s, unsigned *maj, unsigned *min)
{
        unsigned a, b;
        int n = 0;
        if (!s || sscanf(s, "%u:%u%n", &a, &b, &n) != 2 || s[n] != '\0')
                return false;
        *maj = a;
        *min = b;
        return true;
}

static bool parse_uverbs(const char *name, unsigned *idx)
{
        if (strncmp(name, "uverbs", 6) != 0 || !isdigit((unsigned char)name[6]))
                return false;
        char *end;
        errno = 0;
        unsigned long v = strtoul(name + 6, &end, 10);
        if (*end || errno || v > 65535)
                return false;
        *idx = (unsigned)v;
        return true;
}

static struct pdev *get_dev(struct probe *p, unsigned idx)
{
        for (size_t i = 0; i < p->n_devs; i++)
                if (p->devs[i].index == idx)
                        return &p->devs[i];
        size_t cap = p->n_devs;
        xgrow((void **)&p->devs, &cap, p->n_devs + 1, sizeof *p->devs);
        struct pdev *d = &p->devs[p->n_devs++];
        *d = (struct pdev){.index = idx, .open_errno = -1};
        snprintf(d->name, sizeof d->name, "uverbs%u", idx);
        return d;
}

static int cmp_dev(const void *a, const void *b)
{
        const struct pdev *x = a, *y = b;
        return x->index < y->index ? -1 : x->index > y->index;
}

static bool dev_matches(const struct pdev *d, const char *want)
{
        if (strcmp(d->name, want) == 0 || (d->ibdev && strcmp(d->ibdev, want) == 0))
                return true;
        char idx[16];
        snprintf(idx, sizeof idx, "%u", d->index);
        return strcmp(idx, want) == 0;
}

/* Builds the device table from dev_root/infiniband and sysfs. */
static void collect(struct probe *p)
{
        cleanup_free char *ibdir = xasprintf("%s/infiniband", p->dev);
        cleanup_dir DIR *d = opendir(ibdir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
                unsigned idx;
                cleanup_free char *path = xasprintf("%s/%s", ibdir, e->d_name);
                struct stat st;
                if (strcmp(e->d_name, "rdma_cm") == 0) {
                        if (lstat(path, &st) == 0) {
                                p->has_cm_node = true;
                                p->cm_is_chr = S_ISCHR(st.st_mode);
                                p->cm_major = major(st.st_rdev);
                                p->cm_minor = minor(st.st_rdev);
                                p->cm_path = steal_ptr(&path);
                        }
                        continue;
                }
                if (!parse_uverbs(e->d_name, &idx) || lstat(path, &st) < 0)
                        continue;
                struct pdev *pd = get_dev(p, idx);
                pd->has_node = true;
                pd->is_chr = S_ISCHR(st.st_mode);
                pd->node_major = major(st.st_rdev);
                pd->node_minor = minor(st.st_rdev);
                pd->node_path = steal_ptr(&path);
        }

        cleanup_free char *cls = xasprintf("%s/class/infiniband_verbs", p->sysfs);
        cleanup_dir DIR *c = opendir(cls);
        p->has_class = c != NULL;
        while (c && (e = readdir(c))) {
                unsigned idx;
                if (!parse_uverbs(e->d_name, &idx))
                        continue;
                struct pdev *pd = get_dev(p, idx);
                pd->has_sysfs = true;
                cleanup_free char *devp = xasprintf("%s/%s/dev", cls, e->d_name);
                cleanup_free char *ibp = xasprintf("%s/%s/ibdev", cls, e->d_name);
                cleanup_free char *dv = read_attr(devp);
                pd->sysfs_dev_ok = parse_devnum(dv, &pd->sys_major, &pd->sys_minor);
                pd->ibdev = read_attr(ibp);
                if (pd->ibdev) {
                        cleanup_free char *gp =
                            xasprintf("%s/class/infiniband/%s/node_guid", p->sysfs, pd->ibdev);
                        pd->node_guid = read_attr(gp);
                }
        }
        if (p->n_devs > 1)
                qsort(p->devs, p->n_devs, sizeof *p->devs, cmp_dev);

        if (p->o->device) {
                size_t k = 0;
                for (size_t i = 0; i < p->n_devs; i++) {
                        if (dev_matches(&p->devs[i], p->o->device)) {
                                p->devs[k++] = p->devs[i];
                        } else {
                                free(p->devs[i].node_path);
                                free(p->devs[i].ibdev);
                                free(p->devs[i].node_guid);
                        }
                }
                p->n_devs = k;
                p->device_unknown = k == 0;
        }
}

static size_t n_nodes(const struct probe *p)
{
        size_t n = 0;
        for (size_t i = 0; i < p->n_devs; i++)
                n += p->devs[i].has_node;
        return n;
}

/* ---- 1. nodes ---- */

static const char HINT_PASS_IN[] =
    "pass the devices in: CDI (--device from the spec erdma-cdi writes), the "
    "erdma-container-runtime or erdma-hook, or by hand --device "
    "/dev/infiniband/uverbsN --device /dev/infiniband/rdma_cm";

static void check_nodes(struct probe *p)
{
        char *detail = NULL, *hint = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;

        if (p->device_unknown) {
                strapp(&detail,
                       "no device '%s' in this container (neither a node under "
                       "%s/infiniband nor a sysfs entry)",
                       p->o->device, p->dev);
                add_check(p, "nodes", ECT_PROBE_FAIL, detail,
                          xasprintf("name a device by ibdev (erdma_0), node (uverbs0) or "
                                    "index; or %s",
                                    HINT_PASS_IN));
                return;
        }
        if (n_nodes(p) == 0) {
                strapp(&detail,
                       "no %s/infiniband/uverbs* node in this container: no RDMA "
                       "device was passed in",
                       p->dev);
                add_check(p, "nodes", ECT_PROBE_FAIL, detail, xstrdup(HINT_PASS_IN));
                return;
        }
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if (!d->has_node)
                        continue;
                if (!d->is_chr) {
                        strapp(&detail, "%s is not a character device", d->node_path);
                        st = ECT_PROBE_FAIL;
                        hint = xstrdup("replace it by the host's node: "
                                       "--device "
                                       "/dev/infiniband/uverbsN (not a bind mount of a file)");
                } else {
                        strapp(&detail, "%s (%u:%u)", d->node_path, d->node_major, d->node_minor);
                }
        }
        if (!p->has_cm_node) {
                strapp(&detail,
                       "no %s/infiniband/rdma_cm: applications that use librdmacm "
                       "(connection management) will fail",
                       p->dev);
                if (st == ECT_PROBE_PASS)
                        st = ECT_PROBE_WARN;
                if (!hint)
                        hint = xstrdup("add --device /dev/infiniband/rdma_cm (the CDI spec and "
                                       "the runtime shim add it by default)");
        } else if (!p->cm_is_chr) {
                strapp(&detail, "%s is not a character device", p->cm_path);
                st = ECT_PROBE_FAIL;
        } else {
                strapp(&detail, "%s (%u:%u)", p->cm_path, p->cm_major, p->cm_minor);
        }
        add_check(p, "nodes", st, detail, hint);
}

/* ---- 2. access ---- */

static char *explain_open(const struct probe *p, int e, char **hint, unsigned maj, unsigned min)
{
        switch (e) {
        case EPERM:
                if (!*hint)
                        *hint = xasprintf(
                            "allow 'c %u:%u rw' in the container's device cgroup: "
                            "docker/podman --device, the CDI spec or the erdma runtime do; "
                            "a bind mount of /dev alone does not%s",
                            maj, min,
                            p->has_rawio ? ""
                                         : "; on older eRDMA hardware also add "
                                           "--cap-add SYS_RAWIO");
                return xasprintf("denied by the device cgroup%s",
                                 p->has_rawio ? " (CAP_SYS_RAWIO is present, so not a "
                                                "capability problem)"
                                              : ", or CAP_SYS_RAWIO missing on older eRDMA "
                                                "hardware");
        case EACCES:
                if (!*hint)
                        *hint = xstrdup("the node's mode or owner forbids this user: make it "
                                        "0666, or run as a user that may open it");
                return xstrdup("file permissions deny this user");
        case ENXIO:
        case ENODEV:
                if (!*hint)
                        *hint = xstrdup("on the host: load the driver (modprobe erdma; "
                                        "rdma_ucm for rdma_cm) and pass the node with the "
                                        "major:minor that /sys/class/infiniband_verbs/uverbsN/dev "
                                        "shows now");
                return xstrdup("no kernel driver behind this node (driver not loaded on the "
                               "host, or stale major:minor)");
        default:
                if (!*hint)
                        *hint = xstrdup("check the node on the host (ls -l /dev/infiniband; "
                                        "dmesg)");
                return xstrdup("cannot be opened");
        }
}

static void check_access(struct probe *p)
{
        char *detail = NULL, *hint = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;
        bool any = false;

        for (size_t i = 0; i < p->n_devs; i++) {
                struct pdev *d = &p->devs[i];
                if (!d->has_node || !d->is_chr)
                        continue;
                any = true;
                d->open_errno = p->ops->open_node(d->node_path);
                if (d->open_errno == 0) {
                        strapp(&detail, "%s opens", d->name);
                        continue;
                }
                st = ECT_PROBE_FAIL;
                cleanup_free char *et = errtext(d->open_errno);
                cleanup_free char *why =
                    explain_open(p, d->open_errno, &hint, d->node_major, d->node_minor);
                strapp(&detail, "%s: %s: %s", d->name, et, why);
        }
        if (p->has_cm_node && p->cm_is_chr) {
                any = true;
                p->cm_errno = p->ops->open_node(p->cm_path);
                if (p->cm_errno == 0) {
                        strapp(&detail, "rdma_cm opens");
                } else {
                        st = ECT_PROBE_FAIL;
                        cleanup_free char *et = errtext(p->cm_errno);
                        cleanup_free char *why =
                            explain_open(p, p->cm_errno, &hint, p->cm_major, p->cm_minor);
                        strapp(&detail, "rdma_cm: %s: %s", et, why);
                }
        }
        if (!any) {
                add_check(p, "access", ECT_PROBE_SKIP, xstrdup("no node to open (see nodes)"),
                          NULL);
                return;
        }
        add_check(p, "access", st, detail, hint);
}

/* ---- 3. sysfs ---- */

static void check_sysfs(struct probe *p)
{
        char *detail = NULL, *hint = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;

        if (!p->has_class) {
                add_check(p, "sysfs", ECT_PROBE_FAIL,
                          xasprintf("%s/class/infiniband_verbs is not visible: libibverbs "
                                    "finds devices there and will find none",
                                    p->sysfs),
                          xstrdup("mount sysfs in the container (every engine does by "
                                  "default; do not mask /sys/class); on a host without "
                                  "the erdma driver the class does not exist"));
                return;
        }
        bool any = false;
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if (!d->has_node)
                        continue;
                any = true;
                if (!d->has_sysfs) {
                        strapp(&detail,
                               "%s has a node but no sysfs entry (a stale node, or "
                               "one of another host)",
                               d->name);
                        st = ECT_PROBE_FAIL;
                        if (!hint)
                                hint = xstrdup("pass the nodes the host has now "
                                               "(/sys/class/infiniband_verbs on the host)");
                } else if (!d->ibdev || !d->sysfs_dev_ok) {
                        strapp(&detail,
                               "%s: sysfs entry without a readable ibdev or dev "
                               "attribute",
                               d->name);
                        st = ECT_PROBE_FAIL;
                } else if (d->is_chr &&
                           (d->sys_major != d->node_major || d->sys_minor != d->node_minor)) {
                        strapp(&detail,
                               "%s is %u:%u but sysfs says %s is %u:%u (stale "
                               "major:minor)",
                               d->name, d->node_major, d->node_minor, d->ibdev, d->sys_major,
                               d->sys_minor);
                        st = ECT_PROBE_FAIL;
                        if (!hint)
                                hint = xstrdup("recreate the container so that the node "
                                               "gets the current major:minor (the device "
                                               "was re-registered on the host)");
                } else {
                        strapp(&detail, "%s -> %s (%u:%u)", d->name, d->ibdev, d->sys_major,
                               d->sys_minor);
                }
        }
        if (!any) {
                add_check(p, "sysfs", ECT_PROBE_SKIP, xstrdup("no uverbs node to map (see nodes)"),
                          NULL);
                return;
        }
        add_check(p, "sysfs", st, detail, hint);
}

/* ---- 4. verbs ---- */

static const char HINT_MEMLOCK[] =
    "raise RLIMIT_MEMLOCK: docker/podman --ulimit memlock=-1, or the "
    "erdma-container-runtime 'memlock' setting (or add CAP_IPC_LOCK)";

static const char *port_state_name(enum ibv_port_state s)
{
        switch (s) {
        case IBV_PORT_NOP:
                return "NOP";
        case IBV_PORT_DOWN:
                return "DOWN";
        case IBV_PORT_INIT:
                return "INIT";
        case IBV_PORT_ARMED:
                return "ARMED";
        case IBV_PORT_ACTIVE:
                return "ACTIVE";
        case IBV_PORT_ACTIVE_DEFER:
                return "ACTIVE_DEFER";
        }
        return "unknown";
}

static const char *link_layer_name(uint8_t ll)
{
        switch (ll) {
        case IBV_LINK_LAYER_ETHERNET:
                return "Ethernet";
        case IBV_LINK_LAYER_INFINIBAND:
                return "InfiniBand";
        default:
                return "unspecified";
        }
}

static const struct pdev *pdev_by_ibdev(const struct probe *p, const char *ibdev)
{
        for (size_t i = 0; i < p->n_devs; i++)
                if (p->devs[i].ibdev && strcmp(p->devs[i].ibdev, ibdev) == 0)
                        return &p->devs[i];
        return NULL;
}

/* A failure of a call that allocates pinned memory. */
static void fail_alloc(struct probe *p, char **detail, char **hint, const char *dev,
                       const char *what, int e)
{
        cleanup_free char *et = errtext(e);
        if (e == ENOMEM || e == EAGAIN) {
                struct rlimit rl = {0};
                cleanup_free char *lim = NULL;
                if (p->ops->get_memlock(&rl) == 0)
                        lim = rl.rlim_cur == RLIM_INFINITY ? xstrdup("unlimited")
                                                           : human_size(rl.rlim_cur);
                strapp(detail,
                       "%s: %s failed: %s: locked memory limit reached (memlock, "
                       "RLIMIT_MEMLOCK %s)",
                       dev, what, et, lim ? lim : "unknown");
                if (!*hint)
                        *hint = xstrdup(HINT_MEMLOCK);
        } else {
                strapp(detail, "%s: %s failed: %s", dev, what, et);
        }
}

/* Runs the verbs sequence on one device; true when it all passed. */
static bool verbs_one(struct probe *p, struct ibv_device *dev, char **detail, char **hint)
{
        const struct ect_probe_ops *ops = p->ops;
        const char *name = ops->get_device_name(dev);
        if (!name)
                name = "?";
        struct ibv_context *ctx = NULL;
        struct ibv_pd *pd = NULL;
        struct ibv_mr *mr = NULL;
        struct ibv_cq *cq = NULL;
        struct ibv_qp *qp = NULL;
        void *buf = MAP_FAILED;
        cleanup_free char *info = NULL; /* before any goto: cleanup runs at out */
        cleanup_free char *hs = human_size(p->mr_size);
        bool ok = false;
        int e;

        errno = 0;
        ctx = ops->open_device(dev);
        if (!ctx) {
                e = errno ? errno : EIO;
                const struct pdev *pd0 = pdev_by_ibdev(p, name);
                if (pd0 && pd0->open_errno > 0) {
                        cleanup_free char *et = errtext(pd0->open_errno);
                        strapp(detail,
                               "%s: ibv_open_device failed: its node %s gives %s "
                               "(see access)",
                               name, pd0->name, et);
                        if (!*hint)
                                *hint = xstrdup("resolve the access failure first (see access)");
                } else {
                        cleanup_free char *et = errtext(e);
                        strapp(detail, "%s: ibv_open_device failed: %s", name, et);
                        if (e == EPERM && !*hint)
                                *hint = xstrdup("the device cgroup or a missing "
                                                "CAP_SYS_RAWIO (older eRDMA hardware) "
                                                "refuses the context: --cap-add SYS_RAWIO");
                }
                return false;
        }

        struct ibv_device_attr da;
        memset(&da, 0, sizeof da);
        e = ops->query_device(ctx, &da);
        if (e) {
                cleanup_free char *et = errtext(e < 0 ? -e : e);
                strapp(detail, "%s: ibv_query_device failed: %s", name, et);
                goto out;
        }
        info = xasprintf("%s: fw %s, max_qp %d, max_cq %d, max_mr_size %" PRIu64, name,
                         da.fw_ver[0] ? da.fw_ver : "?", da.max_qp, da.max_cq,
                         (uint64_t)da.max_mr_size);
        unsigned nports = da.phys_port_cnt ? da.phys_port_cnt : 1;
        for (unsigned port = 1; port <= nports; port++) {
                struct ibv_port_attr pa;
                memset(&pa, 0, sizeof pa);
                e = ops->query_port(ctx, (uint8_t)port, &pa);
                if (e) {
                        cleanup_free char *et = errtext(e < 0 ? -e : e);
                        strapp(detail, "%s: ibv_query_port %u failed: %s", name, port, et);
                        goto out;
                }
                if (pa.state != IBV_PORT_ACTIVE) {
                        strapp(detail, "%s: port %u is %s, not ACTIVE (link layer %s)", name, port,
                               port_state_name(pa.state), link_layer_name(pa.link_layer));
                        if (!*hint)
                                *hint = xstrdup("the port carries no traffic: on the host, check "
                                                "that the ENI with eRDMA is attached and up "
                                                "(ip link; ibv_devinfo; rdma link)");
                        goto out;
                }
                char *ni = xasprintf("%s, port %u ACTIVE (%s)", info, port,
                                     link_layer_name(pa.link_layer));
                free(info);
                info = ni;
        }

        errno = 0;
        pd = ops->alloc_pd(ctx);
        if (!pd) {
                /* a PD pins no memory: ENOMEM here is not memlock */
                cleanup_free char *et = errtext(errno ? errno : EIO);
                strapp(detail, "%s: ibv_alloc_pd failed: %s", name, et);
                goto out;
        }
        buf = mmap(NULL, p->mr_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (buf == MAP_FAILED) {
                cleanup_free char *et = errtext(errno);
                strapp(detail, "%s: cannot map %s for the memory registration: %s", name, hs, et);
                goto out;
        }
        errno = 0;
        mr = ops->reg_mr(pd, buf, p->mr_size,
                         IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE);
        if (!mr) {
                cleanup_free char *what = xasprintf("ibv_reg_mr of %s", hs);
                fail_alloc(p, detail, hint, name, what, errno ? errno : EIO);
                goto out;
        }
        errno = 0;
        cq = ops->create_cq(ctx, 16);
        if (!cq) {
                fail_alloc(p, detail, hint, name, "ibv_create_cq", errno ? errno : EIO);
                goto out;
        }
        struct ibv_qp_init_attr qia;
        memset(&qia, 0, sizeof qia);
        qia.send_cq = cq;
        qia.recv_cq = cq;
        qia.qp_type = IBV_QPT_RC;
        qia.cap.max_send_wr = 16;
        qia.cap.max_recv_wr = 16;
        qia.cap.max_send_sge = 1;
        qia.cap.max_recv_sge = 1;
        errno = 0;
        qp = ops->create_qp(pd, &qia);
        if (!qp) {
                fail_alloc(p, detail, hint, name, "ibv_create_qp (RC)", errno ? errno : EIO);
                goto out;
        }
        struct ibv_qp_attr qa;
        memset(&qa, 0, sizeof qa);
        qa.qp_state = IBV_QPS_INIT;
        qa.pkey_index = 0;
        qa.port_num = 1;
        qa.qp_access_flags =
            IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE;
        e = ops->modify_qp(qp, &qa,
                           IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
        if (e) {
                cleanup_free char *et = errtext(e < 0 ? -e : e);
                strapp(detail, "%s: ibv_modify_qp to INIT failed: %s", name, et);
                goto out;
        }
        strapp(detail, "%s, pd, mr %s, cq, RC qp -> INIT", info, hs);
        ok = true;
out:
        if (qp)
                (void)ops->destroy_qp(qp);
        if (cq)
                (void)ops->destroy_cq(cq);
        if (mr)
                (void)ops->dereg_mr(mr);
        if (buf != MAP_FAILED)
                (void)munmap(buf, p->mr_size);
        if (pd)
                (void)ops->dealloc_pd(pd);
        (void)ops->close_device(ctx);
        return ok;
}

static bool verbs_selected(const struct probe *p, struct ibv_device *dev)
{
        if (!p->o->device)
                return true;
        const char *name = p->ops->get_device_name(dev);
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if ((name && d->ibdev && strcmp(name, d->ibdev) == 0) ||
                    strcmp(dev->dev_name, d->name) == 0)
                        return true;
        }
        return name && strcmp(name, p->o->device) == 0;
}

static void check_verbs(struct probe *p)
{
        const struct ect_probe_ops *ops = p->ops;
        char *detail = NULL, *hint = NULL;

        if (n_nodes(p) == 0) {
                add_check(p, "verbs", ECT_PROBE_SKIP,
                          xstrdup("no uverbs node in this container (see nodes)"), NULL);
                return;
        }
        int n = 0;
        errno = 0;
        struct ibv_device **list = ops->get_device_list(&n);
        if (!list) {
                int e = errno ? errno : EIO;
                cleanup_free char *et = errtext(e);
                add_check(p, "verbs", ECT_PROBE_FAIL,
                          xasprintf("ibv_get_device_list failed: %s%s", et,
                                    e == ENOSYS ? " (no class/infiniband_verbs in sysfs)" : ""),
                          xstrdup("see sysfs; libibverbs needs the host's sysfs"));
                return;
        }
        p->n_verbs_devices = (size_t)n;
        if (n == 0) {
                ops->free_device_list(list);
                bool sysfs_has = false;
                for (size_t i = 0; i < p->n_devs; i++)
                        sysfs_has |= p->devs[i].has_sysfs && p->devs[i].has_node;
                if (sysfs_has) {
                        add_check(p, "verbs", ECT_PROBE_FAIL,
                                  xasprintf("ibv_get_device_list found no device: sysfs shows "
                                            "uverbs devices with nodes, but no provider matched "
                                            "them (providers in this probe: %s%s)",
                                            ops->providers ? ops->providers : "none",
                                            ops->is_static ? ", linked in"
                                                           : ", loaded from the "
                                                             "system"),
                                  xstrdup("the device is not an eRDMA device (check "
                                          "/sys/class/infiniband_verbs/uverbsN/device/modalias: "
                                          "pci:v00001DEDd0000107F for eRDMA) or its kernel ABI "
                                          "is not one the provider supports (update rdma-core / "
                                          "the erdma driver)"));
                } else {
                        add_check(p, "verbs", ECT_PROBE_FAIL,
                                  xstrdup("ibv_get_device_list found no device (no sysfs "
                                          "entry has a node in this container)"),
                                  xstrdup("see nodes and sysfs"));
                }
                return;
        }
        enum ect_probe_status st = ECT_PROBE_PASS;
        int tried = 0;
        for (int i = 0; i < n && list[i]; i++) {
                if (!verbs_selected(p, list[i]))
                        continue;
                tried++;
                if (!verbs_one(p, list[i], &detail, &hint))
                        st = ECT_PROBE_FAIL;
        }
        ops->free_device_list(list);
        if (st == ECT_PROBE_FAIL && !hint)
                hint = xstrdup("look at the device on the host (dmesg for erdma, ibv_devinfo -v); "
                               "if it persists, update the erdma driver and rdma-core");
        if (tried == 0) {
                add_check(p, "verbs", ECT_PROBE_FAIL,
                          xasprintf("libibverbs lists %d device(s), none of them '%s': no "
                                    "provider in this probe (%s) matched it",
                                    n, p->o->device ? p->o->device : "?",
                                    ops->providers ? ops->providers : "none"),
                          xstrdup("check that it is an eRDMA device "
                                  "(/sys/class/infiniband_verbs/uverbsN/device/modalias: "
                                  "pci:v00001DEDd0000107F for eRDMA)"));
                free(detail);
                free(hint);
                return;
        }
        add_check(p, "verbs", st, detail, hint);
}

/* ---- 5. rdma_cm ---- */

static bool has_uverbs_node(const struct probe *p)
{
        for (size_t i = 0; i < p->n_devs; i++)
                if (p->devs[i].has_node)
                        return true;
        return false;
}

static void check_rdma_cm(struct probe *p)
{
        const struct ect_probe_ops *ops = p->ops;
        if (!p->has_cm_node) {
                add_check(p, "rdma_cm", ECT_PROBE_WARN,
                          xasprintf("not tried: no %s/infiniband/rdma_cm (see nodes); "
                                    "applications that use librdmacm will fail",
                                    p->dev),
                          xstrdup("add --device /dev/infiniband/rdma_cm"));
                return;
        }
        errno = 0;
        struct rdma_event_channel *ch = ops->create_event_channel();
        if (!ch) {
                int e = errno ? errno : EIO;
                cleanup_free char *et = errtext(e);
                char *detail, *hint = NULL;
                if (p->cm_errno > 0) {
                        cleanup_free char *ct = errtext(p->cm_errno);
                        detail = xasprintf("rdma_create_event_channel failed: %s; the node "
                                           "gives %s (see access)",
                                           et, ct);
                        hint = xstrdup("resolve the access failure first (see access)");
                } else if (e == ENODEV && !has_uverbs_node(p)) {
                        /* Seen on a real kernel with rdma_ucm loaded and no
                         * RDMA device: the node opens, but librdmacm first
                         * lists verbs devices and gives up with ENODEV. */
                        detail = xasprintf("rdma_create_event_channel failed: %s: the rdma_cm "
                                           "node opens, but librdmacm needs a verbs device and "
                                           "this container has no uverbs node (see nodes)",
                                           et);
                        hint = xstrdup("pass the uverbs devices in (see nodes): rdma_cm alone "
                                       "is not enough");
                } else if (e == ENODEV && p->n_verbs_devices == 0) {
                        detail = xasprintf("rdma_create_event_channel failed: %s: librdmacm "
                                           "found no verbs device (see verbs)",
                                           et);
                        hint = xstrdup(
                            "resolve the verbs failure first: rdma_cm needs a verbs device");
                } else if (e == EPERM && p->cm_errno == 0) {
                        /* The node opened (see access): not the cgroup.
                         * librdmacm's ucma_init() answers EPERM when the
                         * kernel's rdma_cm ABI is outside what it knows. */
                        detail = xasprintf("rdma_create_event_channel failed: %s, although the "
                                           "rdma_cm node opens (see access): librdmacm does not "
                                           "support the kernel's rdma_cm ABI "
                                           "(%s/class/misc/rdma_cm/abi_version)",
                                           et, p->sysfs);
                        hint = xstrdup("compare /sys/class/misc/rdma_cm/abi_version on the host "
                                       "with the rdma-core (librdmacm) in use; update rdma-core "
                                       "or the kernel so that they agree");
                } else {
                        detail = xasprintf("rdma_create_event_channel failed: %s", et);
                        hint = xstrdup(e == EPERM ? "allow the rdma_cm node in the device cgroup "
                                                    "(--device /dev/infiniband/rdma_cm)"
                                                  : "on the host: modprobe rdma_ucm");
                }
                add_check(p, "rdma_cm", ECT_PROBE_FAIL, detail, hint);
                return;
        }
        struct rdma_cm_id *id = NULL;
        errno = 0;
        if (ops->create_id(ch, &id, NULL, RDMA_PS_TCP) != 0) {
                int e = errno ? errno : EIO;
                cleanup_free char *et = errtext(e);
                ops->destroy_event_channel(ch);
                add_check(
                    p, "rdma_cm", ECT_PROBE_FAIL,
                    xasprintf("event channel created; rdma_create_id failed: %s", et),
                    xstrdup(e == ENOMEM ? HINT_MEMLOCK : "on the host: check rdma_ucm and dmesg"));
                return;
        }
        (void)ops->destroy_id(id);
        ops->destroy_event_channel(ch);
        add_check(p, "rdma_cm", ECT_PROBE_PASS, xstrdup("event channel and RDMA_PS_TCP id created"),
                  NULL);
}

/* ---- 6. memlock ---- */

static void check_memlock(struct probe *p)
{
        struct rlimit rl;
        if (p->ops->get_memlock(&rl) < 0) {
                cleanup_free char *et = errtext(errno);
                add_check(p, "memlock", ECT_PROBE_WARN,
                          xasprintf("getrlimit(RLIMIT_MEMLOCK) failed: %s", et), NULL);
                return;
        }
        cleanup_free char *want = human_size(p->mr_size);
        if (rl.rlim_cur == RLIM_INFINITY) {
                add_check(p, "memlock", ECT_PROBE_PASS,
                          xasprintf("RLIMIT_MEMLOCK is unlimited (--mr-size %s)", want), NULL);
                return;
        }
        cleanup_free char *cur = human_size(rl.rlim_cur);
        cleanup_free char *hard =
            rl.rlim_max == RLIM_INFINITY ? xstrdup("unlimited") : human_size(rl.rlim_max);
        if (rl.rlim_cur >= p->mr_size) {
                add_check(
                    p, "memlock", ECT_PROBE_PASS,
                    xasprintf("RLIMIT_MEMLOCK %s (hard %s) covers --mr-size %s", cur, hard, want),
                    NULL);
                return;
        }
        if (p->has_ipc_lock) {
                add_check(p, "memlock", ECT_PROBE_WARN,
                          xasprintf("RLIMIT_MEMLOCK %s (hard %s) is below --mr-size %s; "
                                    "CAP_IPC_LOCK lets registrations exceed it",
                                    cur, hard, want),
                          xstrdup(HINT_MEMLOCK));
                return;
        }
        add_check(p, "memlock", ECT_PROBE_FAIL,
                  xasprintf("RLIMIT_MEMLOCK %s (hard %s) is below --mr-size %s: registering "
                            "that much memory fails with ENOMEM",
                            cur, hard, want),
                  xstrdup(HINT_MEMLOCK));
}

/* ---- 7. network namespace ---- */

static void check_netns(struct probe *p)
{
        struct ect_probe_iface *ifs = NULL;
        size_t n_ifs = 0;
        if (p->ops->list_ifaces(&ifs, &n_ifs) < 0) {
                cleanup_free char *et = errtext(errno);
                add_check(p, "netns", ECT_PROBE_SKIP,
                          xasprintf("cannot list the network interfaces: %s", et), NULL);
                return;
        }
        char *detail = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;
        bool any = false;
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if (!d->has_node || !d->ibdev || !d->node_guid)
                        continue;
                any = true;
                const char *hit = NULL;
                for (size_t k = 0; k < n_ifs && !hit; k++) {
                        char g[20];
                        if (ect_rdma_guid_from_mac(ifs[k].mac, g) &&
                            strcasecmp(g, d->node_guid) == 0)
                                hit = ifs[k].name;
                }
                if (hit) {
                        strapp(&detail, "%s pairs with %s, visible here", d->ibdev, hit);
                } else {
                        strapp(&detail,
                               "the interface paired with %s (node GUID %s) is not in "
                               "this network namespace: eRDMA connection management "
                               "needs the host network namespace",
                               d->ibdev, d->node_guid);
                        st = ECT_PROBE_WARN;
                }
        }
        free(ifs);
        if (!any) {
                add_check(p, "netns", ECT_PROBE_SKIP,
                          xstrdup("no device with a known node GUID (see nodes and sysfs)"), NULL);
                return;
        }
        add_check(p, "netns", st, detail,
                  st == ECT_PROBE_PASS
                      ? NULL
                      : xstrdup("run the container in the host network namespace: "
                                "--net=host (docker, podman), hostNetwork: true "
                                "(Kubernetes); verbs without rdma_cm work without it"));
}

/* ---- 8. the image's own stack (inspected, never loaded) ---- */

static const char *const LIBDIRS[] = {
    "usr/lib64",
    "lib64",
    "usr/lib",
    "lib",
    "usr/lib/x86_64-linux-gnu",
    "lib/x86_64-linux-gnu",
    "usr/lib/aarch64-linux-gnu",
    "lib/aarch64-linux-gnu",
};

/* The highest N of "IBVERBS_PRIVATE_N" in the file, -1 if none: the private
 * ABI a provider must have been built for (liberdma-rdmavN). */
static int private_abi(int rootfd, const char *path)
{
        struct ect_error *err = NULL;
        cleanup_free char *buf = NULL;
        size_t len = 0;
        if (ect_read_file_at(rootfd, path, 16u << 20, &buf, &len, &err) < 0) {
                ect_error_free(&err);
                return -1;
        }
        static const char tag[] = "IBVERBS_PRIVATE_";
        int best = -1;
        const char *s = buf, *end = buf + len;
        while ((s = memmem(s, (size_t)(end - s), tag, sizeof tag - 1))) {
                s += sizeof tag - 1;
                int v = 0, digits = 0;
                while (s < end && isdigit((unsigned char)*s) && digits < 6) {
                        v = v * 10 + (*s++ - '0');
                        digits++;
                }
                if (digits && v > best)
                        best = v;
        }
        return best;
}

static void check_image(struct probe *p)
{
        cleanup_close int rootfd = open(p->image, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                cleanup_free char *et = errtext(errno);
                add_check(p, "image", ECT_PROBE_SKIP,
                          xasprintf("cannot open '%s': %s", p->image, et), NULL);
                return;
        }
        cleanup_free char *libverbs = NULL;
        cleanup_free char *libverbs_real = NULL;
        cleanup_free char *provider = NULL;
        int provider_abi = -1;
        for (size_t i = 0; i < sizeof LIBDIRS / sizeof *LIBDIRS; i++) {
                cleanup_free char *lp = xasprintf("%s/libibverbs.so.1", LIBDIRS[i]);
                struct stat st;
                if (!libverbs && fstatat(rootfd, lp, &st, 0) == 0 && S_ISREG(st.st_mode)) {
                        libverbs = steal_ptr(&lp);
                        char tgt[256];
                        cleanup_free char *lnk = xstrdup(libverbs);
                        ssize_t k = readlinkat(rootfd, lnk, tgt, sizeof tgt - 1);
                        if (k > 0) {
                                tgt[k] = '\0';
                                libverbs_real = xstrdup(tgt);
                        }
                }
                cleanup_free char *pdir = xasprintf("%s/libibverbs", LIBDIRS[i]);
                int dfd = openat(rootfd, pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        continue;
                cleanup_dir DIR *d = fdopendir(dfd);
                if (!d) {
                        (void)close(dfd);
                        continue;
                }
                struct dirent *e;
                while (!provider && (e = readdir(d))) {
                        int v, n = 0;
                        if (sscanf(e->d_name, "liberdma-rdmav%d.so%n", &v, &n) == 1 &&
                            e->d_name[n] == '\0') {
                                provider = xasprintf("/%s/%s", pdir, e->d_name);
                                provider_abi = v;
                        }
                }
        }
        struct stat st;
        bool has_driver_file =
            fstatat(rootfd, "etc/libibverbs.d/erdma.driver", &st, 0) == 0 && S_ISREG(st.st_mode);

        char *detail = NULL, *hint = NULL;
        enum ect_probe_status status = ECT_PROBE_PASS;
        if (!libverbs) {
                detail = xstrdup("the image has no libibverbs: its own applications cannot use "
                                 "RDMA (this probe does not need it: its verbs stack is built "
                                 "in)");
                hint = xstrdup("install rdma-core in the image (Debian/Ubuntu: libibverbs1 "
                               "ibverbs-providers librdmacm1; Alpine: rdma-core; RHEL: "
                               "libibverbs librdmacm)");
                add_check(p, "image", ECT_PROBE_WARN, detail, hint);
                return;
        }
        int lib_abi = private_abi(rootfd, libverbs);
        strapp(&detail, "/%s%s%s%s", libverbs, libverbs_real ? " -> " : "",
               libverbs_real ? libverbs_real : "", lib_abi >= 0 ? "" : " (provider ABI unknown)");
        if (lib_abi >= 0)
                strapp(&detail, "libibverbs takes providers of ABI %d", lib_abi);
        if (!provider || !has_driver_file) {
                status = ECT_PROBE_WARN;
                strapp(&detail, "no eRDMA provider: %s%s%s",
                       provider ? "" : "no liberdma-rdmav*.so",
                       !provider && !has_driver_file ? ", " : "",
                       has_driver_file ? "" : "no /etc/libibverbs.d/erdma.driver");
                hint = xstrdup("install the eRDMA provider in the image (Debian/Ubuntu: "
                               "ibverbs-providers; Alpine/RHEL: rdma-core; or Alibaba Cloud's "
                               "erdma package)");
        } else {
                strapp(&detail, "%s (ABI %d), /etc/libibverbs.d/erdma.driver", provider,
                       provider_abi);
                if (lib_abi >= 0 && lib_abi != provider_abi) {
                        status = ECT_PROBE_WARN;
                        strapp(&detail,
                               "provider ABI %d does not match libibverbs' %d: "
                               "libibverbs will not load it",
                               provider_abi, lib_abi);
                        hint = xstrdup("install libibverbs and the providers from the same "
                                       "rdma-core release");
                }
        }
        add_check(p, "image", status, detail, hint);
}

/* ---- the run ---- */

struct ect_probe_report *ect_probe_run(const struct ect_probe_opts *opts)
{
        struct probe p = {
            .o = opts,
            .ops = opts->ops,
            .sysfs = opts->sysfs_root ? opts->sysfs_root : "/sys",
            .dev = opts->dev_root ? opts->dev_root : "/dev",
            .image = opts->image_root ? opts->image_root : "/",
            .mr_size = opts->mr_size ? opts->mr_size : ECT_PROBE_MR_SIZE_DEFAULT,
            .r = xcalloc(1, sizeof(struct ect_probe_report)),
            .cm_errno = -1,
            .n_verbs_devices = SIZE_MAX,
        };
        assert(p.ops);
        uint64_t caps = 0;
        if (p.ops->cap_eff && p.ops->cap_eff(&caps) == 0) {
                p.caps_known = true;
                p.has_ipc_lock = caps & (1ull << CAP_BIT_IPC_LOCK);
                p.has_rawio = caps & (1ull << CAP_BIT_SYS_RAWIO);
        }
        collect(&p);
        check_nodes(&p);
        check_access(&p);
        check_sysfs(&p);
        check_verbs(&p);
        check_rdma_cm(&p);
        check_memlock(&p);
        check_netns(&p);
        check_image(&p);

        for (size_t i = 0; i < p.n_devs; i++) {
                free(p.devs[i].node_path);
                free(p.devs[i].ibdev);
                free(p.devs[i].node_guid);
        }
        free(p.devs);
        free(p.cm_path);
        return p.r;
}

void ect_probe_report_free(struct ect_probe_report *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n_checks; i++) {
                free(r->checks[i].detail);
                free(r->checks[i].hint);
        }
        free(r->checks);
        free(r);
}

bool ect_probe_ok(const struct ect_probe_report *r)
{
        for (size_t i = 0; i < r->n_checks; i++)
                if (r->checks[i].status == ECT_PROBE_FAIL)
                        return false;
        return true;
}

const char *ect_probe_status_name(enum ect_probe_status s)
{
        switch (s) {
        case ECT_PROBE_PASS:
                return "pass";
        case ECT_PROBE_WARN:
                return "warn";
        case ECT_PROBE_SKIP:
                return "skip";
        case ECT_PROBE_FAIL:
                return "fail";
        }
        return "?";
}

const struct ect_probe_check *ect_probe_find(const struct ect_probe_report *r, const char *name)
{
        for (size_t i = 0; i < r->n_checks; i++)
                if (strcmp(r->checks[i].name, name) == 0)
                        return &r->checks[i];
        return NULL;
}

struct ect_json *ect_probe_report_json(const struct ect_probe_report *r)
{
        struct ect_json *root = ect_json_new(ECT_JSON_OBJECT);
        ect_json_set(root, "ok", ect_json_new_bool(ect_probe_ok(r)));
        struct ect_json *arr = ect_json_set(root, "checks", ect_json_new(ECT_JSON_ARRAY));
        for (size_t i = 0; i < r->n_checks; i++) {
                const struct ect_probe_check *c = &r->checks[i];
                struct ect_json *o = ect_json_append(arr, ect_json_new(ECT_JSON_OBJECT));
                ect_json_set(o, "name", ect_json_new_str(c->name));
                ect_json_set(o, "status", ect_json_new_str(ect_probe_status_name(c->status)));
                cleanup_free char *d = xstrdup(c->detail);
                for (char *nl; (nl = strchr(d, '\n'));) {
                        char *joined = xasprintf("%.*s; %s", (int)(nl - d), d, nl + 1);
                        free(d);
                        d = joined;
                }
                ect_json_set(o, "detail", ect_json_new_str(d));
                ect_json_set(o, "hint",
                             c->hint ? ect_json_new_str(c->hint) : ect_json_new(ECT_JSON_NULL));
        }
        return root;
}

char *ect_probe_report_text(const struct ect_probe_report *r, bool color)
{
        size_t n_fail = 0, n_warn = 0;
        for (size_t i = 0; i < r->n_checks; i++) {
                n_fail += r->checks[i].status == ECT_PROBE_FAIL;
                n_warn += r->checks[i].status == ECT_PROBE_WARN;
        }
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f)
                abort();
        for (size_t i = 0; i < r->n_checks; i++) {
                const struct ect_probe_check *c = &r->checks[i];
                const char *col = "", *reset = color ? "\033[0m" : "";
                if (color) {
                        switch (c->status) {
                        case ECT_PROBE_PASS:
                                col = "\033[32m";
                                break;
                        case ECT_PROBE_WARN:
                                col = "\033[33m";
                                break;
                        case ECT_PROBE_SKIP:
                                col = "\033[2m";
                                break;
                        case ECT_PROBE_FAIL:
                                col = "\033[1;31m";
                                break;
                        }
                }
                char tag[8];
                snprintf(tag, sizeof tag, "%s", ect_probe_status_name(c->status));
                for (char *t = tag; *t; t++)
                        *t = (char)toupper((unsigned char)*t);
                fprintf(f, "%s%-4s%s  %-8s ", col, tag, reset, c->name);
                for (const char *l = c->detail;;) {
                        const char *nl = strchr(l, '\n');
                        fprintf(f, "%.*s\n", (int)(nl ? nl - l : (ptrdiff_t)strlen(l)), l);
                        if (!nl)
                                break;
                        l = nl + 1;
                        fprintf(f, "%15s", "");
                }
                if (c->hint)
                        fprintf(f, "%15sfix: %s\n", "", c->hint);
        }
        fprintf(f, "%s: %zu checks, %zu failed, %zu warning%s\n", n_fail ? "FAILED" : "OK",
                r->n_checks, n_fail, n_warn, n_warn == 1 ? "" : "s");
        if (fclose(f) != 0)
                abort();
        return out;
}

int ect_probe_parse_size(const char *s, uint64_t *ret, struct ect_error **err)
{
        if (!s || !isdigit((unsigned char)*s))
                return ect_error_set(err, EINVAL, "size '%s' is not a number", s ? s : "");
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return ect_error_set(err, ERANGE, "size '%s' is too large", s);
        unsigned shift = 0;
        switch (toupper((unsigned char)*end)) {
        case '\0':
                break;
        case 'K':
                shift = 10;
                break;
        case 'M':
                shift = 20;
                break;
        case 'G':
                shift = 30;
                break;
        case 'T':
                shift = 40;
                break;
        default:
                return ect_error_set(err, EINVAL, "size '%s': unknown suffix '%s'", s, end);
        }
        if (shift) {
                end++;
                if (strcasecmp(end, "iB") == 0 || strcasecmp(end, "B") == 0)
                        end += strlen(end);
        }
        if (*end)
                return ect_error_set(err, EINVAL, "size '%s': trailing '%s'", s, end);
        if (v == 0)
                return ect_error_set(err, EINVAL, "size '%s' must be above zero", s);
        if (shift && v > (UINT64_MAX >> shift))
                return ect_error_set(err, ERANGE, "size '%s' is too large", s);
        *ret = (uint64_t)v << shift;
        return 0;
}
