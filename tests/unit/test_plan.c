/* SPDX-License-Identifier: Apache-2.0 */
/* The container plan both ways in share (lib/plan.h), on fixture hosts
 * built by tests/lib/fakehost.sh. */
#include "cleanup.h"
#include "config.h"
#include "ocispec.h"
#include "plan.h"
#include "sandbox.h"
#include "state.h"
#include "testutil.h"

#include <linux/capability.h>
#include <sys/syscall.h>

static char *dir;
static struct ect_config *cfg;

static void setup(void)
{
        dir = make_tmpdir();
        sh("fakehost_init %s; fakehost_add_device %s 0 erdma_0 %s;"
           "fakehost_add_device %s 1 erdma_1 %s; fakehost_add_rdma_cm %s 241 %s",
           dir, dir, mknod_opt(), dir, mknod_opt(), dir, mknod_opt());
        cfg = ect_config_new_default();
        ck_assert_int_ge(asprintf(&cfg->sysfs_root, "%s/sys", dir), 0);
        ck_assert_int_ge(asprintf(&cfg->dev_root, "%s/dev", dir), 0);
}

static void teardown(void)
{
        ect_config_free(cfg);
        cfg = NULL;
        rm_tmpdir(dir);
        dir = NULL;
}

static struct ect_oci_doc *doc_of(const char *s)
{
        struct ect_oci_doc *d = NULL;
        struct ect_error *err = NULL;

        ck_assert_msg(ect_oci_parse(s, strlen(s), "/b/config.json", &d, &err) == 0, "parse: %s",
                      err ? err->msg : "");
        return d;
}

/* A hook's state for bundle /b; annotations NULL or a JSON object. */
static struct ect_state *state_of(const char *annotations)
{
        cleanup_free char *s = NULL;
        struct ect_state *st = NULL;
        struct ect_error *err = NULL;

        ck_assert_int_ge(asprintf(&s,
                                  "{\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"status\":\"creating\","
                                  "\"pid\":1,\"bundle\":\"/b\"%s%s}",
                                  annotations ? ",\"annotations\":" : "",
                                  annotations ? annotations : ""),
                         0);
        ck_assert_msg(ect_state_parse(s, strlen(s), &st, &err) == 0, "state: %s",
                      err ? err->msg : "");
        return st;
}

static struct ect_plan *plan_ok(const char *config_json, const struct ect_state *st)
{
        cleanup_oci struct ect_oci_doc *d = doc_of(config_json);
        struct ect_plan *p = NULL;
        struct ect_error *err = NULL;

        ck_assert_msg(ect_plan_make(cfg, d, st, &p, &err) == 0, "plan: %s", err ? err->msg : "");
        return p;
}

/* The message of a plan that fails, or NULL when it does not. */
static char *plan_err(const char *config_json, const struct ect_state *st)
{
        cleanup_oci struct ect_oci_doc *d = doc_of(config_json);
        cleanup_plan struct ect_plan *p = NULL;
        struct ect_error *err = NULL;
        char *msg;

        if (ect_plan_make(cfg, d, st, &p, &err) == 0)
                return NULL;
        msg = strdup(err->msg);
        ect_error_free(&err);
        return msg;
}

static bool has_warning(const struct ect_plan *p, enum ect_log_level level, const char *needle)
{
        for (size_t i = 0; i < p->n_warnings; i++)
                if (p->warnings[i].level == level && strstr(p->warnings[i].text, needle))
                        return true;
        return false;
}

static size_t n_at(const struct ect_plan *p, enum ect_log_level level)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_warnings; i++)
                n += p->warnings[i].level == level;
        return n;
}

#define ANN(v) "{\"annotations\":{\"com.aliyun.erdma.devices\":\"" v "\"}}"
#define ENV(v) "{\"process\":{\"env\":[\"ERDMA_VISIBLE_DEVICES=" v "\"]}}"

START_TEST(test_plan_make_no_request)
{
        cleanup_plan struct ect_plan *p = NULL;

        /* No request: not even discovery (this sysfs root does not exist). */
        free(cfg->sysfs_root);
        cfg->sysfs_root = strdup("/nonexistent-sysfs");
        p = plan_ok("{\"process\":{\"env\":[\"PATH=/bin\"]}}", NULL);
        ck_assert_int_eq(p->source, ECT_SELECT_NONE);
        ck_assert_ptr_null(p->host);
        ck_assert_ptr_null(p->sel);
        ck_assert_ptr_null(p->edits);
        ck_assert_uint_eq(p->n_warnings, 0);
        ck_assert(!p->live);
}
END_TEST

START_TEST(test_plan_make_selects)
{
        cleanup_plan struct ect_plan *p = NULL;

        cfg->memlock = 8388608;
        p = plan_ok(ENV("erdma_1"), NULL);
        ck_assert_int_eq(p->source, ECT_SELECT_FROM_ENV);
        ck_assert_uint_eq(p->sel->n_devices, 1);
        ck_assert_str_eq(p->sel->devices[0]->ibdev, "erdma_1");
        ck_assert_ptr_nonnull(p->edits);
        ck_assert_uint_eq(p->edits->n_nodes, 2);
        ck_assert_str_eq(p->edits->nodes[0].path, "/dev/infiniband/uverbs1");
        ck_assert_uint_eq(p->edits->nodes[0].minor, 193);
        ck_assert_str_eq(p->edits->nodes[1].path, "/dev/infiniband/rdma_cm");
        ck_assert(p->memlock.want == 8388608);
        ck_assert(!p->memlock.config_sets);
}
END_TEST

START_TEST(test_plan_make_none)
{
        cleanup_plan struct ect_plan *p = plan_ok(ANN("none"), NULL);

        ck_assert_int_eq(p->source, ECT_SELECT_FROM_ANNOTATION);
        ck_assert_uint_eq(p->sel->n_devices, 0);
        ck_assert_ptr_null(p->edits);
}
END_TEST

/* The hook takes the state's annotations when config.json has none; the
 * shim has no state. config.json's own annotations win. */
START_TEST(test_plan_make_state_annotations)
{
        cleanup_state struct ect_state *st = state_of("{\"com.aliyun.erdma.devices\":\"erdma_0\"}");
        cleanup_plan struct ect_plan *live = plan_ok("{}", st);
        cleanup_plan struct ect_plan *shim = plan_ok("{}", NULL);
        cleanup_plan struct ect_plan *both = plan_ok(ANN("erdma_1"), st);

        ck_assert(live->live);
        ck_assert_int_eq(live->source, ECT_SELECT_FROM_ANNOTATION);
        ck_assert_uint_eq(live->sel->n_devices, 1);
        ck_assert_str_eq(live->sel->devices[0]->ibdev, "erdma_0");
        ck_assert_int_eq(shim->source, ECT_SELECT_NONE);
        ck_assert_ptr_null(shim->edits);
        ck_assert_str_eq(both->sel->devices[0]->ibdev, "erdma_1");
}
END_TEST

/* Discovery warnings reach both ways in, at info level. */
START_TEST(test_plan_make_discovery_warnings)
{
        cleanup_state struct ect_state *st = state_of(NULL);
        cleanup_plan struct ect_plan *shim = NULL, *live = NULL;

        sh("rm -f %s/dev/infiniband/uverbs0", dir);
        shim = plan_ok(ENV("0"), NULL);
        live = plan_ok(ENV("0"), st);
        ck_assert(has_warning(shim, ECT_LOG_INFO, "discovery: "));
        ck_assert(has_warning(shim, ECT_LOG_INFO, "/infiniband/uverbs0: missing"));
        ck_assert(has_warning(live, ECT_LOG_INFO, "/infiniband/uverbs0: missing"));
        ck_assert_uint_eq(shim->n_warnings, live->n_warnings);
}
END_TEST

/* What only a live container is told: capabilities a hook cannot give, a
 * config.json RLIMIT_MEMLOCK that runc applies again after the hook. */
START_TEST(test_plan_make_live_warnings)
{
        static const char *conf =
                "{\"process\":{\"env\":[\"ERDMA_VISIBLE_DEVICES=all\"],\"rlimits\":[{\"type\":"
                "\"RLIMIT_MEMLOCK\",\"soft\":131072,\"hard\":131072}]}}";
        cleanup_state struct ect_state *st = state_of(NULL);
        cleanup_plan struct ect_plan *live = NULL, *shim = NULL;

        cfg->capabilities = calloc(2, sizeof(char *));
        cfg->capabilities[0] = strdup("CAP_IPC_LOCK");
        cfg->n_capabilities = 1;
        live = plan_ok(conf, st);
        shim = plan_ok(conf, NULL);
        ck_assert(live->memlock.config_sets);
        ck_assert(live->memlock.config_soft == 131072);
        ck_assert(live->memlock.config_hard == 131072);
        ck_assert(has_warning(live, ECT_LOG_WARN,
                              "capabilities in the host config are not applied by erdma-hook"));
        ck_assert(has_warning(live, ECT_LOG_WARN,
                              "config.json sets RLIMIT_MEMLOCK to 131072, which runc applies "
                              "again after this hook"));
        ck_assert_uint_eq(n_at(shim, ECT_LOG_WARN), 0);
        ck_assert_uint_eq(n_at(live, ECT_LOG_WARN), 2);
        ck_assert_uint_eq(shim->edits->n_capabilities, 1);
}
END_TEST

START_TEST(test_plan_make_errors)
{
        cleanup_free char *req = plan_err("{\"annotations\":[]}", NULL);
        cleanup_free char *unknown = plan_err(ENV("erdma_9"), NULL);
        cleanup_free char *disc = NULL;

        ck_assert_ptr_nonnull(req);
        ck_assert_str_eq(req, "/b/config.json: annotations: expected an object, got array");
        ck_assert_ptr_nonnull(unknown);
        ck_assert_str_eq(unknown, "ERDMA_VISIBLE_DEVICES: unknown eRDMA device 'erdma_9' (this "
                                  "host has: erdma_0 (index 0), erdma_1 (index 1))");
        free(cfg->sysfs_root);
        cfg->sysfs_root = strdup("/nonexistent-sysfs");
        disc = plan_err(ENV("0"), NULL);
        ck_assert_ptr_nonnull(disc);
        ck_assert_msg(strncmp(disc, "host discovery: ", 16) == 0, "got '%s'", disc);
}
END_TEST

/* Checks run in a forked child: drop CAP_SYS_RESOURCE from the effective
 * set (root has it) so that the refusal can be seen. */
static void drop_sys_resource(void)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2];

        ck_assert_int_eq(syscall(SYS_capget, &h, d), 0);
        d[CAP_SYS_RESOURCE / 32].effective &= ~(1u << (CAP_SYS_RESOURCE % 32));
        ck_assert_int_eq(syscall(SYS_capset, &h, d), 0);
        ck_assert(!ect_sandbox_has_cap(CAP_SYS_RESOURCE));
}

static char *check_msg(const struct ect_plan *p, rlim_t hard)
{
        struct ect_error *err = NULL;
        char *msg;
        int r = ect_plan_memlock_check(p, hard, &err);

        if (r == 0)
                return NULL;
        ck_assert_int_eq(r, -1 - EPERM);
        ck_assert_int_eq(err->code, EPERM);
        msg = strdup(err->msg);
        ect_error_free(&err);
        return msg;
}

START_TEST(test_plan_memlock_check)
{
        static const char *conf_hard =
                "{\"process\":{\"env\":[\"ERDMA_VISIBLE_DEVICES=0\"],\"rlimits\":[{\"type\":"
                "\"RLIMIT_MEMLOCK\",\"soft\":65536,\"hard\":18446744073709551615}]}}";
        cleanup_state struct ect_state *st = state_of(NULL);
        cleanup_plan struct ect_plan *shim = NULL, *live = NULL, *asks = NULL, *asks_live = NULL;
        cleanup_free char *m1 = NULL, *m2 = NULL, *m3 = NULL;

        drop_sys_resource();
        shim = plan_ok(ENV("0"), NULL);
        live = plan_ok(ENV("0"), st);
        /* under the hard limit, or unlimited: fine */
        ck_assert_ptr_null(check_msg(shim, RLIM_INFINITY));
        cfg->memlock = 4096;
        ect_plan_free(steal_ptr(&shim));
        shim = plan_ok(ENV("0"), NULL);
        ck_assert_ptr_null(check_msg(shim, 8388608));
        ck_assert_ptr_null(check_msg(shim, 4096));
        /* above it: the one message, naming whose limit */
        m1 = check_msg(live, 8388608);
        ck_assert_ptr_nonnull(m1);
        ck_assert_str_eq(m1, "memlock unlimited is above the container's hard limit 8388608 and "
                             "raising it needs CAP_SYS_RESOURCE: set \"memlock\" in the host "
                             "config to at most 8388608");
        cfg->memlock = ECT_MEMLOCK_UNLIMITED;
        ect_plan_free(steal_ptr(&shim));
        shim = plan_ok(ENV("0"), NULL);
        m2 = check_msg(shim, 8388608);
        ck_assert_ptr_nonnull(m2);
        ck_assert_ptr_nonnull(strstr(m2, "memlock unlimited is above this runtime's hard "
                                         "RLIMIT_MEMLOCK (8388608) and it lacks "
                                         "CAP_SYS_RESOURCE: set \"memlock\" in the host config "
                                         "to at most 8388608, or start the engine"));
        /* The shim: config.json asks for as much itself, not our doing;
         * the hook raises the live limit either way. */
        asks = plan_ok(conf_hard, NULL);
        asks_live = plan_ok(conf_hard, st);
        ck_assert_ptr_null(check_msg(asks, 8388608));
        m3 = check_msg(asks_live, 8388608);
        ck_assert_ptr_nonnull(m3);
}
END_TEST

START_TEST(test_plan_limit_text)
{
        char b[24];

        ck_assert_str_eq(ect_plan_limit_text(ECT_MEMLOCK_UNLIMITED, b, sizeof b), "unlimited");
        ck_assert_str_eq(ect_plan_limit_text(0, b, sizeof b), "0");
        ck_assert_str_eq(ect_plan_limit_text(8388608, b, sizeof b), "8388608");
        ck_assert_str_eq(ect_plan_limit_text(UINT64_MAX - 1, b, sizeof b), "18446744073709551614");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("plan");
        TCase *make = tcase_create("ect_plan_make");
        TCase *memlock = tcase_create("ect_plan_memlock_check");
        TCase *text = tcase_create("ect_plan_limit_text");

        tcase_add_checked_fixture(make, setup, teardown);
        tcase_add_test(make, test_plan_make_no_request);
        tcase_add_test(make, test_plan_make_selects);
        tcase_add_test(make, test_plan_make_none);
        tcase_add_test(make, test_plan_make_state_annotations);
        tcase_add_test(make, test_plan_make_discovery_warnings);
        tcase_add_test(make, test_plan_make_live_warnings);
        tcase_add_test(make, test_plan_make_errors);
        suite_add_tcase(s, make);
        tcase_add_checked_fixture(memlock, setup, teardown);
        tcase_add_test(memlock, test_plan_memlock_check);
        suite_add_tcase(s, memlock);
        tcase_add_test(text, test_plan_limit_text);
        suite_add_tcase(s, text);
        return run_suite(s);
}
