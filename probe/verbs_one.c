/* SPDX-License-Identifier: Apache-2.0 */
/* The verbs sequence of erdma-probe on one device, as an object: each step
 * makes one resource and keeps it in struct verbs_one, so that a failure at
 * any step only stops the sequence, and probe_verbs_one_destroy releases what
 * was made, last made first (a QP before its CQ and PD, the MR before the
 * memory under it, the context last). Every call goes through p->ops. */
#include "cleanup.h"
#include "probe-int.h"
#include "xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* Both queues of the test QP and the CQ behind them: the sequence posts
 * nothing, so any small depth proves the provider can create them. */
#define QUEUE_DEPTH 16
#define MR_ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE)

struct verbs_one {
        struct probe *p;
        const struct ect_probe_ops *ops;
        struct ibv_device *dev;
        const char *name;      /* the ibdev, "?" when libibverbs has none */
        char *size;            /* --mr-size, readable: "16 MiB" */
        char *info;            /* what the queries found, for the passing line */
        char **detail, **hint; /* the verbs check's, during run */
        /* in the order of their making */
        struct ibv_context *ctx;
        struct ibv_pd *pd;
        void *buf; /* MAP_FAILED when not mapped */
        struct ibv_mr *mr;
        struct ibv_cq *cq;
        struct ibv_qp *qp;
};

struct verbs_one *probe_verbs_one_create(struct probe *p, struct ibv_device *dev)
{
        struct verbs_one *v = xcalloc(1, sizeof *v);
        const char *name = p->ops->get_device_name(dev);

        v->p = p;
        v->ops = p->ops;
        v->dev = dev;
        v->name = name ? name : "?";
        v->size = probe_human_size(p->mr_size);
        v->buf = MAP_FAILED;
        return v;
}

void probe_verbs_one_destroy(struct verbs_one *v)
{
        if (!v)
                return;
        if (v->qp)
                (void)v->ops->destroy_qp(v->qp);
        if (v->cq)
                (void)v->ops->destroy_cq(v->cq);
        if (v->mr)
                (void)v->ops->dereg_mr(v->mr);
        if (v->buf != MAP_FAILED)
                (void)munmap(v->buf, v->p->mr_size);
        if (v->pd)
                (void)v->ops->dealloc_pd(v->pd);
        if (v->ctx)
                (void)v->ops->close_device(v->ctx);
        free(v->info);
        free(v->size);
        free(v);
}

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

/* A failed step: "NAME: what failed: ENOENT (...)". ops that return an
 * errno may return it negated. */
static bool step_failed(struct verbs_one *v, const char *what, int e)
{
        cleanup_free char *et = probe_errtext(e < 0 ? -e : e);
        probe_strapp(v->detail, "%s: %s failed: %s", v->name, what, et);
        return false;
}

static void set_hint(struct verbs_one *v, const char *hint)
{
        if (!*v->hint)
                *v->hint = xstrdup(hint);
}

/* A failure of a call that allocates pinned memory. */
static bool alloc_failed(struct verbs_one *v, const char *what, int e)
{
        if (e != ENOMEM && e != EAGAIN)
                return step_failed(v, what, e);
        cleanup_free char *et = probe_errtext(e);
        cleanup_free char *lim = NULL;
        struct rlimit rl = {0};
        if (v->ops->get_memlock(&rl) == 0)
                lim = rl.rlim_cur == RLIM_INFINITY ? xstrdup("unlimited")
                                                   : probe_human_size(rl.rlim_cur);
        probe_strapp(v->detail,
                     "%s: %s failed: %s: locked memory limit reached (memlock, "
                     "RLIMIT_MEMLOCK %s)",
                     v->name, what, et, lim ? lim : "unknown");
        set_hint(v, probe_hint_memlock);
        return false;
}

/* ibv_open_device: a failed open of its node (see access) explains it. */
static bool open_ctx(struct verbs_one *v)
{
        errno = 0;
        v->ctx = v->ops->open_device(v->dev);
        if (v->ctx)
                return true;
        int e = errno ? errno : EIO;
        const struct pdev *d = pdev_by_ibdev(v->p, v->name);
        if (d && d->open_errno > 0) {
                cleanup_free char *et = probe_errtext(d->open_errno);
                probe_strapp(v->detail,
                             "%s: ibv_open_device failed: its node %s gives %s "
                             "(see access)",
                             v->name, d->name, et);
                set_hint(v, "resolve the access failure first (see access)");
                return false;
        }
        step_failed(v, "ibv_open_device", e);
        if (e == EPERM)
                set_hint(v, "the device cgroup or a missing "
                            "CAP_SYS_RAWIO (older eRDMA hardware) "
                            "refuses the context: --cap-add SYS_RAWIO");
        return false;
}

/* ibv_query_port on each port: every one must be ACTIVE. */
static bool query_ports(struct verbs_one *v, unsigned nports)
{
        for (unsigned port = 1; port <= nports; port++) {
                struct ibv_port_attr pa;
                memset(&pa, 0, sizeof pa);
                int e = v->ops->query_port(v->ctx, (uint8_t)port, &pa);
                if (e) {
                        cleanup_free char *et = probe_errtext(e < 0 ? -e : e);
                        probe_strapp(v->detail, "%s: ibv_query_port %u failed: %s", v->name, port,
                                     et);
                        return false;
                }
                if (pa.state != IBV_PORT_ACTIVE) {
                        probe_strapp(v->detail, "%s: port %u is %s, not ACTIVE (link layer %s)",
                                     v->name, port, port_state_name(pa.state),
                                     link_layer_name(pa.link_layer));
                        set_hint(v, "the port carries no traffic: on the host, check "
                                    "that the ENI with eRDMA is attached and up "
                                    "(ip link; ibv_devinfo; rdma link)");
                        return false;
                }
                char *ni = xasprintf("%s, port %u ACTIVE (%s)", v->info, port,
                                     link_layer_name(pa.link_layer));
                free(v->info);
                v->info = ni;
        }
        return true;
}

/* ibv_query_device, then its ports. */
static bool query(struct verbs_one *v)
{
        struct ibv_device_attr da;
        memset(&da, 0, sizeof da);
        int e = v->ops->query_device(v->ctx, &da);
        if (e)
                return step_failed(v, "ibv_query_device", e);
        v->info = xasprintf("%s: fw %s, max_qp %d, max_cq %d, max_mr_size %" PRIu64, v->name,
                            da.fw_ver[0] ? da.fw_ver : "?", da.max_qp, da.max_cq,
                            (uint64_t)da.max_mr_size);
        return query_ports(v, da.phys_port_cnt ? da.phys_port_cnt : 1);
}

static bool alloc_pd(struct verbs_one *v)
{
        errno = 0;
        v->pd = v->ops->alloc_pd(v->ctx);
        /* a PD pins no memory: ENOMEM here is not memlock */
        return v->pd ? true : step_failed(v, "ibv_alloc_pd", errno ? errno : EIO);
}

/* --mr-size bytes of memory, registered. */
static bool reg_mr(struct verbs_one *v)
{
        v->buf = mmap(NULL, v->p->mr_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                      0);
        if (v->buf == MAP_FAILED) {
                cleanup_free char *et = probe_errtext(errno);
                probe_strapp(v->detail, "%s: cannot map %s for the memory registration: %s",
                             v->name, v->size, et);
                return false;
        }
        errno = 0;
        v->mr = v->ops->reg_mr(v->pd, v->buf, v->p->mr_size, MR_ACCESS);
        if (v->mr)
                return true;
        cleanup_free char *what = xasprintf("ibv_reg_mr of %s", v->size);
        return alloc_failed(v, what, errno ? errno : EIO);
}

static bool create_cq(struct verbs_one *v)
{
        errno = 0;
        v->cq = v->ops->create_cq(v->ctx, QUEUE_DEPTH);
        return v->cq ? true : alloc_failed(v, "ibv_create_cq", errno ? errno : EIO);
}

static bool create_qp(struct verbs_one *v)
{
        struct ibv_qp_init_attr qia;
        memset(&qia, 0, sizeof qia);
        qia.send_cq = v->cq;
        qia.recv_cq = v->cq;
        qia.qp_type = IBV_QPT_RC;
        qia.cap.max_send_wr = QUEUE_DEPTH;
        qia.cap.max_recv_wr = QUEUE_DEPTH;
        qia.cap.max_send_sge = 1;
        qia.cap.max_recv_sge = 1;
        errno = 0;
        v->qp = v->ops->create_qp(v->pd, &qia);
        return v->qp ? true : alloc_failed(v, "ibv_create_qp (RC)", errno ? errno : EIO);
}

static bool qp_to_init(struct verbs_one *v)
{
        struct ibv_qp_attr qa;
        memset(&qa, 0, sizeof qa);
        qa.qp_state = IBV_QPS_INIT;
        qa.pkey_index = 0;
        qa.port_num = 1;
        qa.qp_access_flags = MR_ACCESS;
        int e = v->ops->modify_qp(
                v->qp, &qa, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
        return e ? step_failed(v, "ibv_modify_qp to INIT", e) : true;
}

bool probe_verbs_one_run(struct verbs_one *v, char **detail, char **hint)
{
        /* each step needs the ones before it: the first failure ends the run */
        static bool (*const steps[])(struct verbs_one *) = {
                open_ctx, query, alloc_pd, reg_mr, create_cq, create_qp, qp_to_init,
        };
        bool ok = true;

        v->detail = detail;
        v->hint = hint;
        for (size_t i = 0; ok && i < sizeof steps / sizeof *steps; i++)
                ok = steps[i](v);
        if (ok)
                probe_strapp(detail, "%s, pd, mr %s, cq, RC qp -> INIT", v->info, v->size);
        v->detail = v->hint = NULL;
        return ok;
}
