/* SPDX-License-Identifier: Apache-2.0 */
/* --help, --version and usage errors, the same for every program: one
 * version (the Makefile's VERSION, compiled into lib/cli.c only), help on
 * stdout with status 0, and exit status 2 for a mistake on the command line.
 * These print (the program's own output, not log lines) but never exit: main()
 * returns what they return. */
#pragma once

enum { ECT_CLI_EXIT_USAGE = 2 };

struct ect_cli {
        const char *name; /* "erdma-cdi": the --version line and each usage error start with it */
        /* the --help text, "Usage: ..." up to its last newline; NULL for a
         * program whose --help is another's (the runtime shim: runc's) */
        const char *usage;
};

/* --help: the usage on stdout. Returns EXIT_SUCCESS. */
int ect_cli_help(const struct ect_cli *cli);
/* The whole usage on stderr, after a mistake (getopt has said which one).
 * Returns ECT_CLI_EXIT_USAGE. */
int ect_cli_usage(const struct ect_cli *cli);
/* --version: "NAME VERSION" on stdout, flushed, so that a program that
 * executes another next (the runtime shim: runc's own --version) keeps the
 * order. Returns EXIT_SUCCESS. */
int ect_cli_version(const struct ect_cli *cli);
/* "NAME: MESSAGE" and "Try 'NAME --help'." on stderr. Returns
 * ECT_CLI_EXIT_USAGE. */
int ect_cli_usage_error(const struct ect_cli *cli, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* For a program whose first argument is a command (erdma-cdi list,
 * erdma-ctk check): -h, --help or --version in its place is answered here.
 * Returns the exit status when argv[1] is one of them, -1 otherwise (no
 * argument included: the caller names the missing command). */
int ect_cli_early(const struct ect_cli *cli, int argc, char **argv);
