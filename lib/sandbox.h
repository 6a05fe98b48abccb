/* SPDX-License-Identifier: Apache-2.0 */
/* Least privilege for code that touches container content (STYLE.md 5):
 * no_new_privs, a capability set cut down to what the phase needs, and a
 * seccomp allow-list. Irreversible: call it in a child or as the last
 * phase of a short-lived process. */
#pragma once
#include "error.h"

#include <stddef.h>

struct ect_sandbox {
        const int *caps; /* capabilities to keep (CAP_*), with why in the caller */
        size_t n_caps;
        const long *syscalls; /* allowed system calls (SYS_*), besides the base set */
        size_t n_syscalls;
};

/* Enters the sandbox. Any other system call fails with EPERM (not a kill:
 * the caller can still report what failed); a call of another ABI (x32,
 * a 32-bit compat call) kills the process. Returns 0 or < 0. */
int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err);

/* Writes to fd the classic BPF program that ect_sandbox_enter() would load
 * (struct sock_filter array, this build's architecture), without loading it:
 * tests check the filter of a cross build under qemu-user, which loads no
 * seccomp filter. Returns 0 or < 0. */
int ect_sandbox_export_bpf(const struct ect_sandbox *sb, int fd, struct ect_error **err);

/* The calls any C program needs to finish: write its error, free memory,
 * exit (and, in sanitizer builds, what LeakSanitizer needs at exit).
 * Terminated by -1. Included by ect_sandbox_enter(). */
extern const long ect_sandbox_base_syscalls[];
