/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: config.json load and edit (lib/ocispec.c), the path
 * the runtime shim takes on every container start.
 * Input: one mode byte, then the config.json text.
 *   mode & 0x80: the selection comes from the document (annotation, env,
 *                default-devices from mode & 0x40, accept-env from 0x20),
 *                as in the shim; otherwise mode & 0x0f picks devices of
 *                the fake host directly, so the edits run on every input.
 *   mode & 0x10: extra capabilities; mode & 0x08: memlock 64 KiB instead
 *                of unlimited.
 * Invariants: no crash; errors name the file; nothing selected means no
 * change (same bytes out); after an edit the output parses, holds every
 * node, and a second edit changes nothing, on the tree and on the re-parsed
 * output (a second shim run on an edited bundle). The lean parse (what the
 * hook and the shim use) fails with the same message or writes the same
 * bytes as the full tree, before and after the same edit, and reads the
 * same request and RLIMIT_MEMLOCK (its arrays are read element by element
 * from text there). */
#include "fakehost.h"
#include "ocispec.h"
#include "select.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static struct ect_host *host;

static char *emit(const struct ect_oci_doc *d, size_t *len)
{
        struct ect_error *err = NULL;
        char *s = NULL;

        /* The parser rejects invalid UTF-8, so what parsed always emits. */
        if (ect_json_emit(d->tree, d->pretty, &s, len, &err) < 0)
                abort();
        return s;
}

static bool has_node(const struct ect_oci_doc *d, const struct ect_edit_node *n)
{
        /* Keys as runc reads them ("pAth" is "path"): as the edit does. */
        const struct ect_json *devs = ect_json_get_go(ect_json_get_go(d->tree, "linux"), "devices");

        for (size_t i = 0; devs && i < devs->n; i++) {
                const char *p = ect_json_str(ect_json_get_go(devs->v[i], "path"));
                if (p && strcmp(p, n->path) == 0)
                        return true;
        }
        return false;
}

/* The request (env and annotation accepted) and the RLIMIT_MEMLOCK that
 * the programs read from d, as text. */
static char *reads(const struct ect_oci_doc *d)
{
        struct ect_config cfg = {.accept_env = true, .accept_annotation = true};
        enum ect_select_source src = ECT_SELECT_NONE;
        struct ect_error *err = NULL;
        uint64_t soft = 0, hard = 0;
        bool memlock = ect_oci_memlock(d, &soft, &hard);
        char *value = NULL, *r;

        if (ect_select_request(&cfg, ect_oci_annotations(d), ect_oci_env(d), &src, &value, &err) <
            0) {
                r = xasprintf("%s|%d %llu %llu", err->msg, memlock, (unsigned long long)soft,
                              (unsigned long long)hard);
                ect_error_free(&err);
                return r;
        }
        r = xasprintf("%d %s|%d %llu %llu", (int)src, value ? value : "-", memlock,
                      (unsigned long long)soft, (unsigned long long)hard);
        free(value);
        return r;
}

/* d: the full tree of buf, already edited with ed when ed is not NULL;
 * full_msg: the full parse's error, or NULL. */
static void same_as_lean(const char *buf, size_t len, const char *full_msg,
                         const struct ect_oci_doc *d, const struct ect_edits *ed)
{
        struct ect_oci_doc *l = NULL;
        struct ect_error *err = NULL;
        char *a = NULL, *b = NULL;
        size_t an = 0, bn = 0;
        bool changed;

        if (ect_oci_parse_lean(buf, len, "/b/config.json", &l, &err) < 0) {
                if (!full_msg || strcmp(full_msg, err->msg) != 0)
                        abort();
                ect_error_free(&err);
                return;
        }
        if (full_msg)
                abort();
        if (!ed) {
                char *rd = reads(d), *rl = reads(l);
                if (strcmp(rd, rl) != 0)
                        abort();
                free(rd);
                free(rl);
        }
        if (ed && ect_oci_apply(l, ed, &changed, &err) < 0)
                abort(); /* called only where the full tree took the edit */
        a = emit(d, &an);
        b = emit(l, &bn);
        if (an != bn || memcmp(a, b, an) != 0)
                abort();
        free(a);
        free(b);
        ect_oci_free(l);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        struct ect_oci_doc *d = NULL, *d2 = NULL;
        struct ect_config *cfg = NULL;
        struct ect_selection *sel = NULL;
        struct ect_edits *ed = NULL;
        struct ect_error *err = NULL;
        char *orig = NULL, *out = NULL, *out2 = NULL;
        size_t orig_len = 0, out_len = 0, out2_len = 0;
        bool changed = true;
        unsigned mode;

        if (!host)
                host = fuzz_host();
        if (size == 0)
                return 0;
        mode = data[0];
        if (ect_oci_parse((const char *)data + 1, size - 1, "/b/config.json", &d, &err) < 0) {
                if (!err || !err->msg || !strstr(err->msg, "/b/config.json"))
                        abort();
                same_as_lean((const char *)data + 1, size - 1, err->msg, NULL, NULL);
                ect_error_free(&err);
                return 0;
        }
        same_as_lean((const char *)data + 1, size - 1, NULL, d, NULL);
        orig = emit(d, &orig_len);

        /* Nothing selected: no change. */
        if (ect_oci_apply(d, NULL, &changed, &err) < 0 || changed)
                abort();

        cfg = ect_config_new_default();
        cfg->default_devices = mode & 0x40 ? ECT_DEFAULT_ALL : ECT_DEFAULT_NONE;
        cfg->accept_env = mode & 0x20;
        cfg->memlock = mode & 0x08 ? 65536 : ECT_MEMLOCK_UNLIMITED;
        if (mode & 0x10) {
                cfg->capabilities = calloc(2, sizeof *cfg->capabilities);
                cfg->capabilities[0] = strdup("CAP_IPC_LOCK");
                cfg->capabilities[1] = strdup("CAP_SYS_RAWIO");
                cfg->n_capabilities = 2;
        }
        if (mode & 0x80) {
                /* The shim's shortcut must be sound: when it says "no
                 * request can be in this text", there is none. */
                if (!ect_select_may_request(cfg, (const char *)data + 1, size - 1)) {
                        enum ect_select_source src = ECT_SELECT_NONE;
                        char *v = NULL;
                        if (ect_select_request(cfg, ect_oci_annotations(d), ect_oci_env(d), &src,
                                               &v, &err) < 0)
                                ect_error_free(&err);
                        else if (v || src != ECT_SELECT_NONE)
                                abort();
                        free(v);
                }
                if (ect_select(host, cfg, ect_oci_annotations(d), ect_oci_env(d), &sel, &err) < 0) {
                        if (!err || !err->msg)
                                abort();
                        ect_error_free(&err);
                        goto out;
                }
        } else {
                sel = calloc(1, sizeof *sel);
                sel->devices = calloc(host->n_devices + 1, sizeof *sel->devices);
                for (size_t i = 0; i < host->n_devices; i++)
                        if (mode & (1u << i))
                                sel->devices[sel->n_devices++] = &host->devices[i];
        }
        if (ect_edits_compute(host, cfg, sel, &ed, &err) < 0)
                abort();
        if (!ed) {
                /* The shim stops here; apply(NULL) was checked above. */
                out = emit(d, &out_len);
                if (out_len != orig_len || memcmp(out, orig, out_len) != 0)
                        abort();
                goto out;
        }
        if (ect_oci_apply(d, ed, &changed, &err) < 0) {
                if (!err || !err->msg || !strstr(err->msg, "/b/config.json"))
                        abort();
                ect_error_free(&err);
                goto out;
        }
        same_as_lean((const char *)data + 1, size - 1, NULL, d, ed);
        out = emit(d, &out_len);
        if (!changed && (out_len != orig_len || memcmp(out, orig, out_len) != 0))
                abort();
        for (size_t i = 0; i < ed->n_nodes; i++)
                if (!has_node(d, &ed->nodes[i]))
                        abort();
        /* A second edit of the same tree changes nothing. */
        if (ect_oci_apply(d, ed, &changed, &err) < 0 || changed)
                abort();
        /* The output parses, and editing it again changes nothing either. */
        if (ect_oci_parse(out, out_len, "/b/config.json", &d2, &err) < 0)
                abort();
        if (ect_oci_apply(d2, ed, &changed, &err) < 0 || changed)
                abort();
        out2 = emit(d2, &out2_len);
        if (out2_len != out_len || memcmp(out, out2, out_len) != 0)
                abort();
out:
        free(orig);
        free(out);
        free(out2);
        ect_edits_free(ed);
        ect_selection_free(sel);
        ect_config_free(cfg);
        ect_oci_free(d);
        ect_oci_free(d2);
        return 0;
}
