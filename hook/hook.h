/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-hook's flow: OCI state in, the container plan (lib/plan.h)
 * applied to the container being created (nodes in its /dev, device
 * cgroup, RLIMIT_MEMLOCK). */
#pragma once
#include "error.h"
#include "sandbox.h"

#include <stdbool.h>

struct ect_hook_opts {
        const char *config_path; /* NULL: the default host config */
        int state_fd;            /* where the OCI state is read from (stdin) */
};

/* Returns 0 when done or nothing was requested, < 0 with *err naming the
 * device and the cause. Enters the container's mount namespace and a
 * seccomp sandbox: the process should exit afterwards. */
int ect_hook_run(const struct ect_hook_opts *o, struct ect_error **err);

/* The sandbox of the in-namespace phase (capabilities and system calls
 * kept). Exported for tests/unit/test_sandbox.c, which checks its seccomp
 * filter for the architecture of the build. */
extern const struct ect_sandbox ect_hook_sandbox;
