/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox.h"
#include "log.h"
#include "sandbox_calls.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const base_calls[] = {ECT_SANDBOX_BASE_CALLS};
#if defined(__SANITIZE_ADDRESS__)
static const char *const lsan_calls[] = {ECT_SANDBOX_LSAN_CALLS};
#endif

struct cap_data {
        uint32_t effective, permitted, inheritable;
};

/* This process's capability sets: the one capget of the tree. */
static int get_caps(struct cap_data cur[2])
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};

        return (int)syscall(SYS_capget, &hdr, cur);
}

bool ect_sandbox_has_cap(int cap)
{
        struct cap_data cur[2];

        if (cap < 0 || cap > 63 || get_caps(cur) < 0)
                return false;
        return cur[cap / 32].effective & (1u << (cap % 32));
}

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
                if (errno != EPERM || get_caps(cur) < 0)
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

/* Allow rules for the calls this architecture has among names. */
static int add_names(scmp_filter_ctx ctx, const char *const *names, size_t n, size_t *n_added)
{
        for (size_t i = 0; i < n; i++) {
                int nr = seccomp_syscall_resolve_name(names[i]);
                int r;

                if (nr < 0)
                        continue; /* not on this architecture (LeakSanitizer's list) */
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                if (r < 0)
                        return r;
                (*n_added)++;
        }
        return 0;
}

/* The allow-list goes through libseccomp: it knows each architecture's
 * audit value, rejects x32 and other ABIs (SCMP_FLTATR_ACT_BADARCH), and
 * compiles the list into a decision tree. Measured here: about 0.15 ms per
 * start for our few dozen calls, which is why the hook builds its filter
 * the same way at build time (hook/gen-filter.c) and loads it with
 * load_filter(). Loads the filter, or with export_fd >= 0 writes it there
 * as BPF instead. */
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
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, ECT_SANDBOX_OPTIMIZE);
#endif
        if (r == 0)
                r = add_names(ctx, base_calls, sizeof base_calls / sizeof *base_calls, &n);
#if defined(__SANITIZE_ADDRESS__)
        if (r == 0)
                r = add_names(ctx, lsan_calls, sizeof lsan_calls / sizeof *lsan_calls, &n);
#endif
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

/* A filter built ahead of time: loaded the way seccomp_load() loads one
 * (seccomp(2) without flags; prctl on kernels before 3.17). */
static int load_filter(const struct ect_sandbox_filter *f, struct ect_error **err)
{
        struct sock_fprog prog = {.len = (unsigned short)f->n,
                                  .filter = (struct sock_filter *)f->insns};

        if (f->n == 0 || f->n > BPF_MAXINSNS)
                return ect_error_set(err, EINVAL, "seccomp filter of %zu instructions", f->n);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
                return 0;
        if (errno == ENOSYS && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
                return 0;
        return ect_error_set(err, errno, "seccomp filter");
}

static int write_filter(const struct ect_sandbox_filter *f, int fd, struct ect_error **err)
{
        const char *p = (const char *)f->insns;
        size_t left = f->n * sizeof *f->insns;

        while (left > 0) {
                ssize_t w = write(fd, p, left);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return ect_error_set(err, w < 0 ? errno : EIO, "write seccomp filter");
                p += w;
                left -= (size_t)w;
        }
        return 0;
}

int ect_sandbox_export_bpf(const struct ect_sandbox *sb, int fd, struct ect_error **err)
{
        size_t n = 0;

        if (sb->filter)
                return write_filter(sb->filter, fd, err);
        return make_filter(sb, fd, &n, err);
}

int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err)
{
        size_t n = 0;

        if (drop_caps(sb, err) < 0)
                return -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return ect_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
        if (sb->filter) {
                if (load_filter(sb->filter, err) < 0)
                        return -1;
                log_debug("sandbox: %zu capabilities, filter of %zu instructions", sb->n_caps,
                          sb->filter->n);
                return 0;
        }
        if (make_filter(sb, -1, &n, err) < 0)
                return -1;
        log_debug("sandbox: %zu capabilities, %zu system calls allowed", sb->n_caps, n);
        return 0;
}
