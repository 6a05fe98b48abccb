/* SPDX-License-Identifier: Apache-2.0 */
/* Which devices a container gets: the one selection function that the
 * runtime shim and the hook share.
 *
 * Sources, first match wins:
 *   1. the annotation com.aliyun.erdma.devices (present, even empty;
 *      ignored when accept-annotation is false);
 *   2. ERDMA_VISIBLE_DEVICES in process.env (ignored when accept-env is
 *      false; with several entries the last one wins, as when Docker and
 *      containerd build the list);
 *   3. the host config's default-devices.
 *
 * Value grammar (bounded: at most ECT_SELECT_MAX_LEN bytes and
 * ECT_SELECT_MAX_ITEMS items):
 *   ""                 nothing (same as "none")
 *   "all" | "none"     alone, lower case
 *   item[,item...]     item = ibdev name ("erdma_0"), index ("0", the N of
 *                      uverbsN, decimal without sign or leading zeros), or
 *                      CDI name ("aliyun.com/erdma=erdma_0", "...=0",
 *                      "aliyun.com/erdma=all" alone)
 * Spaces and tabs around an item are ignored; an empty item (",,", a
 * trailing comma) or a control character is an error; a device named twice
 * (also by two forms) is selected once. An unknown name is an error whose
 * message lists the names this host has. "all" from the annotation or the
 * variable on a host without devices is an error (the container asked for
 * RDMA); "all" from default-devices there selects nothing. */
#pragma once
#include "config.h"
#include "error.h"
#include "json.h"
#include "rdma.h"

#include <stdbool.h>
#include <stddef.h>

#define ECT_SELECT_ANNOTATION "com.aliyun.erdma.devices"
#define ECT_SELECT_ENV "ERDMA_VISIBLE_DEVICES"
#define ECT_CDI_KIND "aliyun.com/erdma"
#define ECT_SELECT_MAX_LEN 4096
#define ECT_SELECT_MAX_ITEMS 256

enum ect_select_source {
        ECT_SELECT_NONE, /* no request at all: nothing to do */
        ECT_SELECT_FROM_ANNOTATION,
        ECT_SELECT_FROM_ENV,
        ECT_SELECT_FROM_DEFAULT,
};

struct ect_selection {
        enum ect_select_source source;
        /* Pointers into the host (not owned), sorted by index, no
         * duplicates. n_devices == 0: nothing to inject ("none", or no
         * request). */
        const struct ect_device **devices;
        size_t n_devices;
};

/* annotations: the config's "annotations" object, or NULL; env: the
 * config's "process.env" array, or NULL. Wrong types there are errors.
 * Caller frees *ret with ect_selection_free. */
int ect_select(const struct ect_host *host, const struct ect_config *cfg,
               const struct ect_json *annotations, const struct ect_json *env,
               struct ect_selection **ret, struct ect_error **err);
/* The request alone: which source applies and its value (a copy: an env
 * entry may be one ect_json_iter parsed for the moment, or "all" for the
 * default; the caller frees it). *ret_value NULL: no request. */
int ect_select_request(const struct ect_config *cfg, const struct ect_json *annotations,
                       const struct ect_json *env, enum ect_select_source *ret_source,
                       char **ret_value, struct ect_error **err);
/* Discovery (opts) and the selection for a request that
 * ect_select_request() read (src, value), in one: reads only the devices
 * the request can name (ect_select_may_name), so that a container asking
 * for one device of many costs one device's sysfs reads. The host
 * describes those devices only (its n_filtered and warnings too). When the
 * selection fails, the whole host is discovered and the selection made
 * again, so that the error lists every device, as ect_select() on a full
 * discovery does. Caller frees both. */
int ect_select_discover(const struct ect_discover_opts *opts, enum ect_select_source src,
                        const char *value, struct ect_host **ret_host,
                        struct ect_selection **ret_sel, struct ect_error **err);
/* Whether an item of value could name the device (ibdev, index): "all",
 * its name or its index, bare or as a CDI name. */
bool ect_select_may_name(const char *value, const char *ibdev, unsigned index);
/* Resolves one value against the host (the grammar above). */
int ect_select_parse(const struct ect_host *host, const char *value, bool all_needs_devices,
                     struct ect_selection **ret, struct ect_error **err);
/* A fast, sound pre-check on the raw text of config.json: false only when
 * no request can be in it (default-devices is "none", neither the
 * annotation's nor the variable's name occurs, and no \u escape could spell
 * them), so the caller may skip parsing. */
bool ect_select_may_request(const struct ect_config *cfg, const char *buf, size_t len);
const char *ect_select_source_name(enum ect_select_source s);
void ect_selection_free(struct ect_selection *s);
static inline void ect_selection_freep(struct ect_selection **s)
{
        ect_selection_free(*s);
}
#define cleanup_selection __attribute__((cleanup(ect_selection_freep)))
