/* SPDX-License-Identifier: Apache-2.0 */
#include "ctk_engines.h"
#include "cleanup.h"
#include "spawn.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
        const char *name, *program;
} engines[ECT_ENGINE_N] = {
        [ECT_ENGINE_DOCKER] = {"docker", "dockerd"},
        [ECT_ENGINE_CONTAINERD] = {"containerd", "containerd"},
        [ECT_ENGINE_CRIO] = {"crio", "crio"},
        [ECT_ENGINE_PODMAN] = {"podman", "podman"},
};

const char *ect_engine_program(enum ect_engine e)
{
        return e < ECT_ENGINE_N ? engines[e].program : "?";
}

int ect_engine_parse(const char *s)
{
        for (int e = 0; e < ECT_ENGINE_N; e++)
                if (strcmp(s, engines[e].name) == 0)
                        return e;
        if (strcmp(s, "cri-o") == 0)
                return ECT_ENGINE_CRIO;
        if (strcmp(s, "dockerd") == 0)
                return ECT_ENGINE_DOCKER;
        return -1;
}

bool ect_version_parse(const char *text, struct ect_version *ret)
{
        for (const char *p = text; *p; p++) {
                int a, b, c = 0, n = 0;
                if (!isdigit((unsigned char)*p) ||
                    (p > text && isalnum((unsigned char)p[-1]) && p[-1] != 'v'))
                        continue;
                if (sscanf(p, "%d.%d%n", &a, &b, &n) == 2 && n > 0) {
                        if (p[n] == '.')
                                (void)sscanf(p + n + 1, "%d", &c);
                        *ret = (struct ect_version){a, b, c};
                        return true;
                }
        }
        return false;
}

static int version_cmp(const struct ect_version *a, const struct ect_version *b)
{
        if (a->major != b->major)
                return a->major < b->major ? -1 : 1;
        if (a->minor != b->minor)
                return a->minor < b->minor ? -1 : 1;
        if (a->patch != b->patch)
                return a->patch < b->patch ? -1 : 1;
        return 0;
}

int ect_engine_version(enum ect_engine e, struct ect_version *ret, struct ect_error **err)
{
        char *argv[] = {(char *)ect_engine_program(e), (char *)"--version", NULL};
        struct ect_spawn_result r;
        bool ok;

        if (!ect_spawn_found(argv[0]))
                return ect_error_set(err, ENOENT, "%s is not installed", argv[0]);
        if (ect_spawn(argv, 0, &r, err) < 0)
                return ect_error_rc(*err);
        ok = r.status == 0 && ect_version_parse(r.out, ret);
        ect_spawn_result_clear(&r);
        if (!ok)
                return ect_error_set(err, 0, "cannot read the version of %s", argv[0]);
        return 0;
}

/* Which cdiVersion each engine release loads. An engine loads a spec
 * through the container-device-interface library it vendors, whose
 * validateVersion accepts every version up to its specs-go CurrentVersion
 * (v0.3.x: 0.3.0, v0.4.x: 0.4.0, v0.5.x: 0.5.0, v0.6.x: 0.6.0, v0.7.x:
 * 0.7.0, v0.8.x: 0.8.0, v1.0.x: 1.0.0, v1.1.x: 1.1.0) and skips the spec
 * otherwise. The library each release pins, from go.mod (moby: vendor.mod)
 * at the release tags of the engines' repositories:
 *   podman      v4.1.0 v0.4.0, v4.3.0 v0.5.2, v4.7.0 v0.6.1, v5.1.0 v0.7.2,
 *               v5.2.0 v0.8.0, v5.5.0 v1.0.1 (4.0 pinned a pre-release)
 *   containerd  v1.7.0 v0.5.4, v1.7.12 v0.6.1, v1.7.16 v0.7.2, v1.7.27 v0.8.1,
 *               v2.0.0 v0.8.0, v2.0.5 v1.0.0, v2.1.0 v1.0.1, v2.2.1 v1.1.0;
 *               none before 1.7 (the CRI plugin's enable_cdi is new in 1.7)
 *   cri-o       v1.24.0 v0.3.2, v1.25.0 v0.5.0, v1.28.0 v0.6.0, v1.30.0 v0.7.2,
 *               v1.31.0 v0.8.0, v1.33.0 v1.0.1, v1.35.0 v1.1.0; none in v1.23
 *   moby        v25.0.0 v0.6.2, v25.0.17 v0.8.1, v26.0.0 v0.6.2, v26.1.0 v0.7.1,
 *   (dockerd)   v27.4.0 v0.8.0, v28.1.0 v1.0.1; none before 25. Docker 25.0
 *               to 28.1 load specs only with "features": {"cdi": true}
 *               (cmd/dockerd/daemon.go; on by default from v28.2.0).
 * Rows are in version order per engine: the last row at or below a release
 * applies. */
static const struct row {
        enum ect_engine engine;
        struct ect_version from;
        const char *max;
} cdi_table[] = {
        {ECT_ENGINE_PODMAN, {4, 1, 0}, "0.4.0"},      {ECT_ENGINE_PODMAN, {4, 3, 0}, "0.5.0"},
        {ECT_ENGINE_PODMAN, {4, 7, 0}, "0.6.0"},      {ECT_ENGINE_PODMAN, {5, 1, 0}, "0.7.0"},
        {ECT_ENGINE_PODMAN, {5, 2, 0}, "0.8.0"},      {ECT_ENGINE_PODMAN, {5, 5, 0}, "1.0.0"},
        {ECT_ENGINE_CONTAINERD, {1, 7, 0}, "0.5.0"},  {ECT_ENGINE_CONTAINERD, {1, 7, 12}, "0.6.0"},
        {ECT_ENGINE_CONTAINERD, {1, 7, 16}, "0.7.0"}, {ECT_ENGINE_CONTAINERD, {1, 7, 27}, "0.8.0"},
        {ECT_ENGINE_CONTAINERD, {2, 0, 0}, "0.8.0"},  {ECT_ENGINE_CONTAINERD, {2, 0, 5}, "1.0.0"},
        {ECT_ENGINE_CONTAINERD, {2, 2, 1}, "1.1.0"},  {ECT_ENGINE_CRIO, {1, 24, 0}, "0.3.0"},
        {ECT_ENGINE_CRIO, {1, 25, 0}, "0.5.0"},       {ECT_ENGINE_CRIO, {1, 28, 0}, "0.6.0"},
        {ECT_ENGINE_CRIO, {1, 30, 0}, "0.7.0"},       {ECT_ENGINE_CRIO, {1, 31, 0}, "0.8.0"},
        {ECT_ENGINE_CRIO, {1, 33, 0}, "1.0.0"},       {ECT_ENGINE_CRIO, {1, 35, 0}, "1.1.0"},
        {ECT_ENGINE_DOCKER, {25, 0, 0}, "0.6.0"},     {ECT_ENGINE_DOCKER, {25, 0, 17}, "0.8.0"},
        {ECT_ENGINE_DOCKER, {26, 0, 0}, "0.6.0"},     {ECT_ENGINE_DOCKER, {26, 1, 0}, "0.7.0"},
        {ECT_ENGINE_DOCKER, {27, 4, 0}, "0.8.0"},     {ECT_ENGINE_DOCKER, {28, 1, 0}, "1.0.0"},
};

const char *ect_engine_max_cdi(enum ect_engine e, const struct ect_version *v,
                               const char **ret_since)
{
        const char *max = NULL;

        *ret_since = NULL;
        for (size_t k = 0; k < sizeof cdi_table / sizeof *cdi_table; k++) {
                const struct row *r = &cdi_table[k];
                if (r->engine != e)
                        continue;
                if (!*ret_since)
                        *ret_since = e == ECT_ENGINE_PODMAN       ? "4.1.0"
                                     : e == ECT_ENGINE_CONTAINERD ? "1.7.0"
                                     : e == ECT_ENGINE_CRIO       ? "1.24.0"
                                                                  : "25.0.0";
                if (version_cmp(&r->from, v) <= 0)
                        max = r->max;
        }
        return max;
}

int ect_cdi_version_cmp(const char *a, const char *b)
{
        struct ect_version x, y;
        int n = 0;

        if (sscanf(a, "%d.%d.%d%n", &x.major, &x.minor, &x.patch, &n) != 3 || a[n] ||
            sscanf(b, "%d.%d.%d%n", &y.major, &y.minor, &y.patch, &n) != 3 || b[n])
                return -2;
        return version_cmp(&x, &y);
}
