/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-ctk: registers the toolkit in a container engine's configuration
 * (runtime configure/unconfigure) and checks the CDI specs the engines will
 * see (check). Parses the command line, calls lib/ctk_*.c, reports each
 * failure once. Exit: 0 ok, 1 failure (check: a problem), 2 usage error. */
#include "cdi.h"
#include "cli.h"
#include "ctk_check.h"
#include "ctk_runtime.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ECT_BINDIR
#define ECT_BINDIR "/usr/local/bin"
#endif

enum { MAX_DIRS = 16 };

static const char usage_text[] =
        "Usage: erdma-ctk runtime configure --engine ENGINE [OPTIONS]\n"
        "       erdma-ctk runtime unconfigure --engine ENGINE [OPTIONS]\n"
        "       erdma-ctk check [--root DIR] [--spec-dir DIR]... [--engine-version E=V]...\n"
        "       erdma-ctk --help | --version\n"
        "\n"
        "runtime configure    register erdma-container-runtime (and CDI) in the engine's\n"
        "                     configuration; running it again changes nothing\n"
        "runtime unconfigure  remove exactly what configure added\n"
        "check                list the CDI specs and say which installed engine loads them\n"
        "\n"
        "ENGINE: docker, containerd, crio, podman (podman: a report, nothing to write)\n"
        "\n"
        "Options of runtime:\n"
        "  --config FILE          the engine's main file (default /etc/docker/daemon.json,\n"
        "                         /etc/containerd/config.toml)\n"
        "  --drop-in FILE         the drop-in (default /etc/containerd/conf.d/99-erdma.toml,\n"
        "                         /etc/crio/crio.conf.d/99-erdma.conf)\n"
        "  --root DIR             default paths under DIR (an image, a test tree); the\n"
        "                         paths written into files stay the engine's\n"
        "  --runtime-name NAME    the runtime/handler name (default erdma)\n"
        "  --runtime-path PATH    the shim (default " ECT_BINDIR "/erdma-container-runtime)\n"
        "  --set-as-default       make it the default runtime\n"
        "  --cdi                  turn CDI on (Docker 25+ features.cdi, containerd enable_cdi)\n"
        "  --memlock-dropin       systemd drop-in LimitMEMLOCK=infinity for the engine's unit\n"
        "  --config-version 2|3   containerd: the version of a config.toml made from nothing\n"
        "  --dry-run              print the unified diff of every file, write nothing\n"
        "  --debug                debug messages on stderr\n"
        "\n"
        "Options of check:\n"
        "  --spec-dir DIR         read specs here instead of /etc/cdi and /var/run/cdi\n"
        "  --engine-version E=V   take engine E at version V instead of asking the\n"
        "                         installed programs (repeatable)\n"
        "\n"
        "See erdma-ctk(1).\n";

static const struct ect_cli cli = {.name = "erdma-ctk", .usage = usage_text};

enum {
        OPT_ENGINE = 256,
        OPT_CONFIG,
        OPT_DROPIN,
        OPT_ROOT,
        OPT_NAME,
        OPT_PATH,
        OPT_DEFAULT,
        OPT_CDI,
        OPT_MEMLOCK,
        OPT_CONFIG_VERSION,
        OPT_DRY_RUN,
        OPT_DEBUG,
        OPT_SPEC_DIR,
        OPT_ENGINE_VERSION,
        OPT_HELP,
};

static const struct option opts[] = {
        {"engine", required_argument, NULL, OPT_ENGINE},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"drop-in", required_argument, NULL, OPT_DROPIN},
        {"root", required_argument, NULL, OPT_ROOT},
        {"runtime-name", required_argument, NULL, OPT_NAME},
        {"runtime-path", required_argument, NULL, OPT_PATH},
        {"set-as-default", no_argument, NULL, OPT_DEFAULT},
        {"cdi", no_argument, NULL, OPT_CDI},
        {"memlock-dropin", no_argument, NULL, OPT_MEMLOCK},
        {"config-version", required_argument, NULL, OPT_CONFIG_VERSION},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"spec-dir", required_argument, NULL, OPT_SPEC_DIR},
        {"engine-version", required_argument, NULL, OPT_ENGINE_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
};

/* Options that belong to one command only. */
static bool runtime_only(int c)
{
        return c >= OPT_ENGINE && c <= OPT_DRY_RUN && c != OPT_ROOT;
}

static bool valid_name(const char *s)
{
        /* What Docker, containerd and CRI-O take as a runtime name, and
         * safe in a TOML bare key. */
        if (!*s || strlen(s) > 64)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
                        return false;
        return true;
}

int main(int argc, char **argv)
{
        struct ect_ctk_args a = {.engine = ECT_ENGINE_N,
                                 .root = "/",
                                 .runtime_name = "erdma",
                                 .runtime_path = ECT_BINDIR "/erdma-container-runtime"};
        struct ect_check_opts co = {.root = "/", .kind = ECT_CDI_VENDOR "/" ECT_CDI_CLASS};
        const char *dirs[MAX_DIRS];
        bool check = false, configure = false;
        struct ect_error *err = NULL;
        int c, first, early;

        ect_log_init("erdma-ctk", ECT_LOG_WARN);
        if (argc < 2)
                return ect_cli_usage_error(&cli, "missing command: runtime or check");
        if ((early = ect_cli_early(&cli, argc, argv)) >= 0)
                return early;
        if (strcmp(argv[1], "check") == 0) {
                check = true;
                first = 2;
        } else if (strcmp(argv[1], "runtime") == 0) {
                if (argc < 3)
                        return ect_cli_usage_error(&cli,
                                                   "missing: runtime configure or unconfigure");
                if (strcmp(argv[2], "configure") == 0)
                        configure = true;
                else if (strcmp(argv[2], "unconfigure") != 0)
                        return ect_cli_usage_error(&cli,
                                                   "unknown command 'runtime %s' (configure or "
                                                   "unconfigure)",
                                                   argv[2]);
                first = 3;
        } else {
                return ect_cli_usage_error(&cli, "unknown command '%s' (runtime or check)",
                                           argv[1]);
        }

        opterr = 0;
        optind = first;
        while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
                if (check && runtime_only(c))
                        return ect_cli_usage_error(&cli, "'%s' belongs to 'runtime'",
                                                   argv[optind - 1]);
                if (!check && (c == OPT_SPEC_DIR || c == OPT_ENGINE_VERSION))
                        return ect_cli_usage_error(&cli, "'%s' belongs to 'check'",
                                                   argv[optind - 1]);
                if (!configure && !check &&
                    (c == OPT_DEFAULT || c == OPT_CDI || c == OPT_MEMLOCK ||
                     c == OPT_CONFIG_VERSION || c == OPT_PATH))
                        return ect_cli_usage_error(
                                &cli,
                                "'%s' belongs to 'runtime configure' (unconfigure "
                                "removes whatever configure added)",
                                argv[optind - 1]);
                switch (c) {
                case OPT_ENGINE:
                        if (ect_engine_parse(optarg) < 0)
                                return ect_cli_usage_error(
                                        &cli,
                                        "unknown engine '%s' (docker, containerd, "
                                        "crio or podman)",
                                        optarg);
                        a.engine = (enum ect_engine)ect_engine_parse(optarg);
                        break;
                case OPT_CONFIG:
                        a.config = optarg;
                        break;
                case OPT_DROPIN:
                        a.dropin = optarg;
                        break;
                case OPT_ROOT:
                        if (optarg[0] != '/')
                                return ect_cli_usage_error(&cli,
                                                           "--root '%s': an absolute path, please",
                                                           optarg);
                        a.root = co.root = optarg;
                        break;
                case OPT_NAME:
                        if (!valid_name(optarg))
                                return ect_cli_usage_error(
                                        &cli,
                                        "invalid runtime name '%s': letters, digits, "
                                        "'-', '_' and '.'",
                                        optarg);
                        a.runtime_name = optarg;
                        break;
                case OPT_PATH:
                        if (optarg[0] != '/')
                                return ect_cli_usage_error(
                                        &cli,
                                        "--runtime-path '%s': an absolute path, "
                                        "please (engines do not search PATH alike)",
                                        optarg);
                        a.runtime_path = optarg;
                        break;
                case OPT_DEFAULT:
                        a.set_default = true;
                        break;
                case OPT_CDI:
                        a.cdi = true;
                        break;
                case OPT_MEMLOCK:
                        a.memlock_dropin = true;
                        break;
                case OPT_CONFIG_VERSION:
                        if (strcmp(optarg, "2") != 0 && strcmp(optarg, "3") != 0)
                                return ect_cli_usage_error(
                                        &cli,
                                        "--config-version '%s': 2 (containerd 1.x) "
                                        "or 3 (2.x)",
                                        optarg);
                        a.config_version = optarg[0] - '0';
                        break;
                case OPT_DRY_RUN:
                        a.dry_run = true;
                        break;
                case OPT_DEBUG:
                        ect_log_set_level(ECT_LOG_DEBUG);
                        break;
                case OPT_SPEC_DIR:
                        if (co.n_spec_dirs == MAX_DIRS)
                                return ect_cli_usage_error(&cli, "too many --spec-dir");
                        dirs[co.n_spec_dirs++] = optarg;
                        co.spec_dirs = dirs;
                        break;
                case OPT_ENGINE_VERSION: {
                        char *eq = strchr(optarg, '=');
                        struct ect_version v;
                        int e;
                        if (!eq)
                                return ect_cli_usage_error(&cli,
                                                           "--engine-version '%s': ENGINE=VERSION",
                                                           optarg);
                        *eq = '\0';
                        e = ect_engine_parse(optarg);
                        if (e < 0 || !ect_version_parse(eq + 1, &v))
                                return ect_cli_usage_error(
                                        &cli,
                                        "--engine-version '%s': ENGINE=VERSION, e.g. "
                                        "podman=4.3.1",
                                        optarg);
                        co.engines_given = true;
                        co.has[e] = true;
                        co.v[e] = v;
                        break;
                }
                case OPT_HELP:
                case 'h':
                        return ect_cli_help(&cli);
                case ':':
                        return ect_cli_usage_error(&cli, "option '%s' needs a value",
                                                   argv[optind - 1]);
                default:
                        return ect_cli_usage_error(&cli, "unknown option '%s'", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return ect_cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);

        if (check) {
                bool ok = false;
                if (ect_ctk_check(&co, stdout, &ok, &err) < 0) {
                        log_error_err(err);
                        ect_error_free(&err);
                        return EXIT_FAILURE;
                }
                return ok ? EXIT_SUCCESS : EXIT_FAILURE;
        }
        if (a.engine == ECT_ENGINE_N)
                return ect_cli_usage_error(
                        &cli, "--engine is needed (docker, containerd, crio or podman)");
        {
                char *notes = NULL;
                int r = ect_ctk_runtime(&a, configure, &notes, &err);
                fflush(stdout);
                fputs(notes, stdout);
                free(notes);
                if (r < 0) {
                        log_error_err(err);
                        ect_error_free(&err);
                        return EXIT_FAILURE;
                }
        }
        return EXIT_SUCCESS;
}
