/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-cdi: lists the host's eRDMA devices and writes a CDI spec for them.
 * Parses the command line, calls lib/ (discovery, spec, serialisers) and
 * reports each failure once. Exit: 0 ok, 1 failure, 2 usage error. */
#include "cdi.h"
#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "fileio.h"
#include "json.h"
#include "list.h"
#include "log.h"
#include "rdma.h"
#include "watcher.h"
#include "xalloc.h"
#include "yaml.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum format { FORMAT_AUTO, FORMAT_JSON, FORMAT_YAML };

static const char usage_text[] =
        "Usage: erdma-cdi list [--json] [OPTIONS]\n"
        "       erdma-cdi generate [--output FILE] [--format json|yaml] [OPTIONS]\n"
        "       erdma-cdi generate --watch --output FILE [OPTIONS]\n"
        "       erdma-cdi --help | --version\n"
        "\n"
        "list      show the RDMA devices and the CDI names that select them\n"
        "generate  write a CDI spec (stdout, or FILE atomically)\n"
        "\n"
        "Options:\n"
        "  --json                          list: JSON instead of a table\n"
        "  -o, --output FILE               generate: write FILE (mode 0644) instead of stdout\n"
        "  --watch                         generate: keep FILE fresh as devices come and\n"
        "                                  go (removed while no device matches)\n"
        "  --remove-if-none                generate --output FILE: when no device matches,\n"
        "                                  remove FILE and exit 0 (what the oneshot unit\n"
        "                                  runs as devices come and go)\n"
        "  -f, --format json|yaml          generate: output format (default: from FILE's\n"
        "                                  extension .json/.yaml/.yml, else yaml)\n"
        "  --vendor V                      CDI vendor (default " ECT_CDI_VENDOR ")\n"
        "  --class C                       CDI class (default " ECT_CDI_CLASS ")\n"
        "  --device-name-strategy S        ibdev (default), index or both\n"
        "  --driver LIST|any               devices bound to these drivers (comma list);\n"
        "                                  default: eRDMA (PCI ID 1ded:107f or driver erdma)\n"
        "  --sysfs-root DIR                read sysfs under DIR (default /sys)\n"
        "  --dev-root DIR                  device nodes under DIR (default /dev); another\n"
        "                                  root adds hostPath to each node\n"
        "  --config FILE                   host configuration whose drivers, sysfs-root and\n"
        "                                  dev-root apply where the options above are not\n"
        "                                  given (default $ERDMA_CONFIG, else\n"
        "                                  " ECT_CONFIG_PATH ")\n"
        "  --debug                         debug messages on stderr\n"
        "  -h, --help                      this text\n"
        "  --version                       the version\n"
        "\n"
        "A generated spec usually lives in /var/run/cdi/erdma.yaml; see erdma-cdi(1).\n";

static const struct ect_cli cli = {.name = "erdma-cdi", .usage = usage_text};

struct args {
        bool list, json, watch, remove_if_none;
        enum format format, resolved_format;
        const char *output;
        struct ect_cdi_opts cdi;
        const char *drivers;
        char *sysfs_root, *dev_root;
        const char *config_path;
        struct ect_config *config; /* the host configuration; owns drivers when taken */
};

/* An absolute path for a root given on the command line: it ends up in
 * hostPath, which the engine reads from another working directory. */
static char *absolute(const char *p)
{
        cleanup_free char *cwd = NULL;

        if (p[0] == '/')
                return xstrdup(p);
        cwd = getcwd(NULL, 0);
        if (!cwd)
                return xstrdup(p); /* lib/cdi.c refuses it with a message */
        return xasprintf("%s/%s", cwd, p);
}

/* Returns 0 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct args *a)
{
        enum {
                OPT_JSON = 256,
                OPT_VENDOR,
                OPT_CLASS,
                OPT_STRATEGY,
                OPT_DRIVER,
                OPT_SYSFS,
                OPT_DEV,
                OPT_DEBUG,
                OPT_VERSION,
                OPT_WATCH,
                OPT_CONFIG,
                OPT_REMOVE
        };
        static const struct option opts[] = {
                {"json", no_argument, NULL, OPT_JSON},
                {"output", required_argument, NULL, 'o'},
                {"watch", no_argument, NULL, OPT_WATCH},
                {"remove-if-none", no_argument, NULL, OPT_REMOVE},
                {"format", required_argument, NULL, 'f'},
                {"vendor", required_argument, NULL, OPT_VENDOR},
                {"class", required_argument, NULL, OPT_CLASS},
                {"device-name-strategy", required_argument, NULL, OPT_STRATEGY},
                {"driver", required_argument, NULL, OPT_DRIVER},
                {"sysfs-root", required_argument, NULL, OPT_SYSFS},
                {"dev-root", required_argument, NULL, OPT_DEV},
                {"config", required_argument, NULL, OPT_CONFIG},
                {"debug", no_argument, NULL, OPT_DEBUG},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, OPT_VERSION},
                {NULL, 0, NULL, 0},
        };
        int c, n, early;

        if (argc < 2)
                return ect_cli_usage_error(&cli, "missing command: list or generate");
        if ((early = ect_cli_early(&cli, argc, argv)) >= 0)
                return early;
        if (strcmp(argv[1], "list") == 0)
                a->list = true;
        else if (strcmp(argv[1], "generate") != 0)
                return ect_cli_usage_error(&cli, "unknown command '%s' (list or generate)",
                                           argv[1]);

        opterr = 0;
        optind = 2;
        while ((c = getopt_long(argc, argv, ":o:f:h", opts, NULL)) != -1) {
                switch (c) {
                case OPT_JSON:
                        if (!a->list)
                                return ect_cli_usage_error(&cli, "--json belongs to 'list'");
                        a->json = true;
                        break;
                case 'o':
                        if (a->list)
                                return ect_cli_usage_error(&cli, "--output belongs to 'generate'");
                        a->output = optarg;
                        break;
                case OPT_WATCH:
                        if (a->list)
                                return ect_cli_usage_error(&cli, "--watch belongs to 'generate'");
                        a->watch = true;
                        break;
                case OPT_REMOVE:
                        if (a->list)
                                return ect_cli_usage_error(
                                        &cli, "--remove-if-none belongs to 'generate'");
                        a->remove_if_none = true;
                        break;
                case 'f':
                        if (a->list)
                                return ect_cli_usage_error(&cli, "--format belongs to 'generate'");
                        if (strcmp(optarg, "json") == 0)
                                a->format = FORMAT_JSON;
                        else if (strcmp(optarg, "yaml") == 0)
                                a->format = FORMAT_YAML;
                        else
                                return ect_cli_usage_error(&cli,
                                                           "unknown format '%s' (json or yaml)",
                                                           optarg);
                        break;
                case OPT_VENDOR:
                        if (!ect_cdi_valid_vendor(optarg))
                                return ect_cli_usage_error(
                                        &cli,
                                        "invalid CDI vendor '%s': letters, digits, '_', '-' and "
                                        "'.', starting with a letter, ending with a letter or "
                                        "digit",
                                        optarg);
                        a->cdi.vendor = optarg;
                        break;
                case OPT_CLASS:
                        if (!ect_cdi_valid_class(optarg))
                                return ect_cli_usage_error(
                                        &cli,
                                        "invalid CDI class '%s': letters, digits, '_', '-' and "
                                        "'.', starting with a letter, ending with a letter or "
                                        "digit, at most 63 characters",
                                        optarg);
                        a->cdi.class = optarg;
                        break;
                case OPT_STRATEGY:
                        n = ect_cdi_parse_naming(optarg);
                        if (n < 0)
                                return ect_cli_usage_error(
                                        &cli,
                                        "unknown device name strategy '%s' (ibdev, index or both)",
                                        optarg);
                        a->cdi.naming = (enum ect_cdi_naming)n;
                        break;
                case OPT_DRIVER:
                        if (*optarg && !ect_rdma_valid_drivers(optarg))
                                return ect_cli_usage_error(
                                        &cli,
                                        "invalid driver list '%s': expected 'any' or "
                                        "driver names separated by commas",
                                        optarg);
                        a->drivers = optarg;
                        break;
                case OPT_SYSFS:
                        free(a->sysfs_root);
                        a->sysfs_root = absolute(optarg);
                        break;
                case OPT_DEV:
                        free(a->dev_root);
                        a->dev_root = absolute(optarg);
                        break;
                case OPT_CONFIG:
                        a->config_path = optarg;
                        break;
                case OPT_DEBUG:
                        ect_log_set_level(ECT_LOG_DEBUG);
                        break;
                case 'h':
                        return ect_cli_help(&cli);
                case OPT_VERSION:
                        return ect_cli_version(&cli);
                case ':':
                        return ect_cli_usage_error(&cli, "option '%s' needs a value",
                                                   argv[optind - 1]);
                default:
                        return ect_cli_usage_error(&cli, "unknown option '%s'", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return ect_cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);
        if (a->watch && (!a->output || strcmp(a->output, "-") == 0))
                return ect_cli_usage_error(&cli,
                                           "--watch needs --output FILE (the spec it keeps fresh)");
        if (a->remove_if_none && (!a->output || strcmp(a->output, "-") == 0))
                return ect_cli_usage_error(
                        &cli, "--remove-if-none needs --output FILE (the spec to remove)");
        return -1;
}

/* The host configuration the runtime shim and the hook read: its drivers,
 * sysfs-root and dev-root, where no option gave them, so that the spec the
 * units write (no options) gives out the devices those two would. A
 * missing default file means the defaults; a named one must exist. */
static int apply_config(struct args *a)
{
        struct ect_error *err = NULL;
        const char *path = a->config_path;
        const char *env = secure_getenv(ECT_CONFIG_ENV);

        if (!path && env && *env)
                path = env;
        if (ect_config_load(path, &a->config, &err) < 0) {
                log_error_err(err);
                ect_error_free(&err);
                return EXIT_FAILURE;
        }
        if (!a->drivers)
                a->drivers = a->config->drivers;
        if (!a->sysfs_root && a->config->sysfs_root)
                a->sysfs_root = xstrdup(a->config->sysfs_root);
        if (!a->dev_root && a->config->dev_root)
                a->dev_root = xstrdup(a->config->dev_root);
        a->cdi.dev_root = a->dev_root;
        return -1;
}

static const char *filter_text(const char *drivers)
{
        return drivers && *drivers ? drivers : "erdma (PCI ID 1ded:107f or driver erdma)";
}

/* Discovers and reports what discovery had to say. nodes_only: what a spec
 * needs (names, nodes, the driver filter), no ports, GUIDs, NUMA node or
 * netdevs, which only list shows. */
static int discover(const struct args *a, bool nodes_only, struct ect_host **ret,
                    struct ect_error **err)
{
        struct ect_discover_opts o = {.sysfs_root = a->sysfs_root,
                                      .dev_root = a->dev_root,
                                      .drivers = a->drivers,
                                      .nodes_only = nodes_only};
        struct ect_host *h = NULL;
        int r = ect_rdma_discover(&o, &h, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < h->n_warnings; i++)
                log_warn("%s", h->warnings[i]);
        if (h->n_filtered > 0)
                log_info("%zu RDMA device(s) left out by the driver filter %s (--driver any "
                         "selects every RDMA device)",
                         h->n_filtered, filter_text(a->drivers));
        *ret = h;
        return 0;
}

static char *no_device_text(const struct args *a, const struct ect_host *h)
{
        return xasprintf("no RDMA device matches: looked at %s/class/infiniband_verbs with "
                         "driver filter %s; %zu RDMA device(s) seen, %zu left out by the filter",
                         h->sysfs_root ? h->sysfs_root : ECT_SYSFS_ROOT, filter_text(a->drivers),
                         h->n_devices + h->n_filtered, h->n_filtered);
}

static int cmd_list(const struct args *a)
{
        cleanup_host struct ect_host *h = NULL;
        struct ect_error *err = NULL;

        if (discover(a, false, &h, &err) < 0) {
                log_error_err(err);
                ect_error_free(&err);
                return EXIT_FAILURE;
        }
        if (a->json) {
                cleanup_json struct ect_json *j = cdi_list_json(h, &a->cdi);
                cleanup_free char *s = NULL;

                if (ect_json_emit(j, true, &s, NULL, &err) < 0) {
                        log_error_err(err);
                        ect_error_free(&err);
                        return EXIT_FAILURE;
                }
                fputs(s, stdout);
        } else {
                cdi_list_table(stdout, h, &a->cdi);
        }
        if (fflush(stdout) != 0) {
                log_error("cannot write the list: %m");
                return EXIT_FAILURE;
        }
        if (h->n_devices == 0) {
                cleanup_free char *msg = no_device_text(a, h);
                log_error("%s", msg);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static enum format format_of(const struct args *a)
{
        const char *base, *dot;

        if (a->format != FORMAT_AUTO || !a->output || strcmp(a->output, "-") == 0)
                return a->format == FORMAT_JSON ? FORMAT_JSON : FORMAT_YAML;
        base = strrchr(a->output, '/');
        base = base ? base + 1 : a->output;
        dot = strrchr(base, '.');
        if (dot && strcmp(dot, ".json") == 0)
                return FORMAT_JSON;
        if (!dot || (strcmp(dot, ".yaml") != 0 && strcmp(dot, ".yml") != 0))
                log_warn("'%s' does not end in .json or .yaml: writing YAML, but engines only "
                         "read *.json and *.yaml from their CDI directories",
                         a->output);
        return FORMAT_YAML;
}

/* Discovers the host and serialises its spec (a cdi_render_fn). Returns 1
 * with the text in *ret and a one-line summary in *ret_summary, 0 when no
 * device matches (*ret_summary says why), < 0 on failure. */
static int render(void *ctx, char **ret, size_t *ret_len, char **ret_summary,
                  struct ect_error **err)
{
        const struct args *a = ctx;
        cleanup_host struct ect_host *h = NULL;
        cleanup_json struct ect_json *spec = NULL;
        cleanup_free char *buf = NULL;
        char **warnings = NULL;
        const char *version;
        size_t len = 0;
        int r = discover(a, true, &h, err);

        if (r < 0)
                return r;
        if (h->n_devices == 0) {
                *ret_summary = no_device_text(a, h);
                return 0;
        }
        r = ect_cdi_build(h, &a->cdi, &spec, &warnings, err);
        for (char **w = warnings; w && *w; w++)
                log_warn("%s", *w);
        ect_cdi_strv_free(warnings);
        if (r < 0)
                return r;
        version = ect_json_str(ect_json_get(spec, "cdiVersion"));
        if (strcmp(version, "0.5.0") > 0)
                log_warn("the spec needs cdiVersion %s: Podman 4.3 and other engines built on "
                         "CDI before 0.6 skip it without a word",
                         version);
        r = a->resolved_format == FORMAT_JSON ? ect_json_emit(spec, true, &buf, &len, err)
                                              : ect_yaml_emit(spec, &buf, &len, err);
        if (r < 0)
                return r;
        *ret_summary = xasprintf("kind %s/%s, %zu device name(s) and \"all\", cdiVersion %s",
                                 a->cdi.vendor ? a->cdi.vendor : ECT_CDI_VENDOR,
                                 a->cdi.class ? a->cdi.class : ECT_CDI_CLASS,
                                 ect_json_get(spec, "devices")->n - 1, version);
        *ret = steal_ptr(&buf);
        *ret_len = len;
        return 1;
}

static int cmd_generate(const struct args *a)
{
        cleanup_free char *buf = NULL;
        cleanup_free char *summary = NULL;
        struct ect_error *err = NULL;
        bool to_file = a->output && strcmp(a->output, "-") != 0;
        size_t len = 0;
        int r = render((void *)a, &buf, &len, &summary, &err);

        if (r == 0 && a->remove_if_none) {
                if (cdi_remove_spec(a->output, summary) < 0) {
                        log_error("cannot remove %s (no device matches: %s): %m", a->output,
                                  summary);
                        return EXIT_FAILURE;
                }
                return EXIT_SUCCESS;
        }
        if (r == 0) {
                log_error("%s", summary);
                return EXIT_FAILURE;
        }
        if (r > 0 && to_file) {
                r = ect_write_file_atomic(a->output, buf, len, 0644, &err);
                if (r < 0)
                        ect_error_wrap(&err, "cannot write the spec (an older file there is "
                                             "left as it was)");
        } else if (r > 0) {
                if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
                        log_error("cannot write the spec to stdout: %m");
                        return EXIT_FAILURE;
                }
        }
        if (r < 0) {
                log_error_err(err);
                ect_error_free(&err);
                return EXIT_FAILURE;
        }
        if (to_file)
                log_info("wrote %s: %s", a->output, summary);
        return EXIT_SUCCESS;
}

static int cmd_watch(const struct args *a)
{
        struct cdi_watch w = {
                .output = a->output,
                .dev_root = a->dev_root,
                .sysfs_root = a->sysfs_root,
                .render = render,
                .ctx = (void *)a,
        };

        return cdi_watch_run(&w);
}

int main(int argc, char **argv)
{
        struct args a = {0};
        int r;

        ect_log_init("erdma-cdi", ECT_LOG_INFO);
        r = parse_args(argc, argv, &a);
        if (r < 0)
                r = apply_config(&a);
        if (r < 0) {
                a.resolved_format = format_of(&a);
                r = a.list ? cmd_list(&a) : a.watch ? cmd_watch(&a) : cmd_generate(&a);
        }
        free(a.sysfs_root);
        free(a.dev_root);
        ect_config_free(a.config);
        return r;
}
