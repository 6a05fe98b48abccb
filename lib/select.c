/* SPDX-License-Identifier: Apache-2.0 */
#include "select.h"
#include "cleanup.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *ect_select_source_name(enum ect_select_source s)
{
        switch (s) {
        case ECT_SELECT_NONE:
                return "no request";
        case ECT_SELECT_FROM_ANNOTATION:
                return "annotation " ECT_SELECT_ANNOTATION;
        case ECT_SELECT_FROM_ENV:
                return ECT_SELECT_ENV;
        case ECT_SELECT_FROM_DEFAULT:
                return "default-devices";
        }
        return "?";
}

bool ect_select_may_request(const struct ect_config *cfg, const char *buf, size_t len)
{
        /* The names hold no character that JSON's short escapes (\" \\ \/
         * \b \f \n \r \t) produce, so only \uXXXX could hide them. */
        return cfg->default_devices != ECT_DEFAULT_NONE ||
               memmem(buf, len, ECT_SELECT_ENV, strlen(ECT_SELECT_ENV)) ||
               memmem(buf, len, ECT_SELECT_ANNOTATION, strlen(ECT_SELECT_ANNOTATION)) ||
               memmem(buf, len, "\\u", 2);
}

void ect_selection_free(struct ect_selection *s)
{
        if (!s)
                return;
        free(s->devices);
        free(s);
}

/* The value of the last ECT_SELECT_ENV entry of env (a copy), or NULL. */
static int env_request(const struct ect_json *env, char **ret_value, struct ect_error **err)
{
        const size_t plen = strlen(ECT_SELECT_ENV "=");
        cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(env);
        cleanup_free char *value = NULL;

        for (const struct ect_json *e; (e = ect_json_next(&it));) {
                if (!ect_json_is(e, ECT_JSON_STRING))
                        return ect_error_set(err, EINVAL,
                                             "process.env: item %zu: expected a string, got %s",
                                             it.index, ect_json_type_name(e));
                if (e->len < plen || memcmp(e->str, ECT_SELECT_ENV "=", plen) != 0)
                        continue;
                if (!ect_json_str(e))
                        return ect_error_set(err, EINVAL, "process.env: %s holds a NUL byte",
                                             ECT_SELECT_ENV);
                free(value);
                value = xstrdup(e->str + plen); /* the last one wins */
        }
        *ret_value = steal_ptr(&value);
        return 0;
}

int ect_select_request(const struct ect_config *cfg, const struct ect_json *annotations,
                       const struct ect_json *env, enum ect_select_source *ret_source,
                       char **ret_value, struct ect_error **err)
{
        const struct ect_json *a;
        char *value = NULL;

        *ret_value = NULL;
        if (annotations && !ect_json_is(annotations, ECT_JSON_OBJECT) &&
            !ect_json_is(annotations, ECT_JSON_NULL))
                return ect_error_set(err, EINVAL, "annotations: expected an object, got %s",
                                     ect_json_type_name(annotations));
        /* Map keys: exact, as Go compares them. Ignored altogether when
         * the host does not accept the annotation (any pod of a
         * RuntimeClass can set it; the scheduler counts nothing). */
        a = cfg->accept_annotation ? ect_json_get(annotations, ECT_SELECT_ANNOTATION) : NULL;
        if (a && ect_json_count_key(annotations, ECT_SELECT_ANNOTATION) > ECT_JSON_MAX_REPEAT)
                return ect_error_set(err, EINVAL, "annotation '%s' appears more than %d times",
                                     ECT_SELECT_ANNOTATION, ECT_JSON_MAX_REPEAT);
        if (a) {
                if (!ect_json_is(a, ECT_JSON_STRING))
                        return ect_error_set(err, EINVAL,
                                             "annotation '%s': expected a string, got %s",
                                             ECT_SELECT_ANNOTATION, ect_json_type_name(a));
                if (!ect_json_str(a))
                        return ect_error_set(err, EINVAL, "annotation '%s': holds a NUL byte",
                                             ECT_SELECT_ANNOTATION);
                *ret_source = ECT_SELECT_FROM_ANNOTATION;
                *ret_value = xstrdup(ect_json_str(a));
                return 0;
        }

        if (env && !ect_json_is(env, ECT_JSON_ARRAY) && !ect_json_is(env, ECT_JSON_NULL))
                return ect_error_set(err, EINVAL, "process.env: expected an array, got %s",
                                     ect_json_type_name(env));
        if (cfg->accept_env && env_request(env, &value, err) < 0)
                return ect_error_rc(*err);
        if (value) {
                *ret_source = ECT_SELECT_FROM_ENV;
                *ret_value = value;
                return 0;
        }

        if (cfg->default_devices == ECT_DEFAULT_ALL) {
                *ret_source = ECT_SELECT_FROM_DEFAULT;
                *ret_value = xstrdup("all");
                return 0;
        }
        *ret_source = ECT_SELECT_NONE;
        return 0;
}

static char *host_names(const struct ect_host *host)
{
        size_t len = 0, cap = 0;
        char *s = NULL;

        if (host->n_devices == 0)
                return xstrdup("this host has no eRDMA device");
        for (size_t i = 0; i < host->n_devices; i++) {
                const struct ect_device *d = &host->devices[i];
                char *part = xasprintf("%s%s (index %u)", i == 0 ? "this host has: " : ", ",
                                       d->ibdev, d->index);
                size_t n = strlen(part);
                xgrow((void **)&s, &cap, len + n + 1, 1);
                memcpy(s + len, part, n + 1);
                len += n;
                free(part);
        }
        return s;
}

static bool parse_index(const char *s, size_t n, unsigned *ret)
{
        unsigned long v = 0;

        if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *ret = (unsigned)v;
        return true;
}

static const struct ect_device *lookup(const struct ect_host *host, const char *s, size_t n)
{
        unsigned idx;
        bool is_idx = parse_index(s, n, &idx);

        for (size_t i = 0; i < host->n_devices; i++) {
                const struct ect_device *d = &host->devices[i];
                if (d->ibdev && strlen(d->ibdev) == n && memcmp(d->ibdev, s, n) == 0)
                        return d;
        }
        if (is_idx)
                for (size_t i = 0; i < host->n_devices; i++)
                        if (host->devices[i].index == idx)
                                return &host->devices[i];
        return NULL;
}

static int cmp_dev(const void *a, const void *b)
{
        const struct ect_device *x = *(const struct ect_device *const *)a;
        const struct ect_device *y = *(const struct ect_device *const *)b;
        return x->index < y->index ? -1 : x->index > y->index;
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool is_all_blank(const char *p, const char *end)
{
        while (p < end && is_blank(*p))
                p++;
        return p == end;
}

/* A CDI name, kind=name, of our kind only: moves *is past "kind=". An
 * item without '=' is left as it is. */
static int strip_cdi_kind(const char *value, const char **is, const char *ie,
                          struct ect_error **err)
{
        const char *eq = memchr(*is, '=', (size_t)(ie - *is));
        size_t klen;

        if (!eq)
                return 0;
        klen = (size_t)(eq - *is);
        if (klen != strlen(ECT_CDI_KIND) || memcmp(*is, ECT_CDI_KIND, klen) != 0)
                return ect_error_set(err, EINVAL,
                                     "'%.*s' is not an eRDMA CDI device name (expected %s=NAME)",
                                     (int)(ie - *is), *is, ECT_CDI_KIND);
        if (eq + 1 == ie)
                return ect_error_set(err, EINVAL, "CDI device name without a name in '%s'", value);
        *is = eq + 1;
        return 0;
}

int ect_select_parse(const struct ect_host *host, const char *value, bool all_needs_devices,
                     struct ect_selection **ret, struct ect_error **err)
{
        struct ect_selection *sel = NULL;
        size_t len = strlen(value), n_items = 0;
        const char *p = value, *end = value + len;
        bool all = false, none = false;
        int r = 0;

        if (len > ECT_SELECT_MAX_LEN)
                return ect_error_set(err, E2BIG, "device list longer than %d bytes",
                                     ECT_SELECT_MAX_LEN);
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)value[i] < 0x20 && value[i] != '\t')
                        return ect_error_set(err, EINVAL,
                                             "device list holds a control character (byte %zu)", i);

        sel = xcalloc(1, sizeof *sel);
        sel->devices = xcalloc(host->n_devices + 1, sizeof *sel->devices);

        /* The empty value (only blanks) means nothing, like "none". */
        if (is_all_blank(value, end)) {
                *ret = sel;
                return 0;
        }

        while (p <= end && r >= 0) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                const char *ie = comma ? comma : end, *is = p;
                const struct ect_device *d;
                size_t n;

                while (is < ie && is_blank(*is))
                        is++;
                while (ie > is && is_blank(ie[-1]))
                        ie--;
                n = (size_t)(ie - is);
                if (++n_items > ECT_SELECT_MAX_ITEMS) {
                        r = ect_error_set(err, E2BIG, "more than %d devices in the list",
                                          ECT_SELECT_MAX_ITEMS);
                        break;
                }
                if (n == 0) {
                        r = ect_error_set(err, EINVAL, "empty item in device list '%s' (item %zu)",
                                          value, n_items);
                        break;
                }
                r = strip_cdi_kind(value, &is, ie, err);
                if (r < 0)
                        break;
                n = (size_t)(ie - is);
                if ((n == 3 && memcmp(is, "all", 3) == 0) ||
                    (n == 4 && memcmp(is, "none", 4) == 0)) {
                        if (n == 3)
                                all = true;
                        else
                                none = true;
                } else if ((d = lookup(host, is, n))) {
                        bool dup = false;
                        for (size_t k = 0; k < sel->n_devices; k++)
                                dup = dup || sel->devices[k] == d;
                        if (!dup)
                                sel->devices[sel->n_devices++] = d;
                } else {
                        cleanup_free char *names = host_names(host);
                        r = ect_error_set(err, 0, "unknown eRDMA device '%.*s' (%s)", (int)n, is,
                                          names);
                        break;
                }
                if (!comma)
                        break;
                p = comma + 1;
        }
        if (r >= 0 && (all || none) && n_items > 1)
                r = ect_error_set(err, EINVAL, "'%s' must stand alone in the device list, got '%s'",
                                  all ? "all" : "none", value);
        if (r >= 0 && all) {
                if (host->n_devices == 0 && all_needs_devices) {
                        cleanup_free char *names = host_names(host);
                        r = ect_error_set(err, 0, "all eRDMA devices requested, but %s", names);
                }
                for (size_t i = 0; i < host->n_devices; i++)
                        sel->devices[i] = &host->devices[i];
                sel->n_devices = host->n_devices;
        }
        if (r < 0) {
                ect_selection_free(sel);
                return r;
        }
        qsort(sel->devices, sel->n_devices, sizeof *sel->devices, cmp_dev);
        *ret = sel;
        return 0;
}

/* The selection for a request already read (value NULL: none). */
static int select_value(const struct ect_host *host, enum ect_select_source src, const char *value,
                        struct ect_selection **ret, struct ect_error **err)
{
        struct ect_selection *sel = NULL;

        if (!value) {
                sel = xcalloc(1, sizeof *sel);
                sel->source = ECT_SELECT_NONE;
                *ret = sel;
                return 0;
        }
        if (ect_select_parse(host, value, src != ECT_SELECT_FROM_DEFAULT, &sel, err) < 0)
                return ect_error_wrap(err, "%s", ect_select_source_name(src));
        sel->source = src;
        *ret = sel;
        return 0;
}

int ect_select(const struct ect_host *host, const struct ect_config *cfg,
               const struct ect_json *annotations, const struct ect_json *env,
               struct ect_selection **ret, struct ect_error **err)
{
        enum ect_select_source src = ECT_SELECT_NONE;
        cleanup_free char *value = NULL;

        if (ect_select_request(cfg, annotations, env, &src, &value, err) < 0)
                return -1;
        return select_value(host, src, value, ret, err);
}

bool ect_select_may_name(const char *value, const char *ibdev, unsigned index)
{
        const char *p = value, *end = value + strlen(value);
        size_t len = strlen(ibdev);

        for (;;) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                const char *is = p, *ie = comma ? comma : end, *eq;
                unsigned idx;
                size_t n;

                while (is < ie && is_blank(*is))
                        is++;
                while (ie > is && is_blank(ie[-1]))
                        ie--;
                eq = memchr(is, '=', (size_t)(ie - is));
                if (eq)
                        is = eq + 1;
                n = (size_t)(ie - is);
                if ((n == 3 && memcmp(is, "all", 3) == 0) ||
                    (n == len && memcmp(is, ibdev, n) == 0) ||
                    (parse_index(is, n, &idx) && idx == index))
                        return true;
                if (!comma)
                        return false;
                p = comma + 1;
        }
}

static bool may_name(const char *ibdev, unsigned index, const void *value)
{
        return ect_select_may_name(value, ibdev, index);
}

int ect_select_discover(const struct ect_discover_opts *opts, enum ect_select_source src,
                        const char *value, struct ect_host **ret_host,
                        struct ect_selection **ret_sel, struct ect_error **err)
{
        struct ect_discover_opts o = *opts;
        cleanup_host struct ect_host *host = NULL;
        struct ect_selection *sel = NULL;

        if (value) {
                o.want = may_name;
                o.want_ctx = value;
        }
        if (ect_rdma_discover(&o, &host, err) < 0)
                return ect_error_wrap(err, "host discovery");
        if (select_value(host, src, value, &sel, err) < 0) {
                if (!o.want)
                        return -1;
                /* The message names the host's devices: all of them. */
                ect_error_free(err);
                ect_rdma_host_free(steal_ptr(&host));
                if (ect_rdma_discover(opts, &host, err) < 0)
                        return ect_error_wrap(err, "host discovery");
                if (select_value(host, src, value, &sel, err) < 0)
                        return -1;
        }
        *ret_host = steal_ptr(&host);
        *ret_sel = sel;
        return 0;
}
