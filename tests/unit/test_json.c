/* SPDX-License-Identifier: Apache-2.0 */
/* lib/json.c: the parser every untrusted document goes through, and the
 * emitter that must give back what it did not change. */
#include "cleanup.h"
#include "json.h"
#include "testutil.h"
#include "xalloc.h"

static struct ect_json *parse_ok(const char *s)
{
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        if (ect_json_parse(s, strlen(s), &j, &err) < 0)
                ck_abort_msg("parse failed: %s", err->msg);
        return j;
}

static char *parse_err(const char *s, size_t len)
{
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;
        char *msg;

        ck_assert_int_lt(ect_json_parse(s, len, &j, &err), 0);
        ck_assert_ptr_null(j);
        ck_assert_int_eq(err->code, EINVAL);
        msg = strdup(err->msg);
        ect_error_free(&err);
        return msg;
}

static char *emit(const struct ect_json *j, bool pretty)
{
        char *out = NULL;
        struct ect_error *err = NULL;

        if (ect_json_emit(j, pretty, &out, NULL, &err) < 0)
                ck_abort_msg("emit failed: %s", err->msg);
        return out;
}

START_TEST(test_parse_round_trip)
{
        /* Key order, duplicate keys, 64-bit overflow, exponent, unicode,
         * an escaped NUL: all must come back with the same meaning. */
        const char *in =
                "{\"z\":1,\"a\":[true,false,null,-0.5e3],\"big\":18446744073709551615,"
                "\"huge\":123456789012345678901234567890,\"u\":\"\xc3\xa9\\u00e9\xf0\x9f\x98\x80\","
                "\"nul\":\"a\\u0000b\",\"dup\":1,\"dup\":2,\"e\":{}}";
        struct ect_json *j = parse_ok(in);
        char *out = emit(j, false);
        uint64_t u;

        ck_assert_str_eq(
                out,
                "{\"z\":1,\"a\":[true,false,null,-0.5e3],\"big\":18446744073709551615,"
                "\"huge\":123456789012345678901234567890,\"u\":\"\xc3\xa9\xc3\xa9\xf0\x9f\x98\x80\","
                "\"nul\":\"a\\u0000b\",\"dup\":1,\"dup\":2,\"e\":{}}");
        ck_assert(ect_json_u64(ect_json_get(j, "big"), &u));
        ck_assert(u == UINT64_MAX);
        ck_assert(!ect_json_u64(ect_json_get(j, "huge"), &u));
        ck_assert_str_eq(ect_json_get(j, "dup")->str, "2"); /* last wins, as in Go */
        ck_assert_ptr_null(ect_json_str(ect_json_get(j, "nul")));
        ck_assert_uint_eq(ect_json_get(j, "nul")->len, 3);
        free(out);
        ect_json_free(j);
}
END_TEST

START_TEST(test_parse_lone_surrogates_as_go)
{
        /* Go's encoding/json (runc, containerd) reads an escaped surrogate
         * that is not half of a valid pair as U+FFFD and decodes the next
         * escape on its own; yajl made '?' of a lone high one, glued a high
         * one to any following escape, and wrote a lone low one as CESU
         * bytes. What we write back must read the same in Go. */
        const char *in = "[\"a\\ud800b\",\"\\ud800\\u0041\",\"\\udc00\",\"\\uD83D\\uDE00\","
                         "\"\\\\ud800\",\"\\ud800\\ud800\\udc00\"]";
        struct ect_json *j = parse_ok(in);
        char *out = emit(j, false);

        ck_assert_str_eq(out,
                         "[\"a\xef\xbf\xbd"
                         "b\",\"\xef\xbf\xbd"
                         "A\",\"\xef\xbf\xbd\","
                         "\"\xf0\x9f\x98\x80\",\"\\\\ud800\",\"\xef\xbf\xbd\xf0\x90\x80\x80\"]");
        free(out);
        ect_json_free(j);
}
END_TEST

START_TEST(test_parse_errors_have_position)
{
        char *m;

        m = parse_err("{\n  \"a\": 1,\n  \"b\": tru\n}", 24);
        ck_assert_msg(strstr(m, "line 3"), "%s", m);
        free(m);
        m = parse_err("{\"a\": [1, 2", 11);
        ck_assert_msg(strstr(m, "invalid JSON at line 1, column 12"), "%s", m);
        free(m);
        m = parse_err("", 0);
        ck_assert_msg(strstr(m, "empty input"), "%s", m);
        free(m);
        m = parse_err("{} {}", 5);
        ck_assert_msg(strstr(m, "invalid JSON"), "%s", m);
        free(m);
        m = parse_err("{\"a\": \"\xff\"}", 10); /* invalid UTF-8 */
        ck_assert_msg(strstr(m, "invalid JSON"), "%s", m);
        free(m);
        m = parse_err("{\"a\": 1 /* c */}", 16);
        free(m);
}
END_TEST

START_TEST(test_parse_depth_limit)
{
        size_t n = 100000;
        char *deep = malloc(2 * n + 1);
        char *m;
        struct ect_json *j;

        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
        m = parse_err(deep, 2 * n);
        ck_assert_msg(strstr(m, "nesting deeper than 64 levels"), "%s", m);
        free(m);
        /* ECT_JSON_MAX_DEPTH levels are fine. */
        memset(deep + ECT_JSON_MAX_DEPTH, ']', ECT_JSON_MAX_DEPTH);
        deep[2 * ECT_JSON_MAX_DEPTH] = '\0';
        j = parse_ok(deep);
        ect_json_free(j);
        free(deep);
}
END_TEST

START_TEST(test_build_and_edit)
{
        struct ect_json *j = parse_ok("{\"linux\":null,\"process\":{\"env\":[\"A=1\"]}}");
        struct ect_json *l, *c;
        char *out;

        l = ect_json_ensure(j, "linux", ECT_JSON_OBJECT);
        ck_assert_ptr_nonnull(l);
        ect_json_append(ect_json_ensure(l, "devices", ECT_JSON_ARRAY), ect_json_new_u64(231));
        ck_assert_ptr_null(ect_json_ensure(ect_json_get(j, "process"), "env", ECT_JSON_OBJECT));
        ect_json_set(j, "n", ect_json_new_i64(-5));
        ect_json_set(j, "s", ect_json_new_str("q\"\\/\n"));
        c = ect_json_dup(j);
        ck_assert(ect_json_equal(j, c));
        ect_json_set(c, "n", ect_json_new_i64(-6));
        ck_assert(!ect_json_equal(j, c));
        out = emit(j, false);
        ck_assert_str_eq(out, "{\"linux\":{\"devices\":[231]},\"process\":{\"env\":[\"A=1\"]},"
                              "\"n\":-5,\"s\":\"q\\\"\\\\/\\n\"}");
        free(out);
        out = emit(j, true);
        ck_assert(out[strlen(out) - 1] == '\n');
        ck_assert_ptr_nonnull(strstr(out, "\n  \"linux\": {\n"));
        free(out);
        ect_json_free(c);
        ect_json_free(j);
}
END_TEST

START_TEST(test_emit_rejects_invalid_utf8)
{
        struct ect_json *j = ect_json_new_str("bad \xff byte");
        struct ect_error *err = NULL;
        char *out = NULL, *q;

        ck_assert_int_lt(ect_json_emit(j, false, &out, NULL, &err), 0);
        ck_assert_int_eq(err->code, EILSEQ);
        ect_error_free(&err);
        ect_json_free(j);
        q = ect_json_quote("bad \xff byte \"x\"");
        ck_assert_str_eq(q, "\"bad \xef\xbf\xbd byte \\\"x\\\"\"");
        free(q);
}
END_TEST

/* ---- emitting: what is written parses back to the same tree ---- */

static void check_round_trip(const struct ect_json *j, bool must_emit)
{
        for (int pretty = 0; pretty < 2; pretty++) {
                char *out = NULL;
                size_t olen = 0;
                struct ect_error *err = NULL;
                struct ect_json *back = NULL;
                int r = ect_json_emit(j, pretty, &out, &olen, &err);

                if (r < 0) {
                        /* only a string that is not UTF-8 may refuse */
                        ck_assert_msg(!must_emit, "emit failed: %s", err->msg);
                        ck_assert_int_eq(err->code, EILSEQ);
                        ect_error_free(&err);
                        continue;
                }
                ck_assert_int_eq(out[olen], '\0');
                ck_assert_uint_eq(strlen(out) <= olen, 1);
                if (pretty)
                        ck_assert_int_eq(out[olen - 1], '\n');
                if (ect_json_parse(out, olen, &back, &err) < 0)
                        ck_abort_msg("emitted text does not parse: %s\n%s", err->msg, out);
                ck_assert_msg(ect_json_equal(j, back), "round trip changed the tree:\n%s", out);
                ect_json_free(back);
                free(out);
        }
}

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
        rnd_state = rnd_state * 1103515245u + 12345u;
        return (rnd_state >> 8) % n;
}

/* Bytes that exercise every branch: plain runs longer than a word, every
 * escape, control bytes, valid and broken UTF-8 sequences. */
static char *rnd_bytes(size_t *len)
{
        static const char *const pieces[] = {"abcdefghij",
                                             "x",
                                             "/",
                                             "\"",
                                             "\\",
                                             "\n",
                                             "\r",
                                             "\t",
                                             "\b",
                                             "\f",
                                             "\x01",
                                             "\x1f",
                                             "\x7f",
                                             " ",
                                             "\xc3\xa9",
                                             "\xe2\x82\xac",
                                             "\xf0\x9f\x98\x80",
                                             "\xc3",
                                             "\xe2\x82",
                                             "\xff",
                                             "\x80",
                                             "\xf8\x80\x80\x80\x80",
                                             "\xc0\xaf",
                                             "0123456789abcdef"};
        size_t n = rnd(12), cap = 256, l = 0;
        char *s = malloc(cap);

        for (size_t i = 0; i < n; i++) {
                const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
                size_t pl = strlen(p);
                if (rnd(8) == 0) { /* a NUL now and then */
                        p = "\0";
                        pl = 1;
                }
                if (l + pl + 1 > cap)
                        s = realloc(s, cap *= 2);
                memcpy(s + l, p, pl);
                l += pl;
        }
        s[l] = '\0';
        *len = l;
        return s;
}

static struct ect_json *rnd_tree(int depth, bool valid_only)
{
        unsigned t = depth > 4 ? rnd(5) : rnd(7);
        struct ect_json *j;
        size_t len;
        char *b;

        switch (t) {
        case 0:
                return ect_json_new(ECT_JSON_NULL);
        case 1:
                return ect_json_new_bool(rnd(2));
        case 2:
                return ect_json_new_i64((int64_t)rnd(100000) - 50000);
        case 3:
        case 4:
                b = rnd_bytes(&len);
                if (valid_only && rnd(2)) {
                        free(b);
                        return ect_json_new_str("plain");
                }
                j = ect_json_new_str("");
                free(j->str);
                j->str = b;
                j->len = len;
                return j;
        case 5:
                j = ect_json_new(ECT_JSON_ARRAY);
                for (unsigned i = rnd(4); i > 0; i--)
                        ect_json_append(j, rnd_tree(depth + 1, valid_only));
                return j;
        default:
                j = ect_json_new(ECT_JSON_OBJECT);
                for (unsigned i = rnd(4); i > 0; i--) {
                        char key[16];
                        snprintf(key, sizeof key, "k%u", rnd(1000));
                        ect_json_set(j, key, rnd_tree(depth + 1, valid_only));
                }
                if (j->n && rnd(3) == 0) { /* a key with bytes that need care */
                        free(j->keys[0]);
                        j->keys[0] = rnd_bytes(&j->key_lens[0]);
                }
                return j;
        }
}

START_TEST(test_emit_round_trip)
{
        const char *docs[] = {
                "{}",
                "[]",
                "null",
                "1",
                "\"s\"",
                "{\"a\":{},\"b\":[],\"c\":[{}],\"d\":[[]]}",
                "[1,[2,[3,{\"x\":[]}]],\"a\\/b\\u0001\\u001f\\u007f\"]",
                "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}},\"e\":true,\"f\":false,\"g\":-1.5e-3}",
        };
        struct ect_json *deep = ect_json_new(ECT_JSON_ARRAY), *leaf = deep;

        for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
                struct ect_json *j = parse_ok(docs[i]);
                check_round_trip(j, true);
                ect_json_free(j);
        }
        for (int i = 0; i < 3000; i++) {
                struct ect_json *j = rnd_tree(0, i % 2);
                check_round_trip(j, false);
                ect_json_free(j);
        }
        /* Whatever the parser accepts can be written: every depth up to its
         * bound (yajl_gen's own limit is higher). */
        for (int d = 1; d < ECT_JSON_MAX_DEPTH; d++) {
                leaf = ect_json_append(leaf, ect_json_new(ECT_JSON_ARRAY));
                check_round_trip(deep, true);
        }
        ect_json_free(deep);
}
END_TEST

START_TEST(test_emit_fd_same_text)
{
        /* Larger than the 64 KiB chunk, with one string larger than it too. */
        struct ect_json *j = ect_json_new(ECT_JSON_OBJECT);
        char *big = malloc(200001), *want = NULL, *got;
        struct ect_error *err = NULL;
        size_t wlen = 0;
        FILE *f = tmpfile();

        memset(big, 'x', 200000);
        big[200000] = '\0';
        for (int i = 0; i < 3000; i++) {
                char k[32];
                snprintf(k, sizeof k, "key%d\t\"", i);
                ect_json_set(j, k, ect_json_new_str("value / \xc3\xa9 \\ \n"));
        }
        ect_json_set(j, "big", ect_json_new_str(big));
        for (int pretty = 0; pretty < 2; pretty++) {
                ck_assert_int_eq(ect_json_emit(j, pretty, &want, &wlen, &err), 0);
                ck_assert_int_eq(ftruncate(fileno(f), 0), 0);
                ck_assert_int_eq(lseek(fileno(f), 0, SEEK_SET), 0);
                ck_assert_int_eq(ect_json_emit_fd(j, pretty, fileno(f), "tmp", &err), 0);
                ck_assert_int_eq(lseek(fileno(f), 0, SEEK_CUR), (off_t)wlen);
                got = malloc(wlen);
                ck_assert_int_eq(pread(fileno(f), got, wlen, 0), (ssize_t)wlen);
                ck_assert(memcmp(got, want, wlen) == 0);
                free(got);
                free(want);
        }
        /* a write error is reported with the name given */
        ck_assert_int_lt(ect_json_emit_fd(j, false, -1, "nowhere", &err), 0);
        ck_assert_int_eq(err->code, EBADF);
        ck_assert_msg(strstr(err->msg, "write 'nowhere'"), "%s", err->msg);
        ect_error_free(&err);
        fclose(f);
        free(big);
        ect_json_free(j);
}
END_TEST

START_TEST(test_integers)
{
        struct ect_json *j =
                parse_ok("[1, -1, 1.0, 1e3, 9223372036854775808, -9223372036854775808]");
        int64_t i;
        uint64_t u;

        ck_assert(ect_json_i64(j->v[0], &i) && i == 1);
        ck_assert(ect_json_i64(j->v[1], &i) && i == -1);
        ck_assert(!ect_json_u64(j->v[1], &u));
        ck_assert(!ect_json_i64(j->v[2], &i));
        ck_assert(!ect_json_i64(j->v[3], &i));
        ck_assert(!ect_json_i64(j->v[4], &i));
        ck_assert(ect_json_u64(j->v[4], &u) && u == 9223372036854775808ull);
        ck_assert(ect_json_i64(j->v[5], &i) && i == INT64_MIN);
        ck_assert_str_eq(ect_json_type_name(j), "array");
        ck_assert_str_eq(ect_json_type_name(NULL), "missing");
        ect_json_free(j);
}
END_TEST

/* The elements of an array one at a time: a full tree's as they are, a
 * folded array's parsed from its runs (numbers at the end of a run, deep
 * values, escapes), with their indexes in the document. */
static bool keep_strings(const struct ect_json *e, size_t n_kept)
{
        (void)n_kept;
        return ect_json_is(e, ECT_JSON_STRING);
}

static const struct ect_json_keep fold_x[] = {
        {.name = "x", .fold = true},
        {.name = "y", .fold = true, .keep_elem = keep_strings},
        {.name = NULL},
};

/* Each element with its index ("t": the iterator's own), as text. */
static void check_iter(const struct ect_json *arr, const char *want)
{
        cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(arr);
        cleanup_free char *out = xstrdup("");

        for (struct ect_json *e; (e = ect_json_next(&it));) {
                cleanup_free char *text = NULL;
                size_t n;
                struct ect_error *err = NULL;
                char *o = out;
                ck_assert_int_eq(ect_json_emit(e, false, &text, &n, &err), 0);
                out = xasprintf("%s%zu%s:%s ", o, it.index, it.transient ? "t" : "", text);
                free(o);
        }
        ck_assert_str_eq(out, want);
}

static void check_same_text(const struct ect_json *a, const struct ect_json *b)
{
        cleanup_free char *ta = NULL, *tb = NULL;
        struct ect_error *err = NULL;
        size_t an, bn;

        ck_assert_int_eq(ect_json_emit(a, true, &ta, &an, &err), 0);
        ck_assert_int_eq(ect_json_emit(b, true, &tb, &bn, &err), 0);
        ck_assert_str_eq(ta, tb);
}

START_TEST(test_iter)
{
        const char *s = "{\"x\":[ 1 ,{\"a\":[2,[3]]},\"\\u00e9\",[],4.5e1 ],\"z\":0,"
                        "\"y\":[1,\"a\",2,3,\"b\",-0]}";
        cleanup_json struct ect_json *full = NULL, *lean = NULL;
        struct ect_error *err = NULL;
        struct ect_json *y;

        ck_assert_int_eq(ect_json_parse(s, strlen(s), &full, &err), 0);
        ck_assert_int_eq(ect_json_parse_lean(s, strlen(s), fold_x, &lean, &err), 0);
        check_iter(ect_json_get(full, "x"), "0:1 1:{\"a\":[2,[3]]} 2:\"\xc3\xa9\" 3:[] 4:4.5e1 ");
        check_iter(ect_json_get(lean, "x"),
                   "0t:1 1t:{\"a\":[2,[3]]} 2t:\"\xc3\xa9\" 3t:[] 4t:4.5e1 ");
        y = ect_json_get(lean, "y");
        ck_assert_uint_eq(y->n, 5); /* RAW 1, "a", RAW 2,3, "b", RAW -0 */
        ck_assert_uint_eq(y->v[2]->count, 2);
        check_iter(y, "0t:1 1:\"a\" 2t:2 3t:3 4:\"b\" 5t:-0 ");
        /* not an array, or none: no elements */
        ck_assert_ptr_null(ect_json_next(&(struct ect_json_iter)ECT_JSON_ITER(NULL)));
        ck_assert_ptr_null(ect_json_next(&(struct ect_json_iter)ECT_JSON_ITER(lean)));
        /* an edit appends after the runs, and the text is the full tree's */
        ect_json_append(ect_json_get(full, "y"), ect_json_new_u64(7));
        ect_json_append(y, ect_json_new_u64(7));
        check_same_text(full, lean);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("json");
        TCase *tc = tcase_create("json");

        tcase_add_test(tc, test_parse_round_trip);
        tcase_add_test(tc, test_parse_errors_have_position);
        tcase_add_test(tc, test_parse_lone_surrogates_as_go);
        tcase_add_test(tc, test_parse_depth_limit);
        tcase_add_test(tc, test_build_and_edit);
        tcase_add_test(tc, test_emit_rejects_invalid_utf8);
        tcase_add_test(tc, test_integers);
        tcase_add_test(tc, test_emit_round_trip);
        tcase_add_test(tc, test_emit_fd_same_text);
        tcase_add_test(tc, test_iter);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
