/* Least privilege for code that touches container content (STYLE.md 5):
 * no_new_privs, a capability set cut down to what the phase needs (also
 * the bounding set), and a libseccomp allow-list. Irreversible: call it
 * in a child or as the last phase of a short-lived process. */
#pragma once
#include "error.h"

#include <stddef.h>

struct ect_sandbox {
        const int *caps;        /* capabilities to keep (CAP_*), with why in the caller */
        size_t n_caps;
        const char *const *syscalls; /* allowed system calls, by name; unknown names
                                        on this architecture are skipped */
        size_t n_syscalls;
};

/* Enters the sandbox. Any other system call fails with EPERM (not a kill:
 * the caller can still report what failed). Returns 0 or < 0. */
int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err);

/* The calls any C program needs to finish: write its error, free memory,
 * exit. Included by ect_sandbox_enter(). */
extern const char *const ect_sandbox_base_syscalls[];
