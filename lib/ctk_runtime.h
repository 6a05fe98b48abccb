/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-ctk runtime configure/unconfigure: which files of which engine
 * change, built as one plan (lib/ctk_plan.h), shown or applied, and for
 * containerd proven with containerd's own `config dump`. */
#pragma once
#include "ctk_engines.h"
#include "error.h"

#include <stdbool.h>

/* The first line of every file erdma-ctk writes on its own (drop-ins):
 * unconfigure removes only files that start with it. */
#define ECT_CTK_HEADER "# Written by erdma-ctk runtime configure"

struct ect_ctk_args {
        enum ect_engine engine;
        const char *root;         /* "/", or a tree the default paths are under */
        const char *config;       /* the engine's main file, literal; NULL: default */
        const char *dropin;       /* the drop-in, literal; NULL: default */
        const char *runtime_name; /* "erdma" */
        const char *runtime_path; /* the shim, as the engine sees it */
        bool set_default, cdi, memlock_dropin, dry_run;
        int config_version; /* containerd: for a new config.toml; 0: from containerd */
};

/* Does it. *ret_notes (owned, always set) holds the lines for the user:
 * what was written and the restart line. */
int ect_ctk_runtime(const struct ect_ctk_args *a, bool configure, char **ret_notes,
                    struct ect_error **err);
