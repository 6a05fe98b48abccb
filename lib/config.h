/* SPDX-License-Identifier: Apache-2.0 */
/* The host configuration file shared by erdma-container-runtime and
 * erdma-hook: /etc/erdma-container-toolkit/config.json, or a file the
 * caller names (the shim: ERDMA_CONFIG from its own environment, read with
 * secure_getenv; the hook: --config). Never taken from the container.
 *
 * Strict by design: a typo in a key must not silently fall back to a
 * default on a multi-tenant host, so unknown keys, duplicate keys and wrong
 * types are errors that name the file and the key. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ECT_CONFIG_PATH "/etc/erdma-container-toolkit/config.json"
#define ECT_CONFIG_ENV "ERDMA_CONFIG"
/* A bound on the file: a real one is a few hundred bytes. */
#define ECT_CONFIG_MAX_SIZE (64 * 1024)
/* RLIMIT_MEMLOCK "unlimited" (RLIM_INFINITY, as Go writes it in config.json). */
#define ECT_MEMLOCK_UNLIMITED UINT64_MAX

enum ect_default_devices {
        ECT_DEFAULT_NONE, /* no request: nothing is injected (default) */
        ECT_DEFAULT_ALL,  /* every container gets every device */
};

struct ect_config {
        char *path;       /* file it was read from; NULL when defaults only */
        char *runtime;    /* "runc" (looked up in PATH) or an absolute path */
        char *sysfs_root; /* NULL: /sys */
        char *dev_root;   /* NULL: /dev */
        /* Which RDMA devices the shim and the hook may give out, with the
         * values of erdma-cdi --driver: NULL means eRDMA only (PCI ID or the
         * erdma driver), "any" every RDMA device (soft-RoCE on test hosts),
         * else a comma list of driver names. */
        char *drivers;
        uint64_t memlock; /* bytes; ECT_MEMLOCK_UNLIMITED by default */
        enum ect_default_devices default_devices;
        bool accept_env;        /* honour ERDMA_VISIBLE_DEVICES (default true) */
        bool accept_annotation; /* honour the com.aliyun.erdma.devices annotation (default
                                   true; false on clusters where any pod may set it) */
        char **capabilities;    /* "CAP_SYS_RAWIO", ...; validated, no duplicates */
        size_t n_capabilities;
        char *log_file; /* NULL: none */
        int log_level;  /* enum ect_log_level; ECT_LOG_WARN by default */
};

/* A config holding the defaults. */
struct ect_config *ect_config_new_default(void);
/* Loads path; NULL means ECT_CONFIG_PATH. A missing file gives the defaults
 * only for the default path: a file the caller named explicitly must exist
 * (a typo in ERDMA_CONFIG or --config is an error, not silent defaults).
 * Returns 0 or < 0 with *err set ("FILE: ..."). Caller frees *ret. */
int ect_config_load(const char *path, struct ect_config **ret, struct ect_error **err);
/* Parses a document already in memory; name is used in messages. */
int ect_config_parse(const char *buf, size_t len, const char *name, struct ect_config **ret,
                     struct ect_error **err);
void ect_config_free(struct ect_config *c);
static inline void ect_config_freep(struct ect_config **c)
{
        ect_config_free(*c);
}
#define cleanup_config __attribute__((cleanup(ect_config_freep)))

/* Capability names ("CAP_SYS_RAWIO") known to this build; true if known. */
bool ect_config_is_capability(const char *name);
