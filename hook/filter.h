/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp filter of the hook's in-namespace phase, built at build time
 * by hook/gen-filter.c (libseccomp, for the target architecture) into
 * $(BUILD)/hook/filter.c. Plain C: the generator includes it too. */
#pragma once
#include "sandbox.h"

/* What the in-namespace phase may call besides the base set
 * (ECT_SANDBOX_BASE_CALLS): only the *at forms, which every architecture
 * has (arm64 has no open, mknod, mkdir or readlink; the generator fails on
 * a name the target lacks, and test_sandbox checks the filter per
 * architecture). */
#define ECT_HOOK_SANDBOX_CALLS                                                                     \
        "openat", "openat2", "readlinkat", "mkdirat", "mknodat", "move_mount", "statx", "fcntl"

extern const struct ect_sandbox_filter ect_hook_filter;
