/* SPDX-License-Identifier: Apache-2.0 */
#include "ocispec.h"
#include "cleanup.h"
#include "fileio.h"
#include "select.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

void ect_oci_free(struct ect_oci_doc *d)
{
        if (!d)
                return;
        free(d->path);
        ect_json_free(d->tree);
        free(d);
}

/* The fields of config.json that the hook or the shim reads or edits, as
 * runc's Go structs name them: what ect_oci_check_keys() checks and what a
 * lean parse keeps (sub: of an object, each: of each object in an array).
 * Issue 13: the arrays we read are folded (json.h) and read one element at
 * a time through ect_json_iter, so that millions of tiny elements cost
 * their text, not a node each; the annotations keep the one key we read. */
static bool first_memlock(const struct ect_json *e, size_t n_kept);
/* clang-format 14 (Debian 12) reads "F(n) {" as a function definition and
 * spreads each macro over four lines. */
/* clang-format off */
#define F(n) {.name = (n)}
#define OBJ(n, f) {.name = (n), .sub = (f)}
#define MAP(n, f) {.name = (n), .sub = (f), .exact = true}
#define FOLD(n) {.name = (n), .fold = true}
#define FOLD_EACH(n, f) {.name = (n), .sub = (f), .each = true, .fold = true}
#define END {.name = NULL}
/* clang-format on */
static const struct ect_json_keep f_root[] = {F("path"), END};
static const struct ect_json_keep f_annotations[] = {F(ECT_SELECT_ANNOTATION), END};
static const struct ect_json_keep f_rlimit[] = {F("type"), F("soft"), F("hard"), END};
static const struct ect_json_keep f_caps[] = {FOLD("bounding"), FOLD("effective"),
                                              FOLD("permitted"), END};
/* raise_memlock() edits the RLIMIT_MEMLOCK entry in place: it stays a node. */
static const struct ect_json_keep f_process[] = {FOLD("env"),
                                                 {.name = "rlimits",
                                                  .sub = f_rlimit,
                                                  .each = true,
                                                  .fold = true,
                                                  .keep_elem = first_memlock,
                                                  .keep_text = "RLIMIT_MEMLOCK"},
                                                 OBJ("capabilities", f_caps),
                                                 END};
static const struct ect_json_keep f_device[] = {F("path"),     F("type"), F("major"), F("minor"),
                                                F("filemode"), F("uid"),  F("gid"),   END};
static const struct ect_json_keep f_rule[] = {F("allow"), F("type"),   F("major"),
                                              F("minor"), F("access"), END};
static const struct ect_json_keep f_resources[] = {FOLD_EACH("devices", f_rule), END};
static const struct ect_json_keep f_linux[] = {FOLD_EACH("devices", f_device),
                                               OBJ("resources", f_resources), END};
static const struct ect_json_keep f_config[] = {OBJ("root", f_root),
                                                MAP("annotations", f_annotations),
                                                OBJ("process", f_process), OBJ("linux", f_linux),
                                                END};
#undef F
#undef OBJ
#undef MAP
#undef FOLD
#undef FOLD_EACH
#undef END

static bool str_is(const struct ect_json *j, const char *s)
{
        const char *v = ect_json_str(j);
        return v && strcmp(v, s) == 0;
}

static bool is_memlock(const struct ect_json *rl)
{
        return str_is(ect_json_get_go(rl, "type"), "RLIMIT_MEMLOCK");
}

/* A second one is refused (raise_memlock), so the first is all we edit. */
static bool first_memlock(const struct ect_json *e, size_t n_kept)
{
        return n_kept == 0 && is_memlock(e);
}

static int check_fields(const struct ect_json *obj, const char *where,
                        const struct ect_json_keep *f, struct ect_error **err);

/* Each object of an array. The place goes into the message only when
 * there is one: these arrays may hold millions of elements. */
static int check_each(const struct ect_json *arr, const char *where, const struct ect_json_keep *f,
                      struct ect_error **err)
{
        cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(arr);

        for (const struct ect_json *e; (e = ect_json_next(&it));) {
                struct ect_error *quiet = NULL;
                if (check_fields(e, "", f->sub, &quiet) == 0)
                        continue;
                ect_error_free(&quiet);
                cleanup_free char *w = xasprintf("%s%s[%zu].", where, f->name, it.index);
                return check_fields(e, w, f->sub, err);
        }
        return 0;
}

static int check_fields(const struct ect_json *obj, const char *where,
                        const struct ect_json_keep *f, struct ect_error **err)
{
        for (; f->name; f++) {
                const struct ect_json *v;
                if (ect_json_check_go_key(obj, where, f->name, err) < 0)
                        return -1;
                v = ect_json_get_go(obj, f->name);
                if (!f->sub || !v || f->exact) /* map keys: Go compares them exactly */
                        continue;
                if (!f->each && ect_json_is(v, ECT_JSON_OBJECT)) {
                        cleanup_free char *w = xasprintf("%s%s.", where, f->name);
                        if (check_fields(v, w, f->sub, err) < 0)
                                return -1;
                } else if (f->each && check_each(v, where, f, err) < 0) {
                        return -1;
                }
        }
        return 0;
}

int ect_oci_check_keys(const struct ect_json *config, struct ect_error **err)
{
        return check_fields(config, "", f_config, err) < 0 ? ect_error_rc(*err) : 0;
}

static int parse_with(const char *buf, size_t len, const char *path, bool lean,
                      struct ect_oci_doc **ret, struct ect_error **err)
{
        struct ect_json *root = NULL;
        struct ect_oci_doc *d;

        if ((lean ? ect_json_parse_lean(buf, len, f_config, &root, err)
                  : ect_json_parse(buf, len, &root, err)) < 0)
                return ect_error_wrap(err, "%s", path);
        if (!ect_json_is(root, ECT_JSON_OBJECT)) {
                int r = ect_error_set(err, EINVAL, "%s: expected a JSON object, got %s", path,
                                      ect_json_type_name(root));
                ect_json_free(root);
                return r;
        }
        if (ect_oci_check_keys(root, err) < 0) {
                ect_json_free(root);
                return ect_error_wrap(err, "%s", path);
        }
        d = xcalloc(1, sizeof *d);
        d->path = xstrdup(path);
        d->tree = root;
        d->mode = 0644;
        d->uid = (uid_t)-1;
        d->gid = (gid_t)-1;
        /* Docker and containerd write one line, `runc spec` indents: keep
         * what a person reading the file is used to. */
        d->pretty = len > 2 && memchr(buf, '\n', len - 1) != NULL;
        *ret = d;
        return 0;
}

int ect_oci_parse(const char *buf, size_t len, const char *path, struct ect_oci_doc **ret,
                  struct ect_error **err)
{
        return parse_with(buf, len, path, false, ret, err);
}

int ect_oci_parse_lean(const char *buf, size_t len, const char *path, struct ect_oci_doc **ret,
                       struct ect_error **err)
{
        return parse_with(buf, len, path, true, ret, err);
}

/* The bytes of <bundle>/config.json, its path, and the stat of the fd
 * they were read from (mode and owner are kept on write). */
static int read_config(const char *bundle, char **ret_buf, size_t *ret_len, char **ret_path,
                       struct stat *ret_st, struct ect_error **err)
{
        cleanup_close int dfd = -1, fd = -1;
        cleanup_free char *path = NULL;

        if (!bundle || !*bundle)
                bundle = ".";
        path = xasprintf("%s/config.json", bundle);
        dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return ect_error_set(err, errno, "bundle '%s'", bundle);
        /* As ect_read_regular_at(), on one fd that also gives the owner. */
        fd = openat(dfd, "config.json", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return ect_error_set(err, errno, "open '%s'", path);
        if (fstat(fd, ret_st) < 0)
                return ect_error_set(err, errno, "stat '%s'", path);
        if (!S_ISREG(ret_st->st_mode))
                return ect_error_set(err, EINVAL, "'%s' is not a regular file", path);
        if (ect_read_fd_stat(fd, ret_st, path, ECT_OCI_MAX_SIZE, ret_buf, ret_len, err) < 0)
                return ect_error_rc(*err);
        *ret_path = steal_ptr(&path);
        return 0;
}

int ect_oci_load_if(const char *bundle, ect_oci_parse_if_fn *parse_if, const void *ctx,
                    struct ect_oci_doc **ret, struct ect_error **err)
{
        cleanup_free char *buf = NULL;
        cleanup_free char *path = NULL;
        size_t len = 0;
        struct stat st;

        *ret = NULL;
        if (read_config(bundle, &buf, &len, &path, &st, err) < 0)
                return ect_error_rc(*err);
        if (parse_if && !parse_if(ctx, buf, len))
                return 0;
        if (ect_oci_parse_lean(buf, len, path, ret, err) < 0)
                return ect_error_rc(*err);
        (*ret)->mode = st.st_mode & 07777;
        (*ret)->uid = st.st_uid; /* a rootless engine's bundle stays its own */
        (*ret)->gid = st.st_gid;
        return 0;
}

int ect_oci_load(const char *bundle, struct ect_oci_doc **ret, struct ect_error **err)
{
        return ect_oci_load_if(bundle, NULL, NULL, ret, err);
}

const struct ect_json *ect_oci_annotations(const struct ect_oci_doc *d)
{
        return ect_json_get_go(d->tree, "annotations");
}

const struct ect_json *ect_oci_env(const struct ect_oci_doc *d)
{
        return ect_json_get_go(ect_json_get_go(d->tree, "process"), "env");
}

/* runc reads every key that Go matches to a field, in order: a duplicated
 * object is merged into one struct, a duplicated array or value replaced.
 * We edit the last exact key only, which keeps that meaning when it is the
 * one array of that name (or the last of exact duplicates); otherwise an
 * array we add there, or to a new key, could replace what an earlier one
 * sets. We do not guess: such a config is refused. */
static int refuse_duplicate(const struct ect_json *obj, const char *where, const char *key,
                            enum ect_json_type type, struct ect_error **err)
{
        size_t n_fold = 0, n_exact = 0, klen = strlen(key);

        for (size_t i = 0; ect_json_is(obj, ECT_JSON_OBJECT) && i < obj->n; i++) {
                if (!ect_json_go_key(obj->keys[i], obj->key_lens[i], key))
                        continue;
                n_fold++;
                n_exact += obj->key_lens[i] == klen && memcmp(obj->keys[i], key, klen) == 0;
        }
        if (n_fold == n_exact && (type != ECT_JSON_OBJECT || n_exact <= 1))
                return 0;
        return ect_error_set(err, EINVAL,
                             "key '%s%s' appears more than once (runc reads keys without "
                             "regard to case and merges duplicated objects), so it is not edited",
                             where, key);
}

/* Object (or array) at key inside obj, created when missing or null. */
static struct ect_json *need(struct ect_json *obj, const char *where, const char *key,
                             enum ect_json_type type, struct ect_error **err)
{
        struct ect_json *v = ect_json_get(obj, key);
        if (refuse_duplicate(obj, where, key, type, err) < 0)
                return NULL;
        if (ect_json_is(v, ECT_JSON_NULL))
                return ect_json_set(obj, key, ect_json_new(type));
        v = ect_json_ensure(obj, key, type);
        if (!v)
                ect_error_set(err, EINVAL, "%s%s: expected %s, got %s", where, key,
                              type == ECT_JSON_ARRAY ? "an array" : "an object",
                              ect_json_type_name(ect_json_get(obj, key)));
        return v;
}

/* Whether a linux.devices path names want (a clean absolute path) where
 * runc creates it: runc joins the path to the rootfs with Go's
 * filepath.Join, which cleans it lexically ("//dev/./x", "/dev/../dev/x"
 * and the relative "dev/x" are all "/dev/x"; ".." stops at the root). */
static bool same_dev_path(const struct ect_json *j, const char *want)
{
        const char *p = ect_json_str(j);
        size_t out = 0, wl = strlen(want);
        cleanup_free char *c = NULL;

        if (!p)
                return false;
        c = xmalloc(strlen(p) + 2);
        while (*p) {
                size_t len;
                while (*p == '/')
                        p++;
                len = strcspn(p, "/");
                if (len == 0 || (len == 1 && p[0] == '.')) {
                        p += len;
                        continue;
                }
                if (len == 2 && p[0] == '.' && p[1] == '.') {
                        while (out > 0 && c[--out] != '/')
                                ;
                        p += len;
                        continue;
                }
                c[out++] = '/';
                memcpy(c + out, p, len);
                out += len;
                p += len;
        }
        if (out == 0)
                c[out++] = '/';
        return out == wl && memcmp(c, want, wl) == 0;
}

/* What linux.devices holds at an edit node's path: the first entry there
 * decides, as runc creates the first. */
struct dev_found {
        enum { DEV_NONE, DEV_SAME, DEV_OTHER, DEV_NOT_OBJECT } what;
        size_t index;     /* DEV_NOT_OBJECT: of that entry */
        const char *type; /* DEV_OTHER: its type ("?": none), from type_buf */
        char type_buf[16];
        int64_t major, minor;
};

/* One pass over linux.devices for all nodes (it may hold millions of
 * entries, read one at a time). found[i] is what a scan for node i alone
 * meets first: its path, or an entry that is not an object. */
static void scan_devices(const struct ect_json *devices, const struct ect_edits *ed,
                         struct dev_found *found)
{
        cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(devices);
        size_t left = ed->n_nodes;

        for (const struct ect_json *d; left > 0 && (d = ect_json_next(&it));) {
                for (size_t i = 0; i < ed->n_nodes; i++) {
                        const struct ect_edit_node *n = &ed->nodes[i];
                        struct dev_found *f = &found[i];
                        const char *type;
                        if (f->what != DEV_NONE)
                                continue;
                        if (!ect_json_is(d, ECT_JSON_OBJECT)) {
                                f->what = DEV_NOT_OBJECT;
                                f->index = it.index;
                                f->type = ect_json_type_name(d);
                                left--;
                                continue;
                        }
                        if (!same_dev_path(ect_json_get_go(d, "path"), n->path))
                                continue;
                        left--;
                        f->major = f->minor = -1;
                        (void)ect_json_i64(ect_json_get_go(d, "major"), &f->major);
                        (void)ect_json_i64(ect_json_get_go(d, "minor"), &f->minor);
                        type = ect_json_str(ect_json_get_go(d, "type"));
                        if (type && (!strcmp(type, "c") || !strcmp(type, "u")) &&
                            f->major == (int64_t)n->major && f->minor == (int64_t)n->minor) {
                                f->what = DEV_SAME; /* from --device or CDI, or our earlier run */
                                continue;
                        }
                        f->what = DEV_OTHER;
                        snprintf(f->type_buf, sizeof f->type_buf, "%s", type ? type : "?");
                        f->type = f->type_buf;
                }
        }
}

/* The edit for one node, from what scan_devices() found. The nodes have
 * distinct paths (edits.h): one appended for an earlier node is never
 * this one's. */
static int add_device(const char *file, struct ect_json *devices, const struct ect_edit_node *n,
                      const struct dev_found *f, bool *changed, struct ect_error **err)
{
        struct ect_json *e;

        switch (f->what) {
        case DEV_SAME:
                return 0;
        case DEV_NOT_OBJECT:
                return ect_error_set(err, EINVAL,
                                     "%s: linux.devices[%zu]: expected an object, got %s", file,
                                     f->index, f->type);
        case DEV_OTHER:
                return ect_error_set(err, EEXIST,
                                     "%s: linux.devices already has '%s' as another device "
                                     "(type %s, %lld:%lld), not c %u:%u",
                                     file, n->path, f->type, (long long)f->major,
                                     (long long)f->minor, n->major, n->minor);
        case DEV_NONE:
                break;
        }
        e = ect_json_append(devices, ect_json_new(ECT_JSON_OBJECT));
        ect_json_set(e, "path", ect_json_new_str(n->path));
        ect_json_set(e, "type", ect_json_new_str("c"));
        ect_json_set(e, "major", ect_json_new_u64(n->major));
        ect_json_set(e, "minor", ect_json_new_u64(n->minor));
        ect_json_set(e, "fileMode", ect_json_new_u64(0666));
        ect_json_set(e, "uid", ect_json_new_u64(0));
        ect_json_set(e, "gid", ect_json_new_u64(0));
        *changed = true;
        return 0;
}

/* Does a cgroup rule apply to c major:minor? Wildcards: type "a" or absent,
 * major/minor absent, null or -1 (runc's semantics). */
static bool rule_matches(const struct ect_json *r, unsigned major, unsigned minor)
{
        const struct ect_json *t = ect_json_get_go(r, "type");
        const struct ect_json *ma = ect_json_get_go(r, "major");
        const struct ect_json *mi = ect_json_get_go(r, "minor");
        int64_t v;

        if (t && !ect_json_is(t, ECT_JSON_NULL) && !str_is(t, "a") && !str_is(t, "c") &&
            !str_is(t, ""))
                return false;
        if (ma && !ect_json_is(ma, ECT_JSON_NULL) && ect_json_i64(ma, &v) && v != -1 &&
            v != (int64_t)major)
                return false;
        if (mi && !ect_json_is(mi, ECT_JSON_NULL) && ect_json_i64(mi, &v) && v != -1 &&
            v != (int64_t)minor)
                return false;
        return true;
}

/* One pass over linux.resources.devices for all nodes. Rules apply in
 * order, a later one overriding an earlier one: a node's access is in
 * force (covered[i]) when an allow with r and w follows the last deny
 * that could take r or w away. Fails on the first entry that is not an
 * object. */
static int scan_rules(const char *file, const struct ect_json *rules, const struct ect_edits *ed,
                      bool *covered, struct ect_error **err)
{
        cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(rules);

        for (const struct ect_json *r; (r = ect_json_next(&it));) {
                const struct ect_json *acc;
                const char *a;
                bool allow;
                if (!ect_json_is(r, ECT_JSON_OBJECT))
                        return ect_error_set(err, EINVAL,
                                             "%s: linux.resources.devices[%zu]: expected an "
                                             "object, got %s",
                                             file, it.index, ect_json_type_name(r));
                allow = ect_json_is(ect_json_get_go(r, "allow"), ECT_JSON_TRUE);
                acc = ect_json_get_go(r, "access");
                a = ect_json_str(acc);
                if (!acc || ect_json_is(acc, ECT_JSON_NULL) || (a && !*a))
                        a = "rwm";
                if (!a)
                        continue;
                for (size_t i = 0; i < ed->n_nodes; i++) {
                        if (!rule_matches(r, ed->nodes[i].major, ed->nodes[i].minor))
                                continue;
                        if (allow && strchr(a, 'r') && strchr(a, 'w'))
                                covered[i] = true;
                        else if (!allow && (strchr(a, 'r') || strchr(a, 'w')))
                                covered[i] = false;
                }
        }
        return 0;
}

/* The rule for node i unless the rules cover it: those of the config
 * (covered) or one appended for an earlier node of the same number. */
static void add_rule(struct ect_json *rules, const struct ect_edits *ed, size_t i,
                     const bool *covered, bool *changed)
{
        const struct ect_edit_node *n = &ed->nodes[i];
        struct ect_json *e;

        if (covered[i])
                return;
        for (size_t j = 0; j < i; j++)
                if (!covered[j] && ed->nodes[j].major == n->major && ed->nodes[j].minor == n->minor)
                        return;
        e = ect_json_append(rules, ect_json_new(ECT_JSON_OBJECT));
        ect_json_set(e, "allow", ect_json_new_bool(true));
        ect_json_set(e, "type", ect_json_new_str("c"));
        ect_json_set(e, "major", ect_json_new_u64(n->major));
        ect_json_set(e, "minor", ect_json_new_u64(n->minor));
        ect_json_set(e, "access", ect_json_new_str("rw"));
        *changed = true;
}

static int raise_field(const char *file, size_t i, struct ect_json *rl, const char *key,
                       uint64_t want, bool *changed, struct ect_error **err)
{
        const struct ect_json *v = ect_json_get_go(rl, key);
        uint64_t cur = 0;

        if (ect_json_is(v, ECT_JSON_NULL)) /* 0 to runc: Go leaves the uint64 alone */
                v = NULL;
        if (v && !ect_json_u64(v, &cur))
                return ect_error_set(err, EINVAL,
                                     "%s: process.rlimits[%zu] (RLIMIT_MEMLOCK): '%s' is not an "
                                     "unsigned integer",
                                     file, i, key);
        if (v && cur >= want)
                return 0;
        ect_json_set(rl, key, ect_json_new_u64(want));
        *changed = true;
        return 0;
}

/* Raises the RLIMIT_MEMLOCK entry of rls, if any (*ret_found: its index,
 * else SIZE_MAX). runc (1.1) applies each entry in order; the runtime spec
 * has a runtime refuse a type given twice. We refuse a second
 * RLIMIT_MEMLOCK: which one to raise would be a guess, and first_memlock()
 * keeps only the first as a node to edit. */
static int raise_existing(const char *file, struct ect_json *rls, uint64_t want, bool *changed,
                          size_t *ret_found, struct ect_error **err)
{
        cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(rls);

        *ret_found = SIZE_MAX;
        for (struct ect_json *rl; (rl = ect_json_next(&it));) {
                if (!ect_json_is(rl, ECT_JSON_OBJECT))
                        return ect_error_set(err, EINVAL,
                                             "%s: process.rlimits[%zu]: expected an object, "
                                             "got %s",
                                             file, it.index, ect_json_type_name(rl));
                if (!is_memlock(rl))
                        continue;
                if (*ret_found != SIZE_MAX)
                        return ect_error_set(err, EINVAL,
                                             "%s: process.rlimits[%zu]: RLIMIT_MEMLOCK again "
                                             "(first at [%zu]); the runtime spec has a runtime "
                                             "refuse a type given twice",
                                             file, it.index, *ret_found);
                if (it.transient) /* first_memlock() keeps it: never expected */
                        return ect_error_set(err, EINVAL,
                                             "%s: process.rlimits[%zu]: cannot be edited", file,
                                             it.index);
                *ret_found = it.index;
                if (raise_field(file, it.index, rl, "hard", want, changed, err) < 0 ||
                    raise_field(file, it.index, rl, "soft", want, changed, err) < 0)
                        return ect_error_rc(*err);
        }
        return 0;
}

static int raise_memlock(const char *file, struct ect_json *process, uint64_t want, bool *changed,
                         struct ect_error **err)
{
        struct ect_json *rls = need(process, "process.", "rlimits", ECT_JSON_ARRAY, err);
        size_t found;
        struct ect_json *e;

        if (!rls)
                return ect_error_wrap(err, "%s", file);
        if (raise_existing(file, rls, want, changed, &found, err) < 0)
                return ect_error_rc(*err);
        if (found != SIZE_MAX)
                return 0;
        e = ect_json_append(rls, ect_json_new(ECT_JSON_OBJECT));
        ect_json_set(e, "type", ect_json_new_str("RLIMIT_MEMLOCK"));
        ect_json_set(e, "hard", ect_json_new_u64(want));
        ect_json_set(e, "soft", ect_json_new_u64(want));
        *changed = true;
        return 0;
}

/* Appends to set each capability it lacks, one pass over the set. */
static void add_caps_to(struct ect_json *set, const struct ect_edits *ed, bool *changed)
{
        cleanup_free bool *have = xcalloc(ed->n_capabilities, sizeof *have);
        cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(set);

        for (const struct ect_json *v; (v = ect_json_next(&it));)
                for (size_t c = 0; c < ed->n_capabilities; c++)
                        have[c] = have[c] || str_is(v, ed->capabilities[c]);
        for (size_t c = 0; c < ed->n_capabilities; c++) {
                bool dup = false;
                for (size_t d = 0; d < c && !dup; d++)
                        dup = strcmp(ed->capabilities[d], ed->capabilities[c]) == 0;
                if (have[c] || dup)
                        continue;
                ect_json_append(set, ect_json_new_str(ed->capabilities[c]));
                *changed = true;
        }
}

static int add_caps(const char *file, struct ect_json *process, const struct ect_edits *ed,
                    bool *changed, struct ect_error **err)
{
        static const char *const sets[] = {"bounding", "effective", "permitted"};
        struct ect_json *caps = ect_json_get_go(process, "capabilities");

        if (ed->n_capabilities == 0 || !caps || ect_json_is(caps, ECT_JSON_NULL))
                return 0;
        if (refuse_duplicate(process, "process.", "capabilities", ECT_JSON_OBJECT, err) < 0)
                return ect_error_wrap(err, "%s", file);
        if (!ect_json_is(caps, ECT_JSON_OBJECT))
                return ect_error_set(err, EINVAL,
                                     "%s: process.capabilities: expected an object, got %s", file,
                                     ect_json_type_name(caps));
        for (size_t s = 0; s < 3; s++) {
                struct ect_json *set =
                        need(caps, "process.capabilities.", sets[s], ECT_JSON_ARRAY, err);
                if (!set)
                        return ect_error_wrap(err, "%s", file);
                add_caps_to(set, ed, changed);
        }
        return 0;
}

/* The nodes, each with its device entry then its cgroup rule, in the
 * order (and so with the first error) of doing them one by one: the
 * arrays are each read once for all nodes. */
static int add_nodes(const char *file, struct ect_json *devices, struct ect_json *rules,
                     const struct ect_edits *ed, bool *changed, struct ect_error **err)
{
        cleanup_free struct dev_found *found = xcalloc(ed->n_nodes, sizeof *found);
        cleanup_free bool *covered = xcalloc(ed->n_nodes, sizeof *covered);

        if (ed->n_nodes == 0)
                return 0;
        scan_devices(devices, ed, found);
        if (add_device(file, devices, &ed->nodes[0], &found[0], changed, err) < 0)
                return ect_error_rc(*err);
        if (scan_rules(file, rules, ed, covered, err) < 0)
                return ect_error_rc(*err);
        add_rule(rules, ed, 0, covered, changed);
        for (size_t i = 1; i < ed->n_nodes; i++) {
                if (add_device(file, devices, &ed->nodes[i], &found[i], changed, err) < 0)
                        return ect_error_rc(*err);
                add_rule(rules, ed, i, covered, changed);
        }
        return 0;
}

int ect_oci_apply(struct ect_oci_doc *d, const struct ect_edits *edits, bool *ret_changed,
                  struct ect_error **err)
{
        struct ect_json *linux_, *devices, *res, *rules, *process;
        bool changed = false;
        const char *f = d->path;

        if (!edits) {
                *ret_changed = false;
                return 0;
        }
        if (!(linux_ = need(d->tree, "", "linux", ECT_JSON_OBJECT, err)) ||
            !(devices = need(linux_, "linux.", "devices", ECT_JSON_ARRAY, err)) ||
            !(res = need(linux_, "linux.", "resources", ECT_JSON_OBJECT, err)) ||
            !(rules = need(res, "linux.resources.", "devices", ECT_JSON_ARRAY, err)) ||
            !(process = need(d->tree, "", "process", ECT_JSON_OBJECT, err)))
                return ect_error_wrap(err, "%s", f);
        if (add_nodes(f, devices, rules, edits, &changed, err) < 0 ||
            raise_memlock(f, process, edits->memlock, &changed, err) < 0 ||
            add_caps(f, process, edits, &changed, err) < 0)
                return ect_error_rc(*err);
        *ret_changed = changed;
        return 0;
}

bool ect_oci_memlock(const struct ect_oci_doc *d, uint64_t *ret_soft, uint64_t *ret_hard)
{
        cleanup_json_iter struct ect_json_iter it =
                ECT_JSON_ITER(ect_json_get_go(ect_json_get_go(d->tree, "process"), "rlimits"));
        bool found = false;
        uint64_t soft = 0, hard = 0;

        for (const struct ect_json *rl; (rl = ect_json_next(&it));) {
                uint64_t s = 0, h = 0;
                if (!is_memlock(rl))
                        continue;
                found = true;
                if (ect_json_u64(ect_json_get_go(rl, "soft"), &s) && s > soft)
                        soft = s;
                if (ect_json_u64(ect_json_get_go(rl, "hard"), &h) && h > hard)
                        hard = h;
        }
        if (found) {
                *ret_soft = soft;
                *ret_hard = hard;
        }
        return found;
}

static int save_fill(int fd, const char *what, void *ctx, struct ect_error **err)
{
        const struct ect_oci_doc *d = ctx;

        if (ect_json_emit_fd(d->tree, d->pretty, fd, what, err) < 0)
                return (*err)->code == EILSEQ ? ect_error_wrap(err, "%s", d->path) : -1;
        return 0;
}

int ect_oci_save(const struct ect_oci_doc *d, struct ect_error **err)
{
        /* Written out as it is emitted: a config.json of many MiB is not
         * copied whole into memory once more. The file itself is fsynced
         * before the rename (never a torn config.json); the directory is
         * not: see ECT_WRITE_SYNC_DIR. */
        return ect_write_file_atomic_fill_owned(d->path, save_fill, (void *)d, d->mode, d->uid,
                                                d->gid, 0, err);
}

int ect_oci_rootfs_path(const struct ect_json *config, const char *bundle, char **ret,
                        struct ect_error **err)
{
        const struct ect_json *root = ect_json_get_go(config, "root");
        const char *p = ect_json_str(ect_json_get_go(root, "path"));

        if (!root)
                return ect_error_set(err, EINVAL, "config.json has no 'root'");
        if (!p || p[0] == '\0')
                return ect_error_set(err, EINVAL,
                                     "config.json: 'root.path' is missing or not a string");
        if (p[0] == '/')
                *ret = xstrdup(p);
        else
                *ret = xasprintf("%s/%s", bundle, p);
        return 0;
}
