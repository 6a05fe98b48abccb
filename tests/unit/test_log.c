/* SPDX-License-Identifier: Apache-2.0 */
/* lib/log.c: the last error line a program prints (log_error_err) is one
 * line, whatever the message holds. */
#include "error.h"
#include "log.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>

/* What log_error_err(err) writes to stderr. */
static char *error_line(const struct ect_error *err)
{
        char buf[512];
        FILE *f = tmpfile();
        int saved = dup(STDERR_FILENO);
        size_t n;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(saved, 0);
        ck_assert_int_eq(dup2(fileno(f), STDERR_FILENO), STDERR_FILENO);
        log_error_err(err);
        ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        rewind(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        return strdup(buf);
}

START_TEST(test_log_error_err_controls)
{
        struct ect_error *err = NULL;
        char *line;

        ect_log_init("erdma-test", ECT_LOG_ERROR);
        ect_error_set(&err, ENOENT, "device 'a\nb\x1b[31m\x7f'\t");
        line = error_line(err);
        ck_assert_str_eq(line, "erdma-test: device 'a?b?[31m?'?: No such file or directory\n");
        free(line);
        ect_error_free(&err);
}
END_TEST

START_TEST(test_log_error_err_plain)
{
        struct ect_error *err = NULL;
        char *line;

        ect_log_init("erdma-test", ECT_LOG_ERROR);
        ect_error_set(&err, 0, "héllo 'x'");
        line = error_line(err);
        ck_assert_str_eq(line, "erdma-test: héllo 'x'\n"); /* UTF-8 stays */
        free(line);
        ect_error_free(&err);
}
END_TEST

static Suite *log_suite(void)
{
        Suite *s = suite_create("log");
        TCase *tc = tcase_create("log_error_err");

        tcase_add_test(tc, test_log_error_err_controls);
        tcase_add_test(tc, test_log_error_err_plain);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(log_suite());
}
