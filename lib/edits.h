/* SPDX-License-Identifier: Apache-2.0 */
/* One set of edits: what a container needs for its selected devices,
 * computed once. The runtime shim writes it into config.json
 * (lib/ocispec.h), the hook applies it live. */
#pragma once
#include "config.h"
#include "error.h"
#include "rdma.h"
#include "select.h"

#include <stddef.h>
#include <stdint.h>

struct ect_edit_node {
        char *path;      /* in the container: "/dev/infiniband/uverbs0" */
        char *host_path; /* on the host (under the dev root); may be NULL */
        unsigned major, minor;
        enum ect_node_status status; /* as discovery found the host node */
        const char *ibdev;           /* owning device (borrowed), NULL for rdma_cm */
};

struct ect_edits {
        /* uverbsN of each selected device, its umad/issm nodes, then
         * rdma_cm when the host has it; no two with the same path. */
        struct ect_edit_node *nodes;
        size_t n_nodes;
        uint64_t memlock;    /* raise RLIMIT_MEMLOCK to this (never lower) */
        char **capabilities; /* extra capabilities, "CAP_..." */
        size_t n_capabilities;
};

/* Returns 0 with *ret NULL when the selection is empty (nothing to do),
 * else a new set owned by the caller. Fails (EINVAL) on a device without
 * a node path, which discovery never produces. */
int ect_edits_compute(const struct ect_host *host, const struct ect_config *cfg,
                      const struct ect_selection *sel, struct ect_edits **ret,
                      struct ect_error **err);
void ect_edits_free(struct ect_edits *e);
static inline void ect_edits_freep(struct ect_edits **e)
{
        ect_edits_free(*e);
}
#define cleanup_edits __attribute__((cleanup(ect_edits_freep)))
