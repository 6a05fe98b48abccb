/* SPDX-License-Identifier: Apache-2.0 */
/* Shared helpers for the Check unit tests. Tests run from the top of the
 * source tree (make check does so). */
#pragma once
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs a bash snippet with tests/lib/fakehost.sh sourced; fails the test on a
 * non-zero status. */
static inline void __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
        char *snippet, *cmd;
        va_list ap;
        int r;

        va_start(ap, fmt);
        ck_assert_int_ge(vasprintf(&snippet, fmt, ap), 0);
        va_end(ap);
        ck_assert_int_ge(asprintf(&cmd, "bash -euc '. tests/lib/fakehost.sh; %s'", snippet), 0);
        r = system(cmd);
        if (r != 0)
                ck_abort_msg("shell step failed (%d): %s", r, snippet);
        free(snippet);
        free(cmd);
}

/* A fresh temporary directory; removed by rm_tmpdir(). */
static inline char *make_tmpdir(void)
{
        char *d = strdup("/tmp/ect-unit.XXXXXX");
        ck_assert_ptr_nonnull(d);
        ck_assert_ptr_nonnull(mkdtemp(d));
        return d;
}

static inline void rm_tmpdir(char *d)
{
        char *cmd;
        if (!d)
                return;
        if (asprintf(&cmd, "rm -rf '%s'", d) >= 0) {
                (void)!system(cmd);
                free(cmd);
        }
        free(d);
}

/* mknod needs root: fixture nodes are only made when we are root. */
static inline const char *mknod_opt(void)
{
        return geteuid() == 0 ? "mknod=1" : "mknod=0";
}

/* The user-mode emulator this test runs under (tests/run-unit.sh sets
 * ECT_EMULATOR for a cross build: qemu-aarch64-static), or NULL on the
 * real kernel. */
static inline const char *emulator(void)
{
        const char *e = getenv("ECT_EMULATOR");
        return e && *e ? e : NULL;
}

/* Says why a test is left out, on a line of its own that tests/run-unit.sh
 * counts: reason starts with "emulation:" where only emulation stops it. */
static inline void skip_test(const char *test, const char *reason)
{
        fprintf(stderr, "SKIP %s (%s)\n", reason, test);
}

static inline int run_suite(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
