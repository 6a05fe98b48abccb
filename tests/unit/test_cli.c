/* SPDX-License-Identifier: Apache-2.0 */
/* lib/cli.c: what every program prints for --help, --version and a usage
 * error, on which stream, with which exit status. */
#include "cli.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct ect_cli cli = {.name = "erdma-test", .usage = "Usage: erdma-test [--x]\n"};

/* What fd 1 and fd 2 received while a call ran. */
struct captured {
        char out[512], err[512];
};

static void drain(FILE *f, char *buf, size_t size)
{
        size_t n;
        rewind(f);
        n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
}

/* Runs fn with stdout and stderr redirected to files; returns its status. */
static int capture(int (*fn)(const void *), const void *arg, struct captured *c)
{
        FILE *o = tmpfile(), *e = tmpfile();
        int so, se, r;

        ck_assert_ptr_nonnull(o);
        ck_assert_ptr_nonnull(e);
        fflush(NULL);
        so = dup(STDOUT_FILENO);
        se = dup(STDERR_FILENO);
        ck_assert_int_ge(dup2(fileno(o), STDOUT_FILENO), 0);
        ck_assert_int_ge(dup2(fileno(e), STDERR_FILENO), 0);
        r = fn(arg);
        fflush(NULL);
        ck_assert_int_ge(dup2(so, STDOUT_FILENO), 0);
        ck_assert_int_ge(dup2(se, STDERR_FILENO), 0);
        close(so);
        close(se);
        drain(o, c->out, sizeof c->out);
        drain(e, c->err, sizeof c->err);
        return r;
}

static int call_help(const void *arg)
{
        (void)arg;
        return ect_cli_help(&cli);
}
static int call_usage(const void *arg)
{
        (void)arg;
        return ect_cli_usage(&cli);
}
static int call_version(const void *arg)
{
        (void)arg;
        return ect_cli_version(&cli);
}
static int call_usage_error(const void *arg)
{
        return ect_cli_usage_error(&cli, "unknown option '%s'", (const char *)arg);
}

START_TEST(test_help_stdout)
{
        struct captured c;
        ck_assert_int_eq(capture(call_help, NULL, &c), EXIT_SUCCESS);
        ck_assert_str_eq(c.out, "Usage: erdma-test [--x]\n");
        ck_assert_str_eq(c.err, "");
}
END_TEST

START_TEST(test_usage_stderr)
{
        struct captured c;
        ck_assert_int_eq(capture(call_usage, NULL, &c), 2);
        ck_assert_str_eq(c.out, "");
        ck_assert_str_eq(c.err, "Usage: erdma-test [--x]\n");
}
END_TEST

START_TEST(test_version_makefile)
{
        struct captured c;
        ck_assert_int_eq(capture(call_version, NULL, &c), EXIT_SUCCESS);
        /* the Makefile's VERSION, as tests/e2e/version.sh reads it too */
        ck_assert_str_eq(c.out, "erdma-test " ECT_VERSION "\n");
        ck_assert_str_eq(c.err, "");
}
END_TEST

/* The runtime shim has no usage of its own: --help is runc's. */
static const struct ect_cli shim = {.name = "erdma-container-runtime"};
static int call_shim_version(const void *arg)
{
        (void)arg;
        return ect_cli_version(&shim);
}
static int call_shim_help(const void *arg)
{
        (void)arg;
        return ect_cli_help(&shim);
}

START_TEST(test_version_without_usage)
{
        struct captured c;
        ck_assert_int_eq(capture(call_shim_version, NULL, &c), EXIT_SUCCESS);
        ck_assert_str_eq(c.out, "erdma-container-runtime " ECT_VERSION "\n");
        ck_assert_int_eq(capture(call_shim_help, NULL, &c), EXIT_SUCCESS);
        ck_assert_str_eq(c.out, "");
        ck_assert_str_eq(c.err, "");
}
END_TEST

START_TEST(test_usage_error_format)
{
        struct captured c;
        ck_assert_int_eq(capture(call_usage_error, "--bogus", &c), ECT_CLI_EXIT_USAGE);
        ck_assert_int_eq(ECT_CLI_EXIT_USAGE, 2);
        ck_assert_str_eq(c.out, "");
        ck_assert_str_eq(c.err, "erdma-test: unknown option '--bogus'\n"
                                "Try 'erdma-test --help'.\n");
}
END_TEST

/* ect_cli_early with argv[1] = the loop's word. */
static const struct {
        const char *arg; /* NULL: no argument */
        int status;
        const char *out;
} early_cases[] = {
        {"-h", EXIT_SUCCESS, "Usage: erdma-test [--x]\n"},
        {"--help", EXIT_SUCCESS, "Usage: erdma-test [--x]\n"},
        {"--version", EXIT_SUCCESS, "erdma-test " ECT_VERSION "\n"},
        {"list", -1, ""},     /* a command: the caller's */
        {"--helpx", -1, ""},  /* only the exact words */
        {"-version", -1, ""}, /* runc's spelling is the shim's business */
        {"--json", -1, ""},   /* an option before the command: the caller says so */
        {NULL, -1, ""},       /* no command: the caller names what is missing */
};

static int call_early(const void *arg)
{
        const char *word = arg;
        char *argv[] = {(char *)"erdma-test", (char *)word, NULL};
        return ect_cli_early(&cli, word ? 2 : 1, argv);
}

START_TEST(test_early_words)
{
        struct captured c;
        int r = capture(call_early, early_cases[_i].arg, &c);
        ck_assert_msg(r == early_cases[_i].status, "'%s': %d", early_cases[_i].arg, r);
        ck_assert_str_eq(c.out, early_cases[_i].out);
        ck_assert_str_eq(c.err, "");
}
END_TEST

static Suite *cli_suite(void)
{
        Suite *s = suite_create("cli");
        TCase *tc = tcase_create("ect_cli_help");
        tcase_add_test(tc, test_help_stdout);
        suite_add_tcase(s, tc);
        tc = tcase_create("ect_cli_usage");
        tcase_add_test(tc, test_usage_stderr);
        suite_add_tcase(s, tc);
        tc = tcase_create("ect_cli_version");
        tcase_add_test(tc, test_version_makefile);
        tcase_add_test(tc, test_version_without_usage);
        suite_add_tcase(s, tc);
        tc = tcase_create("ect_cli_usage_error");
        tcase_add_test(tc, test_usage_error_format);
        suite_add_tcase(s, tc);
        tc = tcase_create("ect_cli_early");
        tcase_add_loop_test(tc, test_early_words, 0,
                            (int)(sizeof early_cases / sizeof *early_cases));
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(cli_suite());
}
