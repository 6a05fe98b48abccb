/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-cdi generate --watch: keeps one spec file in step with the devices. */
#pragma once
#include "error.h"

#include <stddef.h>

/* Renders the current spec: 1 with the text in *ret (*ret_len bytes) and a
 * one-line summary in *ret_summary; 0 when no device matches, with the
 * reason in *ret_summary; < 0 on failure. The caller frees both strings. */
typedef int (*cdi_render_fn)(void *ctx, char **ret, size_t *ret_len, char **ret_summary,
                             struct ect_error **err);

struct cdi_watch {
        const char *output;                /* the spec file kept fresh */
        const char *dev_root, *sysfs_root; /* NULL: /dev, /sys */
        cdi_render_fn render;
        void *ctx;
};

/* Writes the spec, then rewrites it whenever the devices change, until
 * SIGTERM or SIGINT. Returns the exit status: 0 on a signal, 1 when the
 * watch cannot start or the first spec cannot be made. */
int cdi_watch_run(const struct cdi_watch *w);

/* No device matches: output goes (a CDI spec must have a device, and a stale
 * one would make engines create nodes of a device that is gone); logs what
 * was done. < 0 with errno set when the file is there and cannot go. */
int cdi_remove_spec(const char *output, const char *summary);
