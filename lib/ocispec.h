/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json as a document we edit and write back.
 *
 * config.json comes from the engine, but its contents (env, annotations,
 * anything from the image) are the container's: it is read with a bound
 * and parsed strictly, and everything we do not touch is written back with
 * the same meaning (lib/json.h keeps key order, number text, unicode). */
#pragma once
#include "edits.h"
#include "error.h"
#include "json.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Docker and containerd write a few KiB; the bound only keeps a hostile or
 * broken file from eating memory. 16 MiB leaves room for huge annotation
 * sets (a 1 MiB config.json is benchmarked). */
#define ECT_OCI_MAX_SIZE (16 * 1024 * 1024)

struct ect_oci_doc {
        char *path;            /* "<bundle>/config.json" */
        struct ect_json *tree; /* the document (an object); OCI's root is tree.root.path */
        mode_t mode;           /* permission bits of the file, kept on write */
        uid_t uid;             /* its owner, kept on write ((uid_t)-1: the writer's) */
        gid_t gid;
        bool pretty; /* the file was indented: write it indented */
};

/* Reads and parses (lean, see ect_oci_parse_lean) <bundle>/config.json
 * (bundle NULL or "": the working directory), keeping the file's mode and
 * owner for ect_oci_save. Errors name the file: missing bundle, not a
 * regular file, larger than ECT_OCI_MAX_SIZE, invalid JSON with line and
 * column, not an object. Caller frees with ect_oci_free. */
int ect_oci_load(const char *bundle, struct ect_oci_doc **ret, struct ect_error **err);
/* Whether a file whose bytes are buf[0..len) is worth parsing. */
typedef bool ect_oci_parse_if_fn(const void *ctx, const char *buf, size_t len);
/* Same, but parse_if (when not NULL) sees the bytes first: false leaves
 * *ret NULL and returns 0 without a parse (the shim: no request can be in
 * the text, the common case). */
int ect_oci_load_if(const char *bundle, ect_oci_parse_if_fn *parse_if, const void *ctx,
                    struct ect_oci_doc **ret, struct ect_error **err);
/* Same from memory (tests, tools); path is used in messages. The whole
 * document becomes a tree. */
int ect_oci_parse(const char *buf, size_t len, const char *path, struct ect_oci_doc **ret,
                  struct ect_error **err);
/* Same, with the same checks and errors, keeping as nodes only the fields
 * that ect_oci_check_keys() lists (what the hook and the shim read or
 * edit); the rest of the document is kept as its text (ECT_JSON_RAW) and
 * written back by ect_oci_save() as the full tree would be. For config.json
 * from the engine: a hostile file within ECT_OCI_MAX_SIZE is not a node per
 * value. */
int ect_oci_parse_lean(const char *buf, size_t len, const char *path, struct ect_oci_doc **ret,
                       struct ect_error **err);
/* Refuses (EINVAL, naming the key) a document in which a field that the
 * hook or the shim reads or edits (root, root.path, annotations, process,
 * process.env, process.rlimits[].type/soft/hard, process.capabilities and
 * its sets, linux, linux.devices[] and linux.resources.devices[] and their
 * fields) is spelled by more than one key, as ect_json_check_go_key()
 * says: runc would read something else than we do. ect_oci_parse() calls
 * it; the readers of this module then match keys as Go does. */
int ect_oci_check_keys(const struct ect_json *config, struct ect_error **err);
void ect_oci_free(struct ect_oci_doc *d);
static inline void ect_oci_freep(struct ect_oci_doc **d)
{
        ect_oci_free(*d);
}
#define cleanup_oci __attribute__((cleanup(ect_oci_freep)))

/* The inputs of selection: "annotations" (NULL when absent) and
 * "process.env" (NULL when absent). Types are checked by ect_select. */
const struct ect_json *ect_oci_annotations(const struct ect_oci_doc *d);
const struct ect_json *ect_oci_env(const struct ect_oci_doc *d);

/* Applies the edits to the tree, idempotently:
 *  - linux.devices: {path, type "c", major, minor, fileMode 438, uid 0,
 *    gid 0} unless an entry with that path exists; an entry with that path
 *    but another type or number is an error;
 *  - linux.resources.devices: {"allow":true,"type":"c","major","minor",
 *    "access":"rw"} unless an allow rule for exactly that device with r and
 *    w already follows the last deny rule;
 *  - process.rlimits RLIMIT_MEMLOCK: soft and hard raised to
 *    edits->memlock, never lowered; added when missing;
 *  - process.capabilities bounding/effective/permitted: the extra
 *    capabilities, when the config has a process.capabilities object
 *    (without one, runc keeps the process's full set and there is nothing
 *    to add).
 * *ret_changed tells whether anything changed. Fails with a message naming
 * the field when a field we must edit has the wrong type; the tree may then
 * be partly edited, so the caller must not save it. */
int ect_oci_apply(struct ect_oci_doc *d, const struct ect_edits *edits, bool *ret_changed,
                  struct ect_error **err);
/* The RLIMIT_MEMLOCK the process will get: the largest soft/hard among the
 * config's entries; false when the config sets none. */
bool ect_oci_memlock(const struct ect_oci_doc *d, uint64_t *ret_soft, uint64_t *ret_hard);

/* Serialises (indented when the file was) and replaces the file atomically
 * with the same mode and owner. */
int ect_oci_save(const struct ect_oci_doc *d, struct ect_error **err);

/* The rootfs directory on the host: root.path, relative to the bundle when
 * not absolute. Caller frees *ret. */
int ect_oci_rootfs_path(const struct ect_json *config, const char *bundle, char **ret,
                        struct ect_error **err);
