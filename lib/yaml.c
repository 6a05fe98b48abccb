/* SPDX-License-Identifier: Apache-2.0 */
#include "yaml.h"
#include "cleanup.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

bool ect_yaml_needs_quotes(const char *s, size_t len)
{
        /* YAML 1.1 booleans and nulls (yaml.v2, PyYAML), compared without
         * case: a few more quotes than needed cost nothing. */
        static const char *const words[] = {"null", "true", "false", "yes", "no", "on",
                                            "off",  "y",    "n",     "<<",  "="};
        unsigned char first, last;

        if (len == 0)
                return true;
        first = (unsigned char)s[0];
        last = (unsigned char)s[len - 1];
        if (first == ' ' || first == '\t' || last == ' ' || last == '\t')
                return true;
        /* Numbers of every base and shape (1e3, 0x1f, 0o7, 1_000, 1:20,
         * .inf, -.nan, +1) and versions like 0.3.0 all start with one of
         * these; "~" is null. */
        if (strchr("0123456789+-.~", first))
                return true;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                /* Control bytes (NUL included) only survive as escapes, which
                 * only the double-quoted style has. */
                if (c < 0x20 || c == 0x7f)
                        return true;
        }
        for (size_t i = 0; i < sizeof words / sizeof *words; i++)
                if (strlen(words[i]) == len && strncasecmp(s, words[i], len) == 0)
                        return true;
        return false;
}

struct outbuf {
        char *p;
        size_t n, cap;
};

static int write_cb(void *data, unsigned char *buf, size_t size)
{
        struct outbuf *o = data;

        xgrow((void **)&o->p, &o->cap, o->n + size + 1, 1);
        memcpy(o->p + o->n, buf, size);
        o->n += size;
        o->p[o->n] = '\0';
        return 1;
}

static int scalar(yaml_emitter_t *e, const char *s, size_t len, bool is_string)
{
        yaml_event_t ev;
        yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
        int plain_implicit = 1, quoted_implicit = 1;

        if (is_string && ect_yaml_needs_quotes(s, len)) {
                style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
                plain_implicit = 0;
        } else if (!is_string) {
                style = YAML_PLAIN_SCALAR_STYLE;
                quoted_implicit = 0;
        }
        if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len,
                                          plain_implicit, quoted_implicit, style))
                return -EILSEQ; /* the only check it makes is UTF-8 */
        return yaml_emitter_emit(e, &ev) ? 0 : -1;
}

static int emit(yaml_emitter_t *e, const struct ect_json *j, unsigned depth)
{
        yaml_event_t ev;
        int r;

        if (depth > ECT_JSON_MAX_DEPTH)
                return -ELOOP;
        switch (j->type) {
        case ECT_JSON_NULL:
                return scalar(e, "null", 4, false);
        case ECT_JSON_FALSE:
                return scalar(e, "false", 5, false);
        case ECT_JSON_TRUE:
                return scalar(e, "true", 4, false);
        case ECT_JSON_NUMBER:
                return scalar(e, j->str, j->len, false);
        case ECT_JSON_STRING:
                return scalar(e, j->str, j->len, true);
        case ECT_JSON_ARRAY:
                if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                          YAML_BLOCK_SEQUENCE_STYLE) ||
                    !yaml_emitter_emit(e, &ev))
                        return -1;
                for (size_t i = 0; i < j->n; i++)
                        if ((r = emit(e, j->v[i], depth + 1)) < 0)
                                return r;
                if (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
                        return -1;
                return 0;
        case ECT_JSON_OBJECT:
                if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                         YAML_BLOCK_MAPPING_STYLE) ||
                    !yaml_emitter_emit(e, &ev))
                        return -1;
                for (size_t i = 0; i < j->n; i++) {
                        if ((r = scalar(e, j->keys[i], j->key_lens[i], true)) < 0)
                                return r;
                        if ((r = emit(e, j->v[i], depth + 1)) < 0)
                                return r;
                }
                if (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
                        return -1;
                return 0;
        case ECT_JSON_RAW: /* only in a lean config.json, never written as YAML */
                return -1;
        }
        return -1;
}

static int emit_document(yaml_emitter_t *e, const struct ect_json *j)
{
        yaml_event_t ev;
        int r;

        if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
            !yaml_emitter_emit(e, &ev))
                return -1;
        if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
            !yaml_emitter_emit(e, &ev))
                return -1;
        if ((r = emit(e, j, 0)) < 0)
                return r;
        if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(e, &ev))
                return -1;
        if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(e, &ev))
                return -1;
        return yaml_emitter_flush(e) ? 0 : -1;
}

int ect_yaml_emit(const struct ect_json *j, char **ret, size_t *ret_len, struct ect_error **err)
{
        yaml_emitter_t e;
        struct outbuf out = {0};
        int r;

        if (!yaml_emitter_initialize(&e))
                return ect_error_set(err, ENOMEM, "cannot allocate YAML emitter");
        yaml_emitter_set_output(&e, write_cb, &out);
        yaml_emitter_set_encoding(&e, YAML_UTF8_ENCODING);
        yaml_emitter_set_unicode(&e, 1);
        yaml_emitter_set_indent(&e, 2);
        yaml_emitter_set_width(&e, -1); /* never fold long lines */
        yaml_emitter_set_break(&e, YAML_LN_BREAK);

        r = emit_document(&e, j);
        if (r < 0) {
                if (r == -EILSEQ)
                        r = ect_error_set(err, EILSEQ,
                                          "cannot write YAML: a string is not valid UTF-8");
                else if (r == -ELOOP)
                        r = ect_error_set(err, ELOOP, "cannot write YAML: nested deeper than %d",
                                          ECT_JSON_MAX_DEPTH);
                else
                        r = ect_error_set(err, 0, "cannot write YAML: %s",
                                          e.problem ? e.problem : "emitter error");
                yaml_emitter_delete(&e);
                free(out.p);
                return r;
        }
        yaml_emitter_delete(&e);
        if (!out.p)
                out.p = xstrdup("");
        *ret = out.p;
        if (ret_len)
                *ret_len = out.n;
        return 0;
}

/* ---- reading ---- */

/* budget bounds the nodes made: aliases make the document a graph, which a
 * few lines can blow up to billions of nodes ("billion laughs"). */
static struct ect_json *node_to_json(yaml_document_t *doc, yaml_node_t *n, unsigned depth,
                                     size_t *budget)
{
        struct ect_json *j;

        if (!n || depth > ECT_JSON_MAX_DEPTH || *budget == 0)
                return NULL;
        (*budget)--;
        switch (n->type) {
        case YAML_SCALAR_NODE: {
                char *s = xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
                j = ect_json_new_str(s);
                free(s);
                return j;
        }
        case YAML_SEQUENCE_NODE:
                j = ect_json_new(ECT_JSON_ARRAY);
                for (yaml_node_item_t *i = n->data.sequence.items.start;
                     i < n->data.sequence.items.top; i++) {
                        struct ect_json *v = node_to_json(doc, yaml_document_get_node(doc, *i),
                                                          depth + 1, budget);
                        if (!v) {
                                ect_json_free(j);
                                return NULL;
                        }
                        ect_json_append(j, v);
                }
                return j;
        case YAML_MAPPING_NODE:
                j = ect_json_new(ECT_JSON_OBJECT);
                for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
                     p < n->data.mapping.pairs.top; p++) {
                        yaml_node_t *k = yaml_document_get_node(doc, p->key);
                        struct ect_json *v;
                        char *key;
                        if (!k || k->type != YAML_SCALAR_NODE) {
                                ect_json_free(j);
                                return NULL;
                        }
                        v = node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1,
                                         budget);
                        if (!v) {
                                ect_json_free(j);
                                return NULL;
                        }
                        key = xstrndup((const char *)k->data.scalar.value, k->data.scalar.length);
                        ect_json_set(j, key, v);
                        free(key);
                }
                return j;
        case YAML_NO_NODE:
        default:
                return NULL;
        }
}

int ect_yaml_parse(const char *buf, size_t len, struct ect_json **ret, struct ect_error **err)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        struct ect_json *j;
        size_t budget = 1000000;

        if (!yaml_parser_initialize(&parser))
                return ect_error_set(err, ENOMEM, "cannot allocate YAML parser");
        yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
        if (!yaml_parser_load(&parser, &doc)) {
                int r = ect_error_set(err, EINVAL, "invalid YAML at line %zu, column %zu: %s",
                                      parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                                      parser.problem ? parser.problem : "syntax error");
                yaml_parser_delete(&parser);
                return r;
        }
        j = node_to_json(&doc, yaml_document_get_root_node(&doc), 0, &budget);
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        if (!j)
                return ect_error_set(err, EINVAL,
                                     "YAML document is empty, too deep, too large "
                                     "(aliases) or has a key that is not a scalar");
        *ret = j;
        return 0;
}
