/* SPDX-License-Identifier: Apache-2.0 */
#include "runcargs.h"

#include <string.h>

/* runc 1.1 global options that take a value; everything else is boolean
 * (--debug, --systemd-cgroup, --help, --version). */
static const char *const global_values[] = {"root", "log", "log-format", "criu", "rootless", NULL};
/* Options of create, run and restore that take a value. */
static const char *const command_values[] = {
        "bundle",       "b",           "console-socket",    "pid-file",
        "preserve-fds", "image-path",  "work-path",         "manage-cgroups-mode",
        "empty-ns",     "lsm-profile", "lsm-mount-context", "parent-path",
        "pidfd-socket", /* runc 1.2 */
        NULL,
};

static bool in(const char *const *list, const char *name, size_t len)
{
        for (; *list; list++)
                if (strlen(*list) == len && memcmp(*list, name, len) == 0)
                        return true;
        return false;
}

/* One option at argv[*i]: its name (without dashes) and value. Returns
 * false when argv[*i] is not an option. */
static bool option(int argc, char *const argv[], int *i, const char *const *values,
                   const char **name, size_t *name_len, const char **value)
{
        const char *a = argv[*i], *eq;

        if (a[0] != '-' || a[1] == '\0')
                return false;
        a += a[1] == '-' ? 2 : 1;
        eq = strchr(a, '=');
        *name = a;
        *name_len = eq ? (size_t)(eq - a) : strlen(a);
        *value = NULL;
        if (eq)
                *value = eq + 1;
        else if (in(values, a, *name_len) && *i + 1 < argc)
                *value = argv[++*i];
        return true;
}

/* The spellings of false that Go's strconv.ParseBool accepts. */
static bool is_go_false(const char *v)
{
        static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False", NULL};
        for (const char *const *p = f; *p; p++)
                if (strcmp(v, *p) == 0)
                        return true;
        return false;
}

#define IS(lit) (n == strlen(lit) && memcmp(name, lit, n) == 0)

void ect_runc_args_parse(int argc, char *const argv[], struct ect_runc_args *ret)
{
        struct ect_runc_args a = {0};
        const char *name, *value;
        size_t n;
        int i = 1;

        for (; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                }
                if (!option(argc, argv, &i, global_values, &name, &n, &value))
                        break;
                if (IS("root"))
                        a.root = value;
                else if (IS("log"))
                        a.log = value;
                else if (IS("log-format"))
                        a.log_format = value;
                else if (IS("debug"))
                        a.debug = !value || !is_go_false(value);
        }
        if (i < argc) {
                a.command = argv[i];
                a.command_index = i;
        }
        if (ect_runc_args_builds_container(&a)) {
                /* urfave/cli moves options written after the ID in front of
                 * it, so scan to the end (or "--"). */
                for (i++; i < argc; i++) {
                        if (strcmp(argv[i], "--") == 0) {
                                if (!a.id && i + 1 < argc)
                                        a.id = argv[i + 1];
                                break;
                        }
                        if (!option(argc, argv, &i, command_values, &name, &n, &value)) {
                                if (!a.id)
                                        a.id = argv[i];
                                continue;
                        }
                        if (IS("bundle") || IS("b"))
                                a.bundle = value;
                }
        }
        *ret = a;
}

bool ect_runc_args_builds_container(const struct ect_runc_args *a)
{
        return a->command && (strcmp(a->command, "create") == 0 || strcmp(a->command, "run") == 0 ||
                              strcmp(a->command, "restore") == 0);
}
