/* SPDX-License-Identifier: Apache-2.0 */
/* The lexical outline of a TOML document: its statements (table headers and
 * key = value lines) with their byte spans, so that one key can be edited
 * in place and everything else is kept byte for byte.
 *
 * Not a TOML parser (Debian ships no C TOML library; tomlc99 is not
 * packaged): values are not interpreted, except arrays of strings and
 * integers where a caller asks. What the scanner does understand is what
 * decides where a statement ends: the four string forms (a '#' or '[' in
 * a string is not a comment or a header), arrays and inline tables over
 * several lines, comments. That is enough to tell a top-level key from
 * the same name inside a table, which a line-based search cannot. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

enum ect_toml_kind {
        ECT_TOML_KEYVAL,      /* key = value */
        ECT_TOML_TABLE,       /* [table] */
        ECT_TOML_ARRAY_TABLE, /* [[array.of.tables]] */
};

struct ect_toml_item {
        enum ect_toml_kind kind;
        /* The dotted key, canonical: each part bare when it can be
         * ([A-Za-z0-9_-]+), else double-quoted; parts joined by '.'. For a
         * KEYVAL, relative to its table. */
        char *key;
        char *table;               /* KEYVAL: the table it sits in ("" at top level) */
        size_t start;              /* first byte of the statement (its key or '[') */
        size_t val_start, val_end; /* KEYVAL: the value's bytes */
        size_t end;                /* after the statement's line, '\n' included */
        size_t line;               /* 1-based line of start */
};

struct ect_toml_doc {
        struct ect_toml_item *items;
        size_t n;
};

/* Scans buf. On a lexical error (an unterminated string or array, a line
 * that is neither a header nor key = value) the message names line and
 * column. Returns 0, or < 0 with *err set. */
int ect_toml_scan(const char *buf, size_t len, struct ect_toml_doc *ret, struct ect_error **err);
void ect_toml_doc_clear(struct ect_toml_doc *d);

/* The KEYVAL item of key in table (canonical forms), or NULL. */
const struct ect_toml_item *ect_toml_find(const struct ect_toml_doc *d, const char *table,
                                          const char *key);
/* The canonical form of one key part. */
char *ect_toml_key_part(const char *s);
/* s quoted as a TOML basic string. */
char *ect_toml_quote(const char *s);

/* One element of an array of strings: its bytes in the document and its
 * decoded value. */
struct ect_toml_str {
        size_t start, end;
        char *val;
};
/* The elements of the array value buf[start..end). Fails (EINVAL) when it is
 * not an array or holds anything but strings. *ret is an array of *ret_n
 * elements; free it with ect_toml_strs_free(). */
int ect_toml_string_array(const char *buf, size_t start, size_t end, struct ect_toml_str **ret,
                          size_t *ret_n, struct ect_error **err);
void ect_toml_strs_free(struct ect_toml_str *v, size_t n);
/* A decimal integer value (TOML's underscores and sign allowed). */
bool ect_toml_int(const char *buf, size_t start, size_t end, long long *ret);
/* The decoded value of the string buf[start..end) (any of the four forms). */
int ect_toml_string(const char *buf, size_t start, size_t end, char **ret, struct ect_error **err);
