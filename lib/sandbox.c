#include "sandbox.h"
#include "log.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The filter is built here rather than with libseccomp: libseccomp probes
 * the kernel's API level with a series of seccomp() calls and compiles a
 * decision tree, a tenth of a millisecond on every container start for a
 * list of a few dozen calls. The arch check comes first, as libseccomp's. */
#if defined(__x86_64__)
#define ECT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ECT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ECT_AUDIT_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define ECT_AUDIT_ARCH AUDIT_ARCH_S390X
#elif defined(__riscv) && __riscv_xlen == 64
#define ECT_AUDIT_ARCH AUDIT_ARCH_RISCV64
#else
#error "erdma sandbox: add this architecture's AUDIT_ARCH_* value"
#endif

const long ect_sandbox_base_syscalls[] = {
        SYS_write, SYS_writev, SYS_exit, SYS_exit_group, SYS_brk, SYS_mmap, SYS_munmap,
        SYS_mremap, SYS_madvise, SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_futex, SYS_close,
        SYS_getpid, SYS_gettid, SYS_tgkill, SYS_clock_gettime, SYS_fstat, SYS_newfstatat,
        SYS_lseek,
#if defined(__SANITIZE_ADDRESS__)
        /* LeakSanitizer stops the world at exit with a ptrace'd clone and
         * reads /proc/self/task. */
        SYS_clone, SYS_clone3, SYS_ptrace, SYS_wait4, SYS_waitid, SYS_prctl, SYS_sched_yield,
        SYS_getppid, SYS_sigaltstack, SYS_rt_sigaction, SYS_mprotect, SYS_sched_getaffinity,
        SYS_openat, SYS_read, SYS_pipe2, SYS_dup, SYS_dup3, SYS_prlimit64, SYS_uname, SYS_kill,
        SYS_nanosleep, SYS_clock_nanosleep, SYS_set_robust_list, SYS_getrandom, SYS_getdents64,
        SYS_statx, SYS_pread64, SYS_set_tid_address, SYS_msync, SYS_readlinkat,
#ifdef SYS_open
        SYS_open,
#endif
#ifdef SYS_readlink
        SYS_readlink,
#endif
#ifdef SYS_getdents
        SYS_getdents,
#endif
#ifdef SYS_dup2
        SYS_dup2,
#endif
#ifdef SYS_getrlimit
        SYS_getrlimit,
#endif
#ifdef SYS_arch_prctl
        SYS_arch_prctl,
#endif
#ifdef SYS_rseq
        SYS_rseq,
#endif
#endif
        -1,
};

struct cap_data {
        uint32_t effective, permitted, inheritable;
};

static int drop_caps(const struct ect_sandbox *sb, struct ect_error **err)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct cap_data data[2];

        /* The bounding set only limits what an execve() could gain, and
         * the filter below refuses execve: clearing it would cost one
         * prctl per capability (each through the LSM hooks) on every
         * container start, for nothing. */
        (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        memset(data, 0, sizeof data);
        for (size_t i = 0; i < sb->n_caps; i++) {
                int c = sb->caps[i];
                if (c < 0 || c > 63)
                        continue;
                data[c / 32].effective |= 1u << (c % 32);
                data[c / 32].permitted |= 1u << (c % 32);
        }
        if (syscall(SYS_capset, &hdr, data) < 0) {
                /* Keeping a capability we do not have: capset fails with
                 * EPERM. Retry with what we actually hold. */
                struct cap_data cur[2];
                if (errno != EPERM || syscall(SYS_capget, &hdr, cur) < 0)
                        return ect_error_set(err, errno, "capset");
                for (int i = 0; i < 2; i++) {
                        data[i].permitted &= cur[i].permitted;
                        data[i].effective &= cur[i].permitted;
                }
                if (syscall(SYS_capset, &hdr, data) < 0)
                        return ect_error_set(err, errno, "capset");
        }
        return 0;
}

#define MAX_RULES 256

static size_t add(struct sock_filter *f, size_t k, long nr)
{
        /* if (nr == N) return ALLOW; */
        f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
        f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        return k;
}

int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err)
{
        struct sock_filter f[8 + 2 * MAX_RULES];
        struct sock_fprog prog;
        size_t k = 0, n = 0;

        if (drop_caps(sb, err) < 0)
                return -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return ect_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");

        f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              offsetof(struct seccomp_data, arch));
        f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ECT_AUDIT_ARCH, 1, 0);
        f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
        f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                              offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
        /* x32 calls share the architecture value: refuse them all. */
        f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
        f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
        for (size_t i = 0; ect_sandbox_base_syscalls[i] >= 0; i++, n++)
                k = add(f, k, ect_sandbox_base_syscalls[i]);
        if (n + sb->n_syscalls > MAX_RULES)
                return ect_error_set(err, E2BIG, "seccomp: too many system calls");
        for (size_t i = 0; i < sb->n_syscalls; i++)
                k = add(f, k, sb->syscalls[i]);
        f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);

        prog.len = (unsigned short)k;
        prog.filter = f;
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                return ect_error_set(err, errno, "seccomp filter");
        log_debug("sandbox: %zu capabilities, %zu system calls allowed", sb->n_caps,
                  n + sb->n_syscalls);
        return 0;
}
