/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-ctk check: the CDI specs the engines will see, and whether each
 * installed engine loads each spec of our kind (the cdiVersion table of
 * lib/ctk_engines.c). */
#pragma once
#include "ctk_engines.h"
#include "error.h"

#include <stdbool.h>
#include <stdio.h>

struct ect_check_opts {
        const char *root;             /* "/" or a tree; default spec dirs under it */
        const char *const *spec_dirs; /* NULL: /etc/cdi and /var/run/cdi */
        size_t n_spec_dirs;
        const char *kind;   /* "aliyun.com/erdma" */
        bool engines_given; /* versions below instead of asking the programs */
        bool has[ECT_ENGINE_N];
        struct ect_version v[ECT_ENGINE_N];
};

/* Writes the report to out. *ret_ok: every spec of our kind parses, no
 * device name of it is defined twice, and every installed engine that has
 * CDI loads every spec of our kind. Fails only on a report it cannot make. */
int ect_ctk_check(const struct ect_check_opts *o, FILE *out, bool *ret_ok, struct ect_error **err);
