/* SPDX-License-Identifier: Apache-2.0 */
/* Running a host program (containerd, diff, an engine's --version) from
 * erdma-ctk. Only ever host binaries on root's PATH or at fixed paths,
 * with arguments we built: never anything from a container. */
#pragma once
#include "error.h"

#include <stddef.h>

struct ect_spawn_result {
        int status; /* exit status, or 128 + signal */
        char *out;  /* stdout (NUL-terminated), NULL when passed through */
        size_t out_len;
        char *errout; /* stderr (NUL-terminated) */
};

/* Runs argv (argv[0] searched in PATH when it has no '/'), stdin from
 * /dev/null. stdout is captured (at most 16 MiB) unless pass_stdout is set,
 * stderr is captured (at most 1 MiB). Fails only when the program could
 * not be run (ENOENT when it is not installed); its exit status is in
 * ret->status. */
int ect_spawn(char *const argv[], int pass_stdout, struct ect_spawn_result *ret,
              struct ect_error **err);
void ect_spawn_result_clear(struct ect_spawn_result *r);
/* Whether prog is found in PATH (or exists, when it has a '/'). */
int ect_spawn_found(const char *prog);
