/* SPDX-License-Identifier: Apache-2.0 */
/* Host configuration file: defaults, every key, each bad input. */
#include "cleanup.h"
#include "config.h"
#include "log.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct ect_config *parse_ok(const char *doc)
{
        struct ect_config *c = NULL;
        struct ect_error *err = NULL;
        int r = ect_config_parse(doc, strlen(doc), "t.json", &c, &err);
        ck_assert_msg(r == 0, "parse failed: %s", err ? err->msg : "?");
        return c;
}

static void parse_bad(const char *doc, const char *want)
{
        struct ect_config *c = NULL;
        struct ect_error *err = NULL;
        int r = ect_config_parse(doc, strlen(doc), "t.json", &c, &err);
        ck_assert_int_lt(r, 0);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(strstr(err->msg, want), "'%s' not in '%s'", want, err->msg);
        ck_assert_msg(strncmp(err->msg, "t.json: ", 8) == 0, "no file name in '%s'", err->msg);
        ect_error_free(&err);
}

START_TEST(test_config_defaults)
{
        cleanup_config struct ect_config *c = ect_config_new_default();
        ck_assert_str_eq(c->runtime, "runc");
        ck_assert(c->memlock == ECT_MEMLOCK_UNLIMITED);
        ck_assert_int_eq(c->default_devices, ECT_DEFAULT_NONE);
        ck_assert(c->accept_env);
        ck_assert(c->accept_annotation);
        ck_assert_uint_eq(c->n_capabilities, 0);
        ck_assert_ptr_null(c->sysfs_root);
        ck_assert_ptr_null(c->dev_root);
        ck_assert_ptr_null(c->drivers);
        ck_assert_ptr_null(c->log_file);
        ck_assert_int_eq(c->log_level, ECT_LOG_WARN);
}
END_TEST

START_TEST(test_config_parse_all_keys)
{
        cleanup_config struct ect_config *c = parse_ok(
                "{\"runtime\":\"/usr/sbin/runc\",\"sysfs-root\":\"/tmp/s\",\"dev-root\":\"/tmp/d\","
                "\"drivers\":\"erdma,rxe\","
                "\"memlock\":8388608,\"default-devices\":\"all\",\"accept-env\":false,"
                "\"accept-annotation\":false,"
                "\"capabilities\":[\"CAP_SYS_RAWIO\",\"CAP_IPC_LOCK\",\"CAP_SYS_RAWIO\"],"
                "\"log-file\":\"/var/log/e.log\",\"log-level\":\"debug\"}");
        ck_assert_str_eq(c->runtime, "/usr/sbin/runc");
        ck_assert_str_eq(c->sysfs_root, "/tmp/s");
        ck_assert_str_eq(c->dev_root, "/tmp/d");
        ck_assert_str_eq(c->drivers, "erdma,rxe");
        ck_assert(c->memlock == 8388608);
        ck_assert_int_eq(c->default_devices, ECT_DEFAULT_ALL);
        ck_assert(!c->accept_env);
        ck_assert(!c->accept_annotation);
        ck_assert_uint_eq(c->n_capabilities, 2); /* duplicate folded */
        ck_assert_str_eq(c->capabilities[0], "CAP_SYS_RAWIO");
        ck_assert_str_eq(c->capabilities[1], "CAP_IPC_LOCK");
        ck_assert_str_eq(c->log_file, "/var/log/e.log");
        ck_assert_int_eq(c->log_level, ECT_LOG_DEBUG);
        ck_assert_str_eq(c->path, "t.json");
}
END_TEST

START_TEST(test_config_parse_memlock_forms)
{
        struct ect_config *c = parse_ok("{\"memlock\":\"unlimited\"}");
        ck_assert(c->memlock == ECT_MEMLOCK_UNLIMITED);
        ect_config_free(c);
        c = parse_ok("{\"memlock\":18446744073709551615}");
        ck_assert(c->memlock == UINT64_MAX);
        ect_config_free(c);
        c = parse_ok("{\"memlock\":0}");
        ck_assert(c->memlock == 0);
        ect_config_free(c);
        c = parse_ok("{}");
        ck_assert(c->memlock == ECT_MEMLOCK_UNLIMITED);
        ect_config_free(c);
}
END_TEST

START_TEST(test_config_parse_bad)
{
        parse_bad("{\"memlock\":-1}", "key 'memlock'");
        parse_bad("{\"memlock\":1.5}", "not a byte count");
        parse_bad("{\"memlock\":18446744073709551616}", "not a byte count");
        parse_bad("{\"memlock\":\"lots\"}", "'lots'");
        parse_bad("{\"memlock\":true}", "got boolean");
        parse_bad("{\"runtime\":5}", "key 'runtime': expected a string, got number");
        parse_bad("{\"runtime\":\"\"}", "must not be empty");
        parse_bad("{\"runtime\":\"bin/runc\"}", "absolute path");
        parse_bad("{\"sysfs-root\":\"sys\"}", "not an absolute path");
        parse_bad("{\"dev-root\":[]}", "key 'dev-root': expected a string, got array");
        parse_bad("{\"default-devices\":\"some\"}", "expected \"none\" or \"all\"");
        parse_bad("{\"drivers\":\"erdma,,rxe\"}",
                  "key 'drivers': expected \"any\" or driver names");
        parse_bad("{\"drivers\":\"../x\"}", "key 'drivers'");
        parse_bad("{\"drivers\":\"\"}", "key 'drivers': must not be empty");
        parse_bad("{\"drivers\":[\"rxe\"]}", "key 'drivers': expected a string, got array");
        parse_bad("{\"accept-env\":\"yes\"}", "key 'accept-env': expected true or false");
        parse_bad("{\"accept-annotation\":1}", "key 'accept-annotation': expected true or false");
        parse_bad("{\"accept-annotation\":true,\"accept-annotation\":false}",
                  "key 'accept-annotation' appears twice");
        parse_bad("{\"capabilities\":\"CAP_SYS_RAWIO\"}", "expected an array");
        parse_bad("{\"capabilities\":[\"SYS_RAWIO\"]}", "unknown capability 'SYS_RAWIO'");
        parse_bad("{\"capabilities\":[1]}", "item 0");
        parse_bad("{\"log-level\":\"loud\"}", "key 'log-level'");
        parse_bad("{\"log-file\":\"x.log\"}", "absolute");
        parse_bad("{\"memlok\":1}", "unknown key 'memlok'");
        parse_bad("{\"memlock\":1,\"memlock\":2}", "appears twice");
        parse_bad("[]", "expected a JSON object, got array");
        parse_bad("{\"runtime\":\"runc\",\n \"memlock\": }", "line 2, column");
        parse_bad("{\"runtime\":\"runc\"", "invalid JSON");
        parse_bad("", "invalid JSON");
}
END_TEST

START_TEST(test_config_load_missing)
{
        struct ect_config *c = NULL;
        struct ect_error *err = NULL;
        /* An explicitly named file must exist. */
        ck_assert_int_lt(ect_config_load("/nonexistent/erdma.json", &c, &err), 0);
        ck_assert_int_eq(err->code, ENOENT);
        ck_assert_ptr_nonnull(strstr(err->msg, "/nonexistent/erdma.json"));
        ect_error_free(&err);
}
END_TEST

START_TEST(test_config_load_file)
{
        char path[] = "/tmp/test_config.XXXXXX";
        int fd = mkstemp(path);
        struct ect_config *c = NULL;
        struct ect_error *err = NULL;
        const char doc[] = "{\n  \"memlock\": 8388608,\n  \"oops\": 1\n}\n";

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, doc, strlen(doc)), (int)strlen(doc));
        close(fd);
        ck_assert_int_lt(ect_config_load(path, &c, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, path));
        ck_assert_ptr_nonnull(strstr(err->msg, "unknown key 'oops'"));
        ect_error_free(&err);

        fd = open(path, O_WRONLY | O_TRUNC);
        ck_assert_int_eq(write(fd, "{\"memlock\":4096}", 16), 16);
        close(fd);
        ck_assert_int_eq(ect_config_load(path, &c, &err), 0);
        ck_assert(c->memlock == 4096);
        ect_config_free(c);
        unlink(path);
}
END_TEST

/* A host config larger than ECT_CONFIG_MAX_SIZE (a runaway file, /dev/zero
 * linked in its place) is refused with EFBIG, never read to the end or
 * parsed cut; a FIFO is refused without waiting for a writer. */
START_TEST(test_config_load_hostile)
{
        char path[] = "/tmp/test_config.XXXXXX";
        int fd = mkstemp(path);
        struct ect_config *c = NULL;
        struct ect_error *err = NULL;
        char *big = malloc(ECT_CONFIG_MAX_SIZE + 2);

        ck_assert_int_ge(fd, 0);
        big[0] = '{';
        memset(big + 1, ' ', ECT_CONFIG_MAX_SIZE);
        big[ECT_CONFIG_MAX_SIZE + 1] = '}';
        ck_assert_int_eq(write(fd, big, ECT_CONFIG_MAX_SIZE + 2), ECT_CONFIG_MAX_SIZE + 2);
        close(fd);
        free(big);
        ck_assert_int_lt(ect_config_load(path, &c, &err), 0);
        ck_assert_int_eq(err->code, EFBIG);
        ck_assert_ptr_nonnull(strstr(err->msg, "larger than 65536 bytes"));
        ect_error_free(&err);
        unlink(path);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        ck_assert_int_lt(ect_config_load(path, &c, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "not a regular file"));
        ect_error_free(&err);
        unlink(path);
}
END_TEST

START_TEST(test_config_is_capability)
{
        ck_assert(ect_config_is_capability("CAP_SYS_RAWIO"));
        ck_assert(ect_config_is_capability("CAP_CHECKPOINT_RESTORE"));
        ck_assert(!ect_config_is_capability("cap_sys_rawio"));
        ck_assert(!ect_config_is_capability("CAP_"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("config");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_config_defaults);
        tcase_add_test(tc, test_config_parse_all_keys);
        tcase_add_test(tc, test_config_parse_memlock_forms);
        tcase_add_test(tc, test_config_parse_bad);
        tcase_add_test(tc, test_config_load_missing);
        tcase_add_test(tc, test_config_load_file);
        tcase_add_test(tc, test_config_load_hostile);
        tcase_add_test(tc, test_config_is_capability);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
