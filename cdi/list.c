/* SPDX-License-Identifier: Apache-2.0 */
#include "list.h"
#include "cleanup.h"
#include "xalloc.h"

#include <string.h>

static const char *node_status(enum ect_node_status s)
{
        switch (s) {
        case ECT_NODE_OK:
                return "ok";
        case ECT_NODE_MISSING:
                return "missing";
        case ECT_NODE_MISMATCH:
                return "mismatch";
        case ECT_NODE_UNKNOWN:
                return "unknown";
        }
        return "unknown";
}

static struct ect_json *str_or_null(const char *s)
{
        return s ? ect_json_new_str(s) : ect_json_new(ECT_JSON_NULL);
}

static struct ect_json *node_json(const struct ect_node *n)
{
        struct ect_json *j = ect_json_new(ECT_JSON_OBJECT);

        ect_json_set(j, "path", str_or_null(n->path));
        ect_json_set(j, "host_path", str_or_null(n->host_path));
        ect_json_set(j, "major", ect_json_new_u64(n->major));
        ect_json_set(j, "minor", ect_json_new_u64(n->minor));
        ect_json_set(j, "status", ect_json_new_str(node_status(n->status)));
        return j;
}

static struct ect_json *hex_or_null(unsigned v)
{
        char buf[16];

        if (!v)
                return ect_json_new(ECT_JSON_NULL);
        snprintf(buf, sizeof buf, "0x%04x", v);
        return ect_json_new_str(buf);
}

static struct ect_json *device_json(const struct ect_host *h, const struct ect_cdi_opts *o,
                                    size_t i)
{
        const struct ect_device *d = &h->devices[i];
        struct ect_json *j = ect_json_new(ECT_JSON_OBJECT);
        struct ect_json *a;
        char **names;

        ect_json_set(j, "index", ect_json_new_u64(d->index));
        ect_json_set(j, "ibdev", str_or_null(d->ibdev));
        ect_json_set(j, "uverbs", node_json(&d->uverbs));
        ect_json_set(j, "abi_version",
                     d->abi_version < 0 ? ect_json_new(ECT_JSON_NULL)
                                        : ect_json_new_i64(d->abi_version));
        ect_json_set(j, "node_type", str_or_null(d->node_type));
        ect_json_set(j, "node_guid", str_or_null(d->node_guid));
        a = ect_json_set(j, "ports", ect_json_new(ECT_JSON_ARRAY));
        for (size_t k = 0; k < d->n_ports; k++) {
                struct ect_json *p = ect_json_append(a, ect_json_new(ECT_JSON_OBJECT));
                ect_json_set(p, "port", ect_json_new_u64(d->ports[k].num));
                ect_json_set(p, "state", str_or_null(d->ports[k].state));
                ect_json_set(p, "link_layer", str_or_null(d->ports[k].link_layer));
        }
        ect_json_set(j, "pci_address", str_or_null(d->pci_addr));
        ect_json_set(j, "vendor_id", hex_or_null(d->vendor_id));
        ect_json_set(j, "device_id", hex_or_null(d->device_id));
        ect_json_set(j, "driver", str_or_null(d->driver));
        ect_json_set(j, "numa_node",
                     d->numa_node < 0 ? ect_json_new(ECT_JSON_NULL)
                                      : ect_json_new_i64(d->numa_node));
        ect_json_set(j, "netdev", str_or_null(d->netdev));
        ect_json_set(j, "is_erdma", ect_json_new_bool(d->is_erdma));
        a = ect_json_set(j, "mad", ect_json_new(ECT_JSON_ARRAY));
        for (size_t k = 0; k < d->n_mad; k++)
                ect_json_append(a, node_json(&d->mad[k]));
        a = ect_json_set(j, "cdi_names", ect_json_new(ECT_JSON_ARRAY));
        names = ect_cdi_device_selectors(h, o, i);
        for (char **n = names; *n; n++)
                ect_json_append(a, ect_json_new_str(*n));
        ect_cdi_strv_free(names);
        return j;
}

struct ect_json *cdi_list_json(const struct ect_host *h, const struct ect_cdi_opts *o)
{
        struct ect_json *j = ect_json_new(ECT_JSON_OBJECT);
        struct ect_json *devs = ect_json_set(j, "devices", ect_json_new(ECT_JSON_ARRAY));

        for (size_t i = 0; i < h->n_devices; i++)
                ect_json_append(devs, device_json(h, o, i));
        ect_json_set(j, "rdma_cm",
                     h->has_rdma_cm ? node_json(&h->rdma_cm) : ect_json_new(ECT_JSON_NULL));
        ect_json_set(j, "filtered_out", ect_json_new_u64(h->n_filtered));
        return j;
}

/* ---- table ---- */

enum { COLS = 10 };
static const char *const headers[COLS] = {"N",     "IBDEV", "NODE",   "MAJ:MIN", "TYPE",
                                          "PORTS", "PCI",   "DRIVER", "NETDEV",  "CDI NAMES"};

static char *join_strv(char **v, const char *sep)
{
        char *out = xstrdup("");

        for (size_t i = 0; v[i]; i++) {
                char *n = xasprintf("%s%s%s", out, i ? sep : "", v[i]);
                free(out);
                out = n;
        }
        return *out ? out : (free(out), xstrdup("-"));
}

static char *ports_text(const struct ect_device *d)
{
        char *out = xstrdup("");

        for (size_t k = 0; k < d->n_ports; k++) {
                const char *st = d->ports[k].state ? d->ports[k].state : "?";
                char *n = d->n_ports == 1
                                  ? xasprintf("%s", st)
                                  : xasprintf("%s%s%u:%s", out, k ? "," : "", d->ports[k].num, st);
                free(out);
                out = n;
        }
        return *out ? out : (free(out), xstrdup("-"));
}

static void row_free(char **row)
{
        for (size_t c = 0; c < COLS; c++)
                free(row[c]);
}

static void fill_row(char **row, const struct ect_host *h, const struct ect_cdi_opts *o, size_t i)
{
        const struct ect_device *d = &h->devices[i];
        char **names = ect_cdi_device_selectors(h, o, i);

        row[0] = xasprintf("%u", d->index);
        row[1] = xstrdup(d->ibdev ? d->ibdev : "-");
        row[2] = d->uverbs.status == ECT_NODE_OK || d->uverbs.status == ECT_NODE_UNKNOWN
                         ? xstrdup(d->uverbs.path)
                         : xasprintf("%s(%s)", d->uverbs.path, node_status(d->uverbs.status));
        row[3] = xasprintf("%u:%u", d->uverbs.major, d->uverbs.minor);
        row[4] = xstrdup(d->node_type ? d->node_type : "-");
        row[5] = ports_text(d);
        row[6] = xstrdup(d->pci_addr ? d->pci_addr : "-");
        row[7] = xstrdup(d->driver ? d->driver : "-");
        row[8] = xstrdup(d->netdev ? d->netdev : "-");
        row[9] = join_strv(names, ",");
        ect_cdi_strv_free(names);
}

static void print_row(FILE *out, const char *const *cells, const size_t *w)
{
        for (size_t c = 0; c + 1 < COLS; c++)
                fprintf(out, "%-*s  ", (int)w[c], cells[c]);
        fprintf(out, "%s\n", cells[COLS - 1]);
}

void cdi_list_table(FILE *out, const struct ect_host *h, const struct ect_cdi_opts *o)
{
        size_t n = h->n_devices;
        char *(*rows)[COLS] = xcalloc(n ? n : 1, sizeof *rows);
        size_t w[COLS];

        for (size_t c = 0; c < COLS; c++)
                w[c] = strlen(headers[c]);
        for (size_t i = 0; i < n; i++) {
                fill_row(rows[i], h, o, i);
                for (size_t c = 0; c < COLS; c++)
                        if (strlen(rows[i][c]) > w[c])
                                w[c] = strlen(rows[i][c]);
        }
        print_row(out, headers, w);
        for (size_t i = 0; i < n; i++) {
                print_row(out, (const char *const *)rows[i], w);
                row_free(rows[i]);
        }
        free(rows);
        if (h->has_rdma_cm)
                fprintf(out, "rdma_cm: %s %u:%u%s (every selection gets it)\n", h->rdma_cm.path,
                        h->rdma_cm.major, h->rdma_cm.minor,
                        h->rdma_cm.status == ECT_NODE_MISSING    ? " (missing)"
                        : h->rdma_cm.status == ECT_NODE_MISMATCH ? " (mismatch)"
                                                                 : "");
        else
                fprintf(out, "rdma_cm: not found (librdmacm will not work in containers)\n");
}
