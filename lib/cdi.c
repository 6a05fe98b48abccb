/* SPDX-License-Identifier: Apache-2.0 */
#include "cdi.h"
#include "cleanup.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name rules ---- */

static bool is_letter(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_alnum(char c)
{
        return is_letter(c) || (c >= '0' && c <= '9');
}

/* first: the test for the first byte; inner: the extra punctuation allowed
 * between the first and the last byte, which must be a letter or digit. */
static bool valid_name(const char *s, size_t max, bool (*first)(char), const char *inner)
{
        size_t n;

        if (!s || !*s)
                return false;
        n = strlen(s);
        if (n > max || !first(s[0]) || !is_alnum(s[n - 1]))
                return false;
        for (size_t i = 1; i + 1 < n; i++)
                if (!is_alnum(s[i]) && !strchr(inner, s[i]))
                        return false;
        return true;
}

bool ect_cdi_valid_vendor(const char *s)
{
        return valid_name(s, 253, is_letter, "_-.");
}

bool ect_cdi_valid_class(const char *s)
{
        return valid_name(s, 63, is_letter, "_-.");
}

bool ect_cdi_valid_device_name(const char *s)
{
        /* No length limit in the spec; the cap only keeps a hostile sysfs
         * name from making a spec nobody can read. */
        return valid_name(s, 255, is_alnum, "_-.:");
}

int ect_cdi_parse_naming(const char *s)
{
        if (!s)
                return -1;
        if (strcmp(s, "ibdev") == 0)
                return ECT_CDI_NAME_IBDEV;
        if (strcmp(s, "index") == 0)
                return ECT_CDI_NAME_INDEX;
        if (strcmp(s, "both") == 0)
                return ECT_CDI_NAME_BOTH;
        return -1;
}

const char *ect_cdi_naming_name(enum ect_cdi_naming n)
{
        switch (n) {
        case ECT_CDI_NAME_IBDEV:
                return "ibdev";
        case ECT_CDI_NAME_INDEX:
                return "index";
        case ECT_CDI_NAME_BOTH:
                return "both";
        }
        return "?";
}

/* ---- string vectors, always NULL-terminated ---- */

struct strv {
        char **v;
        size_t n, cap;
};

static void strv_push(struct strv *s, char *str)
{
        xgrow((void **)&s->v, &s->cap, s->n + 2, sizeof *s->v);
        s->v[s->n++] = str;
        s->v[s->n] = NULL;
}

static char **strv_steal(struct strv *s)
{
        char **v = s->v;

        if (!v)
                v = xcalloc(1, sizeof *v);
        *s = (struct strv){0};
        return v;
}

void ect_cdi_strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

static void strv_clear(struct strv *s)
{
        ect_cdi_strv_free(s->v);
        *s = (struct strv){0};
}

static bool strv_has(const struct strv *s, const char *str)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i], str) == 0)
                        return true;
        return false;
}

/* ---- naming ---- */

/* Gives each device its CDI names, in device order, first come first
 * served: names[i] for h->devices[i]. A name that breaks the rules, is the
 * reserved "all" or was taken by an earlier device (an ibdev called "1"
 * beside uverbs1 under "both") is left out with a warning: the CDI
 * registry rejects a whole spec with a duplicate device name. */
static struct strv *assign_names(const struct ect_host *h, enum ect_cdi_naming naming,
                                 struct strv *warnings)
{
        struct strv *names = xcalloc(h->n_devices ? h->n_devices : 1, sizeof *names);
        struct strv taken = {0};

        for (size_t i = 0; i < h->n_devices; i++) {
                const struct ect_device *d = &h->devices[i];
                char *cand[2] = {NULL, NULL};
                const char *what[2] = {"ibdev name", "index"};

                if (naming != ECT_CDI_NAME_INDEX)
                        cand[0] = xstrdup(d->ibdev ? d->ibdev : "");
                if (naming != ECT_CDI_NAME_IBDEV)
                        cand[1] = xasprintf("%u", d->index);
                for (size_t k = 0; k < 2; k++) {
                        char *c = cand[k];
                        cleanup_free char *q = NULL;

                        if (!c)
                                continue;
                        q = ect_json_quote(c);
                        if (!ect_cdi_valid_device_name(c)) {
                                if (warnings)
                                        strv_push(warnings,
                                                  xasprintf("uverbs%u: %s %s is not a valid CDI "
                                                            "device name, ignoring",
                                                            d->index, what[k], q));
                                free(c);
                        } else if (strcmp(c, ECT_CDI_ALL) == 0 || strv_has(&taken, c)) {
                                if (warnings)
                                        strv_push(warnings,
                                                  xasprintf("uverbs%u: CDI device name %s is %s, "
                                                            "ignoring",
                                                            d->index, q,
                                                            strcmp(c, ECT_CDI_ALL) == 0
                                                                    ? "reserved"
                                                                    : "already taken"));
                                free(c);
                        } else {
                                strv_push(&taken, xstrdup(c));
                                strv_push(&names[i], c);
                        }
                }
                if (names[i].n == 0 && warnings)
                        strv_push(warnings, xasprintf("uverbs%u: no usable CDI name, device "
                                                      "left out of the spec",
                                                      d->index));
        }
        strv_clear(&taken);
        return names;
}

static void free_names(struct strv *names, size_t n)
{
        if (!names)
                return;
        for (size_t i = 0; i < n; i++)
                strv_clear(&names[i]);
        free(names);
}

static int check_kind(const struct ect_cdi_opts *o, const char **ret_vendor, const char **ret_class,
                      struct ect_error **err)
{
        const char *vendor = o && o->vendor ? o->vendor : ECT_CDI_VENDOR;
        const char *class = o && o->class ? o->class : ECT_CDI_CLASS;

        if (!ect_cdi_valid_vendor(vendor)) {
                cleanup_free char *q = ect_json_quote(vendor);
                return ect_error_set(err, EINVAL,
                                     "invalid CDI vendor %s: letters, digits, '_', '-' and '.', "
                                     "starting with a letter and ending with a letter or digit, "
                                     "at most 253 characters",
                                     q);
        }
        if (!ect_cdi_valid_class(class)) {
                cleanup_free char *q = ect_json_quote(class);
                return ect_error_set(err, EINVAL,
                                     "invalid CDI class %s: letters, digits, '_', '-' and '.', "
                                     "starting with a letter and ending with a letter or digit, "
                                     "at most 63 characters",
                                     q);
        }
        *ret_vendor = vendor;
        *ret_class = class;
        return 0;
}

char **ect_cdi_device_selectors(const struct ect_host *h, const struct ect_cdi_opts *o, size_t i)
{
        struct strv out = {0};
        struct strv *names;
        struct ect_error *err = NULL;
        const char *vendor, *class;

        if (!h || i >= h->n_devices || check_kind(o, &vendor, &class, &err) < 0) {
                ect_error_free(&err);
                return strv_steal(&out);
        }
        names = assign_names(h, o ? o->naming : ECT_CDI_NAME_IBDEV, NULL);
        for (size_t k = 0; k < names[i].n; k++)
                strv_push(&out, xasprintf("%s/%s=%s", vendor, class, names[i].v[k]));
        if (out.n > 0)
                strv_push(&out, xasprintf("%s/%s=%s", vendor, class, ECT_CDI_ALL));
        free_names(names, h->n_devices);
        return strv_steal(&out);
}

/* ---- the spec ---- */

/* NULL when nodes need no hostPath (the dev root is /dev), else the dev root
 * without trailing slashes. */
static char *host_dev_root(const struct ect_host *h, const struct ect_cdi_opts *o,
                           struct ect_error **err)
{
        const char *root = o && o->dev_root ? o->dev_root
                           : h->dev_root    ? h->dev_root
                                            : ECT_DEV_ROOT;
        size_t n = strlen(root);

        while (n > 1 && root[n - 1] == '/')
                n--;
        if (root[0] != '/') {
                cleanup_free char *q = ect_json_quote(root);
                (void)ect_error_set(err, EINVAL, "dev root %s is not an absolute path", q);
                return NULL;
        }
        if (n == 4 && memcmp(root, "/dev", 4) == 0)
                return xstrdup("");
        return xstrndup(root, n);
}

static struct ect_json *node_json(const struct ect_node *nd, const char *devroot)
{
        struct ect_json *j = ect_json_new(ECT_JSON_OBJECT);

        ect_json_set(j, "path", ect_json_new_str(nd->path));
        if (*devroot) {
                /* The container path is the path the kernel's devtmpfs gives
                 * the node; the host keeps the same tree under devroot. */
                cleanup_free char *hp = NULL;
                if (strncmp(nd->path, "/dev/", 5) == 0)
                        hp = xasprintf("%s%s", devroot, nd->path + 4);
                else
                        hp = xstrdup(nd->host_path ? nd->host_path : nd->path);
                ect_json_set(j, "hostPath", ect_json_new_str(hp));
        }
        ect_json_set(j, "type", ect_json_new_str("c"));
        ect_json_set(j, "major", ect_json_new_u64(nd->major));
        ect_json_set(j, "minor", ect_json_new_u64(nd->minor));
        ect_json_set(j, "permissions", ect_json_new_str("rw"));
        return j;
}

static void add_device_nodes(struct ect_json *arr, const struct ect_device *d, const char *devroot)
{
        ect_json_append(arr, node_json(&d->uverbs, devroot));
        for (size_t k = 0; k < d->n_mad; k++)
                ect_json_append(arr, node_json(&d->mad[k], devroot));
}

static struct ect_json *new_device(const char *name, struct ect_json **ret_nodes)
{
        struct ect_json *dev = ect_json_new(ECT_JSON_OBJECT);
        struct ect_json *edits;

        ect_json_set(dev, "name", ect_json_new_str(name));
        edits = ect_json_set(dev, "containerEdits", ect_json_new(ECT_JSON_OBJECT));
        *ret_nodes = ect_json_set(edits, "deviceNodes", ect_json_new(ECT_JSON_ARRAY));
        return dev;
}

int ect_cdi_build(const struct ect_host *h, const struct ect_cdi_opts *o, struct ect_json **ret,
                  char ***ret_warnings, struct ect_error **err)
{
        cleanup_json struct ect_json *spec = NULL;
        cleanup_free char *devroot = NULL;
        cleanup_free char *kind = NULL;
        struct strv warnings = {0};
        struct strv *names = NULL;
        struct ect_json *devices, *all_nodes, *nodes;
        const char *vendor, *class;
        size_t n_named = 0;
        int r;

        r = check_kind(o, &vendor, &class, err);
        if (r < 0)
                return r;
        devroot = host_dev_root(h, o, err);
        if (!devroot)
                return ect_error_rc(*err);

        names = assign_names(h, o ? o->naming : ECT_CDI_NAME_IBDEV, &warnings);
        kind = xasprintf("%s/%s", vendor, class);
        spec = ect_json_new(ECT_JSON_OBJECT);
        /* Placeholder first, so that cdiVersion leads the document; the
         * real value depends on what the spec ends up using. */
        ect_json_set(spec, "cdiVersion", ect_json_new_str(""));
        ect_json_set(spec, "kind", ect_json_new_str(kind));
        devices = ect_json_set(spec, "devices", ect_json_new(ECT_JSON_ARRAY));
        for (size_t i = 0; i < h->n_devices; i++) {
                for (size_t k = 0; k < names[i].n; k++) {
                        ect_json_append(devices, new_device(names[i].v[k], &nodes));
                        add_device_nodes(nodes, &h->devices[i], devroot);
                }
                n_named += names[i].n > 0;
        }
        if (n_named == 0) {
                free_names(names, h->n_devices);
                strv_clear(&warnings);
                return ect_error_set(err, ENODEV,
                                     "no RDMA device to describe (%zu seen, none "
                                     "with a usable CDI name)",
                                     h->n_devices);
        }
        ect_json_append(devices, new_device(ECT_CDI_ALL, &all_nodes));
        for (size_t i = 0; i < h->n_devices; i++)
                if (names[i].n > 0)
                        add_device_nodes(all_nodes, &h->devices[i], devroot);
        free_names(names, h->n_devices);

        /* rdma_cm is not per device: any selection needs it (librdmacm). */
        if (h->has_rdma_cm) {
                struct ect_json *edits =
                        ect_json_set(spec, "containerEdits", ect_json_new(ECT_JSON_OBJECT));
                nodes = ect_json_set(edits, "deviceNodes", ect_json_new(ECT_JSON_ARRAY));
                ect_json_append(nodes, node_json(&h->rdma_cm, devroot));
        }
        ect_json_set(spec, "cdiVersion", ect_json_new_str(ect_cdi_min_version(spec)));

        *ret = steal_ptr(&spec);
        if (ret_warnings)
                *ret_warnings = strv_steal(&warnings);
        else
                strv_clear(&warnings);
        return 0;
}

/* ---- versions (specs-go/version.go: requiresV040 ... requiresV070) ---- */

static bool edits_need(const struct ect_json *edits, const char *what)
{
        const struct ect_json *a;

        if (!ect_json_is(edits, ECT_JSON_OBJECT))
                return false;
        if (strcmp(what, "hostPath") == 0) {
                a = ect_json_get(edits, "deviceNodes");
                for (size_t i = 0; ect_json_is(a, ECT_JSON_ARRAY) && i < a->n; i++) {
                        const char *hp = ect_json_str(ect_json_get(a->v[i], "hostPath"));
                        if (hp && *hp)
                                return true;
                }
                return false;
        }
        if (strcmp(what, "mountType") == 0) {
                a = ect_json_get(edits, "mounts");
                for (size_t i = 0; ect_json_is(a, ECT_JSON_ARRAY) && i < a->n; i++) {
                        const char *t = ect_json_str(ect_json_get(a->v[i], "type"));
                        if (t && *t)
                                return true;
                }
                return false;
        }
        /* "v070": intelRdt or a non-empty additionalGids */
        a = ect_json_get(edits, "additionalGids");
        return ect_json_get(edits, "intelRdt") || (ect_json_is(a, ECT_JSON_ARRAY) && a->n > 0);
}

static bool has_annotations(const struct ect_json *j)
{
        const struct ect_json *a = ect_json_get(j, "annotations");
        return ect_json_is(a, ECT_JSON_OBJECT) && a->n > 0;
}

const char *ect_cdi_min_version(const struct ect_json *spec)
{
        const struct ect_json *devs = ect_json_get(spec, "devices");
        const struct ect_json *top = ect_json_get(spec, "containerEdits");
        const char *kind = ect_json_str(ect_json_get(spec, "kind"));
        const char *slash = kind ? strchr(kind, '/') : NULL;
        bool v04 = edits_need(top, "mountType"), v05 = edits_need(top, "hostPath");
        bool v06 = has_annotations(spec), v07 = edits_need(top, "v070");

        if (slash && slash != kind && strchr(slash + 1, '.'))
                v06 = true;
        for (size_t i = 0; ect_json_is(devs, ECT_JSON_ARRAY) && i < devs->n; i++) {
                const struct ect_json *d = devs->v[i];
                const struct ect_json *e = ect_json_get(d, "containerEdits");
                const char *name = ect_json_str(ect_json_get(d, "name"));

                /* Before 0.5.0 a device name had to start with a letter. */
                if (name && *name && !is_letter(name[0]))
                        v05 = true;
                v04 |= edits_need(e, "mountType");
                v05 |= edits_need(e, "hostPath");
                v06 |= has_annotations(d);
                v07 |= edits_need(e, "v070");
        }
        return v07 ? "0.7.0" : v06 ? "0.6.0" : v05 ? "0.5.0" : v04 ? "0.4.0" : "0.3.0";
}
