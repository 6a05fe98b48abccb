/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-hook: OCI prestart/createRuntime hook that gives the container
 * being created its selected eRDMA devices. */
#include "cli.h"
#include "error.h"
#include "hook.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
        "Usage: erdma-hook [--config FILE] [--debug] prestart|createRuntime\n"
        "       erdma-hook --help | --version\n"
        "  OCI hook: reads the container state on stdin and injects the eRDMA\n"
        "  devices it selects (see erdma-hook(1)).\n";

static const struct ect_cli cli = {.name = "erdma-hook", .usage = usage_text};

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"debug", no_argument, NULL, 'd'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {0},
        };
        struct ect_hook_opts o = {.state_fd = STDIN_FILENO};
        struct ect_error *err = NULL;
        const char *stage;
        int c;

        ect_log_init("erdma-hook", ECT_LOG_WARN);
        while ((c = getopt_long(argc, argv, "c:dh", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        o.config_path = optarg;
                        break;
                case 'd':
                        ect_log_set_level(ECT_LOG_DEBUG);
                        break;
                case 'h':
                        return ect_cli_help(&cli);
                case 'V':
                        return ect_cli_version(&cli);
                default:
                        return ect_cli_usage(&cli);
                }
        }
        if (optind != argc - 1)
                return ect_cli_usage(&cli);
        stage = argv[optind];
        /* createContainer and startContainer run inside the container's
         * namespaces (after pivot_root), where the host's nodes, sysfs
         * and cgroups are out of reach: refuse rather than half-work. */
        if (strcmp(stage, "prestart") != 0 && strcmp(stage, "createRuntime") != 0) {
                log_error("unsupported stage '%s': use prestart or createRuntime", stage);
                return 2;
        }
        if (ect_hook_run(&o, &err) < 0) {
                log_error_err(err);
                ect_error_free(&err);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
