/* SPDX-License-Identifier: Apache-2.0 */
/* lib/ctk_docker.c: daemon.json configure and unconfigure on held-out
 * real-world shapes (tests/fixtures/ctk/docker). */
#include "ctk_docker.h"
#include "fileio.h"
#include "json.h"
#include "testutil.h"

#include <fcntl.h>

#define FIX "tests/fixtures/ctk/docker/"
#define SHIM "/usr/bin/erdma-container-runtime"

static char *slurp(const char *name)
{
        struct ect_error *err = NULL;
        char *path, *buf = NULL;

        ck_assert_int_ge(asprintf(&path, FIX "%s", name), 0);
        if (ect_read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL, &err) < 0)
                ck_abort_msg("%s", err->msg);
        free(path);
        return buf;
}

static struct ect_json *parse(const char *s)
{
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        if (ect_json_parse(s, strlen(s), &j, &err) < 0)
                ck_abort_msg("%s\n%s", err->msg, s);
        return j;
}

static void configure(const char *old, const char **rec, const struct ect_docker_opts *o,
                      char **out, char **out_rec)
{
        struct ect_error *err = NULL;

        if (ect_docker_configure(old, old ? strlen(old) : 0, *rec, *rec ? strlen(*rec) : 0, o, out,
                                 out_rec, &err) < 0)
                ck_abort_msg("configure: %s", err->msg);
}

static char *unconfigure(const char *old, const char *rec, bool *removed, char **notes)
{
        struct ect_error *err = NULL;
        char *out = NULL;

        if (ect_docker_unconfigure(old, strlen(old), rec, strlen(rec), &out, removed, notes, &err) <
            0)
                ck_abort_msg("unconfigure: %s", err->msg);
        return out;
}

static const struct ect_docker_opts all = {
        .runtime_name = "erdma", .runtime_path = SHIM, .set_default = true, .cdi = true};

START_TEST(test_round_trip)
{
        /* Files laid out as Go, Python and JS lay JSON out come back byte
         * for byte; the others come back with every member, in order, with
         * the same values (numbers as written). */
        static const struct {
                const char *name;
                bool exact;
        } files[] = {
                {"nvidia-4space.json", true}, {"production-2space.json", true},
                {"tabs-cdi-on.json", true},   {"compact-one-line.json", false},
                {"escapes-dups.json", false},
        };

        for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
                char *in = slurp(files[k].name);
                const char *rec = NULL;
                char *out = NULL, *out_rec = NULL, *again = NULL, *again_rec = NULL, *back, *notes;
                struct ect_json *a, *b;
                bool removed;

                configure(in, &rec, &all, &out, &out_rec);
                ck_assert_ptr_nonnull(out);
                a = parse(out);
                ck_assert_str_eq(ect_json_str(ect_json_get(ect_json_get(ect_json_get(a, "runtimes"),
                                                                        "erdma"),
                                                           "path")),
                                 SHIM);
                ck_assert_str_eq(ect_json_str(ect_json_get(a, "default-runtime")), "erdma");
                ck_assert(ect_json_is(ect_json_get(ect_json_get(a, "features"), "cdi"),
                                      ECT_JSON_TRUE));
                ect_json_free(a);
                /* Idempotent. */
                rec = out_rec;
                configure(out, &rec, &all, &again, &again_rec);
                ck_assert_msg(again == NULL, "%s: second configure changed it", files[k].name);

                back = unconfigure(out, out_rec, &removed, &notes);
                ck_assert(!removed);
                ck_assert_str_eq(notes, "");
                ck_assert_ptr_nonnull(back);
                if (files[k].exact)
                        ck_assert_msg(strcmp(back, in) == 0, "%s:\n%s", files[k].name, back);
                a = parse(in);
                b = parse(back);
                ck_assert_msg(ect_json_equal(a, b), "%s: tree differs:\n%s", files[k].name, back);
                ect_json_free(a);
                ect_json_free(b);
                free(notes);
                free(back);
                free(out);
                free(out_rec);
                free(in);
        }
}
END_TEST

START_TEST(test_keeps_order_and_values)
{
        char *in = slurp("escapes-dups.json");
        const char *rec = NULL;
        char *out = NULL, *out_rec = NULL;
        struct ect_docker_opts o = {.runtime_name = "erdma", .runtime_path = SHIM};

        configure(in, &rec, &o, &out, &out_rec);
        /* The number beyond 64 bits as written, both "debug" members, the
         * new member last. */
        ck_assert_ptr_nonnull(strstr(out, "\"mtu\": 18446744073709551615,\n"));
        ck_assert_ptr_nonnull(strstr(out, "\"debug\": true,\n  \"debug\": false,\n"));
        ck_assert_ptr_nonnull(strstr(out,
                                     "  \"runtimes\": {\n    \"erdma\": {\n      \"path\": \"" SHIM
                                     "\"\n    }\n  }\n}\n"));
        ck_assert_ptr_null(strstr(out, "default-runtime"));
        ck_assert_ptr_null(strstr(out, "features"));
        free(out);
        free(out_rec);
        free(in);
}
END_TEST

START_TEST(test_no_file)
{
        const char *rec = NULL;
        char *out = NULL, *out_rec = NULL, *back, *notes;
        bool removed;

        configure(NULL, &rec, &all, &out, &out_rec);
        ck_assert_str_eq(out, "{\n  \"runtimes\": {\n    \"erdma\": {\n      \"path\": \"" SHIM
                              "\"\n    }\n  },\n  \"default-runtime\": \"erdma\",\n"
                              "  \"features\": {\n    \"cdi\": true\n  }\n}\n");
        back = unconfigure(out, out_rec, &removed, &notes);
        ck_assert(removed);
        ck_assert_ptr_null(back);
        free(notes);
        free(out);
        free(out_rec);
}
END_TEST

START_TEST(test_exactly_what_was_added)
{
        /* features.cdi was on before: unconfigure leaves it on. The default
         * runtime was runc: it comes back. */
        const char *in =
                "{\n  \"default-runtime\": \"runc\",\n  \"features\": {\n    \"cdi\": true\n  }\n}\n";
        const char *rec = NULL;
        char *out = NULL, *out_rec = NULL, *back, *notes;
        bool removed;

        configure(in, &rec, &all, &out, &out_rec);
        back = unconfigure(out, out_rec, &removed, &notes);
        ck_assert_str_eq(back, in);
        free(back);
        free(notes);

        /* A member changed after configure is kept, and said so. */
        {
                struct ect_json *j = parse(out);
                struct ect_error *err = NULL;
                char *edited = NULL;
                ect_json_set(ect_json_get(ect_json_get(j, "runtimes"), "erdma"), "path",
                             ect_json_new_str("/opt/other"));
                ck_assert_int_eq(ect_json_emit_indent(j, "  ", &edited, NULL, &err), 0);
                back = unconfigure(edited, out_rec, &removed, &notes);
                ck_assert_ptr_nonnull(strstr(back, "/opt/other"));
                ck_assert_ptr_nonnull(
                        strstr(notes, "\"runtimes.erdma\" was changed after configure"));
                ck_assert_ptr_null(strstr(back, "\"default-runtime\": \"erdma\""));
                free(back);
                free(notes);
                free(edited);
                ect_json_free(j);
        }
        free(out);
        free(out_rec);
}
END_TEST

START_TEST(test_second_configure_keeps_first_before)
{
        /* configure, then configure --set-as-default: unconfigure still
         * goes back to the file before the first run. */
        const char *in = "{\n  \"debug\": true\n}\n";
        struct ect_docker_opts o = {.runtime_name = "erdma", .runtime_path = SHIM};
        const char *rec = NULL;
        char *out = NULL, *out_rec = NULL, *out2 = NULL, *out_rec2 = NULL, *back, *notes;
        bool removed;

        configure(in, &rec, &o, &out, &out_rec);
        rec = out_rec;
        o.set_default = true;
        configure(out, &rec, &o, &out2, &out_rec2);
        ck_assert_ptr_nonnull(out2);
        back = unconfigure(out2, out_rec2, &removed, &notes);
        ck_assert_str_eq(back, in);
        free(back);
        free(notes);
        free(out);
        free(out_rec);
        free(out2);
        free(out_rec2);
}
END_TEST

START_TEST(test_same_binary_kept)
{
        const char *in =
                "{\"runtimes\": {\"erdma\": {\"path\": \"" SHIM "\", \"runtimeArgs\": [\"--x\"]}}}";
        struct ect_docker_opts o = {.runtime_name = "erdma", .runtime_path = SHIM};
        const char *rec = NULL;
        char *out = NULL, *out_rec = NULL;

        configure(in, &rec, &o, &out, &out_rec);
        ck_assert_ptr_null(out);
        ck_assert_ptr_null(out_rec);
}
END_TEST

START_TEST(test_bad_input)
{
        char *in = slurp("bad-trailing-comma.json");
        struct ect_error *err = NULL;
        char *out = NULL, *out_rec = NULL;

        ck_assert_int_lt(ect_docker_configure(in, strlen(in), NULL, 0, &all, &out, &out_rec, &err),
                         0);
        ck_assert_ptr_nonnull(strstr(err->msg, "daemon.json: invalid JSON at line 4, column"));
        ect_error_free(&err);
        ck_assert_int_lt(ect_docker_configure("[1]", 3, NULL, 0, &all, &out, &out_rec, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "not a JSON object"));
        ect_error_free(&err);
        ck_assert_int_lt(ect_docker_configure("{\"runtimes\": []}", 16, NULL, 0, &all, &out,
                                              &out_rec, &err),
                         0);
        ck_assert_ptr_nonnull(strstr(err->msg, "\"runtimes\" must be an object, not a JSON array"));
        ect_error_free(&err);
        ck_assert_ptr_null(out);
        free(in);
}
END_TEST

START_TEST(test_indent)
{
        char *s;

        s = ect_docker_indent("{\n\t\"a\": 1\n}", 11);
        ck_assert_str_eq(s, "\t");
        free(s);
        s = ect_docker_indent("{\n    \"a\": 1\n}", 14);
        ck_assert_str_eq(s, "    ");
        free(s);
        s = ect_docker_indent("{\"a\": 1}", 8);
        ck_assert_str_eq(s, "  ");
        free(s);
}
END_TEST

static Suite *docker_suite(void)
{
        Suite *s = suite_create("ctk_docker");
        TCase *tc = tcase_create("ect_docker_configure");

        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_keeps_order_and_values);
        tcase_add_test(tc, test_no_file);
        tcase_add_test(tc, test_exactly_what_was_added);
        tcase_add_test(tc, test_second_configure_keeps_first_before);
        tcase_add_test(tc, test_same_binary_kept);
        tcase_add_test(tc, test_bad_input);
        tcase_add_test(tc, test_indent);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(docker_suite());
}
