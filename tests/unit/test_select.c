/* SPDX-License-Identifier: Apache-2.0 */
/* Selection (annotation > env > default) and the edits it leads to. */
#include "cleanup.h"
#include "config.h"
#include "edits.h"
#include "json.h"
#include "select.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A host as discovery describes it: erdma_0 (uverbs0, 231:192),
 * erdma_1 (uverbs1, 231:193), erdma_7 at index 7 (231:199), rdma_cm 10:241. */
static struct ect_device devs[3];
static struct ect_host host;
static struct ect_host empty_host;

static void setup(void)
{
        static char names[3][16] = {"erdma_0", "erdma_1", "erdma_7"};
        static char paths[3][32] = {"/dev/infiniband/uverbs0", "/dev/infiniband/uverbs1",
                                    "/dev/infiniband/uverbs7"};
        static const unsigned idx[] = {0, 1, 7};
        memset(devs, 0, sizeof devs);
        for (int i = 0; i < 3; i++) {
                devs[i].index = idx[i];
                devs[i].ibdev = names[i];
                devs[i].uverbs.path = paths[i];
                devs[i].uverbs.host_path = paths[i];
                devs[i].uverbs.major = 231;
                devs[i].uverbs.minor = 192 + idx[i];
        }
        memset(&host, 0, sizeof host);
        host.devices = devs;
        host.n_devices = 3;
        host.has_rdma_cm = true;
        host.rdma_cm.path = (char *)"/dev/infiniband/rdma_cm";
        host.rdma_cm.major = 10;
        host.rdma_cm.minor = 241;
        memset(&empty_host, 0, sizeof empty_host);
}

static struct ect_json *J(const char *s)
{
        struct ect_json *j = NULL;
        struct ect_error *err = NULL;
        ck_assert_msg(ect_json_parse(s, strlen(s), &j, &err) == 0, "bad fixture %s", s);
        return j;
}

/* Names of the selected devices, comma separated; or "ERR:" + message. */
static char out[4096];
static const char *sel_str(const struct ect_host *h, const struct ect_config *cfg, const char *ann,
                           const char *env)
{
        cleanup_json struct ect_json *a = ann ? J(ann) : NULL;
        cleanup_json struct ect_json *e = env ? J(env) : NULL;
        cleanup_selection struct ect_selection *sel = NULL;
        struct ect_error *err = NULL;

        if (ect_select(h, cfg, a, e, &sel, &err) < 0) {
                snprintf(out, sizeof out, "ERR:%s", err->msg);
                ect_error_free(&err);
                return out;
        }
        snprintf(out, sizeof out, "%s:", ect_select_source_name(sel->source));
        for (size_t i = 0; i < sel->n_devices; i++)
                snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? "," : "",
                         sel->devices[i]->ibdev);
        return out;
}

static const char *val(const char *v)
{
        cleanup_config struct ect_config *cfg = ect_config_new_default();
        static char ann[5000];
        cleanup_json struct ect_json *s = ect_json_new_str(v);
        char *q = NULL;
        size_t n;
        struct ect_error *err = NULL;
        ck_assert_int_eq(ect_json_emit(s, false, &q, &n, &err), 0);
        snprintf(ann, sizeof ann, "{\"" ECT_SELECT_ANNOTATION "\":%s}", q);
        free(q);
        return sel_str(&host, cfg, ann, NULL);
}

#define ANN "annotation " ECT_SELECT_ANNOTATION ":"

START_TEST(test_select_forms)
{
        ck_assert_str_eq(val("erdma_0"), ANN "erdma_0");
        ck_assert_str_eq(val("1"), ANN "erdma_1");
        ck_assert_str_eq(val("7"), ANN "erdma_7");
        ck_assert_str_eq(val("aliyun.com/erdma=erdma_1"), ANN "erdma_1");
        ck_assert_str_eq(val("aliyun.com/erdma=7"), ANN "erdma_7");
        ck_assert_str_eq(val("all"), ANN "erdma_0,erdma_1,erdma_7");
        ck_assert_str_eq(val("aliyun.com/erdma=all"), ANN "erdma_0,erdma_1,erdma_7");
        ck_assert_str_eq(val("none"), ANN);
        ck_assert_str_eq(val(""), ANN);
        ck_assert_str_eq(val("  "), ANN);
        /* sorted by index, duplicates (also by two forms) folded, blanks trimmed */
        ck_assert_str_eq(val("erdma_7, 1 ,erdma_0,0,aliyun.com/erdma=erdma_0"),
                         ANN "erdma_0,erdma_1,erdma_7");
}
END_TEST

START_TEST(test_select_bad)
{
        ck_assert_str_eq(
                val("erdma_9"),
                "ERR:annotation com.aliyun.erdma.devices: unknown eRDMA device 'erdma_9' "
                "(this host has: erdma_0 (index 0), erdma_1 (index 1), erdma_7 (index 7))");
        ck_assert_ptr_nonnull(strstr(val("2"), "unknown eRDMA device '2'"));
        ck_assert_ptr_nonnull(strstr(val("01"), "unknown eRDMA device '01'"));
        ck_assert_ptr_nonnull(strstr(val("-1"), "unknown eRDMA device '-1'"));
        ck_assert_ptr_nonnull(strstr(val("ERDMA_0"), "unknown eRDMA device"));
        ck_assert_ptr_nonnull(strstr(val("erdma_0,,erdma_1"), "empty item"));
        ck_assert_ptr_nonnull(strstr(val("erdma_0,"), "empty item"));
        ck_assert_ptr_nonnull(strstr(val(","), "empty item"));
        ck_assert_ptr_nonnull(strstr(val("all,erdma_0"), "'all' must stand alone"));
        ck_assert_ptr_nonnull(strstr(val("none,erdma_0"), "'none' must stand alone"));
        ck_assert_ptr_nonnull(strstr(val("ALL"), "unknown eRDMA device"));
        ck_assert_ptr_nonnull(strstr(val("nvidia.com/gpu=0"), "not an eRDMA CDI device name"));
        ck_assert_ptr_nonnull(strstr(val("aliyun.com/erdma="), "without a name"));
        ck_assert_ptr_nonnull(strstr(val("erdma_0\nerdma_1"), "control character"));
        {
                char big[ECT_SELECT_MAX_LEN + 2];
                memset(big, 'a', sizeof big - 1);
                big[sizeof big - 1] = 0;
                ck_assert_ptr_nonnull(strstr(val(big), "longer than"));
        }
        {
                char many[ECT_SELECT_MAX_LEN];
                size_t n = 0;
                for (int i = 0; i < ECT_SELECT_MAX_ITEMS + 1; i++)
                        n += (size_t)snprintf(many + n, sizeof many - n, "%s0", i ? "," : "");
                ck_assert_ptr_nonnull(strstr(val(many), "more than"));
        }
}
END_TEST

/* The CDI form's kind and the blank-only value, at their edges. */
START_TEST(test_select_cdi_items)
{
        ck_assert_str_eq(val(" \t "), ANN);
        ck_assert_str_eq(val(" aliyun.com/erdma=1 "), ANN "erdma_1");
        ck_assert_str_eq(val("aliyun.com/erdma= "),
                         "ERR:annotation com.aliyun.erdma.devices: CDI device name without a "
                         "name in 'aliyun.com/erdma= '");
        ck_assert_str_eq(val("0, aliyun.com/erdmax=0"),
                         "ERR:annotation com.aliyun.erdma.devices: 'aliyun.com/erdmax=0' is not "
                         "an eRDMA CDI device name (expected aliyun.com/erdma=NAME)");
        ck_assert_ptr_nonnull(strstr(val("=0"), "'=0' is not an eRDMA CDI device name"));
        /* only the first '=' separates the kind */
        ck_assert_ptr_nonnull(strstr(val("aliyun.com/erdma==0"), "unknown eRDMA device '=0'"));
}
END_TEST

START_TEST(test_select_precedence)
{
        cleanup_config struct ect_config *cfg = ect_config_new_default();
        const char *env = "[\"PATH=/bin\",\"ERDMA_VISIBLE_DEVICES=erdma_1\"]";
        const char *ann = "{\"other\":\"x\",\"com.aliyun.erdma.devices\":\"erdma_0\"}";

        ck_assert_str_eq(sel_str(&host, cfg, NULL, NULL), "no request:");
        ck_assert_str_eq(sel_str(&host, cfg, "{}", "[]"), "no request:");
        ck_assert_str_eq(sel_str(&host, cfg, NULL, env), "ERDMA_VISIBLE_DEVICES:erdma_1");
        ck_assert_str_eq(sel_str(&host, cfg, ann, env), ANN "erdma_0");
        /* an empty annotation still wins: an explicit "nothing" */
        ck_assert_str_eq(sel_str(&host, cfg, "{\"com.aliyun.erdma.devices\":\"\"}", env), ANN);
        /* the last variable wins; a prefix is not the variable */
        ck_assert_str_eq(sel_str(&host, cfg, NULL,
                                 "[\"ERDMA_VISIBLE_DEVICES=erdma_0\",\"ERDMA_VISIBLE_DEVICESX=1\","
                                 "\"ERDMA_VISIBLE_DEVICES=7\"]"),
                         "ERDMA_VISIBLE_DEVICES:erdma_7");
        ck_assert_str_eq(sel_str(&host, cfg, NULL, "[\"ERDMA_VISIBLE_DEVICES\"]"), "no request:");

        cfg->accept_env = false;
        ck_assert_str_eq(sel_str(&host, cfg, NULL, env), "no request:");
        ck_assert_str_eq(sel_str(&host, cfg, ann, env), ANN "erdma_0");

        /* accept-annotation false: the annotation is not a request (and
         * not looked at: a wrong type there is no error either). */
        cfg->accept_annotation = false;
        ck_assert_str_eq(sel_str(&host, cfg, ann, env), "no request:");
        cfg->accept_env = true;
        ck_assert_str_eq(sel_str(&host, cfg, ann, env), "ERDMA_VISIBLE_DEVICES:erdma_1");
        ck_assert_str_eq(sel_str(&host, cfg, "{\"com.aliyun.erdma.devices\":\"\"}", env),
                         "ERDMA_VISIBLE_DEVICES:erdma_1");
        cfg->accept_env = false;
        cfg->default_devices = ECT_DEFAULT_ALL;
        ck_assert_str_eq(sel_str(&host, cfg, ann, env), "default-devices:erdma_0,erdma_1,erdma_7");
        cfg->accept_annotation = true;
        ck_assert_str_eq(sel_str(&host, cfg, NULL, env), "default-devices:erdma_0,erdma_1,erdma_7");
        cfg->accept_env = true;
        ck_assert_str_eq(sel_str(&host, cfg, NULL, "[\"ERDMA_VISIBLE_DEVICES=none\"]"),
                         "ERDMA_VISIBLE_DEVICES:");
}
END_TEST

START_TEST(test_select_empty_host)
{
        cleanup_config struct ect_config *cfg = ect_config_new_default();
        ck_assert_str_eq(sel_str(&empty_host, cfg, "{\"com.aliyun.erdma.devices\":\"all\"}", NULL),
                         "ERR:annotation com.aliyun.erdma.devices: all eRDMA devices requested, "
                         "but this host has no eRDMA device");
        ck_assert_ptr_nonnull(strstr(sel_str(&empty_host, cfg,
                                             "{\"com.aliyun.erdma.devices\":\"erdma_0\"}", NULL),
                                     "this host has no eRDMA device"));
        cfg->default_devices = ECT_DEFAULT_ALL;
        ck_assert_str_eq(sel_str(&empty_host, cfg, NULL, NULL), "default-devices:");
}
END_TEST

START_TEST(test_select_bad_types)
{
        cleanup_config struct ect_config *cfg = ect_config_new_default();
        ck_assert_ptr_nonnull(
                strstr(sel_str(&host, cfg, "[]", NULL), "annotations: expected an object"));
        ck_assert_ptr_nonnull(strstr(sel_str(&host, cfg, "{\"com.aliyun.erdma.devices\":1}", NULL),
                                     "expected a string, got number"));
        ck_assert_ptr_nonnull(
                strstr(sel_str(&host, cfg, NULL, "{}"), "process.env: expected an array"));
        ck_assert_ptr_nonnull(strstr(sel_str(&host, cfg, NULL, "[\"A=1\",2]"), "item 1"));
        ck_assert_ptr_nonnull(strstr(
                sel_str(&host, cfg, NULL, "[\"ERDMA_VISIBLE_DEVICES=erdma_0\\u0000x\"]"), "NUL"));
}
END_TEST

START_TEST(test_edits_compute)
{
        cleanup_config struct ect_config *cfg = ect_config_new_default();
        cleanup_selection struct ect_selection *sel = NULL;
        cleanup_edits struct ect_edits *e = NULL;
        struct ect_error *err = NULL;
        static struct ect_node mad[2] = {
                {.path = (char *)"/dev/infiniband/umad0", .major = 231, .minor = 0},
                {.path = (char *)"/dev/infiniband/issm0", .major = 231, .minor = 64},
        };

        devs[0].mad = mad;
        devs[0].n_mad = 2;
        cfg->memlock = 8388608;
        cfg->capabilities = calloc(2, sizeof(char *));
        cfg->capabilities[0] = strdup("CAP_SYS_RAWIO");
        cfg->n_capabilities = 1;

        ck_assert_int_eq(ect_select_parse(&host, "none", true, &sel, &err), 0);
        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e, &err), 0);
        ck_assert_ptr_null(e);
        ect_selection_free(sel);
        sel = NULL;

        ck_assert_int_eq(ect_select_parse(&host, "1,0", true, &sel, &err), 0);
        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e, &err), 0);
        ck_assert_uint_eq(e->n_nodes, 5);
        ck_assert_str_eq(e->nodes[0].path, "/dev/infiniband/uverbs0");
        ck_assert_str_eq(e->nodes[0].ibdev, "erdma_0");
        ck_assert_str_eq(e->nodes[1].path, "/dev/infiniband/umad0");
        ck_assert_str_eq(e->nodes[2].path, "/dev/infiniband/issm0");
        ck_assert_uint_eq(e->nodes[2].minor, 64);
        ck_assert_str_eq(e->nodes[3].path, "/dev/infiniband/uverbs1");
        ck_assert_uint_eq(e->nodes[3].major, 231);
        ck_assert_uint_eq(e->nodes[3].minor, 193);
        ck_assert_str_eq(e->nodes[4].path, "/dev/infiniband/rdma_cm");
        ck_assert_ptr_null(e->nodes[4].ibdev);
        ck_assert_uint_eq(e->nodes[4].major, 10);
        ck_assert(e->memlock == 8388608);
        ck_assert_uint_eq(e->n_capabilities, 1);
        ck_assert_str_eq(e->capabilities[0], "CAP_SYS_RAWIO");

        /* no rdma_cm on the host: only the verbs nodes */
        {
                cleanup_edits struct ect_edits *e2 = NULL;
                host.has_rdma_cm = false;
                ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e2, &err), 0);
                ck_assert_uint_eq(e2->n_nodes, 4);
        }
}
END_TEST

START_TEST(test_select_may_request)
{
        cleanup_config struct ect_config *cfg = ect_config_new_default();
#define MAY(s) ect_select_may_request(cfg, s, strlen(s))
        ck_assert(!MAY("{\"process\":{\"env\":[\"PATH=/bin\"]}}"));
        ck_assert(MAY("{\"process\":{\"env\":[\"ERDMA_VISIBLE_DEVICES=0\"]}}"));
        ck_assert(MAY("{\"annotations\":{\"com.aliyun.erdma.devices\":\"all\"}}"));
        /* an escape could spell the name: parse to be sure */
        ck_assert(MAY("{\"process\":{\"env\":[\"\\u0045RDMA_VISIBLE_DEVICES=0\"]}}"));
        cfg->default_devices = ECT_DEFAULT_ALL;
        ck_assert(MAY("{}"));
#undef MAY
}
END_TEST

int main(void)
{
        Suite *s = suite_create("select");
        TCase *tc = tcase_create("select");
        SRunner *sr;
        int failed;

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_select_forms);
        tcase_add_test(tc, test_select_bad);
        tcase_add_test(tc, test_select_cdi_items);
        tcase_add_test(tc, test_select_precedence);
        tcase_add_test(tc, test_select_empty_host);
        tcase_add_test(tc, test_select_bad_types);
        tcase_add_test(tc, test_edits_compute);
        tcase_add_test(tc, test_select_may_request);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
