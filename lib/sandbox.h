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
 * build time, for the target architecture, from a list of calls and
 * lib/sandbox_calls.h's base set). */
struct ect_sandbox_filter {
        const struct sock_filter *insns;
        size_t n;
};

struct ect_sandbox {
        const int *caps; /* capabilities to keep (CAP_*), with why in the caller */
        size_t n_caps;
        const struct ect_sandbox_filter *filter; /* loaded as it is; required */
};

/* Enters the sandbox: keeps only caps, sets no_new_privs, loads the filter.
 * The filters hook/gen-filter.c builds fail any call outside their list
 * with EPERM (not a kill: the caller can still report what failed) and
 * kill the process on a call of another ABI (x32, a 32-bit compat call).
 * Returns 0 or < 0 (EINVAL without a filter). */
int ect_sandbox_enter(const struct ect_sandbox *sb, struct ect_error **err);

/* Whether this process holds capability cap (CAP_*) in its effective set;
 * false when it cannot tell. */
bool ect_sandbox_has_cap(int cap);
