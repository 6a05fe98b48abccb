/* SPDX-License-Identifier: Apache-2.0 */
/* bench/edit: the shim's config.json edit in-process, without exec, dynamic
 * loading or process start: ect_shim_edit_bundle() (read, request scan,
 * parse, discovery, selection, apply, emit into a temporary file, fsync,
 * rename) run N times on BUNDLE, config.json restored from
 * config.json.orig before each run (not timed). Prints the median and the
 * minimum in microseconds. Built by `make bench`, never installed.
 *
 * Usage: edit BUNDLE ERDMA-CONFIG N */
#include "config.h"
#include "fileio.h"
#include "runcargs.h"
#include "../runtime/shim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static double now_us(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char *argv[])
{
        struct ect_config *cfg = NULL;
        struct ect_error *err = NULL;
        struct ect_runc_args args = {.command = "create", .id = "bench"};
        char *orig = NULL, *path, *orig_path;
        size_t len = 0;
        double *t;
        int n;

        if (argc != 4 || (n = atoi(argv[3])) < 1) {
                fprintf(stderr, "usage: edit BUNDLE ERDMA-CONFIG N\n");
                return 2;
        }
        args.bundle = argv[1];
        if (asprintf(&path, "%s/config.json", argv[1]) < 0 ||
            asprintf(&orig_path, "%s/config.json.orig", argv[1]) < 0)
                return 1;
        if (ect_config_load(argv[2], &cfg, &err) < 0 ||
            ect_read_file_at(AT_FDCWD, orig_path, 64 << 20, &orig, &len, &err) < 0) {
                fprintf(stderr, "edit: %s\n", err->msg);
                return 1;
        }
        t = calloc((size_t)n, sizeof *t);
        for (int i = 0; i < n; i++) {
                double t0;
                if (ect_write_file_atomic_flags(path, orig, len, 0644, 0, &err) < 0) {
                        fprintf(stderr, "edit: %s\n", err->msg);
                        return 1;
                }
                t0 = now_us();
                if (ect_shim_edit_bundle(cfg, &args, &err) < 0) {
                        fprintf(stderr, "edit: %s\n", err->msg);
                        return 1;
                }
                t[i] = now_us() - t0;
        }
        qsort(t, (size_t)n, sizeof *t, cmp);
        printf("%.1f %.1f\n", t[(n - 1) / 2], t[0]);
        free(t);
        free(orig);
        free(path);
        free(orig_path);
        ect_config_free(cfg);
        return 0;
}
