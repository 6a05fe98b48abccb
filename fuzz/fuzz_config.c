/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the host configuration file (lib/config.c).
 * Invariants: parsing never crashes; an error names the document; what is
 * accepted is well formed (a runtime, known capabilities without
 * duplicates, absolute sysfs and dev roots, a known default and log level). */
#include "config.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        struct ect_config *c = NULL;
        struct ect_error *err = NULL;

        if (ect_config_parse((const char *)data, size, "fuzz.json", &c, &err) < 0) {
                if (!err || !err->msg || !strstr(err->msg, "fuzz.json"))
                        abort();
                ect_error_free(&err);
                return 0;
        }
        if (!c || !c->runtime || !*c->runtime)
                abort();
        if (c->runtime[0] != '/' && strchr(c->runtime, '/'))
                abort();
        if ((c->sysfs_root && c->sysfs_root[0] != '/') || (c->dev_root && c->dev_root[0] != '/'))
                abort();
        if (c->default_devices != ECT_DEFAULT_NONE && c->default_devices != ECT_DEFAULT_ALL)
                abort();
        if (c->log_level < 0 || c->log_level > ECT_LOG_DEBUG)
                abort();
        for (size_t i = 0; i < c->n_capabilities; i++) {
                if (!ect_config_is_capability(c->capabilities[i]))
                        abort();
                for (size_t j = 0; j < i; j++)
                        if (strcmp(c->capabilities[i], c->capabilities[j]) == 0)
                                abort();
        }
        ect_config_free(c);
        return 0;
}
