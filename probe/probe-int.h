/* SPDX-License-Identifier: Apache-2.0 */
/* What the files of erdma-probe share and nothing else uses: the state of one
 * run, the device table collect.c builds, the helpers that add a check to the
 * report, and one entry per group of checks. The checks run in the order
 * ect_probe_run (probe.c) calls them: a later check reads the results of the
 * earlier ones (access fills open_errno, verbs n_verbs_devices). */
#pragma once
#include "probe.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ---- collect.c: the device table ---- */

/* Fills p->devs (sorted by index, filtered by --device) and the rdma_cm node
 * from dev_root/infiniband and sysfs. */
void probe_collect(struct probe *p);
/* Frees what probe_collect allocated. */
void probe_collect_clear(struct probe *p);
/* How many devices have a uverbs node in this container. */
size_t probe_n_nodes(const struct probe *p);

/* ---- report.c: building the report ---- */

/* Appends one item to *s (NULL: starts it), one item a line. */
void probe_strapp(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a check; takes detail (NULL: "") and hint (NULL: none). */
void probe_add_check(struct probe *p, const char *name, enum ect_probe_status st, char *detail,
                     char *hint);
/* "ENOENT (No such file or directory)"; caller frees. */
char *probe_errtext(int e);
/* "16 MiB", "4097 bytes"; caller frees. */
char *probe_human_size(uint64_t n);

/* The fix for every failure that an RLIMIT_MEMLOCK explains. */
extern const char probe_hint_memlock[];

/* ---- the checks, one report entry each, in the order they run ---- */

void probe_check_nodes(struct probe *p);   /* check_devices.c */
void probe_check_access(struct probe *p);  /* check_devices.c: fills open_errno, cm_errno */
void probe_check_sysfs(struct probe *p);   /* check_devices.c */
void probe_check_verbs(struct probe *p);   /* check_verbs.c: fills n_verbs_devices */
void probe_check_rdma_cm(struct probe *p); /* check_verbs.c */
void probe_check_memlock(struct probe *p); /* check_env.c */
void probe_check_netns(struct probe *p);   /* check_env.c */
void probe_check_image(struct probe *p);   /* check_env.c */

/* ---- verbs_one.c: the verbs sequence on one device ---- */

/* The resources one device's sequence made so far; probe_verbs_one_destroy
 * releases them in the reverse order of their making. */
struct verbs_one;
/* Nothing is opened yet. Never NULL. */
struct verbs_one *probe_verbs_one_create(struct probe *p, struct ibv_device *dev);
/* Opens the device, queries it and its ports, and makes a PD, an MR of
 * --mr-size, a CQ and an RC QP moved to INIT. Appends the outcome to *detail
 * and, on the first failure with a known fix, the fix to *hint (when still
 * NULL). true when every step passed. */
bool probe_verbs_one_run(struct verbs_one *v, char **detail, char **hint);
/* Releases whatever run made, last made first; NULL does nothing. */
void probe_verbs_one_destroy(struct verbs_one *v);
