/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI hook state as runc, crun and Podman give it, and bad ones. */
#include "cleanup.h"
#include "ocispec.h"
#include "state.h"
#include "testutil.h"

static struct ect_state *parse_ok(const char *s)
{
        struct ect_state *st = NULL;
        struct ect_error *err = NULL;
        int r = ect_state_parse(s, strlen(s), &st, &err);
        ck_assert_msg(r == 0, "parse failed: %s", err ? err->msg : "?");
        return st;
}

static void parse_bad(const char *s, const char *needle)
{
        struct ect_state *st = NULL;
        struct ect_error *err = NULL;
        ck_assert_int_lt(ect_state_parse(s, strlen(s), &st, &err), 0);
        ck_assert_ptr_null(st);
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(strstr(err->msg, needle), "'%s' not in '%s'", needle, err->msg);
        ect_error_free(&err);
}

START_TEST(test_state_parse_engines)
{
        struct ect_state *st;

        st = parse_ok("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c1\",\"status\":\"creating\","
                      "\"pid\":4242,\"bundle\":\"/run/b\"}");
        ck_assert_int_eq(st->pid, 4242);
        ck_assert_str_eq(st->bundle, "/run/b");
        ck_assert_str_eq(st->status, "creating");
        ck_assert_str_eq(st->id, "c1");
        ck_assert_ptr_null(st->annotations);
        ect_state_free(st);
        /* crun: "created" and a "root". */
        st = parse_ok("{\"ociVersion\":\"1.0.0\",\"id\":\"c2\",\"pid\":7,\"root\":\"/r\","
                      "\"bundle\":\"/b\",\"status\":\"created\"}");
        ck_assert_str_eq(st->status, "created");
        ect_state_free(st);
        /* Podman: annotations. */
        st = parse_ok(
                "{\"ociVersion\":\"1.0.2\",\"id\":\"c3\",\"status\":\"creating\",\"pid\":9,"
                "\"bundle\":\"/b\",\"annotations\":{\"com.aliyun.erdma.devices\":\"erdma_0\"}}");
        ck_assert_str_eq(ect_json_str(ect_json_get(st->annotations, "com.aliyun.erdma.devices")),
                         "erdma_0");
        ect_state_free(st);
}
END_TEST

START_TEST(test_state_parse_bad)
{
        parse_bad("", "empty input");
        parse_bad("{\"pid\":1,\"bundle\":\"/b\"", "OCI state");
        parse_bad("[1]", "not an object");
        parse_bad("{\"bundle\":\"/b\"}", "no 'pid'");
        parse_bad("{\"pid\":0,\"bundle\":\"/b\"}", "not a valid process id");
        parse_bad("{\"pid\":-5,\"bundle\":\"/b\"}", "not a valid process id");
        parse_bad("{\"pid\":\"12\",\"bundle\":\"/b\"}", "not a valid process id");
        parse_bad("{\"pid\":99999999999,\"bundle\":\"/b\"}", "not a valid process id");
        parse_bad("{\"pid\":1.5,\"bundle\":\"/b\"}", "not a valid process id");
        parse_bad("{\"pid\":1}", "no 'bundle'");
        parse_bad("{\"pid\":1,\"bundle\":\"\"}", "no 'bundle'");
        parse_bad("{\"pid\":1,\"bundle\":\"rel/b\"}", "not absolute");
        parse_bad("{\"pid\":1,\"bundle\":7}", "'bundle' is");
        parse_bad("{\"pid\":1,\"bundle\":\"/b\",\"status\":\"stopped\"}", "stopped");
        parse_bad("{\"pid\":1,\"bundle\":\"/b\",\"annotations\":[]}", "'annotations'");
}
END_TEST

START_TEST(test_state_read_bounded)
{
        int p[2];
        struct ect_state *st = NULL;
        struct ect_error *err = NULL;
        const char *s = "{\"pid\":3,\"bundle\":\"/b\"}";

        ck_assert_int_eq(pipe(p), 0);
        ck_assert_int_eq(write(p[1], s, strlen(s)), (ssize_t)strlen(s));
        close(p[1]);
        ck_assert_int_eq(ect_state_read(p[0], &st, &err), 0);
        ck_assert_int_eq(st->pid, 3);
        ect_state_free(st);
        close(p[0]);
        /* More than the bound: EFBIG, not a truncated parse. */
        {
                FILE *f = tmpfile();
                static char big[ECT_STATE_MAX_SIZE + 10];
                memset(big, ' ', sizeof big);
                ck_assert_uint_eq(fwrite(big, 1, sizeof big, f), sizeof big);
                rewind(f);
                ck_assert_int_lt(ect_state_read(fileno(f), &st, &err), 0);
                ck_assert_int_eq(err->code, EFBIG);
                ect_error_free(&err);
                fclose(f);
        }
}
END_TEST

START_TEST(test_rootfs_path)
{
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;
        char *p = NULL;
        const char *rel = "{\"root\":{\"path\":\"rootfs\"}}";
        const char *abs = "{\"root\":{\"path\":\"/var/lib/x/merged\",\"readonly\":true}}";

        ck_assert_int_eq(ect_json_parse(rel, strlen(rel), &j, &err), 0);
        ck_assert_int_eq(ect_oci_rootfs_path(j, "/run/b", &p, &err), 0);
        ck_assert_str_eq(p, "/run/b/rootfs");
        free(p);
        ect_json_free(j);
        ck_assert_int_eq(ect_json_parse(abs, strlen(abs), &j, &err), 0);
        ck_assert_int_eq(ect_oci_rootfs_path(j, "/run/b", &p, &err), 0);
        ck_assert_str_eq(p, "/var/lib/x/merged");
        free(p);
        ect_json_free(j);
        ck_assert_int_eq(ect_json_parse("{}", 2, &j, &err), 0);
        ck_assert_int_lt(ect_oci_rootfs_path(j, "/run/b", &p, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "'root'"));
        ect_error_free(&err);
        ect_json_free(j);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("state");
        TCase *st = tcase_create("ect_state_parse");
        TCase *cf = tcase_create("ect_oci_config");

        tcase_add_test(st, test_state_parse_engines);
        tcase_add_test(st, test_state_parse_bad);
        tcase_add_test(st, test_state_read_bounded);
        suite_add_tcase(s, st);
        tcase_add_test(cf, test_rootfs_path);
        suite_add_tcase(s, cf);
        return run_suite(s);
}
