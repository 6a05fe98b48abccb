/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-container-runtime: a runc shim that adds eRDMA to the bundle's
 * config.json on create/run/restore, then executes the low-level runtime
 * with the arguments unchanged. Every other subcommand passes straight
 * through. See man/erdma-container-runtime.1. */
#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "runcargs.h"
#include "shim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* No usage of its own: every argument, --help included, is runc's. */
static const struct ect_cli cli = {.name = "erdma-container-runtime"};

/* Errors must reach the user the way the engine reads them: Docker and
 * containerd show the last error line of the --log file, in --log-format. */
static void open_log(const struct ect_runc_args *a)
{
        int fd;

        if (!a->log || !*a->log)
                return;
        fd = open(a->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd >= 0)
                ect_log_set_file(fd, a->log_format && strcmp(a->log_format, "json") == 0);
}

static void open_extra_log(const struct ect_config *cfg)
{
        int fd;

        if (!cfg->log_file)
                return;
        fd = open(cfg->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
        if (fd >= 0)
                ect_log_set_extra_file(fd);
}

static int fail(struct ect_error **err, const struct ect_runc_args *a, bool log_open)
{
        if (!log_open)
                open_log(a);
        log_error_err(*err);
        ect_error_free(err);
        return EXIT_FAILURE;
}

int main(int argc, char *argv[])
{
        cleanup_config struct ect_config *cfg = NULL;
        cleanup_free char *runtime = NULL;
        struct ect_error *err = NULL;
        struct ect_runc_args args;
        const char *config_path;
        bool builds;

        ect_log_init("erdma-container-runtime", ECT_LOG_WARN);
        /* During create our stderr is the container's: errors only there
         * (they stop the start anyway); the rest goes to the log files. */
        ect_log_set_stderr_level(ECT_LOG_ERROR);
        /* runc's --version is the runtime's (engines read it): ours goes
         * first, on a line of its own, then the call passes through. */
        if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-version") == 0 ||
                          strcmp(argv[1], "-v") == 0)) {
                (void)ect_cli_version(&cli);
        }
        ect_runc_args_parse(argc, argv, &args);
        builds = ect_runc_args_builds_container(&args);
        if (builds)
                open_log(&args);
        /* The daemon's environment, never the container's; empty = unset. */
        config_path = secure_getenv(ECT_CONFIG_ENV);
        if (config_path && !*config_path)
                config_path = NULL;
        if (ect_config_load(config_path, &cfg, &err) < 0)
                return fail(&err, &args, builds);
        ect_log_set_level(args.debug ? ECT_LOG_DEBUG : (enum ect_log_level)cfg->log_level);
        /* Found before the edit: a runtime we cannot execute leaves
         * config.json as it was. */
        if (ect_shim_find_runtime(cfg, &runtime, &err) < 0)
                return fail(&err, &args, builds);
        if (builds) {
                open_extra_log(cfg);
                if (ect_shim_edit_bundle(cfg, &args, &err) < 0)
                        return fail(&err, &args, true);
        }
        (void)ect_shim_exec_at(cfg, runtime, argv, &err);
        return fail(&err, &args, builds);
}
