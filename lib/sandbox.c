#include "sandbox.h"
#include "log.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const ect_sandbox_base_syscalls[] = {
        "write", "writev", "exit", "exit_group", "brk", "mmap", "munmap", "mremap", "madvise",
        "rt_sigreturn", "rt_sigprocmask", "futex", "close", "getpid", "gettid", "tgkill",
        "clock_gettime", "fstat", "newfstatat", "lseek",
#if defined(__SANITIZE_ADDRESS__)
        /* LeakSanitizer stops the world at exit with a ptrace'd clone. */
        "clone", "clone3", "ptrace", "wait4", "waitid", "prctl", "sched_yield", "getppid",
        "sigaltstack", "rt_sigaction", "mprotect", "sched_getaffinity", "readlink", "open",
        "openat", "read", "pipe2", "dup", "dup2", "dup3", "getrlimit", "prlimit64", "uname",
        "kill", "nanosleep", "clock_nanosleep", "set_robust_list", "rseq", "getrandom",
        "getdents64", "getdents", "statx", "pread64", "arch_prctl", "set_tid_address", "msync",
#endif
        NULL,
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

static int add_rules(scmp_filter_ctx ctx, const char *const *names, size_t n, bool until_null,
                     struct ect_error **err)
{
        for (size_t i = 0; until_null ? names[i] != NULL : i < n; i++) {
                int nr = seccomp_syscall_resolve_name(names[i]);
                int r;
                if (nr == __NR_SCMP_ERROR) {
                        log_debug("seccomp: no system call '%s' here, skipped", names[i]);
                        continue;
                }
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                if (r < 0)
                        return ect_error_set(err, -r, "seccomp: allow '%s'", names[i]);
        }
        return 0;
}

int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err)
{
        scmp_filter_ctx ctx = NULL;
        int r;

        if (drop_caps(sb, err) < 0)
                return -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return ect_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
        ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!ctx)
                return ect_error_set(err, ENOMEM, "seccomp_init");
        r = add_rules(ctx, ect_sandbox_base_syscalls, 0, true, err);
        if (r >= 0)
                r = add_rules(ctx, sb->syscalls, sb->n_syscalls, false, err);
        if (r >= 0) {
                int s = seccomp_load(ctx);
                if (s < 0)
                        r = ect_error_set(err, -s, "seccomp_load");
        }
        seccomp_release(ctx);
        return r < 0 ? r : 0;
}
