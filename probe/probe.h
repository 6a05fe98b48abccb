/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-probe: checks, from inside a container, that RDMA verbs contexts
 * open, and names the cause and the fix of every failure.
 *
 * Every verbs, rdma_cm and process-environment call goes through struct
 * ect_probe_ops, so unit tests drive each branch with a fake layer; the real
 * table (probe/verbs.c) is the only object that links libibverbs and
 * librdmacm. */
#pragma once
#include "error.h"
#include "json.h"

#include <infiniband/verbs.h>
#include <net/if.h>
#include <rdma/rdma_cma.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#define ECT_PROBE_MR_SIZE_DEFAULT (16ull << 20)

struct ect_probe_iface {
        char name[IF_NAMESIZE];
        char mac[18]; /* "aa:bb:cc:dd:ee:ff", "" when the interface has none */
};

struct ect_probe_ops {
        /* libibverbs; NULL returns and negative results set errno */
        struct ibv_device **(*get_device_list)(int *num);
        void (*free_device_list)(struct ibv_device **list);
        const char *(*get_device_name)(struct ibv_device *dev);
        struct ibv_context *(*open_device)(struct ibv_device *dev);
        int (*close_device)(struct ibv_context *ctx);
        int (*query_device)(struct ibv_context *ctx, struct ibv_device_attr *attr); /* errno */
        int (*query_port)(struct ibv_context *ctx, uint8_t port, struct ibv_port_attr *attr);
        struct ibv_pd *(*alloc_pd)(struct ibv_context *ctx);
        int (*dealloc_pd)(struct ibv_pd *pd);
        struct ibv_mr *(*reg_mr)(struct ibv_pd *pd, void *addr, size_t len, int access);
        int (*dereg_mr)(struct ibv_mr *mr);
        struct ibv_cq *(*create_cq)(struct ibv_context *ctx, int cqe);
        int (*destroy_cq)(struct ibv_cq *cq);
        struct ibv_qp *(*create_qp)(struct ibv_pd *pd, struct ibv_qp_init_attr *attr);
        int (*modify_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr, int mask); /* errno */
        int (*destroy_qp)(struct ibv_qp *qp);
        /* librdmacm */
        struct rdma_event_channel *(*create_event_channel)(void);
        void (*destroy_event_channel)(struct rdma_event_channel *ch);
        int (*create_id)(struct rdma_event_channel *ch, struct rdma_cm_id **id, void *context,
                         enum rdma_port_space ps);
        int (*destroy_id)(struct rdma_cm_id *id);
        /* opens and closes a device node: 0, or the errno of open(2) */
        int (*open_node)(const char *path);
        /* the process and its namespaces; each returns < 0 with errno set */
        int (*get_memlock)(struct rlimit *ret);
        int (*cap_eff)(uint64_t *ret); /* effective capability set */
        /* interfaces of this network namespace; *ret freed by the caller */
        int (*list_ifaces)(struct ect_probe_iface **ret, size_t *ret_n);
        /* how the verbs layer was built: true when providers are linked in */
        bool is_static;
        const char *providers; /* "erdma" */
};

/* The real table (probe/verbs.c). */
extern const struct ect_probe_ops ect_probe_real_ops;

struct ect_probe_opts {
        const char *device;              /* ibdev, "uverbsN" or N; NULL: every device */
        const char *sysfs_root;          /* NULL: /sys */
        const char *dev_root;            /* NULL: /dev */
        const char *image_root;          /* NULL: / (the image whose stack is inspected) */
        uint64_t mr_size;                /* 0: ECT_PROBE_MR_SIZE_DEFAULT */
        const struct ect_probe_ops *ops; /* required: &ect_probe_real_ops or a fake */
};

enum ect_probe_status { ECT_PROBE_PASS, ECT_PROBE_WARN, ECT_PROBE_SKIP, ECT_PROBE_FAIL };

struct ect_probe_check {
        const char *name; /* static: "nodes", "access", ... */
        enum ect_probe_status status;
        char *detail;
        char *hint; /* NULL when there is nothing to do */
};

struct ect_probe_report {
        struct ect_probe_check *checks;
        size_t n_checks, cap;
};

/* Runs every check in order. Never fails: what goes wrong is a check's
 * result. The report is owned by the caller (ect_probe_report_free). */
struct ect_probe_report *ect_probe_run(const struct ect_probe_opts *opts);
void ect_probe_report_free(struct ect_probe_report *r);
static inline void ect_probe_report_freep(struct ect_probe_report **r)
{
        ect_probe_report_free(*r);
}
#define cleanup_report __attribute__((cleanup(ect_probe_report_freep)))

/* true when no check failed */
bool ect_probe_ok(const struct ect_probe_report *r);
const char *ect_probe_status_name(enum ect_probe_status s); /* "pass", ... */
/* The look-up of one check by name; NULL if absent. */
const struct ect_probe_check *ect_probe_find(const struct ect_probe_report *r, const char *name);

/* {"ok": bool, "checks": [{"name","status","detail","hint"}]}; hint is null
 * when there is none. */
struct ect_json *ect_probe_report_json(const struct ect_probe_report *r);
/* The readable report; caller frees. color: ANSI colours on the status. */
char *ect_probe_report_text(const struct ect_probe_report *r, bool color);

/* "16M", "1G", "4096", "64k" -> bytes (K/M/G/T, binary, case-insensitive,
 * optional "iB"/"B"). Returns < 0 with *err on garbage, zero or overflow. */
int ect_probe_parse_size(const char *s, uint64_t *ret, struct ect_error **err);
