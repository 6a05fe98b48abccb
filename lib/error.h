/* SPDX-License-Identifier: Apache-2.0 */
/* Errors carried up the stack: an errno (or 0) and a message with context.
 * Convention (crun design-docs/error_handling.md): a function that can fail
 * returns >= 0 on success, negative on failure, and fills *err on failure
 * only. Each layer adds context with ect_error_wrap(); main() prints once. */
#pragma once

struct ect_error {
        int code;  /* errno, or 0 when no errno applies */
        char *msg; /* "context: context: cause" (without strerror) */
};

/* Sets *err (which must be NULL) and returns -1 - code, always < 0. */
int ect_error_set(struct ect_error **err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Prefixes the message of *err with "ctx: " and returns the same value as
 * ect_error_set() did. */
int ect_error_wrap(struct ect_error **err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* What ect_error_set() returned for err: -1 - code, always < 0 (-1 for
 * NULL). A function that passes a callee's failure on unchanged returns this
 * (or the callee's own return value, which is the same). */
int ect_error_rc(const struct ect_error *err);
/* Frees *err and sets it to NULL; NULL-safe. */
void ect_error_free(struct ect_error **err);
/* The full text, "msg: strerror(code)" when code != 0; static storage is not
 * used: the result is malloc'ed and owned by the caller. */
char *ect_error_text(const struct ect_error *err);
