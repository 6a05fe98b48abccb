/* SPDX-License-Identifier: Apache-2.0 */
/* CDI spec generation (lib/cdi.c) on hand-built hosts. */
#include "cdi.h"
#include "cdihost.h"
#include "cleanup.h"
#include "testutil.h"
#include "yaml.h"

static struct ect_host *h;

static void teardown(void)
{
        ect_rdma_host_free(h);
        h = NULL;
}

/* Builds the spec or fails the test. */
static struct ect_json *build(const struct ect_cdi_opts *o, char ***warnings)
{
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;
        char **w = NULL;

        if (ect_cdi_build(h, o, &j, &w, &err) < 0)
                ck_abort_msg("ect_cdi_build: %s", err->msg);
        ck_assert_ptr_nonnull(w);
        if (warnings)
                *warnings = w;
        else
                ect_cdi_strv_free(w);
        return j;
}

static const char *str_at(const struct ect_json *j, const char *k)
{
        return ect_json_str(ect_json_get(j, k));
}

/* "name,name,..." of the spec's devices */
static char *device_names(const struct ect_json *spec)
{
        const struct ect_json *d = ect_json_get(spec, "devices");
        char *out = xstrdup("");

        for (size_t i = 0; d && i < d->n; i++) {
                char *n = xasprintf("%s%s%s", out, i ? "," : "", str_at(d->v[i], "name"));
                free(out);
                out = n;
        }
        return out;
}

static const struct ect_json *device(const struct ect_json *spec, const char *name)
{
        const struct ect_json *d = ect_json_get(spec, "devices");
        for (size_t i = 0; d && i < d->n; i++)
                if (strcmp(str_at(d->v[i], "name"), name) == 0)
                        return d->v[i];
        return NULL;
}

static const struct ect_json *nodes(const struct ect_json *dev)
{
        return ect_json_get(ect_json_get(dev, "containerEdits"), "deviceNodes");
}

static bool has_warning(char **w, const char *needle)
{
        for (; w && *w; w++)
                if (strstr(*w, needle))
                        return true;
        return false;
}

/* ---- name rules ---- */

START_TEST(test_ect_cdi_valid_vendor_rules)
{
        char long_name[300];

        ck_assert(ect_cdi_valid_vendor("aliyun.com"));
        ck_assert(ect_cdi_valid_vendor("a"));
        ck_assert(ect_cdi_valid_vendor("Vendor_1.x-y9"));
        ck_assert(ect_cdi_valid_vendor("foo.bar.baz"));
        ck_assert(!ect_cdi_valid_vendor(""));
        ck_assert(!ect_cdi_valid_vendor(NULL));
        ck_assert(!ect_cdi_valid_vendor("1vendor.com"));
        ck_assert(!ect_cdi_valid_vendor(".vendor.com"));
        ck_assert(!ect_cdi_valid_vendor("vendor.com."));
        ck_assert(!ect_cdi_valid_vendor("vendor-"));
        ck_assert(!ect_cdi_valid_vendor("vendor.com/x"));
        ck_assert(!ect_cdi_valid_vendor("ven dor"));
        ck_assert(!ect_cdi_valid_vendor("ven:dor"));
        ck_assert(!ect_cdi_valid_vendor("v\xc3\xa4ndor"));
        memset(long_name, 'a', 253);
        long_name[253] = '\0';
        ck_assert(ect_cdi_valid_vendor(long_name));
        memset(long_name, 'a', 254);
        long_name[254] = '\0';
        ck_assert(!ect_cdi_valid_vendor(long_name));
}
END_TEST

START_TEST(test_ect_cdi_valid_class_rules)
{
        char long_name[80];

        ck_assert(ect_cdi_valid_class("erdma"));
        ck_assert(ect_cdi_valid_class("rdma-1_x"));
        ck_assert(ect_cdi_valid_class("e.rdma")); /* valid since CDI 0.6.0 */
        ck_assert(!ect_cdi_valid_class("0erdma"));
        ck_assert(!ect_cdi_valid_class("_erdma"));
        ck_assert(!ect_cdi_valid_class("erdma_"));
        ck_assert(!ect_cdi_valid_class("erdma=x"));
        ck_assert(!ect_cdi_valid_class("er/dma"));
        ck_assert(!ect_cdi_valid_class(""));
        memset(long_name, 'c', 63);
        long_name[63] = '\0';
        ck_assert(ect_cdi_valid_class(long_name));
        memset(long_name, 'c', 64);
        long_name[64] = '\0';
        ck_assert(!ect_cdi_valid_class(long_name));
}
END_TEST

START_TEST(test_ect_cdi_valid_device_name_rules)
{
        ck_assert(ect_cdi_valid_device_name("erdma_0"));
        ck_assert(ect_cdi_valid_device_name("0"));
        ck_assert(ect_cdi_valid_device_name("12"));
        ck_assert(ect_cdi_valid_device_name("a"));
        ck_assert(ect_cdi_valid_device_name("erdma_00:16:3e:01:02:03"));
        ck_assert(ect_cdi_valid_device_name("mlx5_0.port-1"));
        ck_assert(!ect_cdi_valid_device_name(""));
        ck_assert(!ect_cdi_valid_device_name(NULL));
        ck_assert(!ect_cdi_valid_device_name("_erdma"));
        ck_assert(!ect_cdi_valid_device_name("erdma_"));
        ck_assert(!ect_cdi_valid_device_name("erdma:"));
        ck_assert(!ect_cdi_valid_device_name("er dma"));
        ck_assert(!ect_cdi_valid_device_name("er/dma"));
        ck_assert(!ect_cdi_valid_device_name("er=dma"));
        ck_assert(!ect_cdi_valid_device_name("er\ndma"));
}
END_TEST

START_TEST(test_ect_cdi_parse_naming_values)
{
        ck_assert_int_eq(ect_cdi_parse_naming("ibdev"), ECT_CDI_NAME_IBDEV);
        ck_assert_int_eq(ect_cdi_parse_naming("index"), ECT_CDI_NAME_INDEX);
        ck_assert_int_eq(ect_cdi_parse_naming("both"), ECT_CDI_NAME_BOTH);
        ck_assert_int_eq(ect_cdi_parse_naming("Index"), -1);
        ck_assert_int_eq(ect_cdi_parse_naming(""), -1);
        ck_assert_int_eq(ect_cdi_parse_naming(NULL), -1);
        ck_assert_str_eq(ect_cdi_naming_name(ECT_CDI_NAME_BOTH), "both");
}
END_TEST

/* ---- building ---- */

static const char expected_default_json[] = "{\n"
                                            "  \"cdiVersion\": \"0.3.0\",\n"
                                            "  \"kind\": \"aliyun.com/erdma\",\n"
                                            "  \"devices\": [\n"
                                            "    {\n"
                                            "      \"name\": \"erdma_0\",\n"
                                            "      \"containerEdits\": {\n"
                                            "        \"deviceNodes\": [\n"
                                            "          {\n"
                                            "            \"path\": \"/dev/infiniband/uverbs0\",\n"
                                            "            \"type\": \"c\",\n"
                                            "            \"major\": 231,\n"
                                            "            \"minor\": 192,\n"
                                            "            \"permissions\": \"rw\"\n"
                                            "          }\n"
                                            "        ]\n"
                                            "      }\n"
                                            "    },\n"
                                            "    {\n"
                                            "      \"name\": \"all\",\n"
                                            "      \"containerEdits\": {\n"
                                            "        \"deviceNodes\": [\n"
                                            "          {\n"
                                            "            \"path\": \"/dev/infiniband/uverbs0\",\n"
                                            "            \"type\": \"c\",\n"
                                            "            \"major\": 231,\n"
                                            "            \"minor\": 192,\n"
                                            "            \"permissions\": \"rw\"\n"
                                            "          }\n"
                                            "        ]\n"
                                            "      }\n"
                                            "    }\n"
                                            "  ],\n"
                                            "  \"containerEdits\": {\n"
                                            "    \"deviceNodes\": [\n"
                                            "      {\n"
                                            "        \"path\": \"/dev/infiniband/rdma_cm\",\n"
                                            "        \"type\": \"c\",\n"
                                            "        \"major\": 10,\n"
                                            "        \"minor\": 241,\n"
                                            "        \"permissions\": \"rw\"\n"
                                            "      }\n"
                                            "    ]\n"
                                            "  }\n"
                                            "}\n";

START_TEST(test_ect_cdi_build_default_json_text)
{
        cleanup_json struct ect_json *j = NULL;
        cleanup_free char *s = NULL;
        struct ect_error *err = NULL;
        char **w = NULL;

        h = host_new(NULL);
        host_add(h, 0, "erdma_0");
        host_add_rdma_cm(h, 241);
        j = build(NULL, &w);
        ck_assert_ptr_null(w[0]);
        ect_cdi_strv_free(w);
        ck_assert_int_eq(ect_json_emit(j, true, &s, NULL, &err), 0);
        ck_assert_str_eq(s, expected_default_json);
}
END_TEST

/* Index naming with a dev root elsewhere: hostPath, quoted numbers-as-names
 * and versions, plain major/minor. */
static const char expected_index_yaml[] = "cdiVersion: \"0.5.0\"\n"
                                          "kind: aliyun.com/erdma\n"
                                          "devices:\n"
                                          "- name: \"3\"\n"
                                          "  containerEdits:\n"
                                          "    deviceNodes:\n"
                                          "    - path: /dev/infiniband/uverbs3\n"
                                          "      hostPath: /tmp/fake/dev/infiniband/uverbs3\n"
                                          "      type: c\n"
                                          "      major: 231\n"
                                          "      minor: 195\n"
                                          "      permissions: rw\n"
                                          "- name: all\n"
                                          "  containerEdits:\n"
                                          "    deviceNodes:\n"
                                          "    - path: /dev/infiniband/uverbs3\n"
                                          "      hostPath: /tmp/fake/dev/infiniband/uverbs3\n"
                                          "      type: c\n"
                                          "      major: 231\n"
                                          "      minor: 195\n"
                                          "      permissions: rw\n";

START_TEST(test_ect_cdi_build_index_yaml_text)
{
        cleanup_json struct ect_json *j = NULL;
        cleanup_free char *s = NULL;
        struct ect_error *err = NULL;
        struct ect_cdi_opts o = {.naming = ECT_CDI_NAME_INDEX};

        h = host_new("/tmp/fake/dev/");
        host_add(h, 3, "erdma_3");
        j = build(&o, NULL);
        ck_assert_ptr_null(ect_json_get(j, "containerEdits")); /* no rdma_cm */
        ck_assert_int_eq(ect_yaml_emit(j, &s, NULL, &err), 0);
        ck_assert_str_eq(s, expected_index_yaml);
}
END_TEST

START_TEST(test_ect_cdi_build_strategies)
{
        struct ect_cdi_opts o = {0};
        struct ect_json *j;
        char *names;

        h = host_standard(NULL);
        j = build(&o, NULL);
        names = device_names(j);
        ck_assert_str_eq(names, "erdma_0,erdma_1,all");
        ck_assert_str_eq(str_at(j, "cdiVersion"), "0.3.0");
        free(names);
        ect_json_free(j);

        o.naming = ECT_CDI_NAME_INDEX;
        j = build(&o, NULL);
        names = device_names(j);
        ck_assert_str_eq(names, "0,1,all");
        /* a device name starting with a digit needs 0.5.0 */
        ck_assert_str_eq(str_at(j, "cdiVersion"), "0.5.0");
        free(names);
        ect_json_free(j);

        o.naming = ECT_CDI_NAME_BOTH;
        j = build(&o, NULL);
        names = device_names(j);
        ck_assert_str_eq(names, "erdma_0,0,erdma_1,1,all");
        ck_assert_str_eq(str_at(j, "cdiVersion"), "0.5.0");
        /* both names of a device carry the same edits */
        ck_assert(ect_json_equal(nodes(device(j, "erdma_1")), nodes(device(j, "1"))));
        ck_assert_uint_eq(nodes(device(j, "all"))->n, 2);
        free(names);
        ect_json_free(j);
}
END_TEST

START_TEST(test_ect_cdi_build_nodes)
{
        cleanup_json struct ect_json *j = NULL;
        const struct ect_json *n, *top;
        uint64_t v;

        h = host_standard(NULL);
        j = build(NULL, NULL);
        n = nodes(device(j, "erdma_1"));
        ck_assert_uint_eq(n->n, 1);
        ck_assert_str_eq(str_at(n->v[0], "path"), "/dev/infiniband/uverbs1");
        ck_assert_str_eq(str_at(n->v[0], "type"), "c");
        ck_assert_str_eq(str_at(n->v[0], "permissions"), "rw");
        ck_assert(ect_json_u64(ect_json_get(n->v[0], "major"), &v) && v == 231);
        ck_assert(ect_json_u64(ect_json_get(n->v[0], "minor"), &v) && v == 193);
        ck_assert_ptr_null(ect_json_get(n->v[0], "hostPath"));
        /* rdma_cm is spec-wide, not per device */
        top = nodes(j);
        ck_assert_uint_eq(top->n, 1);
        ck_assert_str_eq(str_at(top->v[0], "path"), "/dev/infiniband/rdma_cm");
        ck_assert(ect_json_u64(ect_json_get(top->v[0], "minor"), &v) && v == 241);
        for (size_t i = 0; i < ect_json_get(j, "devices")->n; i++) {
                const struct ect_json *dn = nodes(ect_json_get(j, "devices")->v[i]);
                for (size_t k = 0; k < dn->n; k++)
                        ck_assert_str_ne(str_at(dn->v[k], "path"), "/dev/infiniband/rdma_cm");
        }
}
END_TEST

START_TEST(test_ect_cdi_build_mad_nodes)
{
        cleanup_json struct ect_json *j = NULL;
        struct ect_device *d;

        h = host_new(NULL);
        d = host_add(h, 0, "mlx5_0");
        d->mad = xcalloc(2, sizeof *d->mad);
        d->n_mad = 2;
        d->mad[0] = (struct ect_node){.path = xstrdup("/dev/infiniband/umad0"),
                                      .major = 231,
                                      .minor = 0};
        d->mad[1] = (struct ect_node){.path = xstrdup("/dev/infiniband/issm0"),
                                      .major = 231,
                                      .minor = 64};
        j = build(NULL, NULL);
        ck_assert_uint_eq(nodes(device(j, "mlx5_0"))->n, 3);
        ck_assert_str_eq(str_at(nodes(device(j, "mlx5_0"))->v[2], "path"), "/dev/infiniband/issm0");
        ck_assert_uint_eq(nodes(device(j, "all"))->n, 3);
}
END_TEST

START_TEST(test_ect_cdi_build_host_path)
{
        struct ect_cdi_opts o = {0};
        struct ect_json *j;
        const struct ect_json *n;

        h = host_standard("/run/fake/dev");
        j = build(&o, NULL);
        ck_assert_str_eq(str_at(j, "cdiVersion"), "0.5.0");
        n = nodes(device(j, "erdma_0"));
        ck_assert_str_eq(str_at(n->v[0], "hostPath"), "/run/fake/dev/infiniband/uverbs0");
        ck_assert_str_eq(str_at(nodes(j)->v[0], "hostPath"), "/run/fake/dev/infiniband/rdma_cm");
        ect_json_free(j);

        /* The option wins over the host's root; "/dev/" is /dev. */
        o.dev_root = "/dev/";
        j = build(&o, NULL);
        ck_assert_str_eq(str_at(j, "cdiVersion"), "0.3.0");
        ck_assert_ptr_null(ect_json_get(nodes(device(j, "all"))->v[1], "hostPath"));
        ck_assert_ptr_null(ect_json_get(nodes(j)->v[0], "hostPath"));
        ect_json_free(j);

        o.dev_root = "/srv/dev//";
        j = build(&o, NULL);
        ck_assert_str_eq(str_at(nodes(device(j, "erdma_1"))->v[0], "hostPath"),
                         "/srv/dev/infiniband/uverbs1");
        ect_json_free(j);
}
END_TEST

START_TEST(test_ect_cdi_build_relative_dev_root)
{
        struct ect_cdi_opts o = {.dev_root = "dev"};
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        h = host_standard(NULL);
        ck_assert_int_lt(ect_cdi_build(h, &o, &j, NULL, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_ptr_nonnull(strstr(err->msg, "absolute"));
        ck_assert_ptr_null(j);
        ect_error_free(&err);
}
END_TEST

START_TEST(test_ect_cdi_build_kind)
{
        struct ect_cdi_opts o = {.vendor = "example.org", .class = "rdma"};
        struct ect_json *j;

        h = host_standard(NULL);
        j = build(&o, NULL);
        ck_assert_str_eq(str_at(j, "kind"), "example.org/rdma");
        ck_assert_str_eq(str_at(j, "cdiVersion"), "0.3.0");
        ect_json_free(j);

        /* A dot in the class is CDI 0.6.0 (which Podman 4.3 skips). */
        o.class = "rdma.v2";
        j = build(&o, NULL);
        ck_assert_str_eq(str_at(j, "cdiVersion"), "0.6.0");
        ect_json_free(j);
}
END_TEST

START_TEST(test_ect_cdi_build_invalid_kind)
{
        struct ect_cdi_opts o = {.vendor = "-bad"};
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        h = host_standard(NULL);
        ck_assert_int_lt(ect_cdi_build(h, &o, &j, NULL, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_ptr_nonnull(strstr(err->msg, "invalid CDI vendor \"-bad\""));
        ect_error_free(&err);

        o.vendor = NULL;
        o.class = "a/b";
        ck_assert_int_lt(ect_cdi_build(h, &o, &j, NULL, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_ptr_nonnull(strstr(err->msg, "invalid CDI class \"a/b\""));
        ck_assert_ptr_null(j);
        ect_error_free(&err);
}
END_TEST

START_TEST(test_ect_cdi_build_skips_bad_names)
{
        struct ect_cdi_opts o = {0};
        struct ect_json *j;
        char **w = NULL;
        char *names;

        h = host_new(NULL);
        host_add(h, 0, "erdma 0"); /* not a CDI name */
        host_add(h, 1, "all");     /* reserved */
        host_add(h, 2, "erdma_2");
        host_add(h, 5, "2"); /* collides with uverbs2's index under "both" */
        j = build(&o, &w);
        names = device_names(j);
        ck_assert_str_eq(names, "erdma_2,2,all");
        ck_assert(has_warning(w, "uverbs0: ibdev name \"erdma 0\" is not a valid CDI device name"));
        ck_assert(has_warning(w, "uverbs1: CDI device name \"all\" is reserved"));
        ck_assert(has_warning(w, "uverbs0: no usable CDI name"));
        /* the skipped devices are not in "all" either */
        ck_assert_uint_eq(nodes(device(j, "all"))->n, 2);
        free(names);
        ect_cdi_strv_free(w);
        ect_json_free(j);

        o.naming = ECT_CDI_NAME_BOTH;
        j = build(&o, &w);
        names = device_names(j);
        ck_assert_str_eq(names, "0,1,erdma_2,2,5,all");
        ck_assert(has_warning(w, "uverbs5: CDI device name \"2\" is already taken"));
        ck_assert(!has_warning(w, "no usable"));
        ck_assert_uint_eq(nodes(device(j, "all"))->n, 4);
        free(names);
        ect_cdi_strv_free(w);
        ect_json_free(j);
}
END_TEST

START_TEST(test_ect_cdi_build_no_device)
{
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        h = host_new(NULL);
        host_add_rdma_cm(h, 241);
        ck_assert_int_lt(ect_cdi_build(h, NULL, &j, NULL, &err), 0);
        ck_assert_int_eq(err->code, ENODEV);
        ck_assert_ptr_null(j);
        ect_error_free(&err);

        host_add(h, 0, "bad name");
        ck_assert_int_lt(ect_cdi_build(h, NULL, &j, NULL, &err), 0);
        ck_assert_int_eq(err->code, ENODEV);
        ck_assert_ptr_nonnull(strstr(err->msg, "1 seen"));
        ect_error_free(&err);
}
END_TEST

static char *joined(char **v)
{
        char *out = xstrdup("");
        for (size_t i = 0; v[i]; i++) {
                char *n = xasprintf("%s%s%s", out, i ? " " : "", v[i]);
                free(out);
                out = n;
        }
        ect_cdi_strv_free(v);
        return out;
}

START_TEST(test_ect_cdi_device_selectors_names)
{
        struct ect_cdi_opts o = {0};
        char *s;

        h = host_standard(NULL);
        host_add(h, 4, "bad name");
        s = joined(ect_cdi_device_selectors(h, &o, 1));
        ck_assert_str_eq(s, "aliyun.com/erdma=erdma_1 aliyun.com/erdma=all");
        free(s);
        o.naming = ECT_CDI_NAME_BOTH;
        o.vendor = "example.com";
        s = joined(ect_cdi_device_selectors(h, &o, 0));
        ck_assert_str_eq(s, "example.com/erdma=erdma_0 example.com/erdma=0 example.com/erdma=all");
        free(s);
        s = joined(ect_cdi_device_selectors(h, &o, 2));
        ck_assert_str_eq(s, "example.com/erdma=4 example.com/erdma=all");
        free(s);
        o.naming = ECT_CDI_NAME_IBDEV;
        s = joined(ect_cdi_device_selectors(h, &o, 2)); /* no name: selected by nothing */
        ck_assert_str_eq(s, "");
        free(s);
        s = joined(ect_cdi_device_selectors(h, &o, 7)); /* out of range */
        ck_assert_str_eq(s, "");
        free(s);
        o.class = "bad/class";
        s = joined(ect_cdi_device_selectors(h, &o, 0));
        ck_assert_str_eq(s, "");
        free(s);
}
END_TEST

static const char *version_of(const char *doc)
{
        static char buf[16];
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;

        if (ect_json_parse(doc, strlen(doc), &j, &err) < 0)
                ck_abort_msg("parse: %s", err->msg);
        snprintf(buf, sizeof buf, "%s", ect_cdi_min_version(j));
        ect_json_free(j);
        return buf;
}

START_TEST(test_ect_cdi_min_version_features)
{
        ck_assert_str_eq(version_of("{\"kind\":\"a.com/b\",\"devices\":[{\"name\":\"x\"}]}"),
                         "0.3.0");
        ck_assert_str_eq(version_of("{\"devices\":[{\"name\":\"x\",\"containerEdits\":{"
                                    "\"mounts\":[{\"hostPath\":\"/a\",\"containerPath\":\"/a\","
                                    "\"type\":\"bind\"}]}}]}"),
                         "0.4.0");
        ck_assert_str_eq(version_of(
                                 "{\"devices\":[{\"name\":\"x\"}],\"containerEdits\":{"
                                 "\"deviceNodes\":[{\"path\":\"/dev/a\",\"hostPath\":\"/b\"}]}}"),
                         "0.5.0");
        ck_assert_str_eq(version_of("{\"devices\":[{\"name\":\"0x\"}]}"), "0.5.0");
        ck_assert_str_eq(version_of(
                                 "{\"devices\":[{\"name\":\"x\",\"annotations\":{\"a\":\"b\"}}]}"),
                         "0.6.0");
        ck_assert_str_eq(version_of("{\"kind\":\"a.com/b.c\",\"devices\":[]}"), "0.6.0");
        ck_assert_str_eq(version_of("{\"devices\":[{\"name\":\"0\"}],\"containerEdits\":{"
                                    "\"additionalGids\":[5]}}"),
                         "0.7.0");
        ck_assert_str_eq(version_of("{\"devices\":[{\"name\":\"x\",\"containerEdits\":{"
                                    "\"intelRdt\":{}}}]}"),
                         "0.7.0");
}
END_TEST

/* The hand-built host above is what discovery makes of fakehost_standard. */
START_TEST(test_ect_cdi_build_from_discovery)
{
        char *dir = make_tmpdir();
        char sysfs[512], devroot[512];
        struct ect_discover_opts d = {.sysfs_root = sysfs, .dev_root = devroot};
        struct ect_cdi_opts o = {.naming = ECT_CDI_NAME_BOTH, .dev_root = "/dev"};
        struct ect_host *found = NULL;
        struct ect_error *err = NULL;
        struct ect_json *a, *b;

        snprintf(sysfs, sizeof sysfs, "%s/sys", dir);
        snprintf(devroot, sizeof devroot, "%s/dev", dir);
        sh("fakehost_init %s && fakehost_add_device %s 0 erdma_0 %s && "
           "fakehost_add_device %s 1 erdma_1 %s && fakehost_add_rdma_cm %s 241 %s",
           dir, dir, mknod_opt(), dir, mknod_opt(), dir, mknod_opt());
        if (ect_rdma_discover(&d, &found, &err) < 0)
                ck_abort_msg("discover: %s", err->msg);
        h = host_standard(NULL);
        a = build(&o, NULL);
        ect_rdma_host_free(h);
        h = found;
        b = build(&o, NULL);
        ck_assert(ect_json_equal(a, b));
        ect_json_free(a);
        ect_json_free(b);
        rm_tmpdir(dir);
}
END_TEST

static Suite *cdi_suite(void)
{
        Suite *s = suite_create("cdi");
        struct {
                const char *name;
                const TTest *t;
        } tests[] = {
                {"valid_vendor", test_ect_cdi_valid_vendor_rules},
                {"valid_class", test_ect_cdi_valid_class_rules},
                {"valid_device_name", test_ect_cdi_valid_device_name_rules},
                {"parse_naming", test_ect_cdi_parse_naming_values},
                {"build", test_ect_cdi_build_default_json_text},
                {"build", test_ect_cdi_build_index_yaml_text},
                {"build", test_ect_cdi_build_strategies},
                {"build", test_ect_cdi_build_nodes},
                {"build", test_ect_cdi_build_mad_nodes},
                {"build", test_ect_cdi_build_host_path},
                {"build", test_ect_cdi_build_relative_dev_root},
                {"build", test_ect_cdi_build_kind},
                {"build", test_ect_cdi_build_invalid_kind},
                {"build", test_ect_cdi_build_skips_bad_names},
                {"build", test_ect_cdi_build_no_device},
                {"build", test_ect_cdi_build_from_discovery},
                {"device_selectors", test_ect_cdi_device_selectors_names},
                {"min_version", test_ect_cdi_min_version_features},
        };
        TCase *tc = NULL;
        const char *cur = "";

        for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
                if (strcmp(cur, tests[i].name) != 0) {
                        tc = tcase_create(tests[i].name);
                        tcase_add_checked_fixture(tc, NULL, teardown);
                        suite_add_tcase(s, tc);
                        cur = tests[i].name;
                }
                tcase_add_test(tc, tests[i].t);
        }
        return s;
}

int main(void)
{
        return run_suite(cdi_suite());
}
