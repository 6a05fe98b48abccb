/* SPDX-License-Identifier: Apache-2.0 */
/* JSON documents as a mutable tree. The only module that includes <yajl/...>.
 *
 * Why not yajl_tree: we edit config.json and must write back everything we
 * did not touch with the same meaning: key order, duplicate keys, numbers
 * beyond 64 bits (kept as their original text), strings with NUL bytes. We
 * also want the position of a syntax error and a bound on nesting, which the
 * event API gives and yajl_tree_parse() does not.
 *
 * Memory. A node per value costs 40-60 times the input for tiny values
 * ("0," is 2 bytes, its node and copies over 100): a 15 MiB config.json of
 * them cost the hook and the shim 450-1000 MiB (issue 13). A pointer tree
 * cannot meet 8x the input for such values, and a tape (a compact array of
 * values) would change every reader of the tree; so config.json is parsed
 * lean (ect_json_parse_lean): the tree holds only the paths the programs
 * read, and the text of everything else is kept once, as ECT_JSON_RAW
 * nodes, and streamed back through yajl's parser into the generator on
 * output, which therefore does not change. The arrays that are read
 * (process.env, linux.devices, ...) are kept as text too, in runs, and
 * read one element at a time (ect_json_iter); only what is edited in place
 * stays a node. Measured (bench/hostile.sh): about 2x the input for tiny
 * values anywhere. Small files (host config, daemon.json, CDI specs,
 * state) keep the full tree. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting bound of the parser. Below yajl_gen's own limit (127 levels), so
 * that whatever parses can be written back; a real config.json nests about
 * six levels. */
#define ECT_JSON_MAX_DEPTH 64
/* The most times a key that is read may stand in one object: more is
 * refused (ect_json_check_go_key; for a map key, its reader with
 * ect_json_count_key), so that a lean parse keeps at most one more. No
 * real document repeats a key; a hostile one repeating it a million times
 * would otherwise cost a node each. */
#define ECT_JSON_MAX_REPEAT 64

enum ect_json_type {
        ECT_JSON_NULL,
        ECT_JSON_FALSE,
        ECT_JSON_TRUE,
        ECT_JSON_NUMBER,
        ECT_JSON_STRING,
        ECT_JSON_ARRAY,
        ECT_JSON_OBJECT,
        /* Only in a lean document (ect_json_parse_lean): the source text of
         * a run of consecutive members of an object (stored under the key
         * "", which no Go field name matches) or elements of an array, or
         * of one value, that nobody reads. Written back as it was read. */
        ECT_JSON_RAW,
};

struct ect_json {
        enum ect_json_type type;
        char *str;  /* STRING: the bytes, NUL-terminated, may hold NULs;
                       NUMBER: the number's text exactly as read or made */
        size_t len; /* of str */
        size_t n, cap;
        size_t count;        /* RAW: the elements (members) its text holds */
        char **keys;         /* OBJECT: n keys, NUL-terminated */
        size_t *key_lens;    /* OBJECT: their lengths (keys may hold NULs) */
        struct ect_json **v; /* ARRAY, OBJECT: n values */
};

/* Parses exactly one JSON value from buf[0..len). On a syntax error the
 * message names line, column and cause. Returns 0, or < 0 with *err set. */
int ect_json_parse(const char *buf, size_t len, struct ect_json **ret, struct ect_error **err);
/* What a lean parse keeps of an object: the members whose keys Go matches
 * (ect_json_go_key) to one of these field names, each with the whole of its
 * value (sub NULL) or, when the value is an object (each false) or an array
 * (each true: of each element that is an object), only the fields of sub.
 * A list ends with name NULL.
 *
 * exact: sub names map keys (annotations), matched exactly as Go matches
 * them, with no further check; the other members are folded into text.
 * fold: the value is an array read only through ect_json_iter (which
 * parses the folded elements one at a time): its elements are folded into
 * ECT_JSON_RAW runs, but for those that keep_elem (if set) wants as nodes,
 * to be edited in place; n_kept is how many it already wanted. keep_text:
 * keep_elem is asked only of elements whose text holds it or an escape
 * (the others are folded unparsed). A reader that edits a folded element
 * would lose the edit: it must refuse. */
struct ect_json_keep {
        const char *name;
        const struct ect_json_keep *sub;
        bool each;
        bool exact;
        bool fold;
        bool (*keep_elem)(const struct ect_json *elem, size_t n_kept);
        const char *keep_text;
};
/* As ect_json_parse (the same checks, errors and bound), for a large input
 * of which a program reads a few paths: the root object keeps the members
 * named in keep, as above; every run of other members becomes one
 * ECT_JSON_RAW node holding its text, so that unread values cost their
 * bytes once, not a node each, and the emitters write the same text as for
 * the full tree. */
int ect_json_parse_lean(const char *buf, size_t len, const struct ect_json_keep *keep,
                        struct ect_json **ret, struct ect_error **err);
void ect_json_free(struct ect_json *j);

/* The elements of an array one at a time, whatever the parse kept: a node
 * of the array as it is, the elements of a RAW run (lean parse, fold)
 * parsed when reached into a node of the iterator's own, freed at the next
 * step (transient: an edit of it is lost). index: the element's place in
 * the document's array, RAW runs counted. Not an array: no elements.
 *
 *     cleanup_json_iter struct ect_json_iter it = ECT_JSON_ITER(arr);
 *     for (struct ect_json *e; (e = ect_json_next(&it));) ... it.index ... */
struct ect_json_iter {
        const struct ect_json *arr;
        size_t i;                 /* arr->v[i]: the node read next, or the RAW run being read */
        size_t index;             /* of the element ect_json_next() returned last */
        bool transient;           /* that element is the iterator's own */
        struct ect_json_run *run; /* the parser over arr->v[i] when it is RAW */
};
#define ECT_JSON_ITER(a)                                                                           \
        {                                                                                          \
                .arr = (a), .index = SIZE_MAX                                                      \
        }
struct ect_json *ect_json_next(struct ect_json_iter *it);
void ect_json_iter_done(struct ect_json_iter *it);
#define cleanup_json_iter __attribute__((cleanup(ect_json_iter_done)))
static inline void ect_json_freep(struct ect_json **j)
{
        ect_json_free(*j);
}
#define cleanup_json __attribute__((cleanup(ect_json_freep)))

/* Lookups. NULL when j is not an object or has no such key. With duplicate
 * keys the last one wins, as in Go's encoding/json (runc, containerd): we
 * must read what the runtime will read. */
struct ect_json *ect_json_get(const struct ect_json *obj, const char *key);
/* Keys as Go's encoding/json matches them to a struct field (runc reads
 * config.json with it): name is a lower-case ASCII field name; a key
 * matches when equal but for the case of ASCII letters, with U+017F for s
 * and U+212A for k (Unicode simple folding). Map keys (annotations) are
 * not matched this way: Go compares those exactly. */
bool ect_json_go_key(const char *k, size_t klen, const char *name);
/* The member of obj that Go reads for field name: the last matching key.
 * Exact for a document ect_json_check_go_key() accepted; NULL when none. */
struct ect_json *ect_json_get_go(const struct ect_json *obj, const char *name);
/* The shared rule for the fields we read or edit: field name may be
 * spelled by at most one key of obj, or by several keys (at most
 * ECT_JSON_MAX_REPEAT) of exactly that spelling none of which holds an
 * object or null (then the last one wins, for Go as for us). Anything
 * else: EINVAL naming where+name. */
int ect_json_check_go_key(const struct ect_json *obj, const char *where, const char *name,
                          struct ect_error **err);
/* How many members of obj have exactly this key. */
size_t ect_json_count_key(const struct ect_json *obj, const char *key);
/* The string's bytes; NULL when j is not a string or holds a NUL byte. */
const char *ect_json_str(const struct ect_json *j);
/* Integer value of a NUMBER that is an integer in range; false otherwise. */
bool ect_json_u64(const struct ect_json *j, uint64_t *ret);
bool ect_json_i64(const struct ect_json *j, int64_t *ret);
static inline bool ect_json_is(const struct ect_json *j, enum ect_json_type t)
{
        return j && j->type == t;
}
const char *ect_json_type_name(const struct ect_json *j);

/* Construction. Each returns a new node owned by the caller. */
struct ect_json *ect_json_new(enum ect_json_type type);
struct ect_json *ect_json_new_str(const char *s);
struct ect_json *ect_json_new_u64(uint64_t v);
struct ect_json *ect_json_new_i64(int64_t v);
static inline struct ect_json *ect_json_new_bool(bool b)
{
        return ect_json_new(b ? ECT_JSON_TRUE : ECT_JSON_FALSE);
}
/* Takes ownership of val. Replaces the value of the last key equal to key,
 * else appends. Returns val. */
struct ect_json *ect_json_set(struct ect_json *obj, const char *key, struct ect_json *val);
/* Removes every member named key; false when there was none. */
bool ect_json_remove(struct ect_json *obj, const char *key);
/* Takes ownership of val; returns val. */
struct ect_json *ect_json_append(struct ect_json *arr, struct ect_json *val);
/* Returns the object (or array) at key, creating an empty one when the key is
 * missing. NULL when the key holds a value of another type. */
struct ect_json *ect_json_ensure(struct ect_json *obj, const char *key, enum ect_json_type type);
/* Deep copy. */
struct ect_json *ect_json_dup(const struct ect_json *j);
/* Structural equality (numbers compared by text). */
bool ect_json_equal(const struct ect_json *a, const struct ect_json *b);

/* Serialises j. pretty: indented, one member a line, trailing newline.
 * Fails (EILSEQ) on a string that is not valid UTF-8. ret is NUL-terminated. */
int ect_json_emit(const struct ect_json *j, bool pretty, char **ret, size_t *ret_len,
                  struct ect_error **err);
/* Pretty, each level indented by indent (a file's own style: "\t",
 * "    "). */
int ect_json_emit_indent(const struct ect_json *j, const char *indent, char **ret, size_t *ret_len,
                         struct ect_error **err);
/* The same text written to fd in chunks (what names fd in messages), for
 * large documents: no copy of the whole text in memory. On failure part of
 * it may have been written. */
int ect_json_emit_fd(const struct ect_json *j, bool pretty, int fd, const char *what,
                     struct ect_error **err);
/* A JSON string literal for s (quotes included); invalid UTF-8 is replaced
 * by U+FFFD. For log lines, where failing is not an option. */
char *ect_json_quote(const char *s);
