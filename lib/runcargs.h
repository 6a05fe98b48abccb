/* SPDX-License-Identifier: Apache-2.0 */
/* The command line of an OCI runtime called like runc: global options,
 * a subcommand, its options and arguments. Parsed only as far as the
 * runtime shim needs (where the bundle and the log are); the arguments are
 * passed on unchanged, so anything unknown is left for runc to judge.
 *
 * Options follow Go's flag package (urfave/cli, as runc uses it): "-x" and
 * "--x" are the same, a value follows as "--x=v" or as the next argument,
 * "--" ends the options. */
#pragma once
#include <stdbool.h>

struct ect_runc_args {
        /* global options (borrowed from argv; NULL when absent) */
        const char *root, *log, *log_format;
        bool debug;
        /* the subcommand, its index in argv (0: none) */
        const char *command;
        int command_index;
        /* create/run/restore options */
        const char *bundle; /* NULL: the working directory */
        const char *id;     /* the container ID, NULL when absent */
};

/* Never fails: what it does not understand is for runc to reject. */
void ect_runc_args_parse(int argc, char *const argv[], struct ect_runc_args *ret);
/* true for the subcommands that read the bundle's config.json to build a
 * container: create, run, restore. */
bool ect_runc_args_builds_container(const struct ect_runc_args *a);
