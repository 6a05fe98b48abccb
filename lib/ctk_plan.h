/* SPDX-License-Identifier: Apache-2.0 */
/* The files erdma-ctk writes or removes, as one plan: shown as a unified
 * diff (--dry-run) or applied in order, each write atomic and with the
 * owner and mode the file had, and taken back as a whole when one step
 * fails. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* path under root ("/" or NULL: path itself): where a default path of an
 * engine lies in a tree given with --root. */
char *ect_ctk_rooted(const char *root, const char *path);

/* A host configuration file as read for editing. */
struct ect_ctk_file {
        char *path;
        char *text; /* NULL when the file does not exist */
        size_t len;
        struct stat st; /* valid when text is not NULL */
};

/* Reads path: absent is not an error (text NULL); a symlink, a directory or
 * anything but a regular file is (an edit would replace the link by a
 * file), and so is a file over 4 MiB. */
int ect_ctk_file_read(const char *path, struct ect_ctk_file *ret, struct ect_error **err);
void ect_ctk_file_clear(struct ect_ctk_file *f);

struct ect_ctk_change {
        struct ect_ctk_file old;
        char *text; /* the new content; NULL: remove the file */
        size_t len;
        mode_t mode; /* of a file that did not exist */
        bool backup; /* keep the old content in "<path>.erdma-ctk.bak" unless
                        that exists: the file before erdma-ctk's first change */
        bool done, bak_written;
};

struct ect_ctk_plan {
        struct ect_ctk_change *v;
        size_t n;
};

/* Adds a step; takes old (its contents) and text. Nothing is added when
 * text equals the old content (or both are absent). */
void ect_ctk_plan_add(struct ect_ctk_plan *p, struct ect_ctk_file *old, char *text, mode_t mode,
                      bool backup);
/* The step for path, or NULL. */
struct ect_ctk_change *ect_ctk_plan_find(struct ect_ctk_plan *p, const char *path);
void ect_ctk_plan_clear(struct ect_ctk_plan *p);

/* `diff -u` of every step (/usr/bin/diff, to stdout). */
int ect_ctk_plan_diff(const struct ect_ctk_plan *p, struct ect_error **err);
/* Applies the steps not done yet, in order; on a failure, the steps done are undone and
 * the error names the step. Missing parent directories are made (0755). */
int ect_ctk_plan_apply(struct ect_ctk_plan *p, struct ect_error **err);
/* Undoes the steps done (after a check that failed). */
int ect_ctk_plan_revert(struct ect_ctk_plan *p, struct ect_error **err);
/* Rewrites a step that was done with new content (owned). */
int ect_ctk_plan_rewrite(struct ect_ctk_change *c, char *text, struct ect_error **err);
