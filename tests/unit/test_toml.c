/* SPDX-License-Identifier: Apache-2.0 */
/* lib/toml.c: the statement outline of TOML documents. */
#include "testutil.h"
#include "toml.h"

static struct ect_toml_doc scan_ok(const char *s)
{
        struct ect_toml_doc d = {0};
        struct ect_error *err = NULL;

        if (ect_toml_scan(s, strlen(s), &d, &err) < 0)
                ck_abort_msg("scan failed: %s", err->msg);
        return d;
}

static char *scan_err(const char *s)
{
        struct ect_toml_doc d = {0};
        struct ect_error *err = NULL;
        char *msg;

        ck_assert_int_lt(ect_toml_scan(s, strlen(s), &d, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        msg = strdup(err->msg);
        ect_error_free(&err);
        return msg;
}

START_TEST(test_scan_tables_and_keys)
{
        const char *s = "a = 1\n"
                        "\"quoted.key\" = 'x' # c\n"
                        "[plugins.\"io.containerd.grpc.v1.cri\" . containerd]\n"
                        "  b.c = [1,\n  2, # two\n  3]\n"
                        "[[arr]]\n"
                        "d = { e = 1, f = \"#}\" }\n"
                        "[ 'lit' ]\n"
                        "g = 1979-05-27 07:32:00Z\n";
        struct ect_toml_doc d = scan_ok(s);

        ck_assert_uint_eq(d.n, 8);
        ck_assert_str_eq(d.items[0].key, "a");
        ck_assert_str_eq(d.items[0].table, "");
        ck_assert_str_eq(d.items[1].key, "\"quoted.key\"");
        ck_assert_int_eq(d.items[2].kind, ECT_TOML_TABLE);
        ck_assert_str_eq(d.items[2].key, "plugins.\"io.containerd.grpc.v1.cri\".containerd");
        ck_assert_str_eq(d.items[3].key, "b.c");
        ck_assert_str_eq(d.items[3].table, "plugins.\"io.containerd.grpc.v1.cri\".containerd");
        ck_assert_uint_eq(d.items[3].line, 4);
        ck_assert_int_eq(d.items[4].kind, ECT_TOML_ARRAY_TABLE);
        ck_assert_str_eq(d.items[6].key, "lit");
        ck_assert_str_eq(d.items[7].table, "lit");
        /* The value span of the multi-line array, and the date with a space. */
        ck_assert_int_eq(strncmp(s + d.items[3].val_start, "[1,", 3), 0);
        ck_assert_int_eq(s[d.items[3].val_end - 1], ']');
        ck_assert_int_eq(strncmp(s + d.items[7].val_start, "1979-05-27 07:32:00Z",
                                 d.items[7].val_end - d.items[7].val_start),
                         0);
        ect_toml_doc_clear(&d);
}
END_TEST

START_TEST(test_scan_strings_hide_syntax)
{
        /* A header and a key inside multi-line strings are text. */
        const char *s = "x = \"\"\"\n[t]\nimports = 1\n\"\"\"\n"
                        "y = '''\n[u]'''\n"
                        "z = \"a\\\"[b]#c\"\n"
                        "w = \"\"\"two quotes at the end\"\"\"\"\"\n";
        struct ect_toml_doc d = scan_ok(s);

        ck_assert_uint_eq(d.n, 4);
        for (size_t k = 0; k < d.n; k++)
                ck_assert_str_eq(d.items[k].table, "");
        ect_toml_doc_clear(&d);
}
END_TEST

START_TEST(test_scan_crlf)
{
        struct ect_toml_doc d = scan_ok("a = 1\r\n[t]\r\nb = [\r\n 1,\r\n]\r\n");

        ck_assert_uint_eq(d.n, 3);
        ck_assert_str_eq(d.items[2].table, "t");
        ect_toml_doc_clear(&d);
}
END_TEST

START_TEST(test_scan_errors)
{
        struct {
                const char *in, *msg;
        } cases[] = {
                {"a = \"open\n", "line 1, column 5: newline in a single-line string"},
                {"a = 1\nb = [1, 2\n", "line 2, column 5: unterminated array"},
                {"a = 1\n\nb\n", "line 3, column 2: expected '=' after the key"},
                {"a = 1 2\n", "line 1, column 7: expected the end of the line"},
                {"[t\n", "line 1, column 3: expected ']'"},
                {"a = \"\"\"\nnever closed\n", "line 1, column 5: unterminated string"},
                {"a =\n", "line 1, column 4: missing value"},
                {"a = \"\\q\"\n", "line 1, column 6: unknown escape"},
                {"= 1\n", "line 1, column 1: expected a key"},
        };

        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
                char *msg = scan_err(cases[k].in);
                ck_assert_msg(strstr(msg, cases[k].msg), "%s: got '%s'", cases[k].in, msg);
                free(msg);
        }
}
END_TEST

START_TEST(test_string_array)
{
        const char *s = "a = [ \"x\\u00e9\", 'lit\\n', \"\"\"ml\"\"\", # c\n '''l2''', ]\n";
        struct ect_toml_doc d = scan_ok(s);
        struct ect_error *err = NULL;
        struct ect_toml_str *v = NULL;
        size_t n = 0;

        ck_assert_int_eq(ect_toml_string_array(s, d.items[0].val_start, d.items[0].val_end, &v, &n,
                                               &err),
                         0);
        ck_assert_uint_eq(n, 4);
        ck_assert_str_eq(v[0].val, "x\xc3\xa9");
        ck_assert_str_eq(v[1].val, "lit\\n");
        ck_assert_str_eq(v[2].val, "ml");
        ck_assert_str_eq(v[3].val, "l2");
        ck_assert_int_eq(s[v[0].start], '"');
        ck_assert_int_eq(s[v[1].end - 1], '\'');
        ect_toml_strs_free(v, n);
        ect_toml_doc_clear(&d);

        s = "a = [\"x\", 1]\n";
        d = scan_ok(s);
        ck_assert_int_lt(ect_toml_string_array(s, d.items[0].val_start, d.items[0].val_end, &v, &n,
                                               &err),
                         0);
        ck_assert_ptr_nonnull(strstr(err->msg, "not a string in the array"));
        ect_error_free(&err);
        ect_toml_doc_clear(&d);
}
END_TEST

START_TEST(test_int_and_quote)
{
        long long v;
        char *q;

        ck_assert(ect_toml_int("1_000", 0, 5, &v) && v == 1000);
        ck_assert(ect_toml_int("+3", 0, 2, &v) && v == 3);
        ck_assert(!ect_toml_int("3.0", 0, 3, &v));
        ck_assert(!ect_toml_int("_1", 0, 2, &v));
        ck_assert(!ect_toml_int("99999999999999999999", 0, 20, &v));
        q = ect_toml_quote("a\"b\\c\n\x01");
        ck_assert_str_eq(q, "\"a\\\"b\\\\c\\n\\u0001\"");
        free(q);
        q = ect_toml_key_part("io.containerd.grpc.v1.cri");
        ck_assert_str_eq(q, "\"io.containerd.grpc.v1.cri\"");
        free(q);
        q = ect_toml_key_part("erdma");
        ck_assert_str_eq(q, "erdma");
        free(q);
}
END_TEST

static Suite *toml_suite(void)
{
        Suite *s = suite_create("toml");
        TCase *tc = tcase_create("ect_toml_scan");

        tcase_add_test(tc, test_scan_tables_and_keys);
        tcase_add_test(tc, test_scan_strings_hide_syntax);
        tcase_add_test(tc, test_scan_crlf);
        tcase_add_test(tc, test_scan_errors);
        suite_add_tcase(s, tc);
        tc = tcase_create("ect_toml_values");
        tcase_add_test(tc, test_string_array);
        tcase_add_test(tc, test_int_and_quote);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(toml_suite());
}
