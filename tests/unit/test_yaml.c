/* SPDX-License-Identifier: Apache-2.0 */
/* YAML output (lib/yaml.c), read back with libyaml's parser. */
#include "cdi.h"
#include "cdihost.h"
#include "cleanup.h"
#include "testutil.h"
#include "yaml.h"

#include <regex.h>
#include <yaml.h>

/* What a YAML 1.1 loader (yaml.v2, PyYAML) makes of a plain scalar, reduced
 * to the JSON types: null, bool, number or string. */
static enum ect_json_type resolve_plain(const char *s)
{
        static const char *const pats[] = {
                "^(~|null|Null|NULL|)$",
                "^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|"
                "Off|OFF)$",
                "^[-+]?(0b[01_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(:[0-5]?"
                "[0-9])+)$",
                "^[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+][0-9]+)?$",
                "^[-+]?\\.(inf|Inf|INF)$|^\\.(nan|NaN|NAN)$",
                "^[-+]?[0-9]+(\\.[0-9]*)?[eE][-+]?[0-9]+$", /* 1.2 core floats */
        };
        for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
                regex_t re;
                int m;
                ck_assert_int_eq(regcomp(&re, pats[i], REG_EXTENDED | REG_NOSUB), 0);
                m = regexec(&re, s, 0, NULL, 0);
                regfree(&re);
                if (m == 0)
                        return i == 0 ? ECT_JSON_NULL : i == 1 ? ECT_JSON_TRUE : ECT_JSON_NUMBER;
        }
        return ECT_JSON_STRING;
}

static struct ect_json *scalar_json(const yaml_event_t *ev)
{
        const char *v = (const char *)ev->data.scalar.value;
        size_t len = ev->data.scalar.length;
        enum ect_json_type t = ECT_JSON_STRING;
        struct ect_json *j;

        if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
                t = resolve_plain(v);
        if (t == ECT_JSON_TRUE)
                return ect_json_new_bool(strcmp(v, "true") == 0);
        j = ect_json_new(t);
        if (t == ECT_JSON_NUMBER || t == ECT_JSON_STRING) {
                j->str = xmalloc(len + 1);
                memcpy(j->str, v, len);
                j->str[len] = '\0';
                j->len = len;
        }
        return j;
}

static struct ect_json *parse_node(yaml_parser_t *p, yaml_event_t *ev);

static void next(yaml_parser_t *p, yaml_event_t *ev)
{
        if (!yaml_parser_parse(p, ev))
                ck_abort_msg("YAML parse error: %s at line %zu", p->problem,
                             p->problem_mark.line + 1);
}

/* Builds the value that starts with ev (consumed). */
static struct ect_json *parse_node(yaml_parser_t *p, yaml_event_t *ev)
{
        struct ect_json *j;
        yaml_event_t e;

        switch (ev->type) {
        case YAML_SCALAR_EVENT:
                j = scalar_json(ev);
                yaml_event_delete(ev);
                return j;
        case YAML_SEQUENCE_START_EVENT:
                yaml_event_delete(ev);
                j = ect_json_new(ECT_JSON_ARRAY);
                for (next(p, &e); e.type != YAML_SEQUENCE_END_EVENT; next(p, &e))
                        ect_json_append(j, parse_node(p, &e));
                yaml_event_delete(&e);
                return j;
        case YAML_MAPPING_START_EVENT:
                yaml_event_delete(ev);
                j = ect_json_new(ECT_JSON_OBJECT);
                for (next(p, &e); e.type != YAML_MAPPING_END_EVENT; next(p, &e)) {
                        struct ect_json *k = parse_node(p, &e);
                        yaml_event_t ve;
                        ck_assert_int_eq(k->type, ECT_JSON_STRING);
                        next(p, &ve);
                        ect_json_set(j, k->str, parse_node(p, &ve));
                        ect_json_free(k);
                }
                yaml_event_delete(&e);
                return j;
        case YAML_NO_EVENT:
        case YAML_STREAM_START_EVENT:
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
        case YAML_ALIAS_EVENT:
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                break;
        }
        ck_abort_msg("unexpected YAML event %d", ev->type);
        return NULL;
}

/* Reads one document back as JSON types. */
static struct ect_json *yaml_read(const char *s, size_t len)
{
        yaml_parser_t p;
        yaml_event_t ev;
        struct ect_json *j;

        ck_assert(yaml_parser_initialize(&p));
        yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
        next(&p, &ev);
        ck_assert_int_eq(ev.type, YAML_STREAM_START_EVENT);
        yaml_event_delete(&ev);
        next(&p, &ev);
        ck_assert_int_eq(ev.type, YAML_DOCUMENT_START_EVENT);
        yaml_event_delete(&ev);
        next(&p, &ev);
        j = parse_node(&p, &ev);
        next(&p, &ev);
        ck_assert_int_eq(ev.type, YAML_DOCUMENT_END_EVENT);
        yaml_event_delete(&ev);
        next(&p, &ev);
        ck_assert_int_eq(ev.type, YAML_STREAM_END_EVENT);
        yaml_event_delete(&ev);
        yaml_parser_delete(&p);
        return j;
}

static void round_trip(const struct ect_json *j)
{
        cleanup_free char *s = NULL;
        cleanup_free char *js = NULL;
        cleanup_json struct ect_json *back = NULL;
        struct ect_error *err = NULL;
        size_t len;

        if (ect_yaml_emit(j, &s, &len, &err) < 0)
                ck_abort_msg("ect_yaml_emit: %s", err->msg);
        ck_assert_uint_eq(strlen(s), len);
        back = yaml_read(s, len);
        ck_assert_int_eq(ect_json_emit(back, false, &js, NULL, &err), 0);
        if (!ect_json_equal(j, back))
                ck_abort_msg("round trip changed the document:\n%s\nread back as %s", s, js);
}

START_TEST(test_ect_yaml_needs_quotes_cases)
{
        const char *quoted[] = {"",      "0.3.0",  "0.5.0", "1",     "-1",   "+1",
                                "0x1f",  "1e3",    ".inf",  "-.inf", ".nan", "~",
                                "null",  "NULL",   "true",  "False", "yes",  "No",
                                "on",    "OFF",    "y",     "n",     "<<",   "=",
                                " lead", "trail ", "\ttab", "1:20",  "a\nb", "12:34:56"};
        const char *plain[] = {"erdma_0",
                               "aliyun.com/erdma",
                               "/dev/infiniband/uverbs0",
                               "c",
                               "rw",
                               "all",
                               "nullable",
                               "yesterday",
                               "a b",
                               "v1.2"};

        for (size_t i = 0; i < sizeof quoted / sizeof *quoted; i++)
                ck_assert_msg(ect_yaml_needs_quotes(quoted[i], strlen(quoted[i])), "'%s'",
                              quoted[i]);
        for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
                ck_assert_msg(!ect_yaml_needs_quotes(plain[i], strlen(plain[i])), "'%s'", plain[i]);
}
END_TEST

START_TEST(test_ect_yaml_emit_round_trip_scalars)
{
        static const char doc[] =
                "{\"s\":[\"\",\"0.3.0\",\"1\",\"1.5\",\"-2\",\"0x10\",\"1e3\",\".inf\",\"~\","
                "\"null\",\"true\",\"no\",\"ON\",\"y\",\"<<\",\" x\",\"x \",\"a: b\",\"#c\","
                "\"- d\",\"[e]\",\"{f}\",\"&g\",\"*h\",\"!i\",\"|j\",\">k\",\"%l\",\"@m\",\"`n\","
                "\"'o'\",\"\\\"p\\\"\",\"q # r\",\"line1\\nline2\",\"tab\\there\",\"nul\\u0000x\","
                "\"\\u00e4\\u4e2d\",\"12:30\",\"1_000\",\"0o17\",\"0b101\"],"
                "\"n\":[0,231,-5,1.5,1e+30,12345678901234567890123],"
                "\"b\":[true,false,null],\"e\":{},\"a\":[],"
                "\"true\":1,\"0.3.0\":\"k\",\"\":\"empty key\",\"nested\":[[1,[2]],{\"x\":{}}]}";
        cleanup_json struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        if (ect_json_parse(doc, sizeof doc - 1, &j, &err) < 0)
                ck_abort_msg("parse: %s", err->msg);
        round_trip(j);
}
END_TEST

START_TEST(test_ect_yaml_emit_invalid_utf8)
{
        cleanup_json struct ect_json *j = ect_json_new(ECT_JSON_ARRAY);
        cleanup_free char *s = NULL;
        struct ect_error *err = NULL;

        ect_json_append(j, ect_json_new_str("bad \xff byte"));
        ck_assert_int_lt(ect_yaml_emit(j, &s, NULL, &err), 0);
        ck_assert_int_eq(err->code, EILSEQ);
        ck_assert_ptr_null(s);
        ect_error_free(&err);
}
END_TEST

START_TEST(test_ect_yaml_emit_cdi_specs)
{
        for (int naming = ECT_CDI_NAME_IBDEV; naming <= ECT_CDI_NAME_BOTH; naming++) {
                for (int hp = 0; hp < 2; hp++) {
                        struct ect_host *h = host_standard(hp ? "/tmp/x/dev" : NULL);
                        struct ect_cdi_opts o = {.naming = (enum ect_cdi_naming)naming};
                        struct ect_json *j = NULL;
                        struct ect_error *err = NULL;

                        host_add(h, 7, "7");
                        ck_assert_int_eq(ect_cdi_build(h, &o, &j, NULL, &err), 0);
                        round_trip(j);
                        ect_json_free(j);
                        ect_rdma_host_free(h);
                }
        }
}
END_TEST

static Suite *yaml_suite(void)
{
        Suite *s = suite_create("yaml");
        TCase *tc = tcase_create("needs_quotes");

        tcase_add_test(tc, test_ect_yaml_needs_quotes_cases);
        suite_add_tcase(s, tc);
        tc = tcase_create("emit");
        tcase_add_test(tc, test_ect_yaml_emit_round_trip_scalars);
        tcase_add_test(tc, test_ect_yaml_emit_invalid_utf8);
        tcase_add_test(tc, test_ect_yaml_emit_cdi_specs);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(yaml_suite());
}
