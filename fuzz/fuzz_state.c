/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the OCI state a hook reads on stdin (lib/state.c), and
 * the rootfs path it derives from config.json.
 * Input: one mode byte; mode & 1: the rest is a config.json whose
 * root.path is resolved against a fixed bundle; else the rest is a state.
 * Invariants: no crash; errors have a message; an accepted state has a
 * positive pid, an absolute bundle, annotations that are an object or
 * absent, and is not "stopped"; a rootfs path is absolute. */
#include "json.h"
#include "ocispec.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        struct ect_error *err = NULL;

        if (size == 0)
                return 0;
        if (data[0] & 1) {
                struct ect_json *j = NULL;
                char *p = NULL;
                if (ect_json_parse((const char *)data + 1, size - 1, &j, &err) < 0) {
                        ect_error_free(&err);
                        return 0;
                }
                if (ect_oci_rootfs_path(j, "/run/bundle", &p, &err) < 0) {
                        if (!err || !err->msg)
                                abort();
                        ect_error_free(&err);
                } else if (!p || p[0] != '/') {
                        abort();
                }
                free(p);
                ect_json_free(j);
                return 0;
        }
        {
                struct ect_state *s = NULL;
                if (ect_state_parse((const char *)data + 1, size - 1, &s, &err) < 0) {
                        if (!err || !err->msg || !*err->msg || s)
                                abort();
                        ect_error_free(&err);
                        return 0;
                }
                if (!s || s->pid <= 0 || !s->bundle || s->bundle[0] != '/')
                        abort();
                if (s->annotations && !ect_json_is(s->annotations, ECT_JSON_OBJECT))
                        abort();
                if (s->status && strcmp(s->status, "stopped") == 0)
                        abort();
                ect_state_free(s);
        }
        return 0;
}
