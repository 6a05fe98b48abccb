/* SPDX-License-Identifier: Apache-2.0 */
#include "json.h"
#include "cleanup.h"
#include "fileio.h"
#include "xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

/* ---- construction ---- */

struct ect_json *ect_json_new(enum ect_json_type type)
{
        struct ect_json *j = xcalloc(1, sizeof *j);
        j->type = type;
        return j;
}

static struct ect_json *new_bytes(enum ect_json_type type, const char *s, size_t len)
{
        struct ect_json *j = ect_json_new(type);
        j->str = xmalloc(len + 1);
        memcpy(j->str, s, len);
        j->str[len] = '\0';
        j->len = len;
        return j;
}

struct ect_json *ect_json_new_str(const char *s)
{
        return new_bytes(ECT_JSON_STRING, s, strlen(s));
}

struct ect_json *ect_json_new_u64(uint64_t v)
{
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
        return new_bytes(ECT_JSON_NUMBER, buf, (size_t)n);
}

struct ect_json *ect_json_new_i64(int64_t v)
{
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%" PRId64, v);
        return new_bytes(ECT_JSON_NUMBER, buf, (size_t)n);
}

void ect_json_free(struct ect_json *j)
{
        if (!j)
                return;
        for (size_t i = 0; i < j->n; i++) {
                if (j->keys)
                        free(j->keys[i]);
                ect_json_free(j->v[i]);
        }
        free(j->keys);
        free(j->key_lens);
        free(j->v);
        free(j->str);
        free(j);
}

static void push(struct ect_json *c, char *key, size_t key_len, struct ect_json *val)
{
        size_t cap = c->cap;
        xgrow((void **)&c->v, &cap, c->n + 1, sizeof *c->v);
        if (c->type == ECT_JSON_OBJECT) {
                size_t kcap = c->cap, lcap = c->cap;
                xgrow((void **)&c->keys, &kcap, c->n + 1, sizeof *c->keys);
                xgrow((void **)&c->key_lens, &lcap, c->n + 1, sizeof *c->key_lens);
                c->keys[c->n] = key;
                c->key_lens[c->n] = key_len;
        }
        c->cap = cap;
        c->v[c->n++] = val;
}

static ssize_t find_key(const struct ect_json *obj, const char *key)
{
        size_t klen;

        if (!ect_json_is(obj, ECT_JSON_OBJECT))
                return -1;
        klen = strlen(key);
        for (size_t i = obj->n; i-- > 0;)
                if (obj->key_lens[i] == klen && memcmp(obj->keys[i], key, klen) == 0)
                        return (ssize_t)i;
        return -1;
}

struct ect_json *ect_json_get(const struct ect_json *obj, const char *key)
{
        ssize_t i = find_key(obj, key);
        return i < 0 ? NULL : obj->v[i];
}

bool ect_json_go_key(const char *k, size_t klen, const char *name)
{
        size_t i = 0;

        for (; *name; name++) {
                char c = i < klen ? k[i] : '\0';
                if (c && (c == *name || (c >= 'A' && c <= 'Z' && (c | 0x20) == *name))) {
                        i++;
                } else if (*name == 's' && klen - i >= 2 && memcmp(k + i, "\xc5\xbf", 2) == 0) {
                        i += 2;
                } else if (*name == 'k' && klen - i >= 3 && memcmp(k + i, "\xe2\x84\xaa", 3) == 0) {
                        i += 3;
                } else {
                        return false;
                }
        }
        return i == klen;
}

struct ect_json *ect_json_get_go(const struct ect_json *obj, const char *name)
{
        struct ect_json *v = NULL;

        for (size_t i = 0; ect_json_is(obj, ECT_JSON_OBJECT) && i < obj->n; i++)
                if (ect_json_go_key(obj->keys[i], obj->key_lens[i], name))
                        v = obj->v[i];
        return v;
}

int ect_json_check_go_key(const struct ect_json *obj, const char *where, const char *name,
                          struct ect_error **err)
{
        size_t n = 0, n_exact = 0, len = strlen(name), first = 0;
        bool merged = false;

        for (size_t i = 0; ect_json_is(obj, ECT_JSON_OBJECT) && i < obj->n; i++) {
                if (!ect_json_go_key(obj->keys[i], obj->key_lens[i], name))
                        continue;
                if (n++ == 0)
                        first = i;
                n_exact += obj->key_lens[i] == len && memcmp(obj->keys[i], name, len) == 0;
                /* Go merges a repeated object into the same struct or map,
                 * and a null leaves a string or number as it was: neither is
                 * "the last one wins". */
                merged = merged || ect_json_is(obj->v[i], ECT_JSON_OBJECT) ||
                         ect_json_is(obj->v[i], ECT_JSON_NULL);
        }
        if (n > ECT_JSON_MAX_REPEAT)
                return ect_error_set(err, EINVAL,
                                     "key '%s%s' appears more than %d times, so the document is "
                                     "not read",
                                     where, name, ECT_JSON_MAX_REPEAT);
        if (n <= 1 || (n == n_exact && !merged))
                return 0;
        {
                cleanup_free char *q = ect_json_quote(obj->keys[first]);
                return ect_error_set(err, EINVAL,
                                     "key '%s%s' appears more than once (first as %s): runc "
                                     "reads keys without regard to case and merges repeated "
                                     "objects, so the document is not read",
                                     where, name, q);
        }
}

size_t ect_json_count_key(const struct ect_json *obj, const char *key)
{
        size_t n = 0, klen = strlen(key);

        for (size_t i = 0; ect_json_is(obj, ECT_JSON_OBJECT) && i < obj->n; i++)
                n += obj->key_lens[i] == klen && memcmp(obj->keys[i], key, klen) == 0;
        return n;
}

struct ect_json *ect_json_set(struct ect_json *obj, const char *key, struct ect_json *val)
{
        ssize_t i = find_key(obj, key);

        if (i >= 0) {
                ect_json_free(obj->v[i]);
                obj->v[i] = val;
        } else {
                push(obj, xstrdup(key), strlen(key), val);
        }
        return val;
}

bool ect_json_remove(struct ect_json *obj, const char *key)
{
        bool found = false;
        ssize_t i;

        /* Every member of that name: with duplicates, removing only the
         * last would make an earlier one the value Go reads. */
        while ((i = find_key(obj, key)) >= 0) {
                free(obj->keys[i]);
                ect_json_free(obj->v[i]);
                memmove(obj->keys + i, obj->keys + i + 1,
                        (obj->n - (size_t)i - 1) * sizeof *obj->keys);
                memmove(obj->key_lens + i, obj->key_lens + i + 1,
                        (obj->n - (size_t)i - 1) * sizeof *obj->key_lens);
                memmove(obj->v + i, obj->v + i + 1, (obj->n - (size_t)i - 1) * sizeof *obj->v);
                obj->n--;
                found = true;
        }
        return found;
}

struct ect_json *ect_json_append(struct ect_json *arr, struct ect_json *val)
{
        push(arr, NULL, 0, val);
        return val;
}

struct ect_json *ect_json_ensure(struct ect_json *obj, const char *key, enum ect_json_type type)
{
        struct ect_json *v = ect_json_get(obj, key);

        if (!v)
                return ect_json_set(obj, key, ect_json_new(type));
        if (v->type == ECT_JSON_NULL) /* "key": null means absent in Go */
                return ect_json_set(obj, key, ect_json_new(type));
        return v->type == type ? v : NULL;
}

struct ect_json *ect_json_dup(const struct ect_json *j)
{
        struct ect_json *c;

        if (!j)
                return NULL;
        c = ect_json_new(j->type);
        if (j->str) {
                c->str = xmalloc(j->len + 1);
                memcpy(c->str, j->str, j->len + 1);
                c->len = j->len;
        }
        c->count = j->count;
        for (size_t i = 0; i < j->n; i++) {
                char *k = NULL;
                size_t kl = 0;
                if (j->type == ECT_JSON_OBJECT) {
                        kl = j->key_lens[i];
                        k = xmalloc(kl + 1);
                        memcpy(k, j->keys[i], kl + 1);
                }
                push(c, k, kl, ect_json_dup(j->v[i]));
        }
        return c;
}

bool ect_json_equal(const struct ect_json *a, const struct ect_json *b)
{
        if (!a || !b)
                return a == b;
        if (a->type != b->type || a->n != b->n || a->len != b->len)
                return false;
        if (a->str && memcmp(a->str, b->str, a->len) != 0)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                if (a->type == ECT_JSON_OBJECT &&
                    (a->key_lens[i] != b->key_lens[i] ||
                     memcmp(a->keys[i], b->keys[i], a->key_lens[i]) != 0))
                        return false;
                if (!ect_json_equal(a->v[i], b->v[i]))
                        return false;
        }
        return true;
}

/* ---- access ---- */

const char *ect_json_str(const struct ect_json *j)
{
        if (!ect_json_is(j, ECT_JSON_STRING) || strlen(j->str) != j->len)
                return NULL;
        return j->str;
}

static bool is_integer_text(const struct ect_json *j)
{
        return ect_json_is(j, ECT_JSON_NUMBER) && !strpbrk(j->str, ".eE");
}

bool ect_json_u64(const struct ect_json *j, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        if (!is_integer_text(j) || j->str[0] == '-')
                return false;
        errno = 0;
        v = strtoull(j->str, &end, 10);
        if (errno || *end)
                return false;
        *ret = v;
        return true;
}

bool ect_json_i64(const struct ect_json *j, int64_t *ret)
{
        char *end;
        long long v;

        if (!is_integer_text(j))
                return false;
        errno = 0;
        v = strtoll(j->str, &end, 10);
        if (errno || *end)
                return false;
        *ret = v;
        return true;
}

const char *ect_json_type_name(const struct ect_json *j)
{
        if (!j)
                return "missing";
        switch (j->type) {
        case ECT_JSON_NULL:
                return "null";
        case ECT_JSON_FALSE:
        case ECT_JSON_TRUE:
                return "boolean";
        case ECT_JSON_NUMBER:
                return "number";
        case ECT_JSON_STRING:
                return "string";
        case ECT_JSON_ARRAY:
                return "array";
        case ECT_JSON_OBJECT:
                return "object";
        case ECT_JSON_RAW:
                return "unread text";
        }
        return "unknown";
}

/* ---- parsing: yajl events build the tree ---- */

struct builder {
        struct ect_json *root;
        struct ect_json *stack[ECT_JSON_MAX_DEPTH];
        size_t depth;
        char *key;
        size_t key_len;
        bool too_deep;
};

static int add_value(struct builder *b, struct ect_json *v)
{
        if (b->depth == 0) {
                b->root = v;
                return 1;
        }
        push(b->stack[b->depth - 1], b->key, b->key_len, v);
        b->key = NULL;
        return 1;
}

static int open_container(struct builder *b, enum ect_json_type type)
{
        struct ect_json *c;

        if (b->depth >= ECT_JSON_MAX_DEPTH) {
                b->too_deep = true;
                return 0;
        }
        c = ect_json_new(type);
        add_value(b, c);
        b->stack[b->depth++] = c;
        return 1;
}

static int cb_null(void *ctx)
{
        return add_value(ctx, ect_json_new(ECT_JSON_NULL));
}
static int cb_boolean(void *ctx, int v)
{
        return add_value(ctx, ect_json_new_bool(v));
}
static int cb_number(void *ctx, const char *s, size_t len)
{
        return add_value(ctx, new_bytes(ECT_JSON_NUMBER, s, len));
}
static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
        return add_value(ctx, new_bytes(ECT_JSON_STRING, (const char *)s, len));
}
static int cb_start_map(void *ctx)
{
        return open_container(ctx, ECT_JSON_OBJECT);
}
static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        free(b->key);
        b->key = xmalloc(len + 1);
        memcpy(b->key, s, len);
        b->key[len] = '\0';
        b->key_len = len;
        return 1;
}
static int cb_end(void *ctx)
{
        struct builder *b = ctx;
        b->depth--;
        return 1;
}
static int cb_start_array(void *ctx)
{
        return open_container(ctx, ECT_JSON_ARRAY);
}

static const yajl_callbacks callbacks = {
        .yajl_null = cb_null,
        .yajl_boolean = cb_boolean,
        .yajl_number = cb_number,
        .yajl_string = cb_string,
        .yajl_start_map = cb_start_map,
        .yajl_map_key = cb_map_key,
        .yajl_end_map = cb_end,
        .yajl_start_array = cb_start_array,
        .yajl_end_array = cb_end,
};

static void position(const char *buf, size_t off, size_t *line, size_t *col)
{
        *line = 1;
        *col = 1;
        for (size_t i = 0; i < off; i++) {
                if (buf[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else {
                        (*col)++;
                }
        }
}

/* yajl's message is "parse error: <cause>\n" plus, with verbose on, a copy of
 * the input; we want the cause alone, on one line. */
static char *yajl_cause(yajl_handle h)
{
        unsigned char *raw = yajl_get_error(h, 0, NULL, 0);
        const char *s = (const char *)raw;
        char *out;
        size_t n;

        if (!s)
                return xstrdup("syntax error");
        if (strncmp(s, "parse error: ", 13) == 0)
                s += 13;
        else if (strncmp(s, "lexical error: ", 15) == 0)
                s += 15;
        n = strcspn(s, "\n");
        out = xstrndup(s, n);
        yajl_free_error(h, raw);
        return out;
}

static int hex4(const char *p)
{
        int v = 0;

        for (int i = 0; i < 4; i++) {
                char c = p[i];
                int d = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
                if (d < 0)
                        return -1;
                v = v * 16 + d;
        }
        return v;
}

/* Go's encoding/json, which runc and containerd read config.json with,
 * decodes an escaped surrogate that is not the first half of a valid pair
 * as U+FFFD and the escape after it on its own. yajl does not (a lone high
 * one becomes '?', a high one is glued to any escape that follows, a lone
 * low one becomes CESU-8 bytes), so that a document we write back would read
 * differently. Returns NULL when buf has no such escape, else a copy of the
 * same length with each of them spelled \ufffd (positions in error messages
 * stay right). A backslash outside a string is a syntax error anyway. */
static char *go_surrogates(const char *buf, size_t len)
{
        const char *p = buf, *end = buf + len;
        char *copy = NULL;

        while (p < end && (p = memchr(p, '\\', (size_t)(end - p)))) {
                int cu, lo;

                if (end - p < 2)
                        break;
                if (end - p < 6 || p[1] != 'u' || (cu = hex4(p + 2)) < 0) {
                        p += 2;
                        continue;
                }
                if (cu >= 0xd800 && cu <= 0xdbff && end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
                    (lo = hex4(p + 8)) >= 0xdc00 && lo <= 0xdfff) {
                        p += 12;
                        continue;
                }
                if (cu >= 0xd800 && cu <= 0xdfff) {
                        if (!copy) {
                                copy = xmalloc(len + 1);
                                memcpy(copy, buf, len);
                                copy[len] = '\0';
                        }
                        memcpy(copy + (p - buf) + 2, "fffd", 4);
                }
                p += 6;
        }
        return copy;
}

/* Runs yajl over buf[0..len) with cb; *too_deep is what the callbacks set
 * when they refused to open a container. Errors name line and column. */
static int run_parser(const char *buf, size_t len, const yajl_callbacks *cb, void *ctx,
                      const bool *too_deep, struct ect_error **err)
{
        yajl_handle h = yajl_alloc(cb, NULL, ctx);
        yajl_status st;
        size_t off, line, col;
        int r = 0;

        if (!h)
                return ect_error_set(err, ENOMEM, "cannot allocate JSON parser");
        /* Defaults are what we want: no comments, UTF-8 validated, exactly one
         * value (trailing garbage is an error). */
        st = yajl_parse(h, (const unsigned char *)buf, len);
        off = yajl_get_bytes_consumed(h);
        if (st == yajl_status_ok) {
                st = yajl_complete_parse(h);
                off = len;
        }
        if (st != yajl_status_ok) {
                cleanup_free char *cause = NULL;
                position(buf, off <= len ? off : len, &line, &col);
                if (*too_deep)
                        cause = xasprintf("nesting deeper than %d levels", ECT_JSON_MAX_DEPTH);
                else if (len == 0)
                        cause = xstrdup("empty input");
                else
                        cause = yajl_cause(h);
                r = ect_error_set(err, EINVAL, "invalid JSON at line %zu, column %zu: %s", line,
                                  col, cause);
        }
        yajl_free(h);
        return r;
}

static int parse_fixed(const char *buf, size_t len, struct ect_json **ret, struct ect_error **err)
{
        struct builder b = {0};
        int r = run_parser(buf, len, &callbacks, &b, &b.too_deep, err);

        free(b.key);
        if (r < 0) {
                ect_json_free(b.root);
                return r;
        }
        *ret = b.root;
        return 0;
}

int ect_json_parse(const char *buf, size_t len, struct ect_json **ret, struct ect_error **err)
{
        cleanup_free char *fixed = go_surrogates(buf, len);

        return parse_fixed(fixed ? fixed : buf, len, ret, err);
}

/* ---- lean parsing ----
 *
 * Two passes. yajl first checks the whole input with callbacks that keep
 * nothing but the depth (the same errors and bound as ect_json_parse). The
 * second pass walks the text, now known to be valid JSON, with a scanner
 * that only finds where values end: the members that are kept are parsed by
 * yajl into nodes (parse_fixed on their span), the others are copied as one
 * ECT_JSON_RAW per run. Memory: the input, at most one copy of it in RAW
 * text, and nodes for what is kept; time linear in the input. */

struct depth_only {
        size_t depth;
        bool too_deep;
};

static int dc_open(void *ctx)
{
        struct depth_only *d = ctx;

        if (d->depth >= ECT_JSON_MAX_DEPTH) {
                d->too_deep = true;
                return 0;
        }
        d->depth++;
        return 1;
}
static int dc_close(void *ctx)
{
        ((struct depth_only *)ctx)->depth--;
        return 1;
}

static const yajl_callbacks depth_callbacks = {
        .yajl_start_map = dc_open,
        .yajl_end_map = dc_close,
        .yajl_start_array = dc_open,
        .yajl_end_array = dc_close,
};

struct scan {
        const char *s;
        size_t len, pos;
        bool bad; /* the scanner and yajl disagree: never expected, but
                     then the caller parses the full tree instead */
};

static char peek(const struct scan *sc)
{
        return sc->pos < sc->len ? sc->s[sc->pos] : '\0';
}

static char peek_at(const struct scan *sc, size_t pos)
{
        return pos < sc->len ? sc->s[pos] : '\0';
}

/* Whitespace as yajl's lexer has it, which includes \v and \f. */
static bool is_ws(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void scan_ws(struct scan *sc)
{
        while (sc->pos < sc->len && is_ws(sc->s[sc->pos]))
                sc->pos++;
}

/* At the opening quote of a string; after its closing one. */
static void skip_string(struct scan *sc)
{
        const char *body = sc->s + sc->pos + 1, *end = sc->s + sc->len, *p = body;

        /* The first '"' after an even run of backslashes (each backslash
         * starts a pair) ends it. */
        for (;;) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                size_t bs = 0;
                if (!q) {
                        sc->bad = true;
                        sc->pos = sc->len;
                        return;
                }
                while (q - bs > body && q[-1 - (ptrdiff_t)bs] == '\\')
                        bs++;
                if (bs % 2 == 0) {
                        sc->pos = (size_t)(q + 1 - sc->s);
                        return;
                }
                p = q + 1;
        }
}

static bool ends_scalar(char c)
{
        return c == ',' || c == ']' || c == '}' || c == ':' || is_ws(c);
}

static void skip_value(struct scan *sc)
{
        size_t depth = 0;
        char c = peek(sc);

        if (c == '"') {
                skip_string(sc);
                return;
        }
        if (c != '{' && c != '[') {
                while (sc->pos < sc->len && !ends_scalar(sc->s[sc->pos]))
                        sc->pos++;
                return;
        }
        while (sc->pos < sc->len && !sc->bad) {
                c = sc->s[sc->pos];
                if (c == '"') {
                        skip_string(sc);
                        continue;
                }
                if (c == '{' || c == '[')
                        depth++;
                else if (c == '}' || c == ']')
                        depth--;
                sc->pos++;
                if (depth == 0)
                        return;
        }
        sc->bad = true;
}

/* The node of a scalar that is its own text, without yajl: a string with
 * no escape (the first pass had yajl check its UTF-8 and characters, so
 * its bytes are its value), a number (kept as text, as yajl gives it),
 * true, false, null. NULL for anything else. Most values we read are
 * such scalars, and a parser for each would cost more than the rest of
 * the parse (a yajl handle is several allocations). */
static struct ect_json *plain_scalar(const char *s, size_t len)
{
        if (len >= 2 && s[0] == '"')
                return memchr(s, '\\', len) ? NULL : new_bytes(ECT_JSON_STRING, s + 1, len - 2);
        if (len == 4 && memcmp(s, "true", 4) == 0)
                return ect_json_new(ECT_JSON_TRUE);
        if (len == 5 && memcmp(s, "false", 5) == 0)
                return ect_json_new(ECT_JSON_FALSE);
        if (len == 4 && memcmp(s, "null", 4) == 0)
                return ect_json_new(ECT_JSON_NULL);
        if (len >= 1 && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
                return new_bytes(ECT_JSON_NUMBER, s, len);
        return NULL;
}

/* The value at sc->pos, parsed whole. */
static struct ect_json *lean_whole(struct scan *sc)
{
        size_t start = sc->pos;
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        skip_value(sc);
        if (!sc->bad && sc->pos > start && (j = plain_scalar(sc->s + start, sc->pos - start)))
                return j;
        if (sc->bad || sc->pos == start ||
            parse_fixed(sc->s + start, sc->pos - start, &j, &err) < 0) {
                ect_error_free(&err);
                sc->bad = true;
                return ect_json_new(ECT_JSON_NULL);
        }
        return j;
}

static struct ect_json *new_raw(const char *s, size_t len)
{
        return new_bytes(ECT_JSON_RAW, s, len);
}

/* The key whose text is sc->s[start..sc->pos), escapes and all, decoded by
 * yajl; NULL when it is not a string (never expected after validation). */
static struct ect_json *decode_key(const struct scan *sc, size_t start)
{
        struct scan one = {.s = sc->s, .len = sc->pos, .pos = start};
        struct ect_json *k = lean_whole(&one);

        if (one.bad || !ect_json_is(k, ECT_JSON_STRING)) {
                ect_json_free(k);
                return NULL;
        }
        return k;
}

/* A key's bytes: borrowed from the text when it has no escape (*ret_copy
 * NULL), else decoded by yajl into *ret_copy. */
static const char *lean_key(struct scan *sc, size_t *ret_len, struct ect_json **ret_copy)
{
        size_t start = sc->pos;

        skip_string(sc);
        *ret_copy = NULL;
        *ret_len = 0;
        if (sc->bad || peek_at(sc, start) != '"') {
                sc->bad = true;
                return "";
        }
        if (!memchr(sc->s + start, '\\', sc->pos - start)) {
                *ret_len = sc->pos - start - 2;
                return sc->s + start + 1;
        }
        *ret_copy = decode_key(sc, start);
        if (!*ret_copy) {
                sc->bad = true;
                return "";
        }
        *ret_len = (*ret_copy)->len;
        return (*ret_copy)->str;
}

static const struct ect_json_keep *keep_find(const struct ect_json_keep *keep, bool exact,
                                             const char *k, size_t klen)
{
        for (; keep->name; keep++)
                if (exact ? strlen(keep->name) == klen && memcmp(keep->name, k, klen) == 0
                          : ect_json_go_key(k, klen, keep->name))
                        return keep;
        return NULL;
}

static struct ect_json *lean_value(struct scan *sc, const struct ect_json_keep *f);

/* After a member or an element: past its ',' to the next one, or at the
 * close of its container. */
static void scan_after(struct scan *sc, char close)
{
        scan_ws(sc);
        if (peek(sc) == ',') {
                sc->pos++;
                scan_ws(sc);
        } else if (peek(sc) != close) {
                sc->bad = true;
        }
}

/* A run of consecutive members or elements that nobody reads as nodes:
 * where it starts in the text (SIZE_MAX: none open), where its last one
 * ends, and how many it holds. */
struct run {
        size_t start, end, count;
};
#define RUN_NONE                                                                                   \
        {                                                                                          \
                .start = SIZE_MAX                                                                  \
        }

static void run_add(struct run *r, size_t start, size_t end)
{
        if (r->start == SIZE_MAX)
                r->start = start;
        r->end = end;
        r->count++;
}

/* Ends the run, if one is open, with one RAW member or element of c. */
static void run_flush(struct ect_json *c, const char *s, struct run *r)
{
        struct ect_json *raw;

        if (r->start == SIZE_MAX)
                return;
        raw = new_raw(s + r->start, r->end - r->start);
        raw->count = r->count;
        push(c, c->type == ECT_JSON_OBJECT ? xstrdup("") : NULL, 0, raw);
        *r = (struct run)RUN_NONE;
}

/* keep: the fields to keep as nodes (exact: map keys); the other members
 * are folded into RAW runs, and so are the members of a field past the
 * first ECT_JSON_MAX_REPEAT + 1: its readers refuse a key repeated that
 * often (ect_json_check_go_key, ect_json_count_key), which they see as
 * well from those, and a million repetitions cost their text, not a node
 * each. */
static struct ect_json *lean_object(struct scan *sc, const struct ect_json_keep *keep, bool exact)
{
        struct ect_json *obj = ect_json_new(ECT_JSON_OBJECT);
        struct run run = RUN_NONE;
        size_t n_keep = 0;
        cleanup_free size_t *kept = NULL;

        while (keep[n_keep].name)
                n_keep++;
        kept = xcalloc(n_keep + 1, sizeof *kept);
        sc->pos++;
        scan_ws(sc);
        while (!sc->bad && peek(sc) != '}') {
                size_t member = sc->pos, klen;
                struct ect_json *copy;
                const char *k = lean_key(sc, &klen, &copy);
                const struct ect_json_keep *f = keep_find(keep, exact, k, klen);

                scan_ws(sc);
                if (peek(sc) != ':')
                        sc->bad = true;
                sc->pos++;
                scan_ws(sc);
                if (f && kept[f - keep]++ <= ECT_JSON_MAX_REPEAT) {
                        char *kd = xmalloc(klen + 1);
                        memcpy(kd, k, klen);
                        kd[klen] = '\0';
                        run_flush(obj, sc->s, &run);
                        push(obj, kd, klen, lean_value(sc, f));
                } else {
                        skip_value(sc);
                        run_add(&run, member, sc->pos);
                }
                ect_json_free(copy);
                scan_after(sc, '}');
        }
        run_flush(obj, sc->s, &run);
        sc->pos++;
        return obj;
}

/* An array of objects of which sub's fields are read. */
static struct ect_json *lean_array(struct scan *sc, const struct ect_json_keep *sub)
{
        struct ect_json *arr = ect_json_new(ECT_JSON_ARRAY);

        sc->pos++;
        scan_ws(sc);
        while (!sc->bad && peek(sc) != ']') {
                push(arr, NULL, 0, peek(sc) == '{' ? lean_object(sc, sub, false) : lean_whole(sc));
                scan_after(sc, ']');
        }
        sc->pos++;
        return arr;
}

/* An array read through ect_json_iter: its elements folded into RAW runs,
 * but for those keep_elem wants as nodes. Without keep_elem an element is
 * only skipped over, not parsed. */
static struct ect_json *lean_fold(struct scan *sc, const struct ect_json_keep *f)
{
        struct ect_json *arr = ect_json_new(ECT_JSON_ARRAY);
        struct run run = RUN_NONE;
        size_t n_kept = 0;

        sc->pos++;
        scan_ws(sc);
        while (!sc->bad && peek(sc) != ']') {
                size_t start = sc->pos, len;
                struct ect_json *e;
                skip_value(sc);
                len = sc->pos - start;
                if (f->keep_elem &&
                    (!f->keep_text || memchr(sc->s + start, '\\', len) ||
                     memmem(sc->s + start, len, f->keep_text, strlen(f->keep_text)))) {
                        struct scan one = {.s = sc->s, .len = sc->pos, .pos = start};
                        e = lean_whole(&one);
                        sc->bad |= one.bad;
                        if (f->keep_elem(e, n_kept)) {
                                run_flush(arr, sc->s, &run);
                                push(arr, NULL, 0, e);
                                n_kept++;
                                scan_after(sc, ']');
                                continue;
                        }
                        ect_json_free(e);
                }
                run_add(&run, start, sc->pos);
                scan_after(sc, ']');
        }
        run_flush(arr, sc->s, &run);
        sc->pos++;
        return arr;
}

/* The value of field f (NULL: read whole). A value of another type than
 * f expects is kept whole: its reader reports the type. */
static struct ect_json *lean_value(struct scan *sc, const struct ect_json_keep *f)
{
        char c = peek(sc);

        if (f && f->fold && c == '[')
                return lean_fold(sc, f);
        if (f && f->sub && !f->each && c == '{')
                return lean_object(sc, f->sub, f->exact);
        if (f && f->sub && f->each && c == '[')
                return lean_array(sc, f->sub);
        return lean_whole(sc);
}

int ect_json_parse_lean(const char *buf, size_t len, const struct ect_json_keep *keep,
                        struct ect_json **ret, struct ect_error **err)
{
        cleanup_free char *fixed = go_surrogates(buf, len);
        struct depth_only d = {0};
        struct scan sc = {.s = fixed ? fixed : buf, .len = len};

        if (run_parser(sc.s, len, &depth_callbacks, &d, &d.too_deep, err) < 0)
                return ect_error_rc(*err);
        scan_ws(&sc);
        *ret = lean_value(&sc, &(const struct ect_json_keep){.name = "", .sub = keep});
        if (sc.bad) { /* a bug of the scanner must not change what is read */
                ect_json_free(*ret);
                *ret = NULL;
                return parse_fixed(sc.s, len, ret, err);
        }
        return 0;
}

/* ---- iterating ----
 *
 * A RAW run of elements is read element by element. A plain scalar (the
 * usual env entry, capability) is its own node (plain_scalar). The others
 * go to one yajl parser (a streaming handle, made at the first of them),
 * fed behind an opening '[' with a ',' between them: a container or a
 * string is complete at its last byte, and is then taken out of the
 * wrapper array. (A number would need the byte after it: numbers are
 * plain scalars.) */

struct ect_json_run {
        yajl_handle h;    /* NULL until an element needs it */
        struct builder b; /* root: the wrapper array */
        bool fed;         /* an element went to h: the next needs a ',' */
        struct scan sc;   /* over the run's text */
        struct ect_json *cur;
};

/* The text was validated as part of the whole document and split by the
 * same scanner: only a bug of ours gets here. Reading on could skip an
 * element (a deny rule), so the program stops. */
static void __attribute__((noreturn)) run_broken(void)
{
        static const char msg[] = "erdma: internal error: a folded JSON run is unreadable\n";
        (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
        abort();
}

static void run_feed(struct ect_json_run *r, const char *s, size_t len)
{
        if (yajl_parse(r->h, (const unsigned char *)s, len) != yajl_status_ok)
                run_broken();
}

/* The element s[0..len) through yajl. */
static struct ect_json *run_parse(struct ect_json_run *r, const char *s, size_t len)
{
        struct ect_json *e;

        if (!r->h) {
                r->h = yajl_alloc(&callbacks, NULL, &r->b);
                if (!r->h)
                        run_broken();
                run_feed(r, "[", 1);
        }
        if (r->fed)
                run_feed(r, ",", 1);
        r->fed = true;
        run_feed(r, s, len);
        if (!r->b.root || r->b.root->n != 1 || r->b.depth != 1)
                run_broken();
        e = r->b.root->v[0];
        r->b.root->n = 0;
        return e;
}

static struct ect_json_run *run_open(const struct ect_json *raw)
{
        struct ect_json_run *r = xcalloc(1, sizeof *r);

        r->sc = (struct scan){.s = raw->str, .len = raw->len};
        return r;
}

static void run_close(struct ect_json_run *r)
{
        if (!r)
                return;
        ect_json_free(r->cur);
        if (r->h)
                yajl_free(r->h);
        free(r->b.key);
        ect_json_free(r->b.root);
        free(r);
}

/* The next element of the run, owned by the run; NULL after the last. */
static struct ect_json *run_next(struct ect_json_run *r)
{
        struct scan *sc = &r->sc;
        size_t start;

        ect_json_free(r->cur);
        r->cur = NULL;
        scan_ws(sc);
        if (sc->pos >= sc->len)
                return NULL;
        start = sc->pos;
        skip_value(sc);
        if (sc->bad || sc->pos == start)
                run_broken();
        r->cur = plain_scalar(sc->s + start, sc->pos - start);
        if (!r->cur)
                r->cur = run_parse(r, sc->s + start, sc->pos - start);
        scan_ws(sc);
        if (sc->pos < sc->len && sc->s[sc->pos++] != ',')
                run_broken();
        return r->cur;
}

struct ect_json *ect_json_next(struct ect_json_iter *it)
{
        const struct ect_json *a = it->arr;

        while (ect_json_is(a, ECT_JSON_ARRAY) && it->i < a->n) {
                struct ect_json *v = a->v[it->i], *e;
                if (!ect_json_is(v, ECT_JSON_RAW)) {
                        it->i++;
                        it->index++; /* from SIZE_MAX to 0 first */
                        it->transient = false;
                        return v;
                }
                if (!it->run)
                        it->run = run_open(v);
                e = run_next(it->run);
                if (e) {
                        it->index++;
                        it->transient = true;
                        return e;
                }
                run_close(steal_ptr(&it->run));
                it->i++;
        }
        return NULL;
}

void ect_json_iter_done(struct ect_json_iter *it)
{
        run_close(steal_ptr(&it->run));
}

/* ---- emitting ----
 *
 * Through yajl_gen (escaping and the UTF-8 check are the library's), whose
 * print callback streams the text into one buffer, or to a file descriptor
 * in OUT_CHUNK pieces: a 16 MiB config.json is never held twice. */

struct out {
        char *buf;
        size_t len, cap;
        int fd;     /* >= 0: written out whenever OUT_CHUNK bytes are held */
        int errnum; /* the first write error */
};

#define OUT_CHUNK (64 * 1024)

static void out_flush(struct out *o)
{
        if (o->len && !o->errnum && ect_write_all(o->fd, o->buf, o->len) < 0)
                o->errnum = errno;
        o->len = 0;
}

static void out_put(struct out *o, const char *s, size_t n)
{
        if (o->fd >= 0 && o->len + n > OUT_CHUNK)
                out_flush(o);
        xgrow((void **)&o->buf, &o->cap, o->len + n + 1, 1);
        memcpy(o->buf + o->len, s, n);
        o->len += n;
}

static void print_cb(void *ctx, const char *s, size_t n)
{
        out_put(ctx, s, n);
}

#define GEN_OK(call)                                                                               \
        do {                                                                                       \
                if ((call) != yajl_gen_status_ok)                                                  \
                        return -1;                                                                 \
        } while (0)

/* RAW text goes back through yajl's parser into the same generator, one
 * event at a time (no tree): the output is what the full tree would give. */
struct relay {
        yajl_gen g;
        size_t depth;
        bool wrapped; /* the text is a run of members or elements that we
                         wrapped in {} or []: those two events are ours */
};

#define RELAY(call) return (call) == yajl_gen_status_ok
static int rl_null(void *ctx)
{
        RELAY(yajl_gen_null(((struct relay *)ctx)->g));
}
static int rl_boolean(void *ctx, int v)
{
        RELAY(yajl_gen_bool(((struct relay *)ctx)->g, v));
}
static int rl_number(void *ctx, const char *s, size_t len)
{
        RELAY(yajl_gen_number(((struct relay *)ctx)->g, s, len));
}
static int rl_string(void *ctx, const unsigned char *s, size_t len)
{
        RELAY(yajl_gen_string(((struct relay *)ctx)->g, s, len));
}
static int rl_open(struct relay *r, bool map)
{
        if (r->depth++ == 0 && r->wrapped)
                return 1;
        RELAY(map ? yajl_gen_map_open(r->g) : yajl_gen_array_open(r->g));
}
static int rl_close(struct relay *r, bool map)
{
        if (--r->depth == 0 && r->wrapped)
                return 1;
        RELAY(map ? yajl_gen_map_close(r->g) : yajl_gen_array_close(r->g));
}
static int rl_start_map(void *ctx)
{
        return rl_open(ctx, true);
}
static int rl_end_map(void *ctx)
{
        return rl_close(ctx, true);
}
static int rl_start_array(void *ctx)
{
        return rl_open(ctx, false);
}
static int rl_end_array(void *ctx)
{
        return rl_close(ctx, false);
}
#undef RELAY

static const yajl_callbacks relay_callbacks = {
        .yajl_null = rl_null,
        .yajl_boolean = rl_boolean,
        .yajl_number = rl_number,
        .yajl_string = rl_string,
        .yajl_start_map = rl_start_map,
        .yajl_map_key = rl_string,
        .yajl_end_map = rl_end_map,
        .yajl_start_array = rl_start_array,
        .yajl_end_array = rl_end_array,
};

/* open/close: the brackets of the container j's text sits in, or 0 when j
 * is a value of its own. */
static int gen_raw(yajl_gen g, const struct ect_json *j, char open, char close)
{
        struct relay r = {.g = g, .wrapped = open != 0};
        yajl_handle h = yajl_alloc(&relay_callbacks, NULL, &r);
        bool ok;

        if (!h)
                return -1;
        ok = (!open || yajl_parse(h, (const unsigned char *)&open, 1) == yajl_status_ok) &&
             yajl_parse(h, (const unsigned char *)j->str, j->len) == yajl_status_ok &&
             (!close || yajl_parse(h, (const unsigned char *)&close, 1) == yajl_status_ok) &&
             yajl_complete_parse(h) == yajl_status_ok;
        yajl_free(h);
        return ok ? 0 : -1;
}

static int gen(yajl_gen g, const struct ect_json *j)
{
        switch (j->type) {
        case ECT_JSON_NULL:
                GEN_OK(yajl_gen_null(g));
                return 0;
        case ECT_JSON_FALSE:
        case ECT_JSON_TRUE:
                GEN_OK(yajl_gen_bool(g, j->type == ECT_JSON_TRUE));
                return 0;
        case ECT_JSON_NUMBER:
                GEN_OK(yajl_gen_number(g, j->str, j->len));
                return 0;
        case ECT_JSON_STRING:
                GEN_OK(yajl_gen_string(g, (const unsigned char *)j->str, j->len));
                return 0;
        case ECT_JSON_ARRAY:
                GEN_OK(yajl_gen_array_open(g));
                for (size_t i = 0; i < j->n; i++)
                        if (ect_json_is(j->v[i], ECT_JSON_RAW) ? gen_raw(g, j->v[i], '[', ']') < 0
                                                               : gen(g, j->v[i]) < 0)
                                return -1;
                GEN_OK(yajl_gen_array_close(g));
                return 0;
        case ECT_JSON_OBJECT:
                GEN_OK(yajl_gen_map_open(g));
                for (size_t i = 0; i < j->n; i++) {
                        if (ect_json_is(j->v[i], ECT_JSON_RAW)) { /* members, keys included */
                                if (gen_raw(g, j->v[i], '{', '}') < 0)
                                        return -1;
                                continue;
                        }
                        GEN_OK(yajl_gen_string(g, (const unsigned char *)j->keys[i],
                                               j->key_lens[i]));
                        if (gen(g, j->v[i]) < 0)
                                return -1;
                }
                GEN_OK(yajl_gen_map_close(g));
                return 0;
        case ECT_JSON_RAW:
                return gen_raw(g, j, 0, 0);
        }
        return -1;
}

static int emit(struct out *o, const struct ect_json *j, bool pretty, struct ect_error **err)
{
        yajl_gen g = yajl_gen_alloc(NULL);
        int r;

        if (!g)
                return ect_error_set(err, ENOMEM, "cannot allocate JSON generator");
        yajl_gen_config(g, yajl_gen_validate_utf8, 1);
        yajl_gen_config(g, yajl_gen_print_callback, print_cb, o);
        if (pretty) {
                yajl_gen_config(g, yajl_gen_beautify, 1);
                yajl_gen_config(g, yajl_gen_indent_string, "  ");
        }
        /* The parser bounds nesting below yajl_gen's own limit, so a string
         * that is not UTF-8 is the only way for a parsed tree to fail. */
        r = gen(g, j);
        yajl_gen_free(g);
        if (r < 0)
                return ect_error_set(err, EILSEQ, "cannot write JSON: a string is not valid UTF-8");
        /* yajl's beautifier already ends a top-level container with '\n'. */
        if (pretty && (o->len == 0 || o->buf[o->len - 1] != '\n'))
                out_put(o, "\n", 1);
        xgrow((void **)&o->buf, &o->cap, o->len + 1, 1);
        o->buf[o->len] = '\0';
        return 0;
}

int ect_json_emit(const struct ect_json *j, bool pretty, char **ret, size_t *ret_len,
                  struct ect_error **err)
{
        struct out o = {.fd = -1};

        if (emit(&o, j, pretty, err) < 0) {
                free(o.buf);
                return -1;
        }
        *ret = o.buf;
        if (ret_len)
                *ret_len = o.len;
        return 0;
}

/* Lays out compact JSON (yajl's, no whitespace outside strings) the way
 * Go's json.MarshalIndent, Python's json.dump(indent=) and JSON.stringify
 * do, which is how most daemon.json files look: empty containers stay
 * "{}" and "[]" (yajl's beautifier opens them over two lines). */
static void relayout(struct out *o, const char *s, size_t n, const char *indent)
{
        size_t depth = 0;

        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == '"') {
                        size_t k = i + 1;
                        while (k < n && s[k] != '"')
                                k += s[k] == '\\' ? 2 : 1;
                        out_put(o, s + i, k + 1 - i);
                        i = k;
                        continue;
                }
                if ((c == '{' || c == '[') && i + 1 < n && s[i + 1] == (c == '{' ? '}' : ']')) {
                        out_put(o, s + i, 2);
                        i++;
                        continue;
                }
                if (c == '}' || c == ']') {
                        out_put(o, "\n", 1);
                        depth--;
                        for (size_t d = 0; d < depth; d++)
                                out_put(o, indent, strlen(indent));
                }
                out_put(o, &c, 1);
                if (c == ':')
                        out_put(o, " ", 1);
                if (c == '{' || c == '[' || c == ',') {
                        if (c != ',')
                                depth++;
                        out_put(o, "\n", 1);
                        for (size_t d = 0; d < depth; d++)
                                out_put(o, indent, strlen(indent));
                }
        }
        out_put(o, "\n", 1);
        o->buf[o->len] = '\0';
}

int ect_json_emit_indent(const struct ect_json *j, const char *indent, char **ret, size_t *ret_len,
                         struct ect_error **err)
{
        struct out o = {.fd = -1};
        cleanup_free char *compact = NULL;
        size_t n = 0;

        if (ect_json_emit(j, false, &compact, &n, err) < 0)
                return -1;
        relayout(&o, compact, n, indent);
        *ret = o.buf;
        if (ret_len)
                *ret_len = o.len;
        return 0;
}

int ect_json_emit_fd(const struct ect_json *j, bool pretty, int fd, const char *what,
                     struct ect_error **err)
{
        struct out o = {.fd = fd};
        int r = emit(&o, j, pretty, err);

        if (r == 0) {
                out_flush(&o);
                if (o.errnum)
                        r = ect_error_set(err, o.errnum, "write '%s'", what);
        }
        free(o.buf);
        return r;
}

/* Replaces bytes that do not form valid UTF-8 with U+FFFD. */
static char *utf8_sanitize(const char *s)
{
        size_t n = strlen(s), o = 0;
        char *out = xmalloc(n * 3 + 1);

        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                size_t need = c < 0x80             ? 0
                              : (c & 0xe0) == 0xc0 ? 1
                              : (c & 0xf0) == 0xe0 ? 2
                              : (c & 0xf8) == 0xf0 ? 3
                                                   : 9;
                bool ok = need <= 3 && !(need == 1 && c < 0xc2) && i + need < n + (need ? 0 : 1);
                for (size_t k = 1; ok && k <= need; k++)
                        ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
                if (ok) {
                        memcpy(out + o, s + i, need + 1);
                        o += need + 1;
                        i += need + 1;
                } else {
                        memcpy(out + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                }
        }
        out[o] = '\0';
        return out;
}

char *ect_json_quote(const char *s)
{
        cleanup_free char *clean = utf8_sanitize(s);
        struct ect_json *j = ect_json_new_str(clean);
        struct ect_error *err = NULL;
        char *out = NULL;

        if (ect_json_emit(j, false, &out, NULL, &err) < 0) {
                ect_error_free(&err);
                out = xstrdup("\"\"");
        }
        ect_json_free(j);
        return out;
}
