/* SPDX-License-Identifier: Apache-2.0 */
/* The container plan: what a container being created gets, decided once
 * for both ways in. erdma-container-runtime (the shim) writes it into
 * config.json before the runtime reads it; erdma-hook applies it to the
 * live container. Both call ect_plan_make() and only apply the result.
 *
 * The steps: the request (annotation, ERDMA_VISIBLE_DEVICES,
 * default-devices: lib/select.h); discovery of only the devices the
 * request can name (ect_select_discover: no request, no sysfs walk); the
 * selection; the edits (lib/edits.h); the memlock decision; the warnings.
 * No file is read here beyond sysfs and the dev root: the caller hands in
 * the parsed config.json, so neither program parses anything twice.
 *
 * Where the two ways in differ, they differ on purpose:
 *  - Annotations. The engine passes a hook the OCI state, and Podman puts
 *    the container's annotations there: the hook uses them when
 *    config.json has none. The shim runs before any state exists and
 *    reads config.json only (Docker and containerd write the annotations
 *    there).
 *  - Warnings only a live container has (level ECT_LOG_WARN): capabilities
 *    in the host config, which a hook cannot give; a config.json
 *    RLIMIT_MEMLOCK below the wanted value, which runc applies again after
 *    its hooks. The shim edits both into config.json instead.
 *  - Whose hard RLIMIT_MEMLOCK bounds the memlock: the shim's own (runc's
 *    init inherits it and sets the config's limits itself), the hook's
 *    the container process's (it raises it with prlimit). One check, one
 *    message; the message names whose limit it is.
 * Discovery warnings (a broken attribute, a missing host node) are
 * logged by both, at ECT_LOG_INFO, as "discovery: ...". */
#pragma once
#include "config.h"
#include "edits.h"
#include "error.h"
#include "log.h"
#include "ocispec.h"
#include "rdma.h"
#include "select.h"
#include "state.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

struct ect_plan_warning {
        enum ect_log_level level; /* ECT_LOG_WARN or ECT_LOG_INFO */
        char *text;
};

struct ect_plan_memlock {
        uint64_t want;    /* raise RLIMIT_MEMLOCK to this (never lower) */
        bool config_sets; /* config.json sets RLIMIT_MEMLOCK itself, to: */
        uint64_t config_soft, config_hard;
};

struct ect_plan {
        bool live;                         /* for a live container (the hook): a state was given */
        enum ect_select_source source;     /* ECT_SELECT_NONE: no request */
        struct ect_host *host;             /* the discovered host; NULL without a request */
        struct ect_selection *sel;         /* points into host; NULL without a request */
        struct ect_edits *edits;           /* NULL: nothing to do */
        struct ect_plan_memlock memlock;   /* set when edits is */
        struct ect_plan_warning *warnings; /* for the caller to log, in order */
        size_t n_warnings;
};

/* Plans for the container of doc (its config.json); state is the OCI state
 * a hook reads, NULL for the shim. Errors of the request name the
 * document, errors of discovery start "host discovery". Caller frees *ret
 * with ect_plan_free. */
int ect_plan_make(const struct ect_config *cfg, const struct ect_oci_doc *doc,
                  const struct ect_state *state, struct ect_plan **ret, struct ect_error **err);
void ect_plan_free(struct ect_plan *p);
static inline void ect_plan_freep(struct ect_plan **p)
{
        ect_plan_free(*p);
}
#define cleanup_plan __attribute__((cleanup(ect_plan_freep)))

/* The one memlock rule, where the limit that bounds it is hard: 0 when
 * p->memlock.want fits under it, when this process holds CAP_SYS_RESOURCE,
 * or (shim) when config.json asks for as much itself; else EPERM with the
 * message that names both values, whose limit it is and what to change. */
int ect_plan_memlock_check(const struct ect_plan *p, rlim_t hard, struct ect_error **err);
/* A limit as people read it: "unlimited" or the number of bytes. Returns
 * buf. */
const char *ect_plan_limit_text(uint64_t v, char *buf, size_t n);
