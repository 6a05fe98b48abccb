/* SPDX-License-Identifier: Apache-2.0 */
#include "ctk_docker.h"
#include "cleanup.h"
#include "json.h"
#include "xalloc.h"

#include <errno.h>
#include <string.h>

char *ect_docker_indent(const char *text, size_t len)
{
        for (const char *p = text; p && (p = memchr(p, '\n', len - (size_t)(p - text)));) {
                size_t n = 0;
                p++;
                if (p < text + len && *p == '\t')
                        return xstrdup("\t");
                while (p + n < text + len && p[n] == ' ')
                        n++;
                if (n > 0 && n <= 8 && p + n < text + len && p[n] != '\n' && p[n] != '\r')
                        return xstrndup(p, n);
        }
        return xstrdup("  ");
}

static int parse_object(const char *text, size_t len, const char *what, struct ect_json **ret,
                        struct ect_error **err)
{
        struct ect_json *j = NULL;

        if (ect_json_parse(text, len, &j, err) < 0)
                return ect_error_wrap(err, "%s", what);
        if (!ect_json_is(j, ECT_JSON_OBJECT)) {
                ect_json_free(j);
                return ect_error_set(err, EINVAL, "%s: not a JSON object", what);
        }
        *ret = j;
        return 0;
}

/* The record: {"comment": ..., "file-created": bool, "changes": [
 *   {"path": ["runtimes"], "created": true},
 *   {"path": ["runtimes", "erdma"], "after": V},
 *   {"path": ["default-runtime"], "before": V0, "after": V}]} */
static struct ect_json *path_of(const char *a, const char *b)
{
        struct ect_json *p = ect_json_new(ECT_JSON_ARRAY);

        ect_json_append(p, ect_json_new_str(a));
        if (b)
                ect_json_append(p, ect_json_new_str(b));
        return p;
}

static struct ect_json *find_change(struct ect_json *changes, const struct ect_json *path)
{
        for (size_t k = 0; k < changes->n; k++)
                if (ect_json_equal(ect_json_get(changes->v[k], "path"), path))
                        return changes->v[k];
        return NULL;
}

/* Records that configure created the object at path (unless a record of
 * it exists: then it was already ours). */
static void note_created(struct ect_json *changes, const char *a)
{
        struct ect_json *p = path_of(a, NULL);
        struct ect_json *c;

        if (find_change(changes, p)) {
                ect_json_free(p);
                return;
        }
        c = ect_json_new(ECT_JSON_OBJECT);
        ect_json_set(c, "path", p);
        ect_json_set(c, "created", ect_json_new_bool(true));
        ect_json_append(changes, c);
}

/* Sets parent[key] = val (owned) and records it: the first record of a
 * member keeps the value it had before erdma-ctk touched it. */
static void set_recorded(struct ect_json *changes, struct ect_json *parent, const char *pa,
                         const char *key, struct ect_json *val)
{
        struct ect_json *p = path_of(pa ? pa : key, pa ? key : NULL);
        struct ect_json *c = find_change(changes, p);
        struct ect_json *before = ect_json_get(parent, key);

        if (!c) {
                c = ect_json_new(ECT_JSON_OBJECT);
                ect_json_set(c, "path", p);
                if (before)
                        ect_json_set(c, "before", ect_json_dup(before));
                ect_json_append(changes, c);
        } else {
                ect_json_free(p);
        }
        ect_json_set(c, "after", ect_json_dup(val));
        ect_json_set(parent, key, val);
}

/* parent[key] as an object, created (and recorded) when missing. NULL when
 * it holds something else. */
static struct ect_json *object_member(struct ect_json *changes, struct ect_json *root,
                                      const char *key, struct ect_error **err)
{
        struct ect_json *v = ect_json_get(root, key);

        if (!v || ect_json_is(v, ECT_JSON_NULL)) {
                note_created(changes, key);
                return ect_json_set(root, key, ect_json_new(ECT_JSON_OBJECT));
        }
        if (!ect_json_is(v, ECT_JSON_OBJECT)) {
                ect_error_set(err, EINVAL, "daemon.json: \"%s\" must be an object, not a JSON %s",
                              key, ect_json_type_name(v));
                return NULL;
        }
        return v;
}

static struct ect_json *new_record(bool created_file)
{
        struct ect_json *r = ect_json_new(ECT_JSON_OBJECT);

        ect_json_set(r, "comment",
                     ect_json_new_str("What erdma-ctk runtime configure added to or replaced in "
                                      "daemon.json; erdma-ctk runtime unconfigure undoes "
                                      "exactly this."));
        ect_json_set(r, "file-created", ect_json_new_bool(created_file));
        ect_json_set(r, "changes", ect_json_new(ECT_JSON_ARRAY));
        return r;
}

static int load_record(const char *rec, size_t rec_len, struct ect_json **ret,
                       struct ect_error **err)
{
        struct ect_json *r = NULL;

        if (parse_object(rec, rec_len, "undo record", &r, err) < 0)
                return ect_error_rc(*err);
        if (!ect_json_is(ect_json_get(r, "changes"), ECT_JSON_ARRAY)) {
                ect_json_free(r);
                return ect_error_set(err, EINVAL, "undo record: no \"changes\" array");
        }
        *ret = r;
        return 0;
}

int ect_docker_configure(const char *old, size_t old_len, const char *rec, size_t rec_len,
                         const struct ect_docker_opts *o, char **ret, char **ret_rec,
                         struct ect_error **err)
{
        cleanup_json struct ect_json *root = NULL;
        cleanup_json struct ect_json *orig = NULL;
        cleanup_json struct ect_json *record = NULL;
        cleanup_free char *indent = NULL;
        struct ect_json *changes, *runtimes, *cur;
        bool empty = !old || old_len == strspn(old, " \t\r\n");

        *ret = NULL;
        *ret_rec = NULL;
        if (empty)
                root = ect_json_new(ECT_JSON_OBJECT);
        else if (parse_object(old, old_len, "daemon.json", &root, err) < 0)
                return ect_error_rc(*err);
        orig = ect_json_dup(root);
        if (rec) {
                if (load_record(rec, rec_len, &record, err) < 0)
                        return ect_error_rc(*err);
        } else {
                record = new_record(!old);
        }
        changes = ect_json_get(record, "changes");

        runtimes = object_member(changes, root, "runtimes", err);
        if (!runtimes)
                return ect_error_rc(*err);
        /* A registration of the same binary stays as it is (its
         * runtimeArgs, if any, are someone's choice). */
        cur = ect_json_get(runtimes, o->runtime_name);
        if (!ect_json_is(cur, ECT_JSON_OBJECT) || !ect_json_str(ect_json_get(cur, "path")) ||
            strcmp(ect_json_str(ect_json_get(cur, "path")), o->runtime_path) != 0) {
                struct ect_json *v = ect_json_new(ECT_JSON_OBJECT);
                ect_json_set(v, "path", ect_json_new_str(o->runtime_path));
                set_recorded(changes, runtimes, "runtimes", o->runtime_name, v);
        }
        if (o->set_default) {
                cur = ect_json_get(root, "default-runtime");
                if (!ect_json_str(cur) || strcmp(ect_json_str(cur), o->runtime_name) != 0)
                        set_recorded(changes, root, NULL, "default-runtime",
                                     ect_json_new_str(o->runtime_name));
        }
        if (o->cdi) {
                struct ect_json *features = object_member(changes, root, "features", err);
                if (!features)
                        return ect_error_rc(*err);
                if (!ect_json_is(ect_json_get(features, "cdi"), ECT_JSON_TRUE))
                        set_recorded(changes, features, "features", "cdi", ect_json_new_bool(true));
        }
        if (ect_json_equal(root, orig))
                return 0;
        indent = ect_docker_indent(old, old ? old_len : 0);
        if (ect_json_emit_indent(root, indent, ret, NULL, err) < 0)
                return ect_error_rc(*err);
        if (ect_json_emit(record, true, ret_rec, NULL, err) < 0) {
                free(*ret);
                *ret = NULL;
                return ect_error_rc(*err);
        }
        return 0;
}

static struct ect_json *parent_of(struct ect_json *root, const struct ect_json *path,
                                  const char **ret_key)
{
        const char *a = ect_json_str(path->n > 0 ? path->v[0] : NULL);
        const char *b = ect_json_str(path->n > 1 ? path->v[1] : NULL);

        if (!ect_json_is(path, ECT_JSON_ARRAY) || !a || path->n > 2)
                return NULL;
        if (path->n == 1) {
                *ret_key = a;
                return root;
        }
        *ret_key = b;
        return ect_json_is(ect_json_get(root, a), ECT_JSON_OBJECT) ? ect_json_get(root, a) : NULL;
}

static void add_note(char **notes, size_t *len, const char *fmt, const char *a)
{
        cleanup_free char *line = xasprintf(fmt, a);
        size_t n = strlen(line) + 1;

        *notes = xrealloc(*notes, *len + n + 1);
        memcpy(*notes + *len, line, n);
        *len += n;
        (*notes)[*len] = '\0';
}

static char *path_text(const struct ect_json *path)
{
        const char *a = ect_json_str(path->n > 0 ? path->v[0] : NULL);
        const char *b = ect_json_str(path->n > 1 ? path->v[1] : NULL);

        return b ? xasprintf("%s.%s", a, b) : xstrdup(a ? a : "?");
}

int ect_docker_unconfigure(const char *old, size_t old_len, const char *rec, size_t rec_len,
                           char **ret, bool *ret_remove, char **ret_notes, struct ect_error **err)
{
        cleanup_json struct ect_json *root = NULL;
        cleanup_json struct ect_json *orig = NULL;
        cleanup_json struct ect_json *record = NULL;
        cleanup_free char *indent = NULL;
        char *notes = xcalloc(1, 1);
        size_t notes_len = 0;
        struct ect_json *changes;

        *ret = NULL;
        *ret_remove = false;
        *ret_notes = notes;
        if (!old)
                return 0;
        if (parse_object(old, old_len, "daemon.json", &root, err) < 0 ||
            load_record(rec, rec_len, &record, err) < 0)
                return ect_error_rc(*err);
        orig = ect_json_dup(root);
        changes = ect_json_get(record, "changes");
        for (size_t k = changes->n; k-- > 0;) {
                struct ect_json *c = changes->v[k];
                struct ect_json *path = ect_json_get(c, "path");
                const char *key = NULL;
                struct ect_json *parent = path ? parent_of(root, path, &key) : NULL;
                struct ect_json *cur = parent ? ect_json_get(parent, key) : NULL;
                cleanup_free char *name = path ? path_text(path) : xstrdup("?");

                if (!cur)
                        continue;
                if (ect_json_is(ect_json_get(c, "created"), ECT_JSON_TRUE)) {
                        if (ect_json_is(cur, ECT_JSON_OBJECT) && cur->n == 0)
                                ect_json_remove(parent, key);
                        else
                                add_note(&notes, &notes_len,
                                         "\"%s\" was created by configure but holds other "
                                         "members now: kept",
                                         name);
                        continue;
                }
                if (!ect_json_equal(cur, ect_json_get(c, "after"))) {
                        add_note(&notes, &notes_len,
                                 "\"%s\" was changed after configure: left as it is", name);
                        continue;
                }
                if (ect_json_get(c, "before"))
                        ect_json_set(parent, key, ect_json_dup(ect_json_get(c, "before")));
                else
                        ect_json_remove(parent, key);
        }
        *ret_notes = notes;
        if (ect_json_equal(root, orig))
                return 0;
        if (ect_json_is(ect_json_get(record, "file-created"), ECT_JSON_TRUE) && root->n == 0) {
                *ret_remove = true;
                return 0;
        }
        indent = ect_docker_indent(old, old_len);
        return ect_json_emit_indent(root, indent, ret, NULL, err);
}
