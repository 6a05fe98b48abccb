/* SPDX-License-Identifier: Apache-2.0 */
/* The container engines erdma-ctk knows: their programs, how to read their
 * versions, and which CDI spec versions each release loads (the one table
 * of it, in ctk_engines.c, with its sources). */
#pragma once
#include "error.h"

#include <stdbool.h>

enum ect_engine {
        ECT_ENGINE_DOCKER,
        ECT_ENGINE_CONTAINERD,
        ECT_ENGINE_CRIO,
        ECT_ENGINE_PODMAN,
        ECT_ENGINE_N,
};

struct ect_version {
        int major, minor, patch;
};

/* "docker", "containerd", "crio", "podman". */
/* The daemon or program whose --version we read: dockerd, containerd, crio, podman. */
const char *ect_engine_program(enum ect_engine e);
/* Parses an engine name ("cri-o" and "dockerd" too); -1 when unknown. */
int ect_engine_parse(const char *s);

/* The first MAJOR.MINOR[.PATCH] in text (a leading 'v' allowed). */
bool ect_version_parse(const char *text, struct ect_version *ret);
/* Runs the engine's program with --version. ENOENT when it is not on PATH. */
int ect_engine_version(enum ect_engine e, struct ect_version *ret, struct ect_error **err);

/* The highest cdiVersion release v of engine e loads; NULL when that release
 * has no CDI. *ret_since names the first release with CDI (for messages). */
const char *ect_engine_max_cdi(enum ect_engine e, const struct ect_version *v,
                               const char **ret_since);
/* Compares two CDI versions ("0.5.0"); -2 when either does not parse. */
int ect_cdi_version_cmp(const char *a, const char *b);
