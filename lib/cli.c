/* SPDX-License-Identifier: Apache-2.0 */
/* The command-line conventions every program shares (lib/cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No fallback: the version comes from the Makefile's VERSION or the build
 * fails (tests/e2e/version.sh compares the two). */
#ifndef ECT_VERSION
#error "ECT_VERSION is set by the Makefile (-DECT_VERSION from VERSION)"
#endif

int ect_cli_help(const struct ect_cli *cli)
{
        if (cli->usage)
                fputs(cli->usage, stdout);
        return EXIT_SUCCESS;
}

int ect_cli_usage(const struct ect_cli *cli)
{
        if (cli->usage)
                fputs(cli->usage, stderr);
        return ECT_CLI_EXIT_USAGE;
}

int ect_cli_version(const struct ect_cli *cli)
{
        printf("%s %s\n", cli->name, ECT_VERSION);
        (void)fflush(stdout);
        return EXIT_SUCCESS;
}

int ect_cli_usage_error(const struct ect_cli *cli, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", cli->name);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry '%s --help'.\n", cli->name);
        return ECT_CLI_EXIT_USAGE;
}

int ect_cli_early(const struct ect_cli *cli, int argc, char **argv)
{
        if (argc < 2)
                return -1;
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
                return ect_cli_help(cli);
        if (strcmp(argv[1], "--version") == 0)
                return ect_cli_version(cli);
        return -1;
}
