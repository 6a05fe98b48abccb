/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-container-runtime's flow: edit the bundle, then become the runtime. */
#pragma once
#include "config.h"
#include "error.h"
#include "runcargs.h"

/* Edits <bundle>/config.json for create/run/restore when the container asks
 * for eRDMA: the container plan (lib/plan.h), written into the file. On
 * failure the file is unchanged. */
int ect_shim_edit_bundle(const struct ect_config *cfg, const struct ect_runc_args *args,
                         struct ect_error **err);
/* Executing the configured low-level runtime with argv[1..] unchanged
 * takes two steps, so that a runtime that cannot be found (not in PATH,
 * not an executable file) fails the start before config.json is edited:
 * the path to execute, then the exec of that path (returns only on
 * failure). */
int ect_shim_find_runtime(const struct ect_config *cfg, char **ret_path, struct ect_error **err);
int ect_shim_exec_at(const struct ect_config *cfg, const char *path, char *argv[],
                     struct ect_error **err);
