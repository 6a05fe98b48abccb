/* SPDX-License-Identifier: Apache-2.0 */
#include "ctk_check.h"
#include "cleanup.h"
#include "ctk_plan.h"
#include "fileio.h"
#include "json.h"
#include "xalloc.h"
#include "yaml.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* What erdma-cdi writes by default (the units, the DaemonSet). */
#define OUR_SPEC "erdma.yaml"

struct spec {
        char *path;
        char *error; /* parse or shape error, NULL when fine */
        char *kind, *version;
        char **devices;
        size_t n_devices;
};

static void spec_clear(struct spec *s)
{
        free(s->path);
        free(s->error);
        free(s->kind);
        free(s->version);
        for (size_t k = 0; k < s->n_devices; k++)
                free(s->devices[k]);
        free(s->devices);
}

static bool has_suffix(const char *s, const char *suf)
{
        size_t a = strlen(s), b = strlen(suf);
        return a >= b && strcmp(s + a - b, suf) == 0;
}

static void load_spec(struct spec *s)
{
        cleanup_free char *buf = NULL;
        struct ect_error *err = NULL;
        struct ect_json *j = NULL, *devs;
        size_t len = 0;
        int r;

        if (ect_read_regular_at(AT_FDCWD, s->path, s->path, 4u << 20, &buf, &len, NULL, &err) < 0)
                goto fail;
        r = has_suffix(s->path, ".json") ? ect_json_parse(buf, len, &j, &err)
                                         : ect_yaml_parse(buf, len, &j, &err);
        if (r < 0)
                goto fail;
        if (!ect_json_str(ect_json_get(j, "cdiVersion")) ||
            !ect_json_str(ect_json_get(j, "kind"))) {
                s->error = xstrdup("no cdiVersion or kind");
                ect_json_free(j);
                return;
        }
        s->version = xstrdup(ect_json_str(ect_json_get(j, "cdiVersion")));
        s->kind = xstrdup(ect_json_str(ect_json_get(j, "kind")));
        devs = ect_json_get(j, "devices");
        if (!ect_json_is(devs, ECT_JSON_ARRAY) || devs->n == 0) {
                s->error = xstrdup("no devices");
                ect_json_free(j);
                return;
        }
        s->devices = xcalloc(devs->n, sizeof *s->devices);
        for (size_t k = 0; k < devs->n; k++) {
                const char *name = ect_json_str(ect_json_get(devs->v[k], "name"));
                if (!name) {
                        s->error = xasprintf("device %zu has no name", k);
                        break;
                }
                s->devices[s->n_devices++] = xstrdup(name);
        }
        ect_json_free(j);
        return;
fail:
        s->error = ect_error_text(err);
        ect_error_free(&err);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json, *.yaml and *.yml files of dir, sorted, as engines read them. */
static void list_dir(const char *dir, struct spec **v, size_t *n, size_t *cap)
{
        cleanup_dir DIR *d = opendir(dir);
        char **names = NULL;
        size_t nn = 0, ncap = 0;
        struct dirent *e;

        if (!d)
                return;
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.' ||
                    !(has_suffix(e->d_name, ".json") || has_suffix(e->d_name, ".yaml") ||
                      has_suffix(e->d_name, ".yml")))
                        continue;
                xgrow((void **)&names, &ncap, nn + 1, sizeof *names);
                names[nn++] = xstrdup(e->d_name);
        }
        if (nn > 1) /* qsort's base must not be NULL, even for 0 elements (UBSan) */
                qsort(names, nn, sizeof *names, cmp_str);
        for (size_t k = 0; k < nn; k++) {
                xgrow((void **)v, cap, *n + 1, sizeof **v);
                (*v)[*n] = (struct spec){.path = xasprintf("%s/%s", dir, names[k])};
                load_spec(&(*v)[*n]);
                (*n)++;
                free(names[k]);
        }
        free(names);
}

int ect_ctk_check(const struct ect_check_opts *o, FILE *out, bool *ret_ok, struct ect_error **err)
{
        struct spec *v = NULL;
        size_t n = 0, cap = 0, ours = 0, problems = 0;
        bool ok = true;

        (void)err;
        fprintf(out, "CDI specs:\n");
        if (o->spec_dirs) {
                for (size_t k = 0; k < o->n_spec_dirs; k++)
                        list_dir(o->spec_dirs[k], &v, &n, &cap);
        } else {
                static const char *const dirs[] = {"/etc/cdi", "/var/run/cdi"};
                for (size_t k = 0; k < 2; k++) {
                        cleanup_free char *d = ect_ctk_rooted(o->root, dirs[k]);
                        list_dir(d, &v, &n, &cap);
                }
        }
        if (n == 0)
                fprintf(out, "  none\n");
        for (size_t k = 0; k < n; k++) {
                struct spec *s = &v[k];
                if (s->error)
                        fprintf(out, "  %s: error: %s\n", s->path, s->error);
                else
                        fprintf(out, "  %s: %s, cdiVersion %s, %zu device(s)\n", s->path, s->kind,
                                s->version, s->n_devices);
        }

        fprintf(out, "problems:\n");
        for (size_t k = 0; k < n; k++) {
                struct spec *s = &v[k];
                bool mine = s->kind && strcmp(s->kind, o->kind) == 0;
                const char *base = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
                if (s->error) {
                        /* Unreadable: whose it is cannot be told; engines
                         * skip it (Podman 4.3 silently). */
                        fprintf(out, "  %s: engines skip it: %s\n", s->path, s->error);
                        problems++;
                        ok = false;
                        continue;
                }
                if (!mine)
                        continue;
                ours++;
                if (strcmp(base, OUR_SPEC) != 0 && strcmp(base, "erdma.json") != 0) {
                        fprintf(out,
                                "  %s: a spec of kind %s that erdma-cdi does not write "
                                "(it writes %s): left by an older version or by hand?\n",
                                s->path, o->kind, OUR_SPEC);
                        problems++;
                }
                for (size_t d = 0; d < s->n_devices; d++)
                        for (size_t j = 0; j < k; j++) {
                                if (v[j].error || strcmp(v[j].kind, s->kind) != 0)
                                        continue;
                                for (size_t e = 0; e < v[j].n_devices; e++)
                                        if (strcmp(v[j].devices[e], s->devices[d]) == 0) {
                                                fprintf(out,
                                                        "  %s=%s is defined in %s and in %s: "
                                                        "engines refuse or pick one of them\n",
                                                        s->kind, s->devices[d], v[j].path, s->path);
                                                problems++;
                                                ok = false;
                                        }
                        }
        }
        if (ours == 0) {
                fprintf(out,
                        "  no spec of kind %s (erdma-cdi generate --output "
                        "/var/run/cdi/" OUR_SPEC " writes it)\n",
                        o->kind);
                problems++;
        }
        if (problems == 0)
                fprintf(out, "  none\n");

        fprintf(out, "engines:\n");
        for (int e = 0; e < ECT_ENGINE_N; e++) {
                struct ect_version ver;
                const char *max, *since;
                if (o->engines_given) {
                        if (!o->has[e])
                                continue;
                        ver = o->v[e];
                } else {
                        struct ect_error *ve = NULL;
                        if (ect_engine_version((enum ect_engine)e, &ver, &ve) < 0) {
                                fprintf(out, "  %s: %s\n", ect_engine_program((enum ect_engine)e),
                                        ve->code == ENOENT ? "not installed" : ve->msg);
                                ect_error_free(&ve);
                                continue;
                        }
                }
                fprintf(out, "  %s %d.%d.%d: ", ect_engine_program((enum ect_engine)e), ver.major,
                        ver.minor, ver.patch);
                max = ect_engine_max_cdi((enum ect_engine)e, &ver, &since);
                if (!max) {
                        fprintf(out, "no CDI (first in %s): %s\n", since,
                                e == ECT_ENGINE_DOCKER ? "use the runtime shim (docker run "
                                                         "--runtime erdma)"
                                : e == ECT_ENGINE_CONTAINERD
                                        ? "use the runtime handler (erdma-ctk runtime configure "
                                          "--engine containerd)"
                                        : "use the hook (hooks.d)");
                        continue;
                }
                fprintf(out, "loads cdiVersion up to %s", max);
                if (e == ECT_ENGINE_DOCKER && ver.major < 28)
                        fprintf(out, " (with \"features\": {\"cdi\": true})");
                if (e == ECT_ENGINE_CONTAINERD && ver.major < 2)
                        fprintf(out, " (with enable_cdi = true)");
                fprintf(out, "\n");
                for (size_t k = 0; k < n; k++) {
                        struct spec *s = &v[k];
                        int c;
                        if (s->error || strcmp(s->kind, o->kind) != 0)
                                continue;
                        c = ect_cdi_version_cmp(s->version, max);
                        if (c == -2) {
                                fprintf(out, "    %s: cdiVersion '%s' is not a version: skipped\n",
                                        s->path, s->version);
                                ok = false;
                        } else if (c > 0) {
                                fprintf(out, "    %s: skipped (cdiVersion %s > %s)\n", s->path,
                                        s->version, max);
                                ok = false;
                        } else {
                                fprintf(out, "    %s: loaded\n", s->path);
                        }
                }
        }
        ok = ok && ours > 0;
        if (ok)
                fprintf(out, "result: ok, every engine with CDI loads every spec of kind %s\n",
                        o->kind);
        else
                fprintf(out, "result: FAILED (see above)\n");
        for (size_t k = 0; k < n; k++)
                spec_clear(&v[k]);
        free(v);
        *ret_ok = ok;
        return 0;
}
