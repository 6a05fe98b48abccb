/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-probe: run inside a container; reports whether RDMA verbs contexts
 * open there, and the cause and fix of each failure. Thin: the checks live
 * in the other probe/ files, ect_probe_run (probe/probe.c) runs them. */
#include "cleanup.h"
#include "cli.h"
#include "json.h"
#include "log.h"
#include "probe.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
        "Usage: erdma-probe [OPTION]...\n"
        "Checks, from inside a container, that eRDMA verbs contexts open: device nodes,\n"
        "access, sysfs, verbs (PD, MR, CQ, RC QP), rdma_cm, memlock, network namespace\n"
        "and the image's own RDMA stack. Names the cause and the fix of each failure.\n"
        "\n"
        "  --json             print the report as JSON on stdout\n"
        "  --device NAME      check one device only (erdma_0, uverbs0 or 0)\n"
        "  --mr-size SIZE     bytes to register (K/M/G suffixes; default 16M)\n"
        "  --sysfs-root DIR   read sysfs there (tests; default $SYSFS_PATH or /sys)\n"
        "  --dev-root DIR     look for infiniband/ nodes there (tests; default /dev)\n"
        "  --image-root DIR   inspect that image's RDMA stack (default /)\n"
        "  --debug            debug logging on stderr\n"
        "  -h, --help         show this help\n"
        "  --version          show the version\n"
        "\n"
        "Exit status: 0 nothing failed, 1 a check failed, 2 usage error.\n";

static const struct ect_cli cli = {.name = "erdma-probe", .usage = usage_text};

int main(int argc, char **argv)
{
        enum {
                OPT_JSON = 256,
                OPT_DEVICE,
                OPT_MR,
                OPT_SYSFS,
                OPT_DEV,
                OPT_IMAGE,
                OPT_DEBUG,
                OPT_VERSION
        };
        static const struct option longopts[] = {
                {"json", no_argument, NULL, OPT_JSON},
                {"device", required_argument, NULL, OPT_DEVICE},
                {"mr-size", required_argument, NULL, OPT_MR},
                {"sysfs-root", required_argument, NULL, OPT_SYSFS},
                {"dev-root", required_argument, NULL, OPT_DEV},
                {"image-root", required_argument, NULL, OPT_IMAGE},
                {"debug", no_argument, NULL, OPT_DEBUG},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, OPT_VERSION},
                {NULL, 0, NULL, 0},
        };
        struct ect_probe_opts opts = {.ops = &ect_probe_real_ops};
        bool json = false;
        int c;

        ect_log_init("erdma-probe", ECT_LOG_WARN);
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_DEVICE:
                        opts.device = optarg;
                        break;
                case OPT_MR: {
                        struct ect_error *err = NULL;
                        if (ect_probe_parse_size(optarg, &opts.mr_size, &err) < 0) {
                                log_error("--mr-size: %s", err->msg);
                                ect_error_free(&err);
                                return ECT_CLI_EXIT_USAGE;
                        }
                        break;
                }
                case OPT_SYSFS:
                        opts.sysfs_root = optarg;
                        break;
                case OPT_DEV:
                        opts.dev_root = optarg;
                        break;
                case OPT_IMAGE:
                        opts.image_root = optarg;
                        break;
                case OPT_DEBUG:
                        ect_log_set_level(ECT_LOG_DEBUG);
                        break;
                case 'h':
                        return ect_cli_help(&cli);
                case OPT_VERSION:
                        return ect_cli_version(&cli);
                default:
                        return ect_cli_usage(&cli);
                }
        }
        if (optind < argc) {
                log_error("unexpected argument '%s'", argv[optind]);
                return ect_cli_usage(&cli);
        }
        if (opts.device && !*opts.device) {
                log_error("--device: empty name");
                return ECT_CLI_EXIT_USAGE;
        }
        /* libibverbs and librdmacm read sysfs under $SYSFS_PATH: keep them
         * on the tree the probe reads. */
        if (opts.sysfs_root) {
                if (setenv("SYSFS_PATH", opts.sysfs_root, 1) < 0)
                        return 2;
        } else {
                const char *env = getenv("SYSFS_PATH");
                if (env && *env)
                        opts.sysfs_root = env;
        }

        cleanup_report struct ect_probe_report *r = ect_probe_run(&opts);
        bool ok = ect_probe_ok(r);
        if (json) {
                struct ect_json *j = ect_probe_report_json(r);
                struct ect_error *err = NULL;
                cleanup_free char *out = NULL;
                size_t len = 0;
                int rc = ect_json_emit(j, true, &out, &len, &err);
                ect_json_free(j);
                if (rc < 0) {
                        log_error_err(err);
                        ect_error_free(&err);
                        return 1;
                }
                fwrite(out, 1, len, stdout);
        } else {
                cleanup_free char *text = ect_probe_report_text(r, isatty(STDOUT_FILENO));
                fputs(text, stdout);
        }
        if (fflush(stdout) != 0)
                return 1;
        return ok ? 0 : 1;
}
