/* SPDX-License-Identifier: Apache-2.0 */
#include "sandbox.h"
#include "log.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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

/* The filter is built ahead of time, by libseccomp at build time
 * (hook/gen-filter.c), so that no process that enters a sandbox carries
 * libseccomp or builds rules on its start: loaded the way seccomp_load()
 * loads one (seccomp(2) without flags; prctl on kernels before 3.17). */
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

int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err)
{
        if (!sb->filter)
                return ect_error_set(err, EINVAL, "sandbox without a seccomp filter");
        if (drop_caps(sb, err) < 0)
                return -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return ect_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
        if (load_filter(sb->filter, err) < 0)
                return -1;
        log_debug("sandbox: %zu capabilities, filter of %zu instructions", sb->n_caps,
                  sb->filter->n);
        return 0;
}
