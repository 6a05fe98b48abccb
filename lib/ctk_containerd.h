/* SPDX-License-Identifier: Apache-2.0 */
/* containerd's configuration for erdma-ctk: the drop-in with the runtime
 * handler and CDI, the one edit of the main file (its top-level `imports`),
 * and the reading of `containerd config dump` that proves the result.
 *
 * Two merge rules decide the shape (containerd source, config.go
 * mergeConfig): containerd 1.x replaces a plugin's whole section with each
 * imported file's section ("Replace entire sections instead of merging
 * map's values", containerd#5837), so a drop-in that names the CRI plugin
 * must carry every CRI setting the main file made; 2.x merges deeply. And
 * containerd reads no drop-in on its own before 2.2 (whose `config default`
 * lists the conf.d directory in `imports`), so the main file's
 * imports must name or match the drop-in. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>

/* The comment line put above an `imports` line erdma-ctk adds. */
#define ECT_CTD_IMPORTS_MARK                                                                       \
        "# erdma-ctk: imports its drop-in; erdma-ctk runtime unconfigure removes these two lines"

struct ect_ctd_opts {
        int version;              /* of the drop-in: 2 (containerd 1.x schema) or 3 (2.x) */
        const char *runtime_name; /* handler name, "erdma" */
        const char *runtime_path; /* BinaryName: the shim */
        bool cdi;                 /* enable_cdi and cdi_spec_dirs */
        bool set_default;         /* default_runtime_name */
};

/* The CRI plugin that holds runtimes and CDI settings in a config of this
 * version, canonical (plugins."io.containerd.grpc.v1.cri" for 2,
 * plugins."io.containerd.cri.v1.runtime" for 3); NULL for another version. */
const char *ect_ctd_cri_table(int version);

/* The top-level `version` of a main config (1 when absent, as containerd
 * reads it). */
int ect_ctd_config_version(const char *buf, size_t len, int *ret, struct ect_error **err);

/* Whether an entry of the top-level `imports` of the main file main_path
 * names dropin, or is a glob ('*', as containerd's resolveImports) that
 * matches it; relative entries are relative to main_path's directory. */
int ect_ctd_imports_cover(const char *buf, size_t len, const char *main_path, const char *dropin,
                          bool *ret, struct ect_error **err);
/* The main file's text with dropin added to its top-level `imports`: after
 * the last entry of an existing array (its layout kept), else as a new line
 * (under ECT_CTD_IMPORTS_MARK) after the last top-level key, before the
 * first table. *ret is NULL when an entry already covers dropin. */
int ect_ctd_imports_add(const char *buf, size_t len, const char *main_path, const char *dropin,
                        char **ret, struct ect_error **err);
/* The inverse: the entry that is exactly dropin removed, with the whole
 * line when erdma-ctk made it. *ret is NULL when there is no such entry. */
int ect_ctd_imports_remove(const char *buf, size_t len, const char *dropin, char **ret,
                           struct ect_error **err);
/* The text of a main file created from nothing: version and imports. */
char *ect_ctd_new_main(int version, const char *dropin);
/* Whether buf is exactly what ect_ctd_new_main() writes for some version. */
bool ect_ctd_is_new_main(const char *buf, const char *dropin);

/* From `containerd config dump` (before the drop-in) and `containerd config
 * default` of a containerd 1.x: the CRI plugin's tables whose settings
 * differ from the defaults, with their ancestors, as TOML text; the tables
 * of the runtime named in o are left out. Empty when nothing differs. With
 * whole set, every CRI table of the dump instead. */
int ect_ctd_carry(const char *dump, const char *defaults, const struct ect_ctd_opts *o, bool whole,
                  char **ret, struct ect_error **err);
/* The drop-in: a header comment, `version`, the carried tables (NULL or
 * from ect_ctd_carry()) with o's keys merged in, the runtime's tables. */
int ect_ctd_dropin(const struct ect_ctd_opts *o, const char *carry, char **ret,
                   struct ect_error **err);
/* Compares two dumps of a containerd of major version major (1 or 2): after
 * must hold o's handler with BinaryName o->runtime_path (and o's CDI and
 * default keys when asked), and differ from before in nothing else (the
 * top-level imports aside). *problem is NULL when all is well, else one
 * line saying what differs. */
int ect_ctd_verify(const char *before, const char *after, int major, const struct ect_ctd_opts *o,
                   char **problem, struct ect_error **err);
