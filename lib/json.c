#include "json.h"
#include "cleanup.h"
#include "fileio.h"
#include "xalloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>
#if defined(__SSE2__) && !defined(ECT_JSON_NO_SSE2)
#include <emmintrin.h>
#endif

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

int ect_json_parse(const char *buf, size_t len, struct ect_json **ret, struct ect_error **err)
{
        struct builder b = {0};
        yajl_handle h;
        yajl_status st;
        size_t off, line, col;
        int r = 0;

        h = yajl_alloc(&callbacks, NULL, &b);
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
                if (b.too_deep)
                        cause = xasprintf("nesting deeper than %d levels", ECT_JSON_MAX_DEPTH);
                else if (len == 0)
                        cause = xstrdup("empty input");
                else
                        cause = yajl_cause(h);
                r = ect_error_set(err, EINVAL, "invalid JSON at line %zu, column %zu: %s", line,
                                  col, cause);
                ect_json_free(b.root);
                b.root = NULL;
        }
        free(b.key);
        yajl_free(h);
        if (r < 0)
                return r;
        *ret = b.root;
        return 0;
}

/* ---- emitting ----
 *
 * Byte for byte what yajl_gen gives with yajl_gen_validate_utf8 (and, when
 * pretty, yajl_gen_beautify with a two-space indent): same separators, same
 * escapes, the same UTF-8 check, the same depth limit (tests/unit/test_json.c
 * compares the two). Our own because yajl_gen spends ~25 instructions a byte
 * on strings (a callback per escaped run, a byte loop for the UTF-8 check);
 * this one copies plain runs eight bytes at a time into one buffer. */

#define GEN_MAX_DEPTH 128 /* yajl's YAJL_MAX_DEPTH: a container at this depth fails */

struct out {
        char *buf;
        size_t len, cap;
        int fd;    /* >= 0: written out whenever OUT_CHUNK bytes are held */
        int errnum; /* the first write error */
};

#define OUT_CHUNK (64 * 1024)

static void out_flush(struct out *o)
{
        if (o->len && !o->errnum && ect_write_all(o->fd, o->buf, o->len) < 0)
                o->errnum = errno;
        o->len = 0;
}

static inline void out_reserve(struct out *o, size_t n)
{
        if (o->cap - o->len >= n)
                return;
        if (o->fd >= 0 && o->len + n > OUT_CHUNK)
                out_flush(o);
        xgrow((void **)&o->buf, &o->cap, o->len + (n > OUT_CHUNK ? n : OUT_CHUNK), 1);
}

static inline void out_put(struct out *o, const char *s, size_t n)
{
        out_reserve(o, n);
        memcpy(o->buf + o->len, s, n);
        o->len += n;
}

static void out_indent(struct out *o, size_t depth)
{
        out_reserve(o, 2 * depth);
        memset(o->buf + o->len, ' ', 2 * depth);
        o->len += 2 * depth;
}

#define ONES ((uint64_t)0x0101010101010101ULL)
#define HIGHS ((uint64_t)0x8080808080808080ULL)

/* How many bytes from s on (at most n) need no care: >= 0x20, < 0x80, not
 * '"' nor '\\'. Sixteen at a time with SSE2 (every x86-64), eight
 * otherwise (or with ECT_JSON_NO_SSE2, to test that path). */
#if defined(__SSE2__) && !defined(ECT_JSON_NO_SSE2)
static inline size_t plain_prefix(const unsigned char *s, size_t n)
{
        const __m128i sp = _mm_set1_epi8(0x20), q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
        size_t i = 0;

        for (; n - i >= 16; i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
                /* signed compare: bytes >= 0x80 are negative, so below 0x20 too */
                __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, sp),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
                int bits = _mm_movemask_epi8(m);
                if (bits)
                        return i + (size_t)__builtin_ctz((unsigned)bits);
        }
        return i;
}
#else
/* Any byte of w that is < 0x20, '"', '\\' or >= 0x80: not copied as is. */
static inline bool word_special(uint64_t w)
{
        uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
        uint64_t lt = (w - ONES * 0x20) & ~w;
        uint64_t zq = (q - ONES) & ~q, zb = (b - ONES) & ~b;
        return ((lt | zq | zb | w) & HIGHS) != 0;
}

static inline size_t plain_prefix(const unsigned char *s, size_t n)
{
        size_t i = 0;

        for (; n - i >= 8; i += 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (word_special(w))
                        break;
        }
        return i;
}
#endif

/* yajl_string_validate_utf8's rule for the sequence starting at s[i]: a
 * lead byte 110xxxxx, 1110xxxx or 11110xxx followed by that many 10xxxxxx
 * bytes (no check for overlong forms or surrogates, as yajl). Returns the
 * sequence's length, 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t i, size_t len)
{
        unsigned char c = s[i];
        size_t need = (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 9;

        if (need == 9 || len - i - 1 < need)
                return 0;
        for (size_t k = 1; k <= need; k++)
                if ((s[i + k] >> 6) != 0x2)
                        return 0;
        return need + 1;
}

/* Quoted and escaped as yajl_string_encode (no solidus escape); false when
 * the bytes are not UTF-8 by yajl's rule. */
static bool gen_string(struct out *o, const char *str, size_t len)
{
        static const char hex[] = "0123456789ABCDEF";
        const unsigned char *s = (const unsigned char *)str;
        size_t i = 0, run = 0;

        out_reserve(o, len + 2);
        o->buf[o->len++] = '"';
        while (i < len) {
                unsigned char c;
                const char *esc = NULL;
                char u[6];

                i += plain_prefix(s + i, len - i);
                if (i == len)
                        break;
                c = s[i];
                if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
                        i++;
                        continue;
                }
                if (c >= 0x80) {
                        size_t n = utf8_seq(s, i, len);
                        if (!n)
                                return false;
                        i += n;
                        continue;
                }
                switch (c) {
                case '\r': esc = "\\r"; break;
                case '\n': esc = "\\n"; break;
                case '\\': esc = "\\\\"; break;
                case '"': esc = "\\\""; break;
                case '\f': esc = "\\f"; break;
                case '\b': esc = "\\b"; break;
                case '\t': esc = "\\t"; break;
                default:
                        memcpy(u, "\\u00", 4);
                        u[4] = hex[c >> 4];
                        u[5] = hex[c & 0xf];
                        break;
                }
                out_put(o, str + run, i - run);
                if (esc)
                        out_put(o, esc, 2);
                else
                        out_put(o, u, 6);
                run = ++i;
        }
        out_put(o, str + run, len - run);
        out_put(o, "\"", 1);
        return true;
}

/* depth: how many containers hold j. */
static int gen(struct out *o, const struct ect_json *j, bool pretty, size_t depth)
{
        char open, close;

        switch (j->type) {
        case ECT_JSON_NULL:
                out_put(o, "null", 4);
                return 0;
        case ECT_JSON_FALSE:
                out_put(o, "false", 5);
                return 0;
        case ECT_JSON_TRUE:
                out_put(o, "true", 4);
                return 0;
        case ECT_JSON_NUMBER:
                out_put(o, j->str, j->len);
                return 0;
        case ECT_JSON_STRING:
                return gen_string(o, j->str, j->len) ? 0 : -1;
        case ECT_JSON_ARRAY:
        case ECT_JSON_OBJECT:
                break;
        default:
                return -1;
        }
        if (depth + 1 >= GEN_MAX_DEPTH)
                return -1;
        open = j->type == ECT_JSON_OBJECT ? '{' : '[';
        close = j->type == ECT_JSON_OBJECT ? '}' : ']';
        out_put(o, &open, 1);
        if (pretty)
                out_put(o, "\n", 1);
        for (size_t i = 0; i < j->n; i++) {
                if (i > 0)
                        out_put(o, ",\n", pretty ? 2 : 1);
                if (pretty)
                        out_indent(o, depth + 1);
                if (j->type == ECT_JSON_OBJECT) {
                        if (!gen_string(o, j->keys[i], j->key_lens[i]))
                                return -1;
                        out_put(o, ": ", pretty ? 2 : 1);
                }
                if (gen(o, j->v[i], pretty, depth + 1) < 0)
                        return -1;
        }
        if (pretty) {
                out_put(o, "\n", 1);
                out_indent(o, depth);
        }
        out_put(o, &close, 1);
        return 0;
}

static int emit(struct out *o, const struct ect_json *j, bool pretty, struct ect_error **err)
{
        if (gen(o, j, pretty, 0) < 0)
                return ect_error_set(err, EILSEQ, "cannot write JSON: a string is not valid UTF-8");
        /* yajl's beautifier ends a top-level value with '\n'. */
        out_reserve(o, 2);
        if (pretty)
                o->buf[o->len++] = '\n';
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
                size_t need = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
                                                              : (c & 0xf8) == 0xf0 ? 3 : 9;
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
