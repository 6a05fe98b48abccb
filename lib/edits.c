/* SPDX-License-Identifier: Apache-2.0 */
#include "edits.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ect_edits_free(struct ect_edits *e)
{
        if (!e)
                return;
        for (size_t i = 0; i < e->n_nodes; i++) {
                free(e->nodes[i].path);
                free(e->nodes[i].host_path);
        }
        free(e->nodes);
        for (size_t i = 0; i < e->n_capabilities; i++)
                free(e->capabilities[i]);
        free(e->capabilities);
        free(e);
}

static int add_node(struct ect_edits *e, size_t *cap, const struct ect_node *n, const char *ibdev,
                    struct ect_error **err)
{
        struct ect_edit_node *en;

        if (!n->path || n->path[0] != '/')
                return ect_error_set(err, EINVAL, "device '%s': node without an absolute path",
                                     ibdev ? ibdev : "rdma_cm");
        for (size_t i = 0; i < e->n_nodes; i++)
                if (strcmp(e->nodes[i].path, n->path) == 0)
                        return 0;
        xgrow((void **)&e->nodes, cap, e->n_nodes + 1, sizeof *e->nodes);
        en = &e->nodes[e->n_nodes++];
        en->path = xstrdup(n->path);
        en->host_path = n->host_path ? xstrdup(n->host_path) : NULL;
        en->major = n->major;
        en->minor = n->minor;
        en->status = n->status;
        en->ibdev = ibdev;
        return 0;
}

int ect_edits_compute(const struct ect_host *host, const struct ect_config *cfg,
                      const struct ect_selection *sel, struct ect_edits **ret,
                      struct ect_error **err)
{
        struct ect_edits *e;
        size_t cap = 0;

        if (!sel || sel->n_devices == 0) {
                *ret = NULL;
                return 0;
        }
        e = xcalloc(1, sizeof *e);
        for (size_t i = 0; i < sel->n_devices; i++) {
                const struct ect_device *d = sel->devices[i];
                if (add_node(e, &cap, &d->uverbs, d->ibdev, err) < 0)
                        goto fail;
                for (size_t k = 0; k < d->n_mad; k++)
                        if (add_node(e, &cap, &d->mad[k], d->ibdev, err) < 0)
                                goto fail;
        }
        if (host->has_rdma_cm && add_node(e, &cap, &host->rdma_cm, NULL, err) < 0)
                goto fail;
        e->memlock = cfg->memlock;
        e->capabilities = xcalloc(cfg->n_capabilities + 1, sizeof *e->capabilities);
        for (size_t i = 0; i < cfg->n_capabilities; i++)
                e->capabilities[e->n_capabilities++] = xstrdup(cfg->capabilities[i]);
        *ret = e;
        return 0;
fail:
        ect_edits_free(e);
        return ect_error_rc(*err);
}
