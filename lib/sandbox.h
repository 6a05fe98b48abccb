/* SPDX-License-Identifier: Apache-2.0 */
/* Least privilege for code that touches container content (STYLE.md 5):
 * no_new_privs, a capability set cut down to what the phase needs, and a
 * seccomp allow-list. Irreversible: call it in a child or as the last
 * phase of a short-lived process. */
#pragma once
#include "error.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

/* A seccomp filter built ahead of time (hook/gen-filter.c: libseccomp at
 * build time, for the target architecture). */
struct ect_sandbox_filter {
        const struct sock_filter *insns;
        size_t n;
};

struct ect_sandbox {
        const int *caps; /* capabilities to keep (CAP_*), with why in the caller */
        size_t n_caps;
        const long *syscalls; /* allowed system calls (SYS_*), besides the base set */
        size_t n_syscalls;
        /* When set, the filter to load as it is, instead of one that
         * libseccomp builds from syscalls at run time (which costs about
         * 0.12 ms a start): it allows the base set and its own calls. */
        const struct ect_sandbox_filter *filter;
};

/* Enters the sandbox. Any other system call fails with EPERM (not a kill:
 * the caller can still report what failed); a call of another ABI (x32,
 * a 32-bit compat call) kills the process. Returns 0 or < 0. */
int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err);

/* Whether this process holds capability cap (CAP_*) in its effective set;
 * false when it cannot tell. */
bool ect_sandbox_has_cap(int cap);

/* Writes to fd the classic BPF program that ect_sandbox_enter() would load
 * (struct sock_filter array, this build's architecture; sb->filter when
 * set), without loading it:
 * tests check the filter of a cross build under qemu-user, which loads no
 * seccomp filter. Returns 0 or < 0. */
int ect_sandbox_export_bpf(const struct ect_sandbox *sb, int fd, struct ect_error **err);
