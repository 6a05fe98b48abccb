/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox of the hook's in-namespace phase: allowed calls work, others
 * fail with EPERM, execve is refused, capabilities are cut. Check forks
 * each test, so the filter stays in it.
 *
 * The sandbox loads filters built ahead of time (hook/gen-filter.c); the
 * tests build their own with libseccomp at run time, from the same base
 * set, which is also what the hook's build-time filter is compared with.
 * The filters themselves are run here over made-up system calls: that part
 * needs no kernel support, so it runs under qemu-user for a cross build as
 * well (qemu-user refuses to load a seccomp filter), and its expectations
 * are the kernel's numbers for the architecture of the build, written out:
 * a filter made for another architecture fails it. */
#include "filter.h"
#include "hook.h"
#include "sandbox.h"
#include "sandbox_calls.h"
#include "testutil.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Check's own code runs on in the test's process after the test body: it
 * calls timer_create, which the filter refuses, and then fails the run
 * on a garbage duration ("too big to pack", exit 2) whenever the timespec
 * it never got holds one. So a body that enters the sandbox runs in a
 * child of the test, which exits 0 when every expectation held, else
 * with the line of the first that did not (modulo 256). */
#define EXPECT(c)                                                                                  \
        do {                                                                                       \
                if (!(c))                                                                          \
                        _exit((__LINE__ & 0xff) ? (__LINE__ & 0xff) : 1);                          \
        } while (0)

static void run_sandboxed(void (*body)(void))
{
        int st;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                body();
                _exit(0);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "the sandboxed body failed: %s %d (an exit status is the line of the "
                      "failed expectation, modulo 256)",
                      WIFEXITED(st) ? "exit" : "signal",
                      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

struct filter {
        struct sock_filter insn[BPF_MAXINSNS];
        size_t n;
};

/* The filter for names (and the base set: lib/sandbox_calls.h), as
 * libseccomp builds it at run time with the options hook/gen-filter.c
 * uses. A name this architecture lacks fails the test. */
static void build_filter(const char *const *names, size_t n, struct filter *f)
{
        static const char *const base[] = {ECT_SANDBOX_BASE_CALLS};
#if defined(__SANITIZE_ADDRESS__)
        static const char *const lsan[] = {ECT_SANDBOX_LSAN_CALLS};
#endif
        char path[] = "/tmp/ect-unit-bpf.XXXXXX";
        scmp_filter_ctx ctx;
        ssize_t len;
        int fd;

        /* Under qemu-user the seccomp(2) probes fail and libseccomp falls
         * back to API level 1, which has no SCMP_ACT_KILL_PROCESS; every
         * kernel this toolkit supports has level 3 or more. */
        if (emulator() && seccomp_api_get() < 3)
                ck_assert_int_eq(seccomp_api_set(3), 0);
        ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        ck_assert_ptr_nonnull(ctx);
        ck_assert_int_eq(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), 0);
        ck_assert_int_eq(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), 0);
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
        ck_assert_int_eq(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, ECT_SANDBOX_OPTIMIZE), 0);
#endif
        for (size_t i = 0; i < sizeof base / sizeof *base; i++)
                ck_assert_int_eq(seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
                                                  seccomp_syscall_resolve_name(base[i]), 0),
                                 0);
#if defined(__SANITIZE_ADDRESS__)
        for (size_t i = 0; i < sizeof lsan / sizeof *lsan; i++) {
                int nr = seccomp_syscall_resolve_name(lsan[i]);
                if (nr >= 0) /* not every architecture has every one */
                        ck_assert_int_eq(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), 0);
        }
#endif
        for (size_t i = 0; i < n; i++) {
                int nr = seccomp_syscall_resolve_name(names[i]);
                ck_assert_msg(nr >= 0, "'%s' has no number here", names[i]);
                ck_assert_int_eq(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), 0);
        }
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        (void)unlink(path);
        ck_assert_int_eq(seccomp_export_bpf(ctx, fd), 0);
        seccomp_release(ctx);
        len = pread(fd, f->insn, sizeof f->insn, 0);
        close(fd);
        ck_assert_int_gt(len, 0);
        ck_assert_int_eq(len % (ssize_t)sizeof(struct sock_filter), 0);
        f->n = (size_t)len / sizeof(struct sock_filter);
}

static struct ect_sandbox_filter as_sandbox_filter(const struct filter *f)
{
        return (struct ect_sandbox_filter){.insns = f->insn, .n = f->n};
}

/* What a sandboxed body loads: built before the fork, by the test. */
static struct filter body_filter;

static void filters_body(void)
{
        static const int caps[] = {CAP_MKNOD};
        struct ect_sandbox_filter f = as_sandbox_filter(&body_filter);
        struct ect_sandbox sb = {.caps = caps, .n_caps = 1, .filter = &f};
        struct ect_error *err = NULL;
        char *const argv[] = {(char *)"/bin/true", NULL};
        int fd;

        EXPECT(ect_sandbox_enter(&sb, &err) == 0);
        EXPECT(err == NULL);
        (void)getuid();
        fd = openat(AT_FDCWD, "/", O_PATH | O_CLOEXEC);
        EXPECT(fd >= 0);
        close(fd);
        errno = 0;
        EXPECT(socket(AF_UNIX, SOCK_STREAM, 0) == -1);
        EXPECT(errno == EPERM);
        errno = 0;
        EXPECT(execve(argv[0], argv, NULL) == -1);
        EXPECT(errno == EPERM);
}

START_TEST(test_sandbox_enter_filters)
{
        static const char *const names[] = {"getuid", "openat"};

        build_filter(names, sizeof names / sizeof *names, &body_filter);
        run_sandboxed(filters_body);
}
END_TEST

/* The hook's own sandbox, with its filter built at build time: loaded as
 * it is, with the same effect. */
static void prebuilt_body(void)
{
        struct ect_error *err = NULL;
        char *const argv[] = {(char *)"/bin/true", NULL};
        int fd;

        EXPECT(ect_sandbox_enter(&ect_hook_sandbox, &err) == 0);
        EXPECT(err == NULL);
        fd = openat(AT_FDCWD, "/", O_PATH | O_CLOEXEC);
        EXPECT(fd >= 0);
        close(fd);
        errno = 0;
        EXPECT(socket(AF_UNIX, SOCK_STREAM, 0) == -1);
        EXPECT(errno == EPERM);
        errno = 0;
        EXPECT(syscall(SYS_getuid) == -1);
        EXPECT(errno == EPERM);
        errno = 0;
        EXPECT(execve(argv[0], argv, NULL) == -1);
        EXPECT(errno == EPERM);
}

START_TEST(test_sandbox_enter_prebuilt)
{
        ck_assert_ptr_nonnull(ect_hook_sandbox.filter);
        run_sandboxed(prebuilt_body);
}
END_TEST

static void caps_body(void)
{
        static const int caps[] = {CAP_MKNOD};
        struct ect_sandbox_filter f = as_sandbox_filter(&body_filter);
        struct ect_sandbox sb = {.caps = caps, .n_caps = 1, .filter = &f};
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2];
        struct ect_error *err = NULL;

        EXPECT(ect_sandbox_enter(&sb, &err) == 0);
        EXPECT(syscall(SYS_capget, &hdr, d) == 0);
        EXPECT(d[0].effective == 1u << CAP_MKNOD);
        EXPECT(d[1].effective == 0);
        EXPECT(d[0].permitted == 1u << CAP_MKNOD);
}

START_TEST(test_sandbox_enter_caps)
{
        static const char *const names[] = {"capget"};

        if (geteuid() != 0)
                return;
        build_filter(names, sizeof names / sizeof *names, &body_filter);
        run_sandboxed(caps_body);
}
END_TEST

#if defined(__x86_64__)
/* An x32 call (same audit arch, bit 30 set in the number) would slip past a
 * filter that only compares numbers: it must kill the process. */
START_TEST(test_sandbox_enter_x32_killed)
{
        static struct filter base;
        struct ect_sandbox_filter f;
        struct ect_sandbox sb = {.filter = &f};
        struct ect_error *err = NULL;

        build_filter(NULL, 0, &base);
        f = as_sandbox_filter(&base);

        ck_assert_int_eq(ect_sandbox_enter(&sb, &err), 0);
        syscall(0x40000000 | SYS_getpid);
        ck_abort_msg("an x32 system call was not stopped");
}
END_TEST
#endif

/* A sandbox without a filter is refused before anything is cut. */
START_TEST(test_sandbox_enter_no_filter)
{
        static const int caps[] = {CAP_MKNOD};
        struct ect_sandbox sb = {.caps = caps, .n_caps = 1};
        struct ect_error *err = NULL;

        ck_assert_int_lt(ect_sandbox_enter(&sb, &err), 0);
        ck_assert_ptr_nonnull(err);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_int_eq(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
        ect_error_free(&err);
}
END_TEST

/* The kernel's values for the architecture of this build, written out
 * rather than taken from <sys/syscall.h>: the point is to catch a filter
 * (or a list) made with another architecture's numbers. */
struct arch_expect {
        uint32_t audit;      /* AUDIT_ARCH_* of this ABI */
        uint32_t foreign[2]; /* other ABIs the kernel may run here, or not */
        int openat, mkdirat, mknodat, socket, execve, mount;
};
#if defined(__x86_64__)
#define HAVE_TARGET
static const struct arch_expect target = {
        AUDIT_ARCH_X86_64, {AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64}, 257, 258, 259, 41, 59, 165};
#elif defined(__aarch64__)
/* arm64 has no open, mkdir, mknod or readlink: only the *at forms. */
#define HAVE_TARGET
static const struct arch_expect target = {
        AUDIT_ARCH_AARCH64, {AUDIT_ARCH_ARM, AUDIT_ARCH_X86_64}, 56, 34, 33, 198, 221, 40};
#endif

#ifdef HAVE_TARGET
/* Every call the sandbox allows besides its own list, by name. */
static const char *const base_names[] = {
        "write",  "writev",  "exit",          "exit_group",     "brk",        "mmap",  "munmap",
        "mremap", "madvise", "rt_sigreturn",  "rt_sigprocmask", "futex",      "close", "getpid",
        "gettid", "tgkill",  "clock_gettime", "fstat",          "newfstatat", "lseek",
};
static const char *const hook_names[] = {
        "openat", "openat2", "readlinkat", "mkdirat", "mknodat", "move_mount", "statx", "fcntl",
};

/* A filter given as the sandbox takes it, copied to run here. */
static void copy_filter(const struct ect_sandbox_filter *from, struct filter *f)
{
        ck_assert_ptr_nonnull(from);
        ck_assert_uint_gt(from->n, 0);
        ck_assert_uint_le(from->n, BPF_MAXINSNS);
        memcpy(f->insn, from->insns, from->n * sizeof *from->insns);
        f->n = from->n;
}

/* Classic BPF as the kernel runs a seccomp filter (net/core/filter.c):
 * enough of it for what libseccomp emits; anything else fails the test
 * rather than guessing. Returns the filter's SECCOMP_RET_* value. */
static uint32_t run_filter(const struct filter *f, uint32_t arch, int nr)
{
        struct seccomp_data d = {.nr = nr, .arch = arch};
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};

        for (size_t pc = 0; pc < f->n; pc++) {
                const struct sock_filter *i = &f->insn[pc];
                uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

                switch (i->code) {
                case BPF_LD | BPF_W | BPF_ABS:
                        ck_assert_msg(i->k % 4 == 0 && i->k + 4 <= sizeof d, "load at %u", i->k);
                        memcpy(&a, (const char *)&d + i->k, 4);
                        continue;
                case BPF_LD | BPF_IMM:
                        a = i->k;
                        continue;
                case BPF_LDX | BPF_IMM:
                        x = i->k;
                        continue;
                case BPF_LD | BPF_MEM:
                        a = mem[i->k % BPF_MEMWORDS];
                        continue;
                case BPF_LDX | BPF_MEM:
                        x = mem[i->k % BPF_MEMWORDS];
                        continue;
                case BPF_ST:
                        mem[i->k % BPF_MEMWORDS] = a;
                        continue;
                case BPF_STX:
                        mem[i->k % BPF_MEMWORDS] = x;
                        continue;
                case BPF_MISC | BPF_TAX:
                        x = a;
                        continue;
                case BPF_MISC | BPF_TXA:
                        a = x;
                        continue;
                case BPF_ALU | BPF_AND | BPF_K:
                case BPF_ALU | BPF_AND | BPF_X:
                        a &= src;
                        continue;
                case BPF_ALU | BPF_OR | BPF_K:
                case BPF_ALU | BPF_OR | BPF_X:
                        a |= src;
                        continue;
                case BPF_JMP | BPF_JA:
                        pc += i->k;
                        continue;
                case BPF_JMP | BPF_JEQ | BPF_K:
                case BPF_JMP | BPF_JEQ | BPF_X:
                        pc += a == src ? i->jt : i->jf;
                        continue;
                case BPF_JMP | BPF_JGT | BPF_K:
                case BPF_JMP | BPF_JGT | BPF_X:
                        pc += a > src ? i->jt : i->jf;
                        continue;
                case BPF_JMP | BPF_JGE | BPF_K:
                case BPF_JMP | BPF_JGE | BPF_X:
                        pc += a >= src ? i->jt : i->jf;
                        continue;
                case BPF_JMP | BPF_JSET | BPF_K:
                case BPF_JMP | BPF_JSET | BPF_X:
                        pc += (a & src) ? i->jt : i->jf;
                        continue;
                case BPF_RET | BPF_K:
                        return i->k;
                case BPF_RET | BPF_A:
                        return a;
                default:
                        ck_abort_msg("instruction %zu: opcode 0x%x not simulated", pc, i->code);
                }
        }
        ck_abort_msg("the filter runs off its end");
        return 0;
}

static const uint32_t ALLOW = SECCOMP_RET_ALLOW, DENY = SECCOMP_RET_ERRNO | EPERM,
                      KILL = SECCOMP_RET_KILL_PROCESS;

static void check_filter(const struct filter *f, const char *const *names, size_t n_names)
{
        char *allowed[1024];
        size_t n_allowed = 0, i;

        /* The layout the filter reads (the kernel's, and our simulation's). */
        ck_assert_uint_eq(offsetof(struct seccomp_data, nr), 0);
        ck_assert_uint_eq(offsetof(struct seccomp_data, arch), 4);
        ck_assert_uint_eq(offsetof(struct seccomp_data, args), 16);

        ck_assert_uint_eq(run_filter(f, target.audit, target.socket), DENY);
        ck_assert_uint_eq(run_filter(f, target.audit, target.execve), DENY);
        ck_assert_uint_eq(run_filter(f, target.audit, target.mount), DENY);
        /* Another ABI kills the process, whatever the number. */
        for (i = 0; i < 2; i++) {
                ck_assert_uint_eq(run_filter(f, target.foreign[i], target.openat), KILL);
                ck_assert_uint_eq(run_filter(f, target.foreign[i], target.socket), KILL);
        }
#if defined(__x86_64__)
        /* x32: the x86-64 audit value, bit 30 set in the number. */
        ck_assert_uint_eq(run_filter(f, target.audit, 0x40000000 | target.openat), KILL);
        ck_assert_uint_eq(run_filter(f, target.audit, 0x40000000 | target.socket), KILL);
#endif

        /* The allowed calls by name, with this architecture's table. */
        for (int nr = 0; nr < 1024; nr++) {
                uint32_t r = run_filter(f, target.audit, nr);
                char *name;

                if (r == DENY)
                        continue;
                ck_assert_msg(r == ALLOW, "nr %d: action 0x%x", nr, r);
                name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
                ck_assert_msg(name, "allowed nr %d has no name on this architecture", nr);
                ck_assert_uint_lt(n_allowed, 1024);
                allowed[n_allowed++] = name;
        }
        for (i = 0; i < n_names; i++) {
                bool found = false;
                for (size_t j = 0; j < n_allowed && !found; j++)
                        found = strcmp(allowed[j], names[i]) == 0;
                ck_assert_msg(found, "'%s' is not allowed", names[i]);
        }
#if !defined(__SANITIZE_ADDRESS__)
        /* Nothing else (LeakSanitizer needs more at exit: not counted). */
        for (i = 0; i < n_allowed; i++) {
                bool found = false;
                for (size_t j = 0; j < n_names && !found; j++)
                        found = strcmp(allowed[i], names[j]) == 0;
                ck_assert_msg(found, "'%s' is allowed but not in the list", allowed[i]);
        }
        ck_assert_uint_eq(n_allowed, n_names);
#endif
        for (i = 0; i < n_allowed; i++)
                free(allowed[i]);
}

START_TEST(test_sandbox_filter_base)
{
        static struct filter f;

        build_filter(NULL, 0, &f);
        check_filter(&f, base_names, sizeof base_names / sizeof *base_names);
}
END_TEST

START_TEST(test_sandbox_filter_hook)
{
        const char *names[sizeof base_names / sizeof *base_names +
                          sizeof hook_names / sizeof *hook_names];
        static struct filter f;
        size_t n = 0;

        for (size_t i = 0; i < sizeof base_names / sizeof *base_names; i++)
                names[n++] = base_names[i];
        for (size_t i = 0; i < sizeof hook_names / sizeof *hook_names; i++)
                names[n++] = hook_names[i];
        copy_filter(ect_hook_sandbox.filter, &f);
        check_filter(&f, names, n);
        /* The calls the hook makes in the container's rootfs. */
        ck_assert_uint_eq(run_filter(&f, target.audit, target.openat), ALLOW);
        ck_assert_uint_eq(run_filter(&f, target.audit, target.mkdirat), ALLOW);
        ck_assert_uint_eq(run_filter(&f, target.audit, target.mknodat), ALLOW);
}
END_TEST

/* The filter built at build time (hook/gen-filter.c, for the target
 * architecture) is instruction for instruction the one libseccomp builds
 * at run time, here, from the same list. */
START_TEST(test_sandbox_filter_hook_prebuilt)
{
        static const char *const names[] = {ECT_HOOK_SANDBOX_CALLS};
        static struct filter built, runtime;

        copy_filter(&ect_hook_filter, &built);
        build_filter(names, sizeof names / sizeof *names, &runtime);
        ck_assert_uint_eq(built.n, runtime.n);
        for (size_t i = 0; i < built.n; i++)
                ck_assert_msg(memcmp(&built.insn[i], &runtime.insn[i], sizeof *built.insn) == 0,
                              "instruction %zu differs", i);
}
END_TEST

#else
START_TEST(test_sandbox_filter_no_table)
{
        ck_abort_msg("no system call table for this architecture in test_sandbox.c: add one");
}
END_TEST
#endif

int main(void)
{
        Suite *s = suite_create("sandbox");
        TCase *tc = tcase_create("ect_sandbox_enter");
        TCase *ft = tcase_create("filter");

        if (emulator()) {
                /* qemu-user answers PR_SET_SECCOMP with EINVAL and has no
                 * seccomp(2): the filter cannot be loaded, only checked. */
                skip_test("sandbox: ect_sandbox_enter",
                          "emulation: qemu-user does not load seccomp filters");
        } else {
                tcase_add_test(tc, test_sandbox_enter_filters);
                tcase_add_test(tc, test_sandbox_enter_caps);
                tcase_add_test(tc, test_sandbox_enter_prebuilt);
                tcase_add_test(tc, test_sandbox_enter_no_filter);
#if defined(__x86_64__)
                tcase_add_test_raise_signal(tc, test_sandbox_enter_x32_killed, SIGSYS);
#endif
                suite_add_tcase(s, tc);
        }
#ifdef HAVE_TARGET
        tcase_add_test(ft, test_sandbox_filter_base);
        tcase_add_test(ft, test_sandbox_filter_hook);
        tcase_add_test(ft, test_sandbox_filter_hook_prebuilt);
#else
        tcase_add_test(ft, test_sandbox_filter_no_table);
#endif
        suite_add_tcase(s, ft);
        return run_suite(s);
}
