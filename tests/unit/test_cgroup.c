/* SPDX-License-Identifier: Apache-2.0 */
/* Finding a process's cgroup directory from /proc/PID/cgroup and
 * /proc/self/mountinfo text (v1 devices, v2). */
#include "cgroup.h"
#include "cleanup.h"
#include "testutil.h"

static const char *mi_hybrid =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime shared:9 - cgroup cgroup rw,devices\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char *pc = "12:devices:/default/ctr1\n"
                        "3:cpu,cpuacct:/default/ctr1\n"
                        "1:name=systemd:/default/ctr1\n"
                        "0::/default/ctr1\n";

START_TEST(test_find_dir_v1)
{
        struct ect_error *err = NULL;
        cleanup_free char *d = NULL, *c = NULL;

        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_hybrid, "devices", &d, &err), 0);
        ck_assert_str_eq(d, "/sys/fs/cgroup/devices/default/ctr1");
        /* A controller in a combined hierarchy. */
        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_hybrid, "cpuacct", &c, &err), 0);
        ck_assert_str_eq(c, "/sys/fs/cgroup/cpu,cpuacct/default/ctr1");
}
END_TEST

START_TEST(test_find_dir_v2)
{
        struct ect_error *err = NULL;
        cleanup_free char *d = NULL, *d2 = NULL;
        const char *mi_v2 = "50 23 0:40 / /sys/fs/cgroup rw - cgroup2 none rw\n";

        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_hybrid, NULL, &d, &err), 0);
        ck_assert_str_eq(d, "/sys/fs/cgroup/unified/default/ctr1");
        ck_assert_int_eq(ect_cgroup_find_dir("0::/ctr\n", mi_v2, NULL, &d2, &err), 0);
        ck_assert_str_eq(d2, "/sys/fs/cgroup/ctr");
}
END_TEST

START_TEST(test_find_dir_not_mounted)
{
        struct ect_error *err = NULL;
        char *d = (char *)"x";
        const char *mi_v2 = "50 23 0:40 / /sys/fs/cgroup rw - cgroup2 none rw\n";

        /* cgroup v2 mode: the v1 devices hierarchy is not mounted here. */
        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_v2, "devices", &d, &err), 0);
        ck_assert_ptr_null(d);
        d = (char *)"x";
        /* The process is not in a devices hierarchy at all. */
        ck_assert_int_eq(ect_cgroup_find_dir("0::/x\n", mi_hybrid, "devices", &d, &err), 0);
        ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_find_dir_mount_root_and_escapes)
{
        struct ect_error *err = NULL;
        cleanup_free char *d = NULL;
        char *n = (char *)"x";
        /* A mount of a subtree (cgroup namespace, bind), with an escaped
         * space in the mount point. */
        const char *mi = "36 31 0:33 /default /cg\\040dev rw - cgroup cgroup rw,devices\n";

        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi, "devices", &d, &err), 0);
        ck_assert_str_eq(d, "/cg dev/ctr1");
        /* The process sits outside the mounted subtree: the hierarchy is
         * here but its cgroup cannot be reached, an error (SECURITY.md),
         * not "nothing to do" (the hook would exit 0 and the container
         * would get EPERM on the device). */
        ck_assert_int_lt(ect_cgroup_find_dir("5:devices:/other/c\n", mi, "devices", &n, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "'/other/c'"));
        ect_error_free(&err);
        ck_assert_int_lt(ect_cgroup_find_dir("0::/other/c\n",
                                             "50 23 0:40 /default /sys/fs/cgroup rw - cgroup2 "
                                             "none rw\n",
                                             NULL, &n, &err),
                         0);
        ect_error_free(&err);
        ck_assert_str_eq(n, "x");
        /* A trailing "..", a "." and a mount point with ".." (fuzz_cgroup,
         * fuzz/regressions/cgroup/): refused, never resolved to a parent. */
        n = (char *)"x";
        ck_assert_int_lt(ect_cgroup_find_dir("5:devices:/default/a/..\n", mi, "devices", &n, &err),
                         0);
        ck_assert_ptr_nonnull(strstr(err->msg, "cgroup path '/default/a/..'"));
        ect_error_free(&err);
        ck_assert_int_lt(ect_cgroup_find_dir("5:devices:/default/./c\n", mi, "devices", &n, &err),
                         0);
        ect_error_free(&err);
        ck_assert_int_lt(ect_cgroup_find_dir("5:devices:/default/ctr2\n",
                                             "36 31 0:33 /default /..//cg rw - cgroup cgroup "
                                             "rw,devices\n",
                                             "devices", &n, &err),
                         0);
        ck_assert_ptr_nonnull(strstr(err->msg, "cgroup mount point '/..//cg'"));
        ect_error_free(&err);
        ck_assert_str_eq(n, "x");
}
END_TEST

START_TEST(test_find_dir_malformed)
{
        struct ect_error *err = NULL;
        char *d = NULL;

        ck_assert_int_lt(ect_cgroup_find_dir("garbage\n", mi_hybrid, "devices", &d, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_ptr_nonnull(strstr(err->msg, "garbage"));
        ect_error_free(&err);
        ck_assert_int_lt(ect_cgroup_find_dir("12:devices:/a/../../etc\n", mi_hybrid, "devices", &d,
                                             &err),
                         0);
        ect_error_free(&err);
}
END_TEST

/* Below the engine level (TESTBED.md): a raw cgroup2 directory with a
 * device program attached and a child moved in. */
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* cgroup2: beside v1 (hybrid, as on the test machines) or alone. */
static const char *unified(void)
{
        struct stat st;
        return stat("/sys/fs/cgroup/unified/cgroup.procs", &st) == 0 ? "/sys/fs/cgroup/unified"
               : stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0 ? "/sys/fs/cgroup"
                                                                     : NULL;
}

static char cgdir[256];

static int sys_bpf(int cmd, union bpf_attr *a)
{
        return (int)syscall(SYS_bpf, cmd, a, sizeof *a);
}

/* Allows only character device 1:5 (/dev/zero), like a runtime's filter
 * that knows nothing of ours. */
static const struct bpf_insn only_zero[] = {
        {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1, .off = 4},
        {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 3, .src_reg = 1, .off = 8},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
        {.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 2, .off = 2, .imm = 1},
        {.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 3, .off = 1, .imm = 5},
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1},
        {.code = BPF_JMP | BPF_EXIT},
};

static int load_only_zero(void)
{
        union bpf_attr a = {0};
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uint64_t)(uintptr_t)only_zero;
        a.insn_cnt = sizeof only_zero / sizeof only_zero[0];
        a.license = (uint64_t)(uintptr_t) "GPL";
        return sys_bpf(BPF_PROG_LOAD, &a);
}

/* The instructions our prefix and only_zero use, run as the kernel runs
 * them (kernel/bpf/core.c: 64-bit registers, 32-bit ALU results
 * zero-extended, immediates sign-extended in 64-bit compares) over a
 * struct bpf_cgroup_dev_ctx. Anything else fails the test. No bpf(2)
 * needed: it runs unprivileged and under qemu-user for a cross build. */
static uint64_t run_device_prog(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access,
                                uint32_t major, uint32_t minor)
{
        struct bpf_cgroup_dev_ctx ctx = {.access_type = access << 16 | type,
                                         .major = major,
                                         .minor = minor};
        uint64_t r[11] = {0};

        for (size_t at = 0; at < n; at++) {
                const struct bpf_insn *i = &p[at];
                uint64_t imm = (uint64_t)(int64_t)i->imm;

                ck_assert_uint_le(i->dst_reg, 10);
                switch (i->code) {
                case BPF_LDX | BPF_MEM | BPF_W: {
                        uint32_t v;
                        ck_assert_msg(i->src_reg == 1 && i->off >= 0 && i->off % 4 == 0 &&
                                              (size_t)i->off + 4 <= sizeof ctx,
                                      "load r%u+%d", i->src_reg, i->off);
                        memcpy(&v, (const char *)&ctx + i->off, 4);
                        r[i->dst_reg] = v;
                        break;
                }
                case BPF_ALU64 | BPF_MOV | BPF_X:
                        r[i->dst_reg] = r[i->src_reg];
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        r[i->dst_reg] = imm;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                        if (r[i->dst_reg] != imm)
                                at += (size_t)(int64_t)i->off;
                        break;
                case BPF_JMP | BPF_JSET | BPF_K:
                        if (r[i->dst_reg] & imm)
                                at += (size_t)(int64_t)i->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        return r[0];
                default:
                        ck_abort_msg("instruction %zu: oatode 0x%x not simulated", at, i->code);
                }
        }
        ck_abort_msg("the program runs off its end");
        return 0;
}

/* The kernel ABI that lib/cgroup.c reads and writes through bpf(2): the
 * same on every 64-bit architecture (and with __aligned_u64 on 32-bit
 * ones); a wrong or foreign header shows up here. */
START_TEST(test_bpf_abi_layout)
{
        ck_assert_uint_eq(sizeof(struct bpf_insn), 8);
        ck_assert_uint_eq(sizeof(struct bpf_cgroup_dev_ctx), 12);
        ck_assert_uint_eq(offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
        ck_assert_uint_eq(offsetof(struct bpf_cgroup_dev_ctx, major), 4);
        ck_assert_uint_eq(offsetof(struct bpf_cgroup_dev_ctx, minor), 8);
        ck_assert_uint_eq(offsetof(union bpf_attr, prog_type), 0);
        ck_assert_uint_eq(offsetof(union bpf_attr, insn_cnt), 4);
        ck_assert_uint_eq(offsetof(union bpf_attr, insns), 8);
        ck_assert_uint_eq(offsetof(union bpf_attr, license), 16);
        ck_assert_uint_eq(offsetof(union bpf_attr, log_level), 24);
        ck_assert_uint_eq(offsetof(union bpf_attr, log_size), 28);
        ck_assert_uint_eq(offsetof(union bpf_attr, log_buf), 32);
        ck_assert_uint_eq(offsetof(union bpf_attr, query.target_fd), 0);
        ck_assert_uint_eq(offsetof(union bpf_attr, query.attach_type), 4);
        ck_assert_uint_eq(offsetof(union bpf_attr, query.attach_flags), 12);
        ck_assert_uint_eq(offsetof(union bpf_attr, query.prog_ids), 16);
        ck_assert_uint_eq(offsetof(union bpf_attr, query.prog_cnt), 24);
        ck_assert_uint_eq(offsetof(union bpf_attr, target_fd), 0);
        ck_assert_uint_eq(offsetof(union bpf_attr, attach_bpf_fd), 4);
        ck_assert_uint_eq(offsetof(union bpf_attr, attach_type), 8);
        ck_assert_uint_eq(offsetof(union bpf_attr, attach_flags), 12);
        ck_assert_uint_eq(offsetof(union bpf_attr, replace_bpf_fd), 16);
        ck_assert_uint_eq(offsetof(union bpf_attr, prog_id), 0);
        ck_assert_uint_eq(offsetof(union bpf_attr, info.bpf_fd), 0);
        ck_assert_uint_eq(offsetof(union bpf_attr, info.info_len), 4);
        ck_assert_uint_eq(offsetof(union bpf_attr, info.info), 8);
        ck_assert_uint_eq(offsetof(struct bpf_prog_info, type), 0);
        ck_assert_uint_eq(offsetof(struct bpf_prog_info, id), 4);
        ck_assert_uint_eq(offsetof(struct bpf_prog_info, xlated_prog_len), 20);
        ck_assert_uint_eq(offsetof(struct bpf_prog_info, xlated_prog_insns), 32);
}
END_TEST

/* Our prefix in front of only_zero, as ect_cgroup_bpf_allow builds it. */
START_TEST(test_bpf_prefix_runs)
{
        const struct ect_cgroup_dev devs[] = {{231, 192}, {10, 241}};
        const size_t n_zero = sizeof only_zero / sizeof only_zero[0];
        struct bpf_insn p[ECT_CGROUP_BPF_PREFIX_MAX(2) + sizeof only_zero / sizeof only_zero[0]];
        const uint32_t C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
        const uint32_t RW = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
        size_t k = ect_cgroup_bpf_prefix(p, devs, 2);

        ck_assert_uint_le(k, ECT_CGROUP_BPF_PREFIX_MAX(2));
        memcpy(p + k, only_zero, sizeof only_zero);
        k += n_zero;
        /* Ours: read, write, both. */
        ck_assert_uint_eq(run_device_prog(p, k, C, RW, 231, 192), 1);
        ck_assert_uint_eq(run_device_prog(p, k, C, BPF_DEVCG_ACC_READ, 10, 241), 1);
        ck_assert_uint_eq(run_device_prog(p, k, C, BPF_DEVCG_ACC_WRITE, 10, 241), 1);
        /* Theirs still decides the rest. */
        ck_assert_uint_eq(run_device_prog(p, k, C, RW, 1, 5), 1);
        ck_assert_uint_eq(run_device_prog(p, k, C, RW, 1, 3), 0);
        ck_assert_uint_eq(run_device_prog(p, k, C, RW, 231, 193), 0);
        ck_assert_uint_eq(run_device_prog(p, k, C, RW, 192, 231), 0);
        /* A block device with our numbers, and mknod: not ours to allow. */
        ck_assert_uint_eq(run_device_prog(p, k, B, RW, 231, 192), 0);
        ck_assert_uint_eq(run_device_prog(p, k, C, BPF_DEVCG_ACC_MKNOD | RW, 231, 192), 0);
        /* No device: the prefix only falls through. */
        k = ect_cgroup_bpf_prefix(p, devs, 0);
        memcpy(p + k, only_zero, sizeof only_zero);
        ck_assert_uint_eq(run_device_prog(p, k + n_zero, C, RW, 231, 192), 0);
        ck_assert_uint_eq(run_device_prog(p, k + n_zero, C, RW, 1, 5), 1);
}
END_TEST

/* Opens path from a child inside the cgroup: 0 or the errno. */
static int open_in_cgroup(const char *path)
{
        pid_t pid = fork();
        int st;
        if (pid == 0) {
                char procs[300], buf[32];
                int fd, n;
                snprintf(procs, sizeof procs, "%s/cgroup.procs", cgdir);
                fd = open(procs, O_WRONLY);
                n = snprintf(buf, sizeof buf, "%d", getpid());
                if (fd < 0 || write(fd, buf, (size_t)n) != n)
                        _exit(200);
                close(fd);
                fd = open(path, O_RDONLY);
                _exit(fd >= 0 ? 0 : errno);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert(WIFEXITED(st));
        return WEXITSTATUS(st);
}

static void bpf_setup(void)
{
        snprintf(cgdir, sizeof cgdir, "%s/ect-unit-%d", unified(), getpid());
        ck_assert_int_eq(mkdir(cgdir, 0755), 0);
}

static void bpf_teardown(void)
{
        (void)rmdir(cgdir);
}

static void check_replace(unsigned flags)
{
        struct ect_cgroup_dev dev = {1, 3}; /* /dev/null */
        struct ect_error *err = NULL;
        union bpf_attr a = {0};
        unsigned n = 0;
        uint32_t ids[4], cnt;
        int cg = open(cgdir, O_RDONLY | O_DIRECTORY), prog = load_only_zero();

        ck_assert_int_ge(cg, 0);
        ck_assert_msg(prog >= 0, "BPF_PROG_LOAD: %s", strerror(errno));
        a.target_fd = (uint32_t)cg;
        a.attach_bpf_fd = (uint32_t)prog;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = flags;
        ck_assert_int_eq(sys_bpf(BPF_PROG_ATTACH, &a), 0);
        close(prog);
        ck_assert_int_eq(open_in_cgroup("/dev/zero"), 0);
        ck_assert_int_eq(open_in_cgroup("/dev/null"), EPERM);

        ck_assert_int_eq(ect_cgroup_bpf_allow(cg, &dev, 1, NULL, 0, &n, &err), 0);
        ck_assert_uint_eq(n, 1);
        /* Still one program: ours replaced the runtime's. */
        memset(&a, 0, sizeof a);
        a.query.target_fd = (uint32_t)cg;
        a.query.attach_type = BPF_CGROUP_DEVICE;
        a.query.prog_ids = (uint64_t)(uintptr_t)ids;
        a.query.prog_cnt = 4;
        ck_assert_int_eq(sys_bpf(BPF_PROG_QUERY, &a), 0);
        cnt = a.query.prog_cnt;
        ck_assert_uint_eq(cnt, 1);
        ck_assert_int_eq(open_in_cgroup("/dev/null"), 0);     /* ours */
        ck_assert_int_eq(open_in_cgroup("/dev/zero"), 0);     /* theirs */
        ck_assert_int_eq(open_in_cgroup("/dev/full"), EPERM); /* nobody's */
        close(cg);
}

START_TEST(test_bpf_allow_multi)
{
        check_replace(BPF_F_ALLOW_MULTI);
}
END_TEST

START_TEST(test_bpf_allow_single)
{
        check_replace(0);
}
END_TEST

START_TEST(test_bpf_allow_none_attached)
{
        struct ect_cgroup_dev dev = {1, 3};
        struct ect_error *err = NULL;
        unsigned n = 7;
        int cg = open(cgdir, O_RDONLY | O_DIRECTORY);

        ck_assert_int_eq(ect_cgroup_bpf_allow(cg, &dev, 1, NULL, 0, &n, &err), 0);
        ck_assert_uint_eq(n, 0);
        close(cg);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cgroup");
        TCase *tc = tcase_create("ect_cgroup_find_dir");

        tcase_add_test(tc, test_find_dir_v1);
        tcase_add_test(tc, test_find_dir_v2);
        tcase_add_test(tc, test_find_dir_not_mounted);
        tcase_add_test(tc, test_find_dir_mount_root_and_escapes);
        tcase_add_test(tc, test_find_dir_malformed);
        suite_add_tcase(s, tc);
        {
                TCase *pt = tcase_create("ect_cgroup_bpf_prefix");
                tcase_add_test(pt, test_bpf_abi_layout);
                tcase_add_test(pt, test_bpf_prefix_runs);
                suite_add_tcase(s, pt);
        }
        {
                TCase *bt = tcase_create("ect_cgroup_bpf_allow");
                if (emulator()) {
                        skip_test("cgroup: ect_cgroup_bpf_allow",
                                  "emulation: qemu-user has no bpf(2)");
                } else if (geteuid() == 0 && unified()) {
                        tcase_add_checked_fixture(bt, bpf_setup, bpf_teardown);
                        tcase_add_test(bt, test_bpf_allow_multi);
                        tcase_add_test(bt, test_bpf_allow_single);
                        tcase_add_test(bt, test_bpf_allow_none_attached);
                        suite_add_tcase(s, bt);
                } else {
                        skip_test("cgroup: ect_cgroup_bpf_allow", "needs root and a cgroup2 mount");
                }
        }
        return run_suite(s);
}
