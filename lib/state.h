/* SPDX-License-Identifier: Apache-2.0 */
/* The OCI hook state, as the engine writes it on a hook's stdin.
 * Input at the edge: bounded reads, typed checks, clear messages (STYLE.md
 * 7). config.json itself is read by lib/ocispec.h.
 *
 * runc gives {"ociVersion","id","status":"creating","pid","bundle"}; crun
 * says "created" and adds "root"; Podman adds "annotations". */
#pragma once
#include "error.h"
#include "json.h"

#include <sys/types.h>

#define ECT_STATE_MAX_SIZE (1024 * 1024)

struct ect_state {
        char *oci_version;            /* NULL when absent */
        char *id;                     /* NULL when absent */
        char *status;                 /* NULL when absent */
        pid_t pid;                    /* > 0 */
        char *bundle;                 /* absolute path */
        struct ect_json *annotations; /* object, or NULL */
};

/* Parses a state document. A missing or non-positive pid, a missing or
 * relative bundle, or a status "stopped" are errors. Caller frees *ret. */
int ect_state_parse(const char *buf, size_t len, struct ect_state **ret, struct ect_error **err);
/* Reads fd to its end (at most ECT_STATE_MAX_SIZE bytes) and parses. */
int ect_state_read(int fd, struct ect_state **ret, struct ect_error **err);
void ect_state_free(struct ect_state *s);
static inline void ect_state_freep(struct ect_state **s)
{
        ect_state_free(*s);
}
#define cleanup_state __attribute__((cleanup(ect_state_freep)))
