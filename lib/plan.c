/* SPDX-License-Identifier: Apache-2.0 */
#include "plan.h"
#include "cleanup.h"
#include "sandbox.h"
#include "xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ect_plan_free(struct ect_plan *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n_warnings; i++)
                free(p->warnings[i].text);
        free(p->warnings);
        ect_edits_free(p->edits);
        ect_selection_free(p->sel);
        ect_rdma_host_free(p->host);
        free(p);
}

static void __attribute__((format(printf, 3, 4)))
add_warning(struct ect_plan *p, enum ect_log_level level, const char *fmt, ...)
{
        va_list ap;

        /* A few at most (one per broken attribute of a requested device). */
        p->warnings = xrealloc(p->warnings, (p->n_warnings + 1) * sizeof *p->warnings);
        va_start(ap, fmt);
        p->warnings[p->n_warnings].text = xvasprintf(fmt, ap);
        va_end(ap);
        p->warnings[p->n_warnings++].level = level;
}

const char *ect_plan_limit_text(uint64_t v, char *buf, size_t n)
{
        if (v == ECT_MEMLOCK_UNLIMITED || v == (uint64_t)RLIM_INFINITY)
                return "unlimited";
        snprintf(buf, n, "%" PRIu64, v);
        return buf;
}

static uint64_t from_rlim(rlim_t v)
{
        return v == RLIM_INFINITY ? ECT_MEMLOCK_UNLIMITED : (uint64_t)v;
}

/* What only a live container needs to be told: the hook cannot do these,
 * the shim writes them into config.json (see plan.h). */
static void live_warnings(struct ect_plan *p)
{
        const struct ect_plan_memlock *m = &p->memlock;
        char b[24];

        if (p->edits->n_capabilities > 0)
                add_warning(p, ECT_LOG_WARN,
                            "capabilities in the host config are not applied by erdma-hook (a "
                            "hook cannot change them); use erdma-container-runtime, ignoring: "
                            "%s ...",
                            p->edits->capabilities[0]);
        if (m->config_sets && m->config_soft != ECT_MEMLOCK_UNLIMITED && m->config_soft < m->want)
                add_warning(p, ECT_LOG_WARN,
                            "memlock: config.json sets RLIMIT_MEMLOCK to %s, which runc applies "
                            "again after this hook; use erdma-container-runtime to raise it",
                            ect_plan_limit_text(m->config_soft, b, sizeof b));
}

/* The request, with the document it came from named on error. Annotations
 * from the state when config.json has none (the hook only: plan.h). */
static int read_request(const struct ect_config *cfg, const struct ect_oci_doc *doc,
                        const struct ect_json *annotations, enum ect_select_source *ret_src,
                        char **ret_value, struct ect_error **err)
{
        if (ect_select_request(cfg, annotations, ect_oci_env(doc), ret_src, ret_value, err) < 0)
                return ect_error_wrap(err, "%s", doc->path);
        return 0;
}

int ect_plan_make(const struct ect_config *cfg, const struct ect_oci_doc *doc,
                  const struct ect_state *state, struct ect_plan **ret, struct ect_error **err)
{
        /* Selection and edits need the nodes only: no ports, GUIDs, netdevs. */
        const struct ect_discover_opts opts = {.sysfs_root = cfg->sysfs_root,
                                               .dev_root = cfg->dev_root,
                                               .drivers = cfg->drivers,
                                               .nodes_only = true};
        cleanup_plan struct ect_plan *p = xcalloc(1, sizeof *p);
        const struct ect_json *annotations = ect_oci_annotations(doc);
        cleanup_free char *value = NULL;

        p->live = state != NULL;
        if (!annotations && state)
                annotations = state->annotations;
        if (read_request(cfg, doc, annotations, &p->source, &value, err) < 0)
                return -1;
        if (!value) {
                *ret = steal_ptr(&p);
                return 0;
        }
        if (ect_select_discover(&opts, p->source, value, &p->host, &p->sel, err) < 0)
                return -1;
        for (size_t i = 0; i < p->host->n_warnings; i++)
                add_warning(p, ECT_LOG_INFO, "discovery: %s", p->host->warnings[i]);
        if (ect_edits_compute(p->host, cfg, p->sel, &p->edits, err) < 0)
                return -1;
        if (p->edits) {
                p->memlock.want = p->edits->memlock;
                p->memlock.config_sets =
                        ect_oci_memlock(doc, &p->memlock.config_soft, &p->memlock.config_hard);
                if (p->live)
                        live_warnings(p);
        }
        *ret = steal_ptr(&p);
        return 0;
}

/* The one message: the words that differ name whose hard limit it is.
 * runc sets the config's limits in its init, which inherits the shim's
 * limits and capabilities; the hook raises the container's own. Either
 * way raising a hard limit needs the capability. */
static int memlock_refused(bool live, const char *want, const char *have, struct ect_error **err)
{
        cleanup_free char *whose =
                live ? xasprintf("the container's hard limit %s", have)
                     : xasprintf("this runtime's hard RLIMIT_MEMLOCK (%s)", have);

        return ect_error_set(err, EPERM,
                             "memlock %s is above %s and %s CAP_SYS_RESOURCE: set \"memlock\" "
                             "in the host config to at most %s%s",
                             want, whose, live ? "raising it needs" : "it lacks", have,
                             live ? ""
                                  : ", or start the engine with a higher hard limit "
                                    "(LimitMEMLOCK=infinity)");
}

int ect_plan_memlock_check(const struct ect_plan *p, rlim_t hard, struct ect_error **err)
{
        const struct ect_plan_memlock *m = &p->memlock;
        uint64_t h = from_rlim(hard);
        char bw[24], bh[24];
        const char *want = ect_plan_limit_text(m->want, bw, sizeof bw);
        const char *have = ect_plan_limit_text(h, bh, sizeof bh);

        if (m->want <= h || ect_sandbox_has_cap(CAP_SYS_RESOURCE))
                return 0;
        /* The shim: the config asks for as much already, not our doing. */
        if (!p->live && m->config_sets && m->config_hard >= m->want)
                return 0;
        return memlock_refused(p->live, want, have, err);
}
