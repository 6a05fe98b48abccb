/* SPDX-License-Identifier: Apache-2.0 */
#include "toml.h"
#include "cleanup.h"
#include "xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct lex {
        const char *b;
        size_t len, i;
        struct ect_error **err;
};

static int __attribute__((format(printf, 3, 4)))
lex_error(struct lex *l, size_t pos, const char *fmt, ...)
{
        cleanup_free char *msg = NULL;
        size_t line = 1, col = 1;
        va_list ap;

        for (size_t k = 0; k < pos && k < l->len; k++) {
                if (l->b[k] == '\n') {
                        line++;
                        col = 1;
                } else {
                        col++;
                }
        }
        va_start(ap, fmt);
        msg = xvasprintf(fmt, ap);
        va_end(ap);
        return ect_error_set(l->err, EINVAL, "invalid TOML at line %zu, column %zu: %s", line, col,
                             msg);
}

static bool at(const struct lex *l, size_t k, char c)
{
        return l->i + k < l->len && l->b[l->i + k] == c;
}

static bool starts(const struct lex *l, const char *s)
{
        size_t n = strlen(s);
        return l->i + n <= l->len && memcmp(l->b + l->i, s, n) == 0;
}

static void skip_ws(struct lex *l)
{
        while (l->i < l->len && (l->b[l->i] == ' ' || l->b[l->i] == '\t'))
                l->i++;
}

static bool at_newline(const struct lex *l)
{
        return at(l, 0, '\n') || (at(l, 0, '\r') && at(l, 1, '\n'));
}

static void skip_comment(struct lex *l)
{
        while (l->i < l->len && l->b[l->i] != '\n' && !at_newline(l))
                l->i++;
}

/* Whitespace, newlines and comments: what may sit between array elements. */
static void skip_blank(struct lex *l)
{
        for (;;) {
                skip_ws(l);
                if (at(l, 0, '#'))
                        skip_comment(l);
                else if (at(l, 0, '\n'))
                        l->i++;
                else if (at(l, 0, '\r') && at(l, 1, '\n'))
                        l->i += 2;
                else
                        return;
        }
}

/* ---- strings ---- */

static void put_utf8(char **out, size_t *n, size_t *cap, uint32_t cp)
{
        char tmp[4];
        size_t k;

        if (cp < 0x80) {
                tmp[0] = (char)cp;
                k = 1;
        } else if (cp < 0x800) {
                tmp[0] = (char)(0xc0 | (cp >> 6));
                tmp[1] = (char)(0x80 | (cp & 0x3f));
                k = 2;
        } else if (cp < 0x10000) {
                tmp[0] = (char)(0xe0 | (cp >> 12));
                tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                tmp[2] = (char)(0x80 | (cp & 0x3f));
                k = 3;
        } else {
                tmp[0] = (char)(0xf0 | (cp >> 18));
                tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                tmp[3] = (char)(0x80 | (cp & 0x3f));
                k = 4;
        }
        xgrow((void **)out, cap, *n + k + 1, 1);
        memcpy(*out + *n, tmp, k);
        *n += k;
}

static void put_byte(char **out, size_t *n, size_t *cap, char c)
{
        xgrow((void **)out, cap, *n + 2, 1);
        (*out)[(*n)++] = c;
}

/* One escape after a backslash at l->i (which points past the backslash).
 * out may be NULL: only skip it. */
static int escape(struct lex *l, bool multiline, char **out, size_t *n, size_t *cap)
{
        size_t pos = l->i - 1;
        char c;

        if (l->i >= l->len)
                return lex_error(l, pos, "unterminated string");
        c = l->b[l->i++];
        switch (c) {
        case 'b':
                c = '\b';
                break;
        case 't':
                c = '\t';
                break;
        case 'n':
                c = '\n';
                break;
        case 'f':
                c = '\f';
                break;
        case 'r':
                c = '\r';
                break;
        case 'e':
                c = 0x1b;
                break;
        case '"':
        case '\\':
                break;
        case 'u':
        case 'U': {
                size_t digits = c == 'u' ? 4 : 8;
                uint32_t cp = 0;
                if (l->i + digits > l->len)
                        return lex_error(l, pos, "short unicode escape");
                for (size_t k = 0; k < digits; k++) {
                        char h = l->b[l->i + k];
                        int d = h >= '0' && h <= '9'   ? h - '0'
                                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                       : -1;
                        if (d < 0)
                                return lex_error(l, pos, "bad unicode escape");
                        cp = cp * 16 + (uint32_t)d;
                }
                if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return lex_error(l, pos, "unicode escape is not a scalar value");
                l->i += digits;
                if (out)
                        put_utf8(out, n, cap, cp);
                return 0;
        }
        default:
                /* A line-ending backslash in a multi-line basic string
                 * swallows the newline and the whitespace after it. */
                if (multiline && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
                        l->i--;
                        skip_blank(l);
                        return 0;
                }
                return lex_error(l, pos, "unknown escape '\\%c'", c);
        }
        if (out)
                put_byte(out, n, cap, c);
        return 0;
}

/* A string of any of the four forms at l->i; its decoded bytes in *ret when
 * ret is not NULL. */
static int string(struct lex *l, char **ret)
{
        size_t start = l->i, n = 0, cap = 0;
        cleanup_free char *out = NULL;
        char q = l->b[l->i];
        bool ml = (q == '"' && starts(l, "\"\"\"")) || (q == '\'' && starts(l, "'''"));
        char **o = ret ? &out : NULL;

        if (ret)
                xgrow((void **)&out, &cap, 16, 1);
        l->i += ml ? 3 : 1;
        /* A newline right after the opening delimiter is not part of a
         * multi-line string. */
        if (ml && at(l, 0, '\n'))
                l->i++;
        else if (ml && at(l, 0, '\r') && at(l, 1, '\n'))
                l->i += 2;
        for (;;) {
                char c;
                if (l->i >= l->len)
                        return lex_error(l, start, "unterminated string");
                c = l->b[l->i];
                if (ml && c == q && at(l, 1, q) && at(l, 2, q)) {
                        /* Up to two more quotes belong to the content. */
                        size_t extra = 0;
                        while (extra < 2 && at(l, 3 + extra, q))
                                extra++;
                        for (size_t k = 0; ret && k < extra; k++)
                                put_byte(o, &n, &cap, q);
                        l->i += 3 + extra;
                        break;
                }
                if (!ml && c == q) {
                        l->i++;
                        break;
                }
                if (!ml && c == '\n')
                        return lex_error(l, start, "newline in a single-line string");
                l->i++;
                if (q == '"' && c == '\\') {
                        int r = escape(l, ml, o, &n, &cap);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (ret)
                        put_byte(o, &n, &cap, c);
        }
        if (ret) {
                out[n] = '\0';
                *ret = steal_ptr(&out);
        }
        return 0;
}

/* ---- keys ---- */

static bool is_bare(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

char *ect_toml_quote(const char *s)
{
        size_t n = 0, cap = 0;
        char *out = NULL;

        put_byte(&out, &n, &cap, '"');
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                char e = *p == '"'    ? '"'
                         : *p == '\\' ? '\\'
                         : *p == '\n' ? 'n'
                         : *p == '\t' ? 't'
                         : *p == '\r' ? 'r'
                         : *p == '\b' ? 'b'
                         : *p == '\f' ? 'f'
                                      : 0;
                if (e) {
                        put_byte(&out, &n, &cap, '\\');
                        put_byte(&out, &n, &cap, e);
                } else if (*p < 0x20 || *p == 0x7f) {
                        char hex[8];
                        snprintf(hex, sizeof hex, "\\u%04x", *p);
                        for (char *h = hex; *h; h++)
                                put_byte(&out, &n, &cap, *h);
                } else {
                        put_byte(&out, &n, &cap, (char)*p);
                }
        }
        put_byte(&out, &n, &cap, '"');
        out[n] = '\0';
        return out;
}

char *ect_toml_key_part(const char *s)
{
        bool bare = *s != '\0';

        for (const char *p = s; *p && bare; p++)
                bare = is_bare(*p);
        return bare ? xstrdup(s) : ect_toml_quote(s);
}

/* A dotted key at l->i, canonical. */
static int key(struct lex *l, char **ret)
{
        cleanup_free char *path = NULL;

        for (;;) {
                cleanup_free char *part = NULL;
                cleanup_free char *canon = NULL;
                char *joined;
                size_t s;

                skip_ws(l);
                s = l->i;
                if (at(l, 0, '"') || at(l, 0, '\'')) {
                        if (starts(l, "\"\"\"") || starts(l, "'''"))
                                return lex_error(l, s, "multi-line string as a key");
                        if (string(l, &part) < 0)
                                return ect_error_rc(*l->err);
                } else {
                        while (l->i < l->len && is_bare(l->b[l->i]))
                                l->i++;
                        if (l->i == s)
                                return lex_error(l, s, "expected a key");
                        part = xstrndup(l->b + s, l->i - s);
                }
                canon = ect_toml_key_part(part);
                joined = path ? xasprintf("%s.%s", path, canon) : xstrdup(canon);
                free(path);
                path = joined;
                skip_ws(l);
                if (!at(l, 0, '.'))
                        break;
                l->i++;
        }
        *ret = steal_ptr(&path);
        return 0;
}

/* ---- values ---- */

static int value(struct lex *l, unsigned depth);

static int array(struct lex *l, unsigned depth)
{
        size_t start = l->i++;

        for (;;) {
                skip_blank(l);
                if (l->i >= l->len)
                        return lex_error(l, start, "unterminated array");
                if (at(l, 0, ']')) {
                        l->i++;
                        return 0;
                }
                if (value(l, depth + 1) < 0)
                        return ect_error_rc(*l->err);
                skip_blank(l);
                if (at(l, 0, ','))
                        l->i++;
                else if (!at(l, 0, ']'))
                        return l->i >= l->len ? lex_error(l, start, "unterminated array")
                                              : lex_error(l, l->i, "expected ',' or ']'");
        }
}

static int inline_table(struct lex *l, unsigned depth)
{
        size_t start = l->i++;

        skip_blank(l);
        if (at(l, 0, '}')) {
                l->i++;
                return 0;
        }
        for (;;) {
                cleanup_free char *k = NULL;
                if (key(l, &k) < 0)
                        return ect_error_rc(*l->err);
                skip_ws(l);
                if (!at(l, 0, '='))
                        return lex_error(l, l->i, "expected '='");
                l->i++;
                skip_ws(l);
                if (value(l, depth + 1) < 0)
                        return ect_error_rc(*l->err);
                skip_blank(l);
                if (at(l, 0, '}')) {
                        l->i++;
                        return 0;
                }
                if (!at(l, 0, ','))
                        return l->i >= l->len ? lex_error(l, start, "unterminated inline table")
                                              : lex_error(l, l->i, "expected ',' or '}'");
                l->i++;
                skip_blank(l);
        }
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static int value(struct lex *l, unsigned depth)
{
        size_t s = l->i;

        if (depth > 64)
                return lex_error(l, s, "nesting deeper than 64 levels");
        if (l->i >= l->len || at_newline(l) || at(l, 0, '#'))
                return lex_error(l, s, "missing value");
        switch (l->b[l->i]) {
        case '"':
        case '\'':
                return string(l, NULL);
        case '[':
                return array(l, depth);
        case '{':
                return inline_table(l, depth);
        default:
                break;
        }
        /* Numbers, booleans, dates: up to the next delimiter. A local date
         * and time may be separated by a space (1979-05-27 07:32:00). */
        while (l->i < l->len && !strchr(" \t\r\n,]}#", l->b[l->i]))
                l->i++;
        if (l->i - s == 10 && l->b[s + 4] == '-' && at(l, 0, ' ') && l->i + 1 < l->len &&
            is_digit(l->b[l->i + 1])) {
                l->i++;
                while (l->i < l->len && !strchr(" \t\r\n,]}#", l->b[l->i]))
                        l->i++;
        }
        if (l->i == s)
                return lex_error(l, s, "missing value");
        return 0;
}

/* After a statement: blanks, an optional comment, a newline or the end. */
static int end_of_line(struct lex *l)
{
        skip_ws(l);
        if (at(l, 0, '#'))
                skip_comment(l);
        if (l->i >= l->len)
                return 0;
        if (at(l, 0, '\n')) {
                l->i++;
                return 0;
        }
        if (at(l, 0, '\r') && at(l, 1, '\n')) {
                l->i += 2;
                return 0;
        }
        return lex_error(l, l->i, "expected the end of the line");
}

static size_t line_of(const char *b, size_t pos)
{
        size_t line = 1;
        for (size_t k = 0; k < pos; k++)
                line += b[k] == '\n';
        return line;
}

void ect_toml_doc_clear(struct ect_toml_doc *d)
{
        for (size_t k = 0; k < d->n; k++) {
                free(d->items[k].key);
                free(d->items[k].table);
        }
        free(d->items);
        d->items = NULL;
        d->n = 0;
}

int ect_toml_scan(const char *buf, size_t len, struct ect_toml_doc *ret, struct ect_error **err)
{
        struct lex l = {.b = buf, .len = len, .err = err};
        struct ect_toml_doc d = {0};
        cleanup_free char *table = xstrdup("");
        size_t cap = 0;

        if (memchr(buf, '\0', len))
                return ect_error_set(err, EINVAL, "invalid TOML: the text holds a NUL byte");
        for (;;) {
                struct ect_toml_item it = {0};

                skip_blank(&l);
                if (l.i >= l.len)
                        break;
                it.start = l.i;
                if (at(&l, 0, '[')) {
                        bool arr = at(&l, 1, '[');
                        it.kind = arr ? ECT_TOML_ARRAY_TABLE : ECT_TOML_TABLE;
                        l.i += arr ? 2 : 1;
                        if (key(&l, &it.key) < 0)
                                goto fail;
                        skip_ws(&l);
                        if (!at(&l, 0, ']') || (arr && !at(&l, 1, ']'))) {
                                free(it.key);
                                lex_error(&l, l.i, "expected '%s'", arr ? "]]" : "]");
                                goto fail;
                        }
                        l.i += arr ? 2 : 1;
                        free(table);
                        table = xstrdup(it.key);
                } else {
                        it.kind = ECT_TOML_KEYVAL;
                        if (key(&l, &it.key) < 0)
                                goto fail;
                        skip_ws(&l);
                        if (!at(&l, 0, '=')) {
                                free(it.key);
                                lex_error(&l, l.i, "expected '=' after the key");
                                goto fail;
                        }
                        l.i++;
                        skip_ws(&l);
                        it.val_start = l.i;
                        if (value(&l, 0) < 0) {
                                free(it.key);
                                goto fail;
                        }
                        it.val_end = l.i;
                }
                if (end_of_line(&l) < 0) {
                        free(it.key);
                        goto fail;
                }
                it.end = l.i;
                it.line = line_of(buf, it.start);
                it.table = xstrdup(it.kind == ECT_TOML_KEYVAL ? table : "");
                xgrow((void **)&d.items, &cap, d.n + 1, sizeof *d.items);
                d.items[d.n++] = it;
        }
        *ret = d;
        return 0;
fail:
        ect_toml_doc_clear(&d);
        return ect_error_rc(*err);
}

const struct ect_toml_item *ect_toml_find(const struct ect_toml_doc *d, const char *table,
                                          const char *key)
{
        for (size_t k = 0; k < d->n; k++) {
                const struct ect_toml_item *it = &d->items[k];
                if (it->kind == ECT_TOML_KEYVAL && strcmp(it->table, table) == 0 &&
                    strcmp(it->key, key) == 0)
                        return it;
        }
        return NULL;
}

void ect_toml_strs_free(struct ect_toml_str *v, size_t n)
{
        for (size_t k = 0; v && k < n; k++)
                free(v[k].val);
        free(v);
}

int ect_toml_string_array(const char *buf, size_t start, size_t end, struct ect_toml_str **ret,
                          size_t *ret_n, struct ect_error **err)
{
        struct lex l = {.b = buf, .len = end, .i = start, .err = err};
        struct ect_toml_str *v = NULL;
        size_t n = 0, cap = 0;

        if (!at(&l, 0, '['))
                return lex_error(&l, start, "not an array");
        l.i++;
        for (;;) {
                struct ect_toml_str s = {0};

                skip_blank(&l);
                if (at(&l, 0, ']'))
                        break;
                if (!at(&l, 0, '"') && !at(&l, 0, '\'')) {
                        lex_error(&l, l.i, "not a string in the array");
                        goto fail;
                }
                s.start = l.i;
                if (string(&l, &s.val) < 0)
                        goto fail;
                s.end = l.i;
                xgrow((void **)&v, &cap, n + 1, sizeof *v);
                v[n++] = s;
                skip_blank(&l);
                if (at(&l, 0, ','))
                        l.i++;
                else if (!at(&l, 0, ']')) {
                        lex_error(&l, l.i, "expected ',' or ']'");
                        goto fail;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
fail:
        ect_toml_strs_free(v, n);
        return ect_error_rc(*err);
}

bool ect_toml_int(const char *buf, size_t start, size_t end, long long *ret)
{
        long long v = 0;
        bool neg = false, digit = false;
        size_t k = start;

        if (k < end && (buf[k] == '+' || buf[k] == '-'))
                neg = buf[k++] == '-';
        for (; k < end; k++) {
                if (buf[k] == '_' && digit && k + 1 < end && is_digit(buf[k + 1]))
                        continue;
                if (!is_digit(buf[k]) || v > (INT64_MAX - 9) / 10)
                        return false;
                v = v * 10 + (buf[k] - '0');
                digit = true;
        }
        if (!digit)
                return false;
        *ret = neg ? -v : v;
        return true;
}

int ect_toml_string(const char *buf, size_t start, size_t end, char **ret, struct ect_error **err)
{
        struct lex l = {.b = buf, .len = end, .i = start, .err = err};

        if (!at(&l, 0, '"') && !at(&l, 0, '\''))
                return lex_error(&l, start, "not a string");
        if (string(&l, ret) < 0)
                return ect_error_rc(*err);
        if (l.i != end) {
                free(*ret);
                *ret = NULL;
                return lex_error(&l, l.i, "text after the string");
        }
        return 0;
}
