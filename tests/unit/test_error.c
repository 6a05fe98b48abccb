/* SPDX-License-Identifier: Apache-2.0 */
/* The error stack (lib/error.h): codes, return values, context, text. */
#include "error.h"
#include "testutil.h"

#include <signal.h>

START_TEST(test_error_set_returns)
{
        struct ect_error *err = NULL;

        ck_assert_int_eq(ect_error_set(&err, ENOENT, "open '%s'", "x"), -1 - ENOENT);
        ck_assert_int_eq(err->code, ENOENT);
        ck_assert_str_eq(err->msg, "open 'x'");
        ect_error_free(&err);
        /* no errno applies: -1, always < 0 */
        ck_assert_int_eq(ect_error_set(&err, 0, "plain"), -1);
        ck_assert_int_eq(err->code, 0);
        ect_error_free(&err);
        ck_assert_int_eq(ect_error_set(&err, -5, "negative"), -1);
        ect_error_free(&err);
}
END_TEST

/* Setting over an error that is still set is a programmer error. */
START_TEST(test_error_set_twice)
{
        struct ect_error *err = NULL;

        (void)ect_error_set(&err, EINVAL, "first");
        (void)ect_error_set(&err, EINVAL, "second");
}
END_TEST

START_TEST(test_error_wrap_context)
{
        struct ect_error *err = NULL;

        (void)ect_error_set(&err, EACCES, "mknod '%s'", "uverbs0");
        ck_assert_int_eq(ect_error_wrap(&err, "device '%s'", "erdma_0"), -1 - EACCES);
        ck_assert_int_eq(ect_error_wrap(&err, "container '%s'", "c1"), -1 - EACCES);
        ck_assert_str_eq(err->msg, "container 'c1': device 'erdma_0': mknod 'uverbs0'");
        ck_assert_int_eq(err->code, EACCES);
        ect_error_free(&err);
        (void)ect_error_set(&err, 0, "cause");
        ck_assert_int_eq(ect_error_wrap(&err, "ctx"), -1);
        ck_assert_str_eq(err->msg, "ctx: cause");
        ect_error_free(&err);
}
END_TEST

START_TEST(test_error_free_null)
{
        struct ect_error *err = NULL;

        ect_error_free(NULL);
        ect_error_free(&err);
        (void)ect_error_set(&err, 0, "x");
        ect_error_free(&err);
        ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_error_text)
{
        struct ect_error *err = NULL;
        char *t;

        t = ect_error_text(NULL);
        ck_assert_str_eq(t, "unknown error");
        free(t);
        (void)ect_error_set(&err, ENOENT, "open 'x'");
        t = ect_error_text(err);
        ck_assert_str_eq(t, "open 'x': No such file or directory");
        free(t);
        ect_error_free(&err);
        (void)ect_error_set(&err, 0, "unknown eRDMA device 'x'");
        t = ect_error_text(err);
        ck_assert_str_eq(t, "unknown eRDMA device 'x'");
        ck_assert_ptr_ne(t, err->msg); /* the caller's own copy */
        free(t);
        ect_error_free(&err);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("error");
        TCase *set = tcase_create("ect_error_set");
        TCase *wrap = tcase_create("ect_error_wrap");
        TCase *fr = tcase_create("ect_error_free");
        TCase *text = tcase_create("ect_error_text");

        tcase_add_test(set, test_error_set_returns);
        tcase_add_test_raise_signal(set, test_error_set_twice, SIGABRT);
        suite_add_tcase(s, set);
        tcase_add_test(wrap, test_error_wrap_context);
        suite_add_tcase(s, wrap);
        tcase_add_test(fr, test_error_free_null);
        suite_add_tcase(s, fr);
        tcase_add_test(text, test_error_text);
        suite_add_tcase(s, text);
        return run_suite(s);
}
