/* SPDX-License-Identifier: Apache-2.0 */
/* The report of erdma-probe: the helpers every check uses to add its entry,
 * and the two ways the report is shown (JSON, readable text). */
#include "cleanup.h"
#include "probe-int.h"
#include "xalloc.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building it ---- */

void probe_strapp(char **s, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *add = xvasprintf(fmt, ap);
        va_end(ap);
        if (!*s) {
                *s = add;
                return;
        }
        /* one item a line: the text report indents them, JSON joins with "; " */
        char *n = xasprintf("%s%s%s", *s, **s ? "\n" : "", add);
        free(*s);
        free(add);
        *s = n;
}

void probe_add_check(struct probe *p, const char *name, enum ect_probe_status st, char *detail,
                     char *hint)
{
        struct ect_probe_report *r = p->r;
        xgrow((void **)&r->checks, &r->cap, r->n_checks + 1, sizeof *r->checks);
        r->checks[r->n_checks++] = (struct ect_probe_check){
                .name = name, .status = st, .detail = detail ? detail : xstrdup(""), .hint = hint};
}

static const char *errname(int e)
{
        const char *n = strerrorname_np(e);
        return n ? n : "E?";
}

char *probe_errtext(int e)
{
        return xasprintf("%s (%s)", errname(e), strerror(e));
}

char *probe_human_size(uint64_t n)
{
        static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        unsigned u = 0;
        uint64_t v = n;
        while (u < 4 && v >= 1024 && v % 1024 == 0) {
                v /= 1024;
                u++;
        }
        return xasprintf("%" PRIu64 " %s", v, units[u]);
}

/* ---- reading it ---- */

void ect_probe_report_free(struct ect_probe_report *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n_checks; i++) {
                free(r->checks[i].detail);
                free(r->checks[i].hint);
        }
        free(r->checks);
        free(r);
}

bool ect_probe_ok(const struct ect_probe_report *r)
{
        for (size_t i = 0; i < r->n_checks; i++)
                if (r->checks[i].status == ECT_PROBE_FAIL)
                        return false;
        return true;
}

const char *ect_probe_status_name(enum ect_probe_status s)
{
        switch (s) {
        case ECT_PROBE_PASS:
                return "pass";
        case ECT_PROBE_WARN:
                return "warn";
        case ECT_PROBE_SKIP:
                return "skip";
        case ECT_PROBE_FAIL:
                return "fail";
        }
        return "?";
}

const struct ect_probe_check *ect_probe_find(const struct ect_probe_report *r, const char *name)
{
        for (size_t i = 0; i < r->n_checks; i++)
                if (strcmp(r->checks[i].name, name) == 0)
                        return &r->checks[i];
        return NULL;
}

struct ect_json *ect_probe_report_json(const struct ect_probe_report *r)
{
        struct ect_json *root = ect_json_new(ECT_JSON_OBJECT);
        ect_json_set(root, "ok", ect_json_new_bool(ect_probe_ok(r)));
        struct ect_json *arr = ect_json_set(root, "checks", ect_json_new(ECT_JSON_ARRAY));
        for (size_t i = 0; i < r->n_checks; i++) {
                const struct ect_probe_check *c = &r->checks[i];
                struct ect_json *o = ect_json_append(arr, ect_json_new(ECT_JSON_OBJECT));
                ect_json_set(o, "name", ect_json_new_str(c->name));
                ect_json_set(o, "status", ect_json_new_str(ect_probe_status_name(c->status)));
                cleanup_free char *d = xstrdup(c->detail);
                for (char *nl; (nl = strchr(d, '\n'));) {
                        char *joined = xasprintf("%.*s; %s", (int)(nl - d), d, nl + 1);
                        free(d);
                        d = joined;
                }
                ect_json_set(o, "detail", ect_json_new_str(d));
                ect_json_set(o, "hint",
                             c->hint ? ect_json_new_str(c->hint) : ect_json_new(ECT_JSON_NULL));
        }
        return root;
}

char *ect_probe_report_text(const struct ect_probe_report *r, bool color)
{
        size_t n_fail = 0, n_warn = 0;
        for (size_t i = 0; i < r->n_checks; i++) {
                n_fail += r->checks[i].status == ECT_PROBE_FAIL;
                n_warn += r->checks[i].status == ECT_PROBE_WARN;
        }
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        if (!f)
                abort();
        for (size_t i = 0; i < r->n_checks; i++) {
                const struct ect_probe_check *c = &r->checks[i];
                const char *col = "", *reset = color ? "\033[0m" : "";
                if (color) {
                        switch (c->status) {
                        case ECT_PROBE_PASS:
                                col = "\033[32m";
                                break;
                        case ECT_PROBE_WARN:
                                col = "\033[33m";
                                break;
                        case ECT_PROBE_SKIP:
                                col = "\033[2m";
                                break;
                        case ECT_PROBE_FAIL:
                                col = "\033[1;31m";
                                break;
                        }
                }
                char tag[8];
                snprintf(tag, sizeof tag, "%s", ect_probe_status_name(c->status));
                for (char *t = tag; *t; t++)
                        *t = (char)toupper((unsigned char)*t);
                fprintf(f, "%s%-4s%s  %-8s ", col, tag, reset, c->name);
                for (const char *l = c->detail;;) {
                        const char *nl = strchr(l, '\n');
                        fprintf(f, "%.*s\n", (int)(nl ? nl - l : (ptrdiff_t)strlen(l)), l);
                        if (!nl)
                                break;
                        l = nl + 1;
                        fprintf(f, "%15s", "");
                }
                if (c->hint)
                        fprintf(f, "%15sfix: %s\n", "", c->hint);
        }
        fprintf(f, "%s: %zu checks, %zu failed, %zu warning%s\n", n_fail ? "FAILED" : "OK",
                r->n_checks, n_fail, n_warn, n_warn == 1 ? "" : "s");
        if (fclose(f) != 0)
                abort();
        return out;
}
