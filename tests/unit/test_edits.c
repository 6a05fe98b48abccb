/* SPDX-License-Identifier: Apache-2.0 */
/* The edits a selection leads to (lib/edits.h): which nodes, in which
 * order, what is copied from the host, and the failures. */
#include "cleanup.h"
#include "config.h"
#include "edits.h"
#include "select.h"
#include "testutil.h"

/* erdma_0 (uverbs0, with umad0 and issm0), erdma_1 (uverbs1, whose
 * umad node shares umad0's path), rdma_cm. */
static struct ect_node mad0[2], mad1[1];
static struct ect_device devs[2];
static struct ect_host host;
static struct ect_config *cfg;

static void node(struct ect_node *n, const char *path, const char *host_path, unsigned major,
                 unsigned minor, enum ect_node_status status)
{
        n->path = (char *)path;
        n->host_path = (char *)host_path;
        n->major = major;
        n->minor = minor;
        n->status = status;
}

static void setup(void)
{
        memset(devs, 0, sizeof devs);
        memset(&host, 0, sizeof host);
        devs[0].index = 0;
        devs[0].ibdev = (char *)"erdma_0";
        node(&devs[0].uverbs, "/dev/infiniband/uverbs0", "/host/dev/infiniband/uverbs0", 231, 192,
             ECT_NODE_OK);
        node(&mad0[0], "/dev/infiniband/umad0", NULL, 231, 0, ECT_NODE_MISSING);
        node(&mad0[1], "/dev/infiniband/issm0", NULL, 231, 64, ECT_NODE_UNKNOWN);
        devs[0].mad = mad0;
        devs[0].n_mad = 2;
        devs[1].index = 1;
        devs[1].ibdev = (char *)"erdma_1";
        node(&devs[1].uverbs, "/dev/infiniband/uverbs1", "/host/dev/infiniband/uverbs1", 231, 193,
             ECT_NODE_MISMATCH);
        node(&mad1[0], "/dev/infiniband/umad0", NULL, 231, 1, ECT_NODE_OK);
        devs[1].mad = mad1;
        devs[1].n_mad = 1;
        host.devices = devs;
        host.n_devices = 2;
        host.has_rdma_cm = true;
        node(&host.rdma_cm, "/dev/infiniband/rdma_cm", "/host/dev/infiniband/rdma_cm", 10, 58,
             ECT_NODE_OK);
        cfg = ect_config_new_default();
}

static void teardown(void)
{
        ect_config_free(cfg);
        cfg = NULL;
}

static struct ect_selection *pick(const char *value)
{
        struct ect_selection *sel = NULL;
        struct ect_error *err = NULL;

        ck_assert_msg(ect_select_parse(&host, value, true, &sel, &err) == 0, "select: %s",
                      err ? err->msg : "");
        return sel;
}

START_TEST(test_edits_compute_empty)
{
        cleanup_selection struct ect_selection *sel = pick("");
        struct ect_edits *e = (struct ect_edits *)&sel; /* must be overwritten */
        struct ect_error *err = NULL;

        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e, &err), 0);
        ck_assert_ptr_null(e);
        e = (struct ect_edits *)&sel;
        ck_assert_int_eq(ect_edits_compute(&host, cfg, NULL, &e, &err), 0);
        ck_assert_ptr_null(e);
        ck_assert_ptr_null(err);
}
END_TEST

/* Each device's nodes in selection order, a path only once (the first
 * owner keeps it), rdma_cm last; host paths and statuses as discovery
 * found them. */
START_TEST(test_edits_compute_nodes)
{
        cleanup_selection struct ect_selection *sel = pick("erdma_1,0");
        cleanup_edits struct ect_edits *e = NULL;
        struct ect_error *err = NULL;

        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e, &err), 0);
        ck_assert_uint_eq(e->n_nodes, 5);
        ck_assert_str_eq(e->nodes[0].path, "/dev/infiniband/uverbs0");
        ck_assert_str_eq(e->nodes[0].host_path, "/host/dev/infiniband/uverbs0");
        ck_assert_int_eq(e->nodes[0].status, ECT_NODE_OK);
        ck_assert_str_eq(e->nodes[1].path, "/dev/infiniband/umad0");
        ck_assert_uint_eq(e->nodes[1].minor, 0); /* erdma_0's, not erdma_1's */
        ck_assert_ptr_null(e->nodes[1].host_path);
        ck_assert_int_eq(e->nodes[1].status, ECT_NODE_MISSING);
        ck_assert_str_eq(e->nodes[2].path, "/dev/infiniband/issm0");
        ck_assert_int_eq(e->nodes[2].status, ECT_NODE_UNKNOWN);
        ck_assert_str_eq(e->nodes[3].path, "/dev/infiniband/uverbs1");
        ck_assert_str_eq(e->nodes[3].ibdev, "erdma_1");
        ck_assert_int_eq(e->nodes[3].status, ECT_NODE_MISMATCH);
        ck_assert_str_eq(e->nodes[4].path, "/dev/infiniband/rdma_cm");
        ck_assert_ptr_null(e->nodes[4].ibdev);
        ck_assert_uint_eq(e->nodes[4].major, 10);
        ck_assert_uint_eq(e->nodes[4].minor, 58);
        /* copies, not borrowed: the host may go first */
        ck_assert_ptr_ne(e->nodes[0].path, devs[0].uverbs.path);
}
END_TEST

START_TEST(test_edits_compute_config)
{
        cleanup_selection struct ect_selection *sel = pick("0");
        cleanup_edits struct ect_edits *e = NULL, *e2 = NULL;
        struct ect_error *err = NULL;

        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e, &err), 0);
        ck_assert(e->memlock == ECT_MEMLOCK_UNLIMITED); /* the default */
        ck_assert_uint_eq(e->n_capabilities, 0);
        cfg->memlock = 65536;
        cfg->capabilities = calloc(3, sizeof(char *));
        cfg->capabilities[0] = strdup("CAP_IPC_LOCK");
        cfg->capabilities[1] = strdup("CAP_SYS_RAWIO");
        cfg->n_capabilities = 2;
        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e2, &err), 0);
        ck_assert(e2->memlock == 65536);
        ck_assert_uint_eq(e2->n_capabilities, 2);
        ck_assert_str_eq(e2->capabilities[0], "CAP_IPC_LOCK");
        ck_assert_str_eq(e2->capabilities[1], "CAP_SYS_RAWIO");
        ck_assert_ptr_ne(e2->capabilities[0], cfg->capabilities[0]);
}
END_TEST

START_TEST(test_edits_compute_no_rdma_cm)
{
        cleanup_selection struct ect_selection *sel = pick("1");
        cleanup_edits struct ect_edits *e = NULL;
        struct ect_error *err = NULL;

        host.has_rdma_cm = false;
        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e, &err), 0);
        ck_assert_uint_eq(e->n_nodes, 2);
        ck_assert_str_eq(e->nodes[0].path, "/dev/infiniband/uverbs1");
        ck_assert_str_eq(e->nodes[1].path, "/dev/infiniband/umad0");
}
END_TEST

/* A node without an absolute path: an error naming its device, and
 * nothing handed out. */
START_TEST(test_edits_compute_bad_path)
{
        cleanup_selection struct ect_selection *sel = pick("0,1");
        struct ect_edits *e = NULL;
        struct ect_error *err = NULL;

        devs[1].uverbs.path = (char *)"dev/infiniband/uverbs1";
        ck_assert_int_eq(ect_edits_compute(&host, cfg, sel, &e, &err), -1 - EINVAL);
        ck_assert_ptr_null(e);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_str_eq(err->msg, "device 'erdma_1': node without an absolute path");
        ect_error_free(&err);

        devs[1].uverbs.path = (char *)"/dev/infiniband/uverbs1";
        host.rdma_cm.path = NULL;
        ck_assert_int_lt(ect_edits_compute(&host, cfg, sel, &e, &err), 0);
        ck_assert_ptr_null(e);
        ck_assert_str_eq(err->msg, "device 'rdma_cm': node without an absolute path");
        ect_error_free(&err);
}
END_TEST

START_TEST(test_edits_free_null)
{
        struct ect_edits *e = NULL;

        ect_edits_free(NULL);
        ect_edits_freep(&e);
        ck_assert_ptr_null(e);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("edits");
        TCase *compute = tcase_create("ect_edits_compute");
        TCase *fr = tcase_create("ect_edits_free");

        tcase_add_checked_fixture(compute, setup, teardown);
        tcase_add_test(compute, test_edits_compute_empty);
        tcase_add_test(compute, test_edits_compute_nodes);
        tcase_add_test(compute, test_edits_compute_config);
        tcase_add_test(compute, test_edits_compute_no_rdma_cm);
        tcase_add_test(compute, test_edits_compute_bad_path);
        suite_add_tcase(s, compute);
        tcase_add_test(fr, test_edits_free_null);
        suite_add_tcase(s, fr);
        return run_suite(s);
}
