/* SPDX-License-Identifier: Apache-2.0 */
#include "ctk_containerd.h"
#include "cleanup.h"
#include "toml.h"
#include "xalloc.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

/* The annotation that selects devices (lib/select.h): containerd's CRI
 * plugin passes a Pod annotation into the container's spec only when the
 * handler lists it in pod_annotations. */
#define SELECT_ANNOTATION "com.aliyun.erdma.devices"

const char *ect_ctd_cri_table(int version)
{
        /* containerd 2.0 split the CRI plugin; runtimes and CDI moved to
         * io.containerd.cri.v1.runtime (docs/PLUGINS.md, v2.0.0). */
        if (version == 2)
                return "plugins.\"io.containerd.grpc.v1.cri\"";
        if (version == 3)
                return "plugins.\"io.containerd.cri.v1.runtime\"";
        return NULL;
}

static void cleanup_doc(struct ect_toml_doc *d)
{
        ect_toml_doc_clear(d);
}
#define cleanup_tdoc __attribute__((cleanup(cleanup_doc)))

int ect_ctd_config_version(const char *buf, size_t len, int *ret, struct ect_error **err)
{
        cleanup_tdoc struct ect_toml_doc d = {0};
        const struct ect_toml_item *v;
        long long n;

        if (ect_toml_scan(buf, len, &d, err) < 0)
                return ect_error_rc(*err);
        v = ect_toml_find(&d, "", "version");
        if (!v) {
                *ret = 1;
                return 0;
        }
        if (!ect_toml_int(buf, v->val_start, v->val_end, &n) || n < 1 || n > 100)
                return ect_error_set(err, EINVAL, "line %zu: 'version' is not a config version",
                                     v->line);
        *ret = (int)n;
        return 0;
}

/* Lexical cleaning as Go's filepath.Clean, for absolute paths and paths
 * relative to an absolute directory. */
static char *clean_path(const char *p)
{
        cleanup_free char *copy = xstrdup(p);
        char **parts = xcalloc(strlen(p) + 1, sizeof *parts);
        size_t n = 0, len = 0;
        char *save = NULL, *out;

        for (char *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
                if (strcmp(s, ".") == 0)
                        continue;
                if (strcmp(s, "..") == 0) {
                        if (n > 0)
                                n--;
                        continue;
                }
                parts[n++] = s;
        }
        for (size_t k = 0; k < n; k++)
                len += strlen(parts[k]) + 1;
        out = xmalloc(len + 2);
        out[0] = '\0';
        for (size_t k = 0; k < n; k++) {
                strcat(out, "/");
                strcat(out, parts[k]);
        }
        if (n == 0)
                strcpy(out, "/");
        free(parts);
        return out;
}

static char *resolve_import(const char *main_path, const char *imp)
{
        cleanup_free char *dir = xstrdup(main_path);
        cleanup_free char *joined = NULL;
        char *slash;

        if (imp[0] == '/')
                return clean_path(imp);
        slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        joined = xasprintf("%s/%s", *dir ? dir : ".", imp);
        return clean_path(joined);
}

/* The top-level imports statement, or NULL. */
static const struct ect_toml_item *top_imports(const struct ect_toml_doc *d)
{
        return ect_toml_find(d, "", "imports");
}

static int load_imports(const char *buf, size_t len, struct ect_toml_doc *d,
                        const struct ect_toml_item **ret_it, struct ect_toml_str **ret_v,
                        size_t *ret_n, struct ect_error **err)
{
        const struct ect_toml_item *it;

        *ret_v = NULL;
        *ret_n = 0;
        if (ect_toml_scan(buf, len, d, err) < 0)
                return ect_error_rc(*err);
        it = top_imports(d);
        *ret_it = it;
        if (it && ect_toml_string_array(buf, it->val_start, it->val_end, ret_v, ret_n, err) < 0)
                return ect_error_wrap(err, "line %zu: 'imports' must be an array of strings",
                                      it->line);
        return 0;
}

static bool covers(const struct ect_toml_str *v, size_t n, const char *main_path,
                   const char *dropin)
{
        cleanup_free char *want = clean_path(dropin);

        for (size_t k = 0; k < n; k++) {
                cleanup_free char *p = resolve_import(main_path, v[k].val);
                /* containerd globs an entry only when it holds a '*'
                 * (resolveImports); Go's filepath.Match, like
                 * FNM_PATHNAME, keeps '*' within one path element. */
                if (strchr(p, '*') ? fnmatch(p, want, FNM_PATHNAME) == 0 : strcmp(p, want) == 0)
                        return true;
        }
        return false;
}

int ect_ctd_imports_cover(const char *buf, size_t len, const char *main_path, const char *dropin,
                          bool *ret, struct ect_error **err)
{
        cleanup_tdoc struct ect_toml_doc d = {0};
        const struct ect_toml_item *it;
        struct ect_toml_str *v;
        size_t n;

        if (load_imports(buf, len, &d, &it, &v, &n, err) < 0)
                return ect_error_rc(*err);
        *ret = covers(v, n, main_path, dropin);
        ect_toml_strs_free(v, n);
        return 0;
}

static char *splice(const char *buf, size_t len, size_t at, size_t cut, const char *ins)
{
        size_t il = strlen(ins);
        char *out = xmalloc(len - cut + il + 1);

        memcpy(out, buf, at);
        memcpy(out + at, ins, il);
        memcpy(out + at + il, buf + at + cut, len - at - cut);
        out[len - cut + il] = '\0';
        return out;
}

int ect_ctd_imports_add(const char *buf, size_t len, const char *main_path, const char *dropin,
                        char **ret, struct ect_error **err)
{
        cleanup_tdoc struct ect_toml_doc d = {0};
        cleanup_free char *q = ect_toml_quote(dropin);
        cleanup_free char *ins = NULL;
        const struct ect_toml_item *it;
        struct ect_toml_str *v;
        size_t n, pos;

        *ret = NULL;
        if (load_imports(buf, len, &d, &it, &v, &n, err) < 0)
                return ect_error_rc(*err);
        if (covers(v, n, main_path, dropin)) {
                ect_toml_strs_free(v, n);
                return 0;
        }
        if (it && n == 0) {
                pos = it->val_start + 1;
                ins = xstrdup(q);
        } else if (it) {
                const struct ect_toml_str *last = &v[n - 1];
                bool multiline = memchr(buf + it->val_start, '\n', it->val_end - it->val_start);
                pos = last->end;
                if (multiline) {
                        /* The indentation of the last entry's line, when the
                         * entry starts that line. */
                        size_t ls = last->start;
                        cleanup_free char *indent = NULL;
                        while (ls > 0 && buf[ls - 1] != '\n')
                                ls--;
                        indent = xstrndup(buf + ls, last->start - ls);
                        if (indent[strspn(indent, " \t")] != '\0') {
                                free(indent);
                                indent = xstrdup("  ");
                        }
                        ins = xasprintf(",\n%s%s", indent, q);
                } else {
                        ins = xasprintf(", %s", q);
                }
        } else {
                /* A new line after the last top-level key, before the first
                 * table; keys after a table header belong to the table. */
                const struct ect_toml_item *last_key = NULL, *first_table = NULL;
                for (size_t k = 0; k < d.n && !first_table; k++) {
                        if (d.items[k].kind != ECT_TOML_KEYVAL)
                                first_table = &d.items[k];
                        else
                                last_key = &d.items[k];
                }
                if (last_key)
                        pos = last_key->end;
                else if (first_table)
                        for (pos = first_table->start; pos > 0 && buf[pos - 1] != '\n'; pos--)
                                ;
                else
                        pos = len;
                /* At the end of a file without a final newline, the new
                 * lines go before where it would be: removing them gives
                 * back the same bytes. */
                if (pos > 0 && buf[pos - 1] != '\n')
                        ins = xasprintf("\n%s\nimports = [%s]", ECT_CTD_IMPORTS_MARK, q);
                else
                        ins = xasprintf("%s\nimports = [%s]\n", ECT_CTD_IMPORTS_MARK, q);
        }
        ect_toml_strs_free(v, n);
        *ret = splice(buf, len, pos, 0, ins);
        return 0;
}

int ect_ctd_imports_remove(const char *buf, size_t len, const char *dropin, char **ret,
                           struct ect_error **err)
{
        cleanup_tdoc struct ect_toml_doc d = {0};
        const struct ect_toml_item *it;
        struct ect_toml_str *v;
        size_t n, k, from, to;
        const size_t mlen = strlen(ECT_CTD_IMPORTS_MARK);

        *ret = NULL;
        if (load_imports(buf, len, &d, &it, &v, &n, err) < 0)
                return ect_error_rc(*err);
        for (k = 0; k < n && strcmp(v[k].val, dropin) != 0; k++)
                ;
        if (k == n) {
                ect_toml_strs_free(v, n);
                return 0;
        }
        /* The two lines erdma-ctk added: the mark right above an imports
         * line that holds only this entry. */
        from = it->start;
        if (n == 1 && from >= mlen + 1 && buf[from - 1] == '\n' &&
            memcmp(buf + from - 1 - mlen, ECT_CTD_IMPORTS_MARK, mlen) == 0 &&
            (from - 1 - mlen == 0 || buf[from - 2 - mlen] == '\n')) {
                from -= mlen + 1;
                to = it->end;
                if (to == len && buf[len - 1] != '\n' && from > 0)
                        from--; /* the newline added before the mark */
        } else if (k > 0) {
                from = v[k - 1].end;
                to = v[k].end;
        } else if (n > 1) {
                from = v[0].start;
                to = v[1].start;
        } else {
                from = v[0].start;
                to = v[0].end;
                while (to < it->val_end && (buf[to] == ' ' || buf[to] == '\t'))
                        to++;
                if (buf[to] == ',')
                        to++;
                else
                        to = v[0].end;
        }
        ect_toml_strs_free(v, n);
        *ret = splice(buf, len, from, to - from, "");
        return 0;
}

char *ect_ctd_new_main(int version, const char *dropin)
{
        cleanup_free char *q = ect_toml_quote(dropin);

        return xasprintf(
                "# Written by erdma-ctk runtime configure: containerd reads a drop-in only\n"
                "# through `imports`. erdma-ctk runtime unconfigure removes this file.\n"
                "version = %d\n%s\nimports = [%s]\n",
                version, ECT_CTD_IMPORTS_MARK, q);
}

bool ect_ctd_is_new_main(const char *buf, const char *dropin)
{
        for (int v = 2; v <= 3; v++) {
                cleanup_free char *t = ect_ctd_new_main(v, dropin);
                if (strcmp(t, buf) == 0)
                        return true;
        }
        return false;
}

/* ---- tables of a canonical dump ---- */

struct tbl {
        const char *name;
        size_t first, n; /* its KEYVAL items: doc.items[first .. first + n) */
};

struct tbls {
        const char *buf;
        struct ect_toml_doc doc;
        struct tbl *v;
        size_t n;
};

static void tbls_clear(struct tbls *t)
{
        ect_toml_doc_clear(&t->doc);
        free(t->v);
        t->v = NULL;
        t->n = 0;
}
#define cleanup_tbls __attribute__((cleanup(tbls_clear)))

static int tbls_load(const char *buf, const char *what, struct tbls *t, struct ect_error **err)
{
        size_t cap = 0;

        t->buf = buf;
        if (ect_toml_scan(buf, strlen(buf), &t->doc, err) < 0)
                return ect_error_wrap(err, "%s", what);
        xgrow((void **)&t->v, &cap, 1, sizeof *t->v);
        t->v[t->n++] = (struct tbl){.name = "", .first = 0};
        for (size_t k = 0; k < t->doc.n; k++) {
                const struct ect_toml_item *it = &t->doc.items[k];
                if (it->kind == ECT_TOML_KEYVAL) {
                        t->v[t->n - 1].n++;
                        continue;
                }
                xgrow((void **)&t->v, &cap, t->n + 1, sizeof *t->v);
                t->v[t->n++] = (struct tbl){.name = it->key, .first = k + 1};
        }
        return 0;
}

static const struct tbl *tbls_find(const struct tbls *t, const char *name)
{
        for (size_t k = 0; k < t->n; k++)
                if (strcmp(t->v[k].name, name) == 0)
                        return &t->v[k];
        return NULL;
}

static const struct ect_toml_item *tbl_key(const struct tbls *t, const struct tbl *tb,
                                           const char *key)
{
        for (size_t k = 0; tb && k < tb->n; k++)
                if (strcmp(t->doc.items[tb->first + k].key, key) == 0)
                        return &t->doc.items[tb->first + k];
        return NULL;
}

static bool same_value(const struct tbls *a, const struct ect_toml_item *x, const struct tbls *b,
                       const struct ect_toml_item *y)
{
        return x->val_end - x->val_start == y->val_end - y->val_start &&
               memcmp(a->buf + x->val_start, b->buf + y->val_start, x->val_end - x->val_start) == 0;
}

static bool is_under(const char *name, const char *prefix)
{
        size_t n = strlen(prefix);
        return strncmp(name, prefix, n) == 0 && (name[n] == '\0' || name[n] == '.');
}

static char *runtime_table(const struct ect_ctd_opts *o, int version)
{
        cleanup_free char *part = ect_toml_key_part(o->runtime_name);
        return xasprintf("%s.containerd.runtimes.%s", ect_ctd_cri_table(version), part);
}

static bool tbl_differs(const struct tbls *a, const struct tbl *x, const struct tbls *b,
                        const struct tbl *y)
{
        if (!y || x->n != y->n)
                return true;
        for (size_t k = 0; k < x->n; k++) {
                const struct ect_toml_item *it = &a->doc.items[x->first + k];
                const struct ect_toml_item *jt = tbl_key(b, y, it->key);
                if (!jt || !same_value(a, it, b, jt))
                        return true;
        }
        return false;
}

static void put_table(char **out, const struct tbls *t, const struct tbl *tb)
{
        char *s = xasprintf("%s%s[%s]\n", *out, **out ? "\n" : "", tb->name);

        free(*out);
        *out = s;
        for (size_t k = 0; k < tb->n; k++) {
                const struct ect_toml_item *it = &t->doc.items[tb->first + k];
                s = xasprintf("%s  %s = %.*s\n", *out, it->key, (int)(it->val_end - it->val_start),
                              t->buf + it->val_start);
                free(*out);
                *out = s;
        }
}

int ect_ctd_carry(const char *dump, const char *defaults, const struct ect_ctd_opts *o, bool whole,
                  char **ret, struct ect_error **err)
{
        cleanup_tbls struct tbls a = {0}, b = {0};
        cleanup_free char *rt = runtime_table(o, 2);
        cleanup_free bool *keep = NULL;
        const char *cri = ect_ctd_cri_table(2);
        char *out = xstrdup("");

        if (tbls_load(dump, "containerd config dump", &a, err) < 0 ||
            tbls_load(defaults, "containerd config default", &b, err) < 0) {
                free(out);
                return ect_error_rc(*err);
        }
        keep = xcalloc(a.n, sizeof *keep);
        for (size_t k = 0; k < a.n; k++) {
                const struct tbl *x = &a.v[k];
                if (!is_under(x->name, cri) || is_under(x->name, rt))
                        continue;
                if (!whole && !tbl_differs(&a, x, &b, tbls_find(&b, x->name)))
                        continue;
                keep[k] = true;
                /* Its ancestors, with their own keys: each is decoded
                 * afresh from this file, map entries (runtimes.NAME) too. */
                for (size_t j = 0; j < k; j++)
                        if (is_under(a.v[j].name, cri) && is_under(x->name, a.v[j].name))
                                keep[j] = true;
        }
        for (size_t k = 0; k < a.n; k++)
                if (keep[k])
                        put_table(&out, &a, &a.v[k]);
        *ret = out;
        return 0;
}

/* ---- the drop-in ---- */

struct okey {
        char *key, *val;
};
struct otbl {
        char *name;
        struct okey *v;
        size_t n, cap;
};
struct odoc {
        struct otbl *v;
        size_t n, cap;
};

static struct otbl *odoc_table(struct odoc *d, const char *name)
{
        for (size_t k = 0; k < d->n; k++)
                if (strcmp(d->v[k].name, name) == 0)
                        return &d->v[k];
        xgrow((void **)&d->v, &d->cap, d->n + 1, sizeof *d->v);
        d->v[d->n] = (struct otbl){.name = xstrdup(name)};
        return &d->v[d->n++];
}

static void otbl_set(struct otbl *t, const char *key, char *val)
{
        for (size_t k = 0; k < t->n; k++)
                if (strcmp(t->v[k].key, key) == 0) {
                        free(t->v[k].val);
                        t->v[k].val = val;
                        return;
                }
        xgrow((void **)&t->v, &t->cap, t->n + 1, sizeof *t->v);
        t->v[t->n++] = (struct okey){.key = xstrdup(key), .val = val};
}

static void odoc_clear(struct odoc *d)
{
        for (size_t k = 0; k < d->n; k++) {
                for (size_t j = 0; j < d->v[k].n; j++) {
                        free(d->v[k].v[j].key);
                        free(d->v[k].v[j].val);
                }
                free(d->v[k].v);
                free(d->v[k].name);
        }
        free(d->v);
}
#define cleanup_odoc __attribute__((cleanup(odoc_clear)))

static char *qstr(const char *s)
{
        return ect_toml_quote(s);
}

int ect_ctd_dropin(const struct ect_ctd_opts *o, const char *carry, char **ret,
                   struct ect_error **err)
{
        cleanup_odoc struct odoc d = {0};
        cleanup_free char *rt = NULL, *rt_opts = NULL, *ctd = NULL;
        const char *cri = ect_ctd_cri_table(o->version);
        char *out;

        if (!cri)
                return ect_error_set(err, EINVAL,
                                     "containerd config version %d is not supported "
                                     "(2: containerd 1.x, 3: containerd 2.x)",
                                     o->version);
        rt = runtime_table(o, o->version);
        rt_opts = xasprintf("%s.options", rt);
        ctd = xasprintf("%s.containerd", cri);
        if (carry && *carry) {
                cleanup_tbls struct tbls t = {0};
                if (tbls_load(carry, "carried CRI settings", &t, err) < 0)
                        return ect_error_rc(*err);
                for (size_t k = 1; k < t.n; k++) {
                        struct otbl *ot = odoc_table(&d, t.v[k].name);
                        for (size_t j = 0; j < t.v[k].n; j++) {
                                const struct ect_toml_item *it = &t.doc.items[t.v[k].first + j];
                                otbl_set(ot, it->key,
                                         xstrndup(carry + it->val_start,
                                                  it->val_end - it->val_start));
                        }
                }
        }
        if (o->cdi) {
                struct otbl *t = odoc_table(&d, cri);
                otbl_set(t, "enable_cdi", xstrdup("true"));
                otbl_set(t, "cdi_spec_dirs", xstrdup("[\"/etc/cdi\", \"/var/run/cdi\"]"));
        }
        if (o->set_default)
                otbl_set(odoc_table(&d, ctd), "default_runtime_name", qstr(o->runtime_name));
        otbl_set(odoc_table(&d, rt), "runtime_type", qstr("io.containerd.runc.v2"));
        otbl_set(odoc_table(&d, rt), "pod_annotations", xstrdup("[\"" SELECT_ANNOTATION "\"]"));
        otbl_set(odoc_table(&d, rt_opts), "BinaryName", qstr(o->runtime_path));

        out = xasprintf(
                "# Written by erdma-ctk runtime configure (erdma-container-toolkit): the\n"
                "# runtime handler %s for the CRI plugin. erdma-ctk runtime unconfigure\n"
                "# removes this file.\n%s"
                "version = %d\n",
                o->runtime_name,
                carry && *carry
                        ? "# containerd 1.x replaces the whole CRI section with this file's\n"
                          "# (containerd#5837): the CRI settings that differed from the\n"
                          "# defaults when configure ran are repeated here. After changing\n"
                          "# them in config.toml, run erdma-ctk runtime configure again.\n"
                        : "",
                o->version);
        for (size_t k = 0; k < d.n; k++) {
                char *s = xasprintf("%s\n[%s]\n", out, d.v[k].name);
                free(out);
                out = s;
                for (size_t j = 0; j < d.v[k].n; j++) {
                        s = xasprintf("%s  %s = %s\n", out, d.v[k].v[j].key, d.v[k].v[j].val);
                        free(out);
                        out = s;
                }
        }
        *ret = out;
        return 0;
}

/* ---- proof from containerd's own dump ---- */

static bool skipped(const char *table, const char *key, const char *cri, const char *ctd,
                    const struct ect_ctd_opts *o)
{
        if (!*table && strcmp(key, "imports") == 0)
                return true;
        if (o->cdi && strcmp(table, cri) == 0 &&
            (strcmp(key, "enable_cdi") == 0 || strcmp(key, "cdi_spec_dirs") == 0))
                return true;
        return o->set_default && strcmp(table, ctd) == 0 &&
               strcmp(key, "default_runtime_name") == 0;
}

/* The first key of table x (in a) that is missing from or different in
 * y (in b). */
static const char *first_difference(const struct tbls *a, const struct tbl *x, const struct tbls *b,
                                    const struct tbl *y, const char *cri, const char *ctd,
                                    const struct ect_ctd_opts *o)
{
        for (size_t k = 0; k < x->n; k++) {
                const struct ect_toml_item *it = &a->doc.items[x->first + k];
                const struct ect_toml_item *jt = tbl_key(b, y, it->key);
                if (skipped(x->name, it->key, cri, ctd, o))
                        continue;
                if (!jt || !same_value(a, it, b, jt))
                        return it->key;
        }
        return NULL;
}

static bool value_is(const struct tbls *t, const char *table, const char *key, const char *want,
                     bool string)
{
        const struct ect_toml_item *it = tbl_key(t, tbls_find(t, table), key);
        struct ect_error *e = NULL;
        cleanup_free char *s = NULL;

        if (!it)
                return false;
        if (!string)
                return it->val_end - it->val_start == strlen(want) &&
                       memcmp(t->buf + it->val_start, want, strlen(want)) == 0;
        if (ect_toml_string(t->buf, it->val_start, it->val_end, &s, &e) < 0) {
                ect_error_free(&e);
                return false;
        }
        return strcmp(s, want) == 0;
}

int ect_ctd_verify(const char *before, const char *after, int major, const struct ect_ctd_opts *o,
                   char **problem, struct ect_error **err)
{
        cleanup_tbls struct tbls a = {0}, b = {0};
        int version = major >= 2 ? 3 : 2;
        const char *cri = ect_ctd_cri_table(version);
        cleanup_free char *rt = runtime_table(o, version);
        cleanup_free char *rt_opts = xasprintf("%s.options", rt);
        cleanup_free char *ctd = xasprintf("%s.containerd", cri);

        *problem = NULL;
        if (tbls_load(before, "containerd config dump before", &a, err) < 0 ||
            tbls_load(after, "containerd config dump after", &b, err) < 0)
                return ect_error_rc(*err);
        if (!value_is(&b, rt, "runtime_type", "io.containerd.runc.v2", true) ||
            !value_is(&b, rt_opts, "BinaryName", o->runtime_path, true)) {
                *problem = xasprintf("the handler '%s' with BinaryName '%s' is not in containerd's "
                                     "configuration",
                                     o->runtime_name, o->runtime_path);
                return 0;
        }
        if (o->cdi && !value_is(&b, cri, "enable_cdi", "true", false)) {
                *problem = xstrdup("enable_cdi is not true in containerd's configuration");
                return 0;
        }
        if (o->set_default && !value_is(&b, ctd, "default_runtime_name", o->runtime_name, true)) {
                *problem = xasprintf("default_runtime_name is not '%s' in containerd's "
                                     "configuration",
                                     o->runtime_name);
                return 0;
        }
        for (int pass = 0; pass < 2; pass++) {
                const struct tbls *x = pass ? &b : &a, *y = pass ? &a : &b;
                for (size_t k = 0; k < x->n; k++) {
                        const struct tbl *tx = &x->v[k];
                        const struct tbl *ty;
                        const char *key;
                        if (is_under(tx->name, rt))
                                continue;
                        ty = tbls_find(y, tx->name);
                        if (!ty) {
                                *problem = xasprintf("table [%s] %s", tx->name,
                                                     pass ? "appeared" : "disappeared");
                                return 0;
                        }
                        key = first_difference(x, tx, y, ty, cri, ctd, o);
                        if (key) {
                                *problem = xasprintf("[%s] %s changed", tx->name, key);
                                return 0;
                        }
                }
        }
        return 0;
}
