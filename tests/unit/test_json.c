/* lib/json.c: the parser every untrusted document goes through, and the
 * emitter that must give back what it did not change. */
#include "json.h"
#include "testutil.h"

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
        const char *in = "{\"z\":1,\"a\":[true,false,null,-0.5e3],\"big\":18446744073709551615,"
                         "\"huge\":123456789012345678901234567890,\"u\":\"\xc3\xa9\\u00e9\xf0\x9f\x98\x80\","
                         "\"nul\":\"a\\u0000b\",\"dup\":1,\"dup\":2,\"e\":{}}";
        struct ect_json *j = parse_ok(in);
        char *out = emit(j, false);
        uint64_t u;

        ck_assert_str_eq(out, "{\"z\":1,\"a\":[true,false,null,-0.5e3],\"big\":18446744073709551615,"
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
        ck_assert_msg(strstr(m, "nesting deeper than 128 levels"), "%s", m);
        free(m);
        /* 128 levels are fine. */
        deep[128] = '\0';
        memset(deep + 128, ']', 128);
        deep[256] = '\0';
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

START_TEST(test_integers)
{
        struct ect_json *j = parse_ok("[1, -1, 1.0, 1e3, 9223372036854775808, -9223372036854775808]");
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

int main(void)
{
        Suite *s = suite_create("json");
        TCase *tc = tcase_create("json");

        tcase_add_test(tc, test_parse_round_trip);
        tcase_add_test(tc, test_parse_errors_have_position);
        tcase_add_test(tc, test_parse_depth_limit);
        tcase_add_test(tc, test_build_and_edit);
        tcase_add_test(tc, test_emit_rejects_invalid_utf8);
        tcase_add_test(tc, test_integers);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
