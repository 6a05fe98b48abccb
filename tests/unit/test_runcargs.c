/* SPDX-License-Identifier: Apache-2.0 */
/* The runc command line as the shim reads it. */
#include "runcargs.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct ect_runc_args A(int argc, const char *const *argv) {
        struct ect_runc_args a;
        ect_runc_args_parse(argc, (char *const *)argv, &a);
        return a;
}
#define PARSE(...)                                                                                 \
        ({                                                                                         \
                static const char *const v_[] = {"shim", __VA_ARGS__};                             \
                A((int)(sizeof v_ / sizeof v_[0]), v_);                                            \
        })

START_TEST(test_runcargs_containerd)
{
        /* as containerd-shim-runc-v2 calls it (Docker 20.10) */
        struct ect_runc_args a =
                PARSE("--root", "/run/docker/runtime-runc/moby", "--log", "/run/x/log.json",
                      "--log-format", "json", "create", "--bundle", "/run/b", "--pid-file",
                      "/run/b/init.pid", "abc123");
        ck_assert_str_eq(a.root, "/run/docker/runtime-runc/moby");
        ck_assert_str_eq(a.log, "/run/x/log.json");
        ck_assert_str_eq(a.log_format, "json");
        ck_assert_str_eq(a.command, "create");
        ck_assert_int_eq(a.command_index, 7);
        ck_assert_str_eq(a.bundle, "/run/b");
        ck_assert_str_eq(a.id, "abc123");
        ck_assert(ect_runc_args_builds_container(&a));
        ck_assert(!a.debug);

        /* Go's strconv.ParseBool spellings of false */
        for (size_t i = 0; i < 6; i++) {
                static const char *const f[] = {"--debug=false", "--debug=0",     "--debug=f",
                                                "--debug=F",     "--debug=FALSE", "--debug=False"};
                const char *v[] = {"shim", f[i], "state", "x"};
                a = A(4, v);
                ck_assert_msg(!a.debug, "%s", f[i]);
                ck_assert_str_eq(a.command, "state");
        }
}
END_TEST

START_TEST(test_runcargs_forms)
{
        struct ect_runc_args a = PARSE("-debug", "--systemd-cgroup", "-log=/l", "--rootless",
                                       "auto", "run", "-d", "id1", "-b=/bb", "--keep");
        ck_assert(a.debug);
        ck_assert_str_eq(a.log, "/l");
        ck_assert_str_eq(a.command, "run");
        ck_assert_str_eq(a.id, "id1");
        ck_assert_str_eq(a.bundle, "/bb"); /* options after the ID count too */

        a = PARSE("create", "--console-socket", "/s", "--preserve-fds", "2", "-b", "/x", "c");
        ck_assert_str_eq(a.bundle, "/x");
        ck_assert_str_eq(a.id, "c");

        a = PARSE("create", "c2");
        ck_assert_ptr_null(a.bundle); /* the working directory */
        ck_assert_str_eq(a.id, "c2");

        a = PARSE("--", "create", "--", "-weird-id");
        ck_assert_str_eq(a.command, "create");
        ck_assert_str_eq(a.id, "-weird-id");

        /* runc 1.2: --pidfd-socket takes a value, which is not the ID */
        a = PARSE("create", "--bundle", "/p", "--pidfd-socket", "/run/pidfd.sock", "c4");
        ck_assert_str_eq(a.bundle, "/p");
        ck_assert_str_eq(a.id, "c4");

        a = PARSE("restore", "--image-path", "/img", "--bundle", "/r", "c3");
        ck_assert(ect_runc_args_builds_container(&a));
        ck_assert_str_eq(a.bundle, "/r");
}
END_TEST

START_TEST(test_runcargs_passthrough)
{
        struct ect_runc_args a = PARSE("--root", "/r", "state", "--bundle", "/nope", "x");
        ck_assert_str_eq(a.command, "state");
        ck_assert(!ect_runc_args_builds_container(&a));
        ck_assert_ptr_null(a.bundle);

        a = PARSE("--version");
        ck_assert_ptr_null(a.command);
        ck_assert(!ect_runc_args_builds_container(&a));

        a = PARSE("--log");
        ck_assert_ptr_null(a.log);
        ck_assert_ptr_null(a.command);

        /* "--root create": create is the value of --root, no subcommand */
        a = PARSE("--root", "create");
        ck_assert_ptr_null(a.command);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("runcargs");
        TCase *tc = tcase_create("runcargs");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_runcargs_containerd);
        tcase_add_test(tc, test_runcargs_forms);
        tcase_add_test(tc, test_runcargs_passthrough);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
