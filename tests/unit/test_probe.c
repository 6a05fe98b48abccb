/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-probe checks driven by a fake verbs layer (struct ect_probe_ops) on
 * a fake sysfs/dev tree: every branch without RDMA hardware. The nodes are
 * made with mknod, so the tree-based cases need root; open(2) goes through
 * the fake too, so each errno is chosen by the test. */
#include "cleanup.h"
#include "json.h"
#include "probe.h"
#include "xalloc.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- the fake verbs layer ---- */

static struct fake {
        int n_devices;
        bool list_null;
        int list_errno;
        int open_errno, query_device_ret, query_port_ret;
        enum ibv_port_state port_state;
        int pd_errno, mr_errno, cq_errno, qp_errno, modify_ret;
        int ch_errno, id_errno;
        int node_errno, cm_node_errno;
        struct rlimit memlock;
        uint64_t caps;
        struct ect_probe_iface ifs[2];
        size_t n_ifs;
        int live;       /* objects handed out and not yet destroyed */
        void *made[16]; /* those objects, in the order of their making */
        size_t mr_len;  /* length of the last registration */
} F;

static void fake_reset(void)
{
        memset(&F, 0, sizeof F);
        F.n_devices = 1;
        F.port_state = IBV_PORT_ACTIVE;
        F.memlock.rlim_cur = F.memlock.rlim_max = RLIM_INFINITY;
        snprintf(F.ifs[0].name, sizeof F.ifs[0].name, "lo");
        snprintf(F.ifs[1].name, sizeof F.ifs[1].name, "eth1");
        snprintf(F.ifs[1].mac, sizeof F.ifs[1].mac, "00:16:3e:00:00:00");
        F.n_ifs = 2;
}

/* Objects are released last made first, as libibverbs needs (a PD with an
 * MR or a QP on it is busy): each release must be the newest live object. */
static void *obj(size_t n)
{
        ck_assert_int_lt(F.live, (int)(sizeof F.made / sizeof *F.made));
        return F.made[F.live++] = xcalloc(1, n);
}
static int unobj(void *p)
{
        ck_assert_ptr_nonnull(p);
        ck_assert_int_gt(F.live, 0);
        ck_assert_msg(F.made[F.live - 1] == p, "released out of order");
        F.live--;
        free(p);
        return 0;
}

static struct ibv_device **f_get_device_list(int *num)
{
        if (F.list_null) {
                errno = F.list_errno;
                return NULL;
        }
        struct ibv_device **l = obj(sizeof *l * (size_t)(F.n_devices + 1));
        for (int i = 0; i < F.n_devices; i++) {
                l[i] = xcalloc(1, sizeof **l);
                snprintf(l[i]->name, sizeof l[i]->name, "erdma_%d", i);
                snprintf(l[i]->dev_name, sizeof l[i]->dev_name, "uverbs%d", i);
        }
        *num = F.n_devices;
        return l;
}
static void f_free_device_list(struct ibv_device **l)
{
        for (int i = 0; l[i]; i++)
                free(l[i]);
        unobj(l);
}
static const char *f_get_device_name(struct ibv_device *d)
{
        return d->name;
}
static struct ibv_context *f_open_device(struct ibv_device *d)
{
        (void)d;
        if (F.open_errno) {
                errno = F.open_errno;
                return NULL;
        }
        return obj(sizeof(struct ibv_context));
}
static int f_close_device(struct ibv_context *c)
{
        return unobj(c);
}
static int f_query_device(struct ibv_context *c, struct ibv_device_attr *a)
{
        (void)c;
        snprintf(a->fw_ver, sizeof a->fw_ver, "0.2.0");
        a->max_qp = 1024;
        a->max_cq = 2048;
        a->max_mr_size = 1ull << 40;
        a->phys_port_cnt = 1;
        return F.query_device_ret;
}
static int f_query_port(struct ibv_context *c, uint8_t port, struct ibv_port_attr *a)
{
        (void)c;
        ck_assert_uint_eq(port, 1);
        a->state = F.port_state;
        a->link_layer = IBV_LINK_LAYER_ETHERNET;
        return F.query_port_ret;
}
#define ALLOC_OR_FAIL(e, type)                                                                     \
        do {                                                                                       \
                if (e) {                                                                           \
                        errno = (e);                                                               \
                        return NULL;                                                               \
                }                                                                                  \
                return obj(sizeof(type));                                                          \
        } while (0)
static struct ibv_pd *f_alloc_pd(struct ibv_context *c)
{
        (void)c;
        ALLOC_OR_FAIL(F.pd_errno, struct ibv_pd);
}
static int f_dealloc_pd(struct ibv_pd *pd)
{
        return unobj(pd);
}
static struct ibv_mr *f_reg_mr(struct ibv_pd *pd, void *addr, size_t len, int access)
{
        (void)pd, (void)access;
        ck_assert_ptr_nonnull(addr);
        F.mr_len = len;
        ALLOC_OR_FAIL(F.mr_errno, struct ibv_mr);
}
static int f_dereg_mr(struct ibv_mr *mr)
{
        return unobj(mr);
}
static struct ibv_cq *f_create_cq(struct ibv_context *c, int cqe)
{
        (void)c, (void)cqe;
        ALLOC_OR_FAIL(F.cq_errno, struct ibv_cq);
}
static int f_destroy_cq(struct ibv_cq *cq)
{
        return unobj(cq);
}
static struct ibv_qp *f_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *a)
{
        (void)pd;
        ck_assert_int_eq(a->qp_type, IBV_QPT_RC);
        ALLOC_OR_FAIL(F.qp_errno, struct ibv_qp);
}
static int f_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask)
{
        (void)qp;
        ck_assert_int_eq(a->qp_state, IBV_QPS_INIT);
        ck_assert(mask & IBV_QP_STATE);
        return F.modify_ret;
}
static int f_destroy_qp(struct ibv_qp *qp)
{
        return unobj(qp);
}
static struct rdma_event_channel *f_create_event_channel(void)
{
        ALLOC_OR_FAIL(F.ch_errno, struct rdma_event_channel);
}
static void f_destroy_event_channel(struct rdma_event_channel *ch)
{
        unobj(ch);
}
static int f_create_id(struct rdma_event_channel *ch, struct rdma_cm_id **id, void *ctx,
                       enum rdma_port_space ps)
{
        (void)ch, (void)ctx, (void)ps;
        if (F.id_errno) {
                errno = F.id_errno;
                return -1;
        }
        *id = obj(sizeof **id);
        return 0;
}
static int f_destroy_id(struct rdma_cm_id *id)
{
        return unobj(id);
}
static int f_open_node(const char *path)
{
        if (strstr(path, "rdma_cm"))
                return F.cm_node_errno;
        return F.node_errno;
}
static int f_get_memlock(struct rlimit *r)
{
        *r = F.memlock;
        return 0;
}
static int f_cap_eff(uint64_t *ret)
{
        *ret = F.caps;
        return 0;
}
static int f_list_ifaces(struct ect_probe_iface **ret, size_t *n)
{
        *ret = xmalloc(sizeof F.ifs);
        memcpy(*ret, F.ifs, sizeof F.ifs);
        *n = F.n_ifs;
        return 0;
}

static const struct ect_probe_ops fake_ops = {
        .get_device_list = f_get_device_list,
        .free_device_list = f_free_device_list,
        .get_device_name = f_get_device_name,
        .open_device = f_open_device,
        .close_device = f_close_device,
        .query_device = f_query_device,
        .query_port = f_query_port,
        .alloc_pd = f_alloc_pd,
        .dealloc_pd = f_dealloc_pd,
        .reg_mr = f_reg_mr,
        .dereg_mr = f_dereg_mr,
        .create_cq = f_create_cq,
        .destroy_cq = f_destroy_cq,
        .create_qp = f_create_qp,
        .modify_qp = f_modify_qp,
        .destroy_qp = f_destroy_qp,
        .create_event_channel = f_create_event_channel,
        .destroy_event_channel = f_destroy_event_channel,
        .create_id = f_create_id,
        .destroy_id = f_destroy_id,
        .open_node = f_open_node,
        .get_memlock = f_get_memlock,
        .cap_eff = f_cap_eff,
        .list_ifaces = f_list_ifaces,
        .is_static = true,
        .providers = "erdma",
};

/* ---- the fake host tree ---- */

static char top[] = "/tmp/test_probe.XXXXXX";
static char sysfs[256], devr[256], image[256];

static void wfile(const char *content, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wfile(const char *content, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        cleanup_free char *rel = xvasprintf(fmt, ap);
        va_end(ap);
        cleanup_free char *path = xasprintf("%s/%s", top, rel);
        for (char *s = path + strlen(top) + 1; (s = strchr(s, '/')); s++) {
                *s = '\0';
                (void)mkdir(path, 0755);
                *s = '/';
        }
        if (content) {
                FILE *f = fopen(path, "w");
                ck_assert_ptr_nonnull(f);
                fputs(content, f);
                fclose(f);
        } else {
                (void)mkdir(path, 0755);
        }
}

static void mkchr(const char *rel, unsigned maj, unsigned min)
{
        cleanup_free char *path = xasprintf("%s/%s", top, rel);
        ck_assert_int_eq(mknod(path, S_IFCHR | 0666, makedev(maj, min)), 0);
}

/* One eRDMA device erdma_0 = uverbs0 (231:192), its interface's MAC
 * 00:16:3e:00:00:00, rdma_cm (10:241), and an image with rdma-core. */
static void host_setup(void)
{
        fake_reset();
        ck_assert_ptr_nonnull(mkdtemp(top));
        snprintf(sysfs, sizeof sysfs, "%s/sys", top);
        snprintf(devr, sizeof devr, "%s/dev", top);
        snprintf(image, sizeof image, "%s/image", top);
        wfile("erdma_0\n", "sys/class/infiniband_verbs/uverbs0/ibdev");
        wfile("231:192\n", "sys/class/infiniband_verbs/uverbs0/dev");
        wfile("0216:3eff:fe00:0000\n", "sys/class/infiniband/erdma_0/node_guid");
        wfile(NULL, "dev/infiniband");
        mkchr("dev/infiniband/uverbs0", 231, 192);
        mkchr("dev/infiniband/rdma_cm", 10, 241);
        wfile("\x7f"
              "ELF...IBVERBS_PRIVATE_34...IBVERBS_1.1",
              "image/usr/lib/x86_64-linux-gnu/libibverbs.so.1.14.44.0");
        cleanup_free char *lnk =
                xasprintf("%s/image/usr/lib/x86_64-linux-gnu/libibverbs.so.1", top);
        ck_assert_int_eq(symlink("libibverbs.so.1.14.44.0", lnk), 0);
        wfile("ELF", "image/usr/lib/x86_64-linux-gnu/libibverbs/liberdma-rdmav34.so");
        wfile("driver erdma\n", "image/etc/libibverbs.d/erdma.driver");
}

static void host_teardown(void)
{
        cleanup_free char *cmd = xasprintf("rm -rf '%s'", top);
        ck_assert_int_eq(system(cmd), 0);
        snprintf(top, sizeof top, "/tmp/test_probe.XXXXXX");
}

static struct ect_probe_report *run_dev(const char *device, uint64_t mr)
{
        struct ect_probe_opts o = {.device = device,
                                   .sysfs_root = sysfs,
                                   .dev_root = devr,
                                   .image_root = image,
                                   .mr_size = mr,
                                   .ops = &fake_ops};
        struct ect_probe_report *r = ect_probe_run(&o);
        ck_assert_int_eq(F.live, 0); /* every verbs object released */
        return r;
}
static struct ect_probe_report *run(void)
{
        return run_dev(NULL, 0);
}

static const struct ect_probe_check *chk(const struct ect_probe_report *r, const char *name,
                                         enum ect_probe_status want)
{
        const struct ect_probe_check *c = ect_probe_find(r, name);
        ck_assert_msg(c, "no check '%s'", name);
        ck_assert_msg(c->status == want, "%s: %s, wanted %s: %s", name,
                      ect_probe_status_name(c->status), ect_probe_status_name(want), c->detail);
        return c;
}
#define ck_has(s, sub) ck_assert_msg((s) && strstr((s), (sub)), "'%s' lacks '%s'", (s), (sub))

/* The JSON report parses and has exactly the documented shape. */
static void assert_json_shape(const struct ect_probe_report *r)
{
        struct ect_json *j = ect_probe_report_json(r);
        struct ect_error *err = NULL;
        cleanup_free char *text = NULL;
        size_t len = 0;
        ck_assert_int_eq(ect_json_emit(j, true, &text, &len, &err), 0);
        ect_json_free(j);
        cleanup_json struct ect_json *back = NULL;
        ck_assert_int_eq(ect_json_parse(text, len, &back, &err), 0);
        ck_assert(ect_json_is(back, ECT_JSON_OBJECT));
        ck_assert_uint_eq(back->n, 2);
        ck_assert_str_eq(back->keys[0], "ok");
        ck_assert_str_eq(back->keys[1], "checks");
        struct ect_json *ok = ect_json_get(back, "ok");
        ck_assert(ect_json_is(ok, ECT_JSON_TRUE) || ect_json_is(ok, ECT_JSON_FALSE));
        ck_assert(ect_json_is(ok, ECT_JSON_TRUE) == ect_probe_ok(r));
        struct ect_json *checks = ect_json_get(back, "checks");
        ck_assert(ect_json_is(checks, ECT_JSON_ARRAY));
        ck_assert_uint_eq(checks->n, r->n_checks);
        static const char *const names[] = {"nodes",   "access",  "sysfs", "verbs",
                                            "rdma_cm", "memlock", "netns", "image"};
        ck_assert_uint_eq(checks->n, 8);
        for (size_t i = 0; i < checks->n; i++) {
                struct ect_json *c = checks->v[i];
                ck_assert(ect_json_is(c, ECT_JSON_OBJECT));
                ck_assert_uint_eq(c->n, 4);
                ck_assert_str_eq(c->keys[0], "name");
                ck_assert_str_eq(c->keys[1], "status");
                ck_assert_str_eq(c->keys[2], "detail");
                ck_assert_str_eq(c->keys[3], "hint");
                ck_assert_str_eq(ect_json_str(ect_json_get(c, "name")), names[i]);
                const char *st = ect_json_str(ect_json_get(c, "status"));
                ck_assert(st && (!strcmp(st, "pass") || !strcmp(st, "fail") ||
                                 !strcmp(st, "warn") || !strcmp(st, "skip")));
                ck_assert(ect_json_is(ect_json_get(c, "detail"), ECT_JSON_STRING));
                struct ect_json *h = ect_json_get(c, "hint");
                ck_assert(ect_json_is(h, ECT_JSON_STRING) || ect_json_is(h, ECT_JSON_NULL));
                /* a failure always says what to do */
                if (!strcmp(st, "fail"))
                        ck_assert(ect_json_is(h, ECT_JSON_STRING));
        }
}

/* ---- tests ---- */

START_TEST(test_probe_run_all_pass)
{
        cleanup_report struct ect_probe_report *r = run();
        for (size_t i = 0; i < r->n_checks; i++)
                ck_assert_msg(r->checks[i].status == ECT_PROBE_PASS, "%s: %s: %s",
                              r->checks[i].name, ect_probe_status_name(r->checks[i].status),
                              r->checks[i].detail);
        ck_assert(ect_probe_ok(r));
        ck_has(chk(r, "nodes", ECT_PROBE_PASS)->detail, "uverbs0 (231:192)");
        ck_has(chk(r, "sysfs", ECT_PROBE_PASS)->detail, "uverbs0 -> erdma_0 (231:192)");
        const struct ect_probe_check *v = chk(r, "verbs", ECT_PROBE_PASS);
        ck_has(v->detail, "fw 0.2.0");
        ck_has(v->detail, "port 1 ACTIVE (Ethernet)");
        ck_has(v->detail, "mr 16 MiB");
        ck_has(v->detail, "RC qp -> INIT");
        ck_assert_uint_eq(F.mr_len, 16u << 20);
        ck_has(chk(r, "netns", ECT_PROBE_PASS)->detail, "erdma_0 pairs with eth1");
        ck_has(chk(r, "image", ECT_PROBE_PASS)->detail, "liberdma-rdmav34.so (ABI 34)");
        ck_assert_ptr_null(chk(r, "verbs", ECT_PROBE_PASS)->hint);
        assert_json_shape(r);
        cleanup_free char *text = ect_probe_report_text(r, false);
        ck_has(text, "PASS  verbs");
        ck_has(text, "OK: 8 checks, 0 failed, 0 warnings");
}
END_TEST

START_TEST(test_probe_run_no_nodes)
{
        cleanup_free char *a = xasprintf("%s/infiniband/uverbs0", devr);
        cleanup_free char *b = xasprintf("%s/infiniband/rdma_cm", devr);
        unlink(a);
        unlink(b);
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "nodes", ECT_PROBE_FAIL);
        ck_has(c->detail, "no RDMA device was passed in");
        ck_has(c->hint, "--device");
        chk(r, "access", ECT_PROBE_SKIP);
        chk(r, "verbs", ECT_PROBE_SKIP);
        chk(r, "rdma_cm", ECT_PROBE_WARN);
        ck_assert(!ect_probe_ok(r));
        assert_json_shape(r);
        cleanup_free char *text = ect_probe_report_text(r, false);
        ck_has(text, "FAILED: 8 checks");
        ck_has(text, "fix: pass the devices in");
}
END_TEST

START_TEST(test_probe_run_not_char_device)
{
        cleanup_free char *a = xasprintf("%s/infiniband/uverbs0", devr);
        unlink(a);
        wfile("x", "dev/infiniband/uverbs0");
        cleanup_report struct ect_probe_report *r = run();
        ck_has(chk(r, "nodes", ECT_PROBE_FAIL)->detail, "not a character device");
        assert_json_shape(r);
}
END_TEST

/* access: each errno of open(2) names its cause. */
static const struct {
        int node, cm;
        const char *detail, *hint;
} access_cases[] = {
        {EPERM, 0, "EPERM (Operation not permitted): denied by the device cgroup", "c 231:192 rw"},
        {ENXIO, 0, "ENXIO (No such device or address): no kernel driver behind this node",
         "modprobe erdma"},
        {0, ENODEV, "rdma_cm: ENODEV (No such device): no kernel driver", "rdma_ucm"},
        {EACCES, 0, "file permissions", "0666"},
        {0, EPERM, "rdma_cm: EPERM", "c 10:241 rw"},
        {EIO, 0, "EIO (Input/output error): cannot be opened", "dmesg"},
};

START_TEST(test_probe_access_errno)
{
        F.node_errno = access_cases[_i].node;
        F.cm_node_errno = access_cases[_i].cm;
        if (F.node_errno)
                F.open_errno = ENOENT; /* what libibverbs' open_cdev leaves behind */
        if (F.cm_node_errno)
                F.ch_errno = ENODEV;
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "access", ECT_PROBE_FAIL);
        ck_has(c->detail, access_cases[_i].detail);
        if (access_cases[_i].hint)
                ck_has(c->hint, access_cases[_i].hint);
        chk(r, "nodes", ECT_PROBE_PASS);
        if (F.node_errno) {
                /* verbs points back at the open failure, not at libibverbs' errno */
                const struct ect_probe_check *v = chk(r, "verbs", ECT_PROBE_FAIL);
                ck_has(v->detail, "see access");
                ck_has(v->detail, strerrorname_np(F.node_errno));
        } else {
                ck_has(chk(r, "rdma_cm", ECT_PROBE_FAIL)->detail, "see access");
        }
        ck_assert(!ect_probe_ok(r));
        assert_json_shape(r);
}
END_TEST

START_TEST(test_probe_access_eperm_with_rawio)
{
        F.node_errno = EPERM;
        F.caps = 1ull << 17;
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "access", ECT_PROBE_FAIL);
        ck_has(c->detail, "CAP_SYS_RAWIO is present");
        ck_assert_ptr_null(strstr(c->hint, "SYS_RAWIO"));
}
END_TEST

START_TEST(test_probe_sysfs_stale_node)
{
        wfile("231:200\n", "sys/class/infiniband_verbs/uverbs0/dev");
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "sysfs", ECT_PROBE_FAIL);
        ck_has(c->detail, "uverbs0 is 231:192 but sysfs says erdma_0 is 231:200");
        ck_has(c->hint, "major:minor");
        assert_json_shape(r);
}
END_TEST

START_TEST(test_probe_sysfs_missing)
{
        cleanup_free char *cmd = xasprintf("rm -rf '%s/class'", sysfs);
        ck_assert_int_eq(system(cmd), 0);
        F.n_devices = 0;
        cleanup_report struct ect_probe_report *r = run();
        ck_has(chk(r, "sysfs", ECT_PROBE_FAIL)->detail, "class/infiniband_verbs is not visible");
        chk(r, "netns", ECT_PROBE_SKIP);
        assert_json_shape(r);
}
END_TEST

START_TEST(test_probe_verbs_no_devices)
{
        /* sysfs shows the device with its node, libibverbs lists nothing:
         * no provider matched */
        F.n_devices = 0;
        F.ch_errno = ENODEV;
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "verbs", ECT_PROBE_FAIL);
        ck_has(c->detail, "no provider matched");
        ck_has(c->hint, "modalias");
        ck_has(chk(r, "rdma_cm", ECT_PROBE_FAIL)->detail, "librdmacm found no verbs device");
        assert_json_shape(r);
}
END_TEST

START_TEST(test_probe_verbs_no_provider_no_sysfs)
{
        cleanup_free char *cmd = xasprintf("rm -rf '%s/class/infiniband_verbs/uverbs0'", sysfs);
        ck_assert_int_eq(system(cmd), 0);
        F.n_devices = 0;
        cleanup_report struct ect_probe_report *r = run();
        ck_has(chk(r, "verbs", ECT_PROBE_FAIL)->detail, "found no device");
        ck_has(chk(r, "sysfs", ECT_PROBE_FAIL)->detail, "no sysfs entry");
}
END_TEST

START_TEST(test_probe_verbs_list_fails)
{
        F.list_null = true;
        F.list_errno = ENOSYS;
        cleanup_report struct ect_probe_report *r = run();
        ck_has(chk(r, "verbs", ECT_PROBE_FAIL)->detail, "ibv_get_device_list failed: ENOSYS");
}
END_TEST

/* Each step of the verbs sequence fails once. */
static const struct {
        int *knob;
        int value;
        const char *detail;
        const char *hint;
} verbs_cases[] = {
        {&F.open_errno, EPERM, "ibv_open_device failed: EPERM", "SYS_RAWIO"},
        {&F.query_device_ret, EIO, "ibv_query_device failed: EIO", NULL},
        {&F.query_port_ret, EINVAL, "ibv_query_port 1 failed: EINVAL", NULL},
        {&F.pd_errno, ENOMEM, "ibv_alloc_pd failed: ENOMEM", "dmesg"},
        {&F.mr_errno, ENOMEM,
         "ibv_reg_mr of 16 MiB failed: ENOMEM (Cannot allocate memory): locked memory limit "
         "reached (memlock, RLIMIT_MEMLOCK unlimited)",
         "--ulimit memlock=-1"},
        {&F.mr_errno, EFAULT, "ibv_reg_mr of 16 MiB failed: EFAULT", NULL},
        {&F.cq_errno, ENOMEM, "ibv_create_cq failed: ENOMEM", "memlock"},
        {&F.qp_errno, ENOMEM, "ibv_create_qp (RC) failed: ENOMEM", "memlock"},
        {&F.qp_errno, EINVAL, "ibv_create_qp (RC) failed: EINVAL", NULL},
        {&F.modify_ret, EINVAL, "ibv_modify_qp to INIT failed: EINVAL", NULL},
};

START_TEST(test_probe_verbs_step_fails)
{
        *verbs_cases[_i].knob = verbs_cases[_i].value;
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "verbs", ECT_PROBE_FAIL);
        ck_has(c->detail, "erdma_0: ");
        ck_has(c->detail, verbs_cases[_i].detail);
        ck_has(c->hint, verbs_cases[_i].hint ? verbs_cases[_i].hint : "dmesg");
        assert_json_shape(r);
}
END_TEST

START_TEST(test_probe_verbs_port_down)
{
        F.port_state = IBV_PORT_DOWN;
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "verbs", ECT_PROBE_FAIL);
        ck_has(c->detail, "erdma_0: port 1 is DOWN, not ACTIVE (link layer Ethernet)");
        ck_has(c->hint, "ENI");
        assert_json_shape(r);
}
END_TEST

START_TEST(test_probe_verbs_reg_mr_memlock_limit)
{
        F.mr_errno = ENOMEM;
        F.memlock.rlim_cur = F.memlock.rlim_max = 64 << 10;
        cleanup_report struct ect_probe_report *r = run_dev(NULL, 1 << 20);
        ck_has(chk(r, "verbs", ECT_PROBE_FAIL)->detail,
               "ibv_reg_mr of 1 MiB failed: ENOMEM (Cannot allocate memory): locked memory "
               "limit reached (memlock, RLIMIT_MEMLOCK 64 KiB)");
        const struct ect_probe_check *m = chk(r, "memlock", ECT_PROBE_FAIL);
        ck_has(m->detail, "RLIMIT_MEMLOCK 64 KiB (hard 64 KiB) is below --mr-size 1 MiB");
        ck_has(m->hint, "--ulimit memlock=-1");
        ck_has(m->hint, "'memlock' setting");
}
END_TEST

START_TEST(test_probe_memlock)
{
        F.memlock.rlim_cur = 8 << 20;
        F.memlock.rlim_max = 8 << 20;
        cleanup_report struct ect_probe_report *r1 = run_dev(NULL, 8 << 20);
        ck_has(chk(r1, "memlock", ECT_PROBE_PASS)->detail, "covers --mr-size 8 MiB");
        F.caps = 1ull << 14; /* CAP_IPC_LOCK */
        cleanup_report struct ect_probe_report *r2 = run();
        ck_has(chk(r2, "memlock", ECT_PROBE_WARN)->detail, "CAP_IPC_LOCK");
        F.caps = 0;
        cleanup_report struct ect_probe_report *r3 = run();
        chk(r3, "memlock", ECT_PROBE_FAIL);
        ck_assert(!ect_probe_ok(r3));
}
END_TEST

START_TEST(test_probe_rdma_cm)
{
        F.ch_errno = ENODEV;
        cleanup_report struct ect_probe_report *r1 = run();
        const struct ect_probe_check *c = chk(r1, "rdma_cm", ECT_PROBE_FAIL);
        ck_has(c->detail, "rdma_create_event_channel failed: ENODEV");
        ck_has(c->hint, "rdma_ucm");
        F.ch_errno = 0;
        F.id_errno = ENOMEM;
        cleanup_report struct ect_probe_report *r2 = run();
        ck_has(chk(r2, "rdma_cm", ECT_PROBE_FAIL)->detail, "rdma_create_id failed: ENOMEM");
        cleanup_free char *b = xasprintf("%s/infiniband/rdma_cm", devr);
        unlink(b);
        cleanup_report struct ect_probe_report *r3 = run();
        chk(r3, "nodes", ECT_PROBE_WARN);
        ck_has(chk(r3, "rdma_cm", ECT_PROBE_WARN)->detail, "not tried");
        ck_assert(ect_probe_ok(r3));
}
END_TEST

/* What a real kernel with rdma_ucm and no RDMA device gave (the lent GPU
 * machine): rdma_cm opens, no uverbs node, librdmacm fails with ENODEV. The
 * cause is the missing verbs device, not rdma_ucm. */
START_TEST(test_probe_rdma_cm_without_uverbs)
{
        cleanup_free char *a = xasprintf("%s/infiniband/uverbs0", devr);
        unlink(a);
        F.ch_errno = ENODEV;
        cleanup_report struct ect_probe_report *r = run();
        chk(r, "nodes", ECT_PROBE_FAIL);
        ck_has(chk(r, "access", ECT_PROBE_PASS)->detail, "rdma_cm opens");
        const struct ect_probe_check *c = chk(r, "rdma_cm", ECT_PROBE_FAIL);
        ck_has(c->detail, "librdmacm needs a verbs device");
        ck_has(c->hint, "pass the uverbs devices in");
        ck_assert_ptr_null(strstr(c->hint, "modprobe"));
        assert_json_shape(r);
}
END_TEST

/* The node opened in access, so an EPERM from rdma_create_event_channel is
 * not the device cgroup: librdmacm's ucma_init() answers EPERM when the
 * kernel's class/misc/rdma_cm/abi_version is outside what it supports. */
START_TEST(test_probe_rdma_cm_eperm_after_open)
{
        F.ch_errno = EPERM;
        cleanup_report struct ect_probe_report *r = run();
        ck_has(chk(r, "access", ECT_PROBE_PASS)->detail, "rdma_cm opens");
        const struct ect_probe_check *c = chk(r, "rdma_cm", ECT_PROBE_FAIL);
        ck_has(c->detail, "rdma_create_event_channel failed: EPERM");
        ck_has(c->detail, "abi_version");
        ck_assert_ptr_null(strstr(c->hint, "device cgroup"));
        assert_json_shape(r);
}
END_TEST

START_TEST(test_probe_netns_not_host)
{
        F.n_ifs = 1; /* only lo: a container network namespace */
        cleanup_report struct ect_probe_report *r = run();
        const struct ect_probe_check *c = chk(r, "netns", ECT_PROBE_WARN);
        ck_has(c->detail, "erdma_0 (node GUID 0216:3eff:fe00:0000) is not in this network "
                          "namespace");
        ck_has(c->hint, "--net=host");
        ck_assert(ect_probe_ok(r)); /* a warning does not fail the run */
}
END_TEST

START_TEST(test_probe_image)
{
        cleanup_free char *drv = xasprintf("%s/etc/libibverbs.d/erdma.driver", image);
        unlink(drv);
        cleanup_report struct ect_probe_report *r1 = run();
        ck_has(chk(r1, "image", ECT_PROBE_WARN)->detail, "no /etc/libibverbs.d/erdma.driver");
        wfile("driver erdma\n", "image/etc/libibverbs.d/erdma.driver");
        cleanup_free char *prov =
                xasprintf("%s/usr/lib/x86_64-linux-gnu/libibverbs/liberdma-rdmav34.so", image);
        unlink(prov);
        wfile("ELF", "image/usr/lib/x86_64-linux-gnu/libibverbs/liberdma-rdmav25.so");
        cleanup_report struct ect_probe_report *r2 = run();
        const struct ect_probe_check *c = chk(r2, "image", ECT_PROBE_WARN);
        ck_has(c->detail, "provider ABI 25 does not match libibverbs' 34");
        ck_has(c->hint, "same rdma-core release");
        cleanup_free char *cmd = xasprintf("rm -rf '%s/usr' '%s/etc'", image, image);
        ck_assert_int_eq(system(cmd), 0);
        cleanup_report struct ect_probe_report *r3 = run();
        c = chk(r3, "image", ECT_PROBE_WARN);
        ck_has(c->detail, "the image has no libibverbs");
        ck_has(c->hint, "rdma-core");
        ck_assert(ect_probe_ok(r3));
}
END_TEST

START_TEST(test_probe_device_filter)
{
        wfile("erdma_1\n", "sys/class/infiniband_verbs/uverbs1/ibdev");
        wfile("231:193\n", "sys/class/infiniband_verbs/uverbs1/dev");
        mkchr("dev/infiniband/uverbs1", 231, 193);
        F.n_devices = 2;
        cleanup_report struct ect_probe_report *r1 = run_dev("erdma_1", 0);
        const struct ect_probe_check *v = chk(r1, "verbs", ECT_PROBE_PASS);
        ck_has(v->detail, "erdma_1: fw");
        ck_assert_ptr_null(strstr(v->detail, "erdma_0"));
        ck_assert_ptr_null(strstr(chk(r1, "nodes", ECT_PROBE_PASS)->detail, "uverbs0"));
        cleanup_report struct ect_probe_report *r2 = run_dev("0", 0);
        ck_has(chk(r2, "sysfs", ECT_PROBE_PASS)->detail, "uverbs0 -> erdma_0");
        cleanup_report struct ect_probe_report *r3 = run_dev("mlx5_0", 0);
        ck_has(chk(r3, "nodes", ECT_PROBE_FAIL)->detail, "no device 'mlx5_0'");
        assert_json_shape(r3);
}
END_TEST

START_TEST(test_probe_parse_size_ok)
{
        static const struct {
                const char *s;
                uint64_t v;
        } ok[] = {{"4096", 4096},    {"1K", 1024},       {"64k", 65536},      {"16M", 16u << 20},
                  {"1MiB", 1 << 20}, {"2G", 2ull << 30}, {"1gb", 1ull << 30}, {"1T", 1ull << 40}};
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
                uint64_t v = 0;
                struct ect_error *err = NULL;
                ck_assert_msg(ect_probe_parse_size(ok[i].s, &v, &err) == 0, "%s", ok[i].s);
                ck_assert_uint_eq(v, ok[i].v);
        }
}
END_TEST

START_TEST(test_probe_parse_size_bad)
{
        static const char *const bad[] = {
                "", "M", "-1", "0", "1X", "1MM", "12 M", "99999999999999999999", "17179869184G"};
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
                uint64_t v = 7;
                struct ect_error *err = NULL;
                ck_assert_msg(ect_probe_parse_size(bad[i], &v, &err) < 0, "'%s' accepted", bad[i]);
                ck_assert_ptr_nonnull(err);
                ck_assert_uint_eq(v, 7);
                ect_error_free(&err);
        }
}
END_TEST

static Suite *probe_suite(void)
{
        Suite *s = suite_create("probe");
        TCase *tc = tcase_create("ect_probe_parse_size");
        tcase_add_test(tc, test_probe_parse_size_ok);
        tcase_add_test(tc, test_probe_parse_size_bad);
        suite_add_tcase(s, tc);

        if (geteuid() != 0) {
                fprintf(stderr, "test_probe: not root: the fake host needs mknod; skipping "
                                "ect_probe_run cases\n");
                return s;
        }
        tc = tcase_create("ect_probe_run");
        tcase_add_checked_fixture(tc, host_setup, host_teardown);
        tcase_add_test(tc, test_probe_run_all_pass);
        tcase_add_test(tc, test_probe_run_no_nodes);
        tcase_add_test(tc, test_probe_run_not_char_device);
        tcase_add_loop_test(tc, test_probe_access_errno, 0,
                            (int)(sizeof access_cases / sizeof *access_cases));
        tcase_add_test(tc, test_probe_access_eperm_with_rawio);
        tcase_add_test(tc, test_probe_sysfs_stale_node);
        tcase_add_test(tc, test_probe_sysfs_missing);
        tcase_add_test(tc, test_probe_verbs_no_devices);
        tcase_add_test(tc, test_probe_verbs_no_provider_no_sysfs);
        tcase_add_test(tc, test_probe_verbs_list_fails);
        tcase_add_loop_test(tc, test_probe_verbs_step_fails, 0,
                            (int)(sizeof verbs_cases / sizeof *verbs_cases));
        tcase_add_test(tc, test_probe_verbs_port_down);
        tcase_add_test(tc, test_probe_verbs_reg_mr_memlock_limit);
        tcase_add_test(tc, test_probe_memlock);
        tcase_add_test(tc, test_probe_rdma_cm);
        tcase_add_test(tc, test_probe_rdma_cm_without_uverbs);
        tcase_add_test(tc, test_probe_rdma_cm_eperm_after_open);
        tcase_add_test(tc, test_probe_netns_not_host);
        tcase_add_test(tc, test_probe_image);
        tcase_add_test(tc, test_probe_device_filter);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(probe_suite());
        srunner_run_all(sr, CK_ENV);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
