/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's daemon.json for erdma-ctk: the runtime, optionally the default
 * runtime and CDI, added to the document with every other member kept
 * (order, duplicates, numbers as written: lib/json.c), and an undo record
 * of exactly what was added or replaced.
 *
 * The record is needed because daemon.json cannot hold it (dockerd refuses
 * unknown keys) and because "features.cdi": true may have been there
 * before: unconfigure must take back what configure did, nothing else. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

struct ect_docker_opts {
        const char *runtime_name; /* "erdma" */
        const char *runtime_path; /* the shim */
        bool set_default;         /* "default-runtime" */
        bool cdi;                 /* "features": {"cdi": true} (Docker 25 to 28.1) */
};

/* old: daemon.json's text, NULL when there is none; rec: the undo record's
 * text, NULL when there is none. *ret: the new daemon.json, NULL when
 * nothing changes (the file is then left byte for byte); *ret_rec: the new
 * record (set whenever *ret is). The new text keeps the file's indentation
 * (a tab or N spaces, else two) with empty containers as {} and []. A
 * document that is not a JSON object fails with line and column. */
int ect_docker_configure(const char *old, size_t old_len, const char *rec, size_t rec_len,
                         const struct ect_docker_opts *o, char **ret, char **ret_rec,
                         struct ect_error **err);

/* Undoes what rec records: a member still holding the value configure
 * wrote gets its earlier value back, or goes; one changed since is kept
 * and named in *ret_notes (a NUL-separated list, "" for none; owned by the
 * caller). *ret: the new text, NULL when nothing changes; *ret_remove: the
 * file was created by configure and is now empty, remove it instead. */
int ect_docker_unconfigure(const char *old, size_t old_len, const char *rec, size_t rec_len,
                           char **ret, bool *ret_remove, char **ret_notes, struct ect_error **err);

/* The indentation unit of a JSON text: "\t", N spaces, or "  ". */
char *ect_docker_indent(const char *text, size_t len);
