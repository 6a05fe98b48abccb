/* The OCI hook state (read from stdin), and where a bundle's rootfs is.
 * Input at the edge: bounded reads, typed checks, clear messages (STYLE.md
 * 7). config.json itself is read by lib/ocispec.h.
 *
 * runc gives {"ociVersion","id","status":"creating","pid","bundle"}; crun
 * says "created" and adds "root"; Podman adds "annotations". */
#pragma once
#include "error.h"
#include "json.h"

#include <sys/types.h>

#define ECT_OCI_STATE_MAX_SIZE (1024 * 1024)

struct ect_oci_state {
        char *oci_version; /* NULL when absent */
        char *id;          /* NULL when absent */
        char *status;      /* NULL when absent */
        pid_t pid;         /* > 0 */
        char *bundle;      /* absolute path */
        struct ect_json *annotations; /* object, or NULL */
};

/* Parses a state document. A missing or non-positive pid, a missing or
 * relative bundle, or a status "stopped" are errors. Caller frees *ret. */
int ect_oci_state_parse(const char *buf, size_t len, struct ect_oci_state **ret,
                        struct ect_error **err);
/* Reads fd to its end (at most ECT_OCI_STATE_MAX_SIZE bytes) and parses. */
int ect_oci_state_read(int fd, struct ect_oci_state **ret, struct ect_error **err);
void ect_oci_state_free(struct ect_oci_state *s);
static inline void ect_oci_state_freep(struct ect_oci_state **s)
{
        ect_oci_state_free(*s);
}
#define cleanup_oci_state __attribute__((cleanup(ect_oci_state_freep)))

/* The rootfs directory on the host: root.path, relative to the bundle when
 * not absolute. Caller frees *ret. */
int ect_oci_rootfs_path(const struct ect_json *config, const char *bundle, char **ret,
                        struct ect_error **err);
