/* SPDX-License-Identifier: Apache-2.0 */
/* CDI (Container Device Interface) specs from the device model.
 *
 * Builds the spec as a JSON tree (lib/json.h); lib/json.c or lib/yaml.c
 * serialise it. The name rules follow the CDI reference parser
 * (cncf-tags/container-device-interface pkg/parser); cdiVersion is the
 * lowest version that has every feature the spec uses (specs-go/version.go),
 * because older engines skip a spec whose version they do not know: Podman
 * 4.3 accepts 0.3.0 to 0.5.0 only. */
#pragma once
#include "error.h"
#include "json.h"
#include "rdma.h"

#include <stdbool.h>
#include <stddef.h>

#define ECT_CDI_VENDOR "aliyun.com"
#define ECT_CDI_CLASS "erdma"
/* The device that selects every device of the spec. */
#define ECT_CDI_ALL "all"

enum ect_cdi_naming {
        ECT_CDI_NAME_IBDEV, /* "erdma_0" (default) */
        ECT_CDI_NAME_INDEX, /* "0": the N of uverbsN */
        ECT_CDI_NAME_BOTH,  /* both, as two CDI devices with the same edits */
};

struct ect_cdi_opts {
        const char *vendor; /* NULL: aliyun.com */
        const char *class;  /* NULL: erdma */
        enum ect_cdi_naming naming;
        /* Where the nodes are on the host; NULL: the host's dev root, else
         * /dev. Any other root than /dev adds hostPath to each node. */
        const char *dev_root;
};

/* The CDI name rules (pkg/parser ValidateVendorName, ValidateClassName,
 * ValidateDeviceName; lengths from SPEC.md "Kind"):
 * - vendor and class: ASCII letters, digits, '_', '-', '.'; the first a
 *   letter, the last a letter or digit; vendor at most 253 bytes (a DNS
 *   subdomain), class at most 63. A dot in the class needs cdiVersion 0.6.0.
 * - device name: letters, digits, '_', '-', '.', ':'; the first and the
 *   last a letter or digit. A leading digit needs cdiVersion 0.5.0. */
bool ect_cdi_valid_vendor(const char *s);
bool ect_cdi_valid_class(const char *s);
bool ect_cdi_valid_device_name(const char *s);

/* "ibdev", "index", "both"; -1 when unknown. */
int ect_cdi_parse_naming(const char *s);
const char *ect_cdi_naming_name(enum ect_cdi_naming n);

/* Builds the spec for every device of h. A device name that is not a valid
 * CDI name, is "all" or is already taken is left out with a warning; a
 * device left without any name is left out. Fails with EINVAL on an invalid
 * vendor or class, ENODEV when no device remains. On success *ret is the
 * spec (ect_json_free) and *ret_warnings a NULL-terminated vector
 * (ect_cdi_strv_free), possibly empty; ret_warnings may be NULL. */
int ect_cdi_build(const struct ect_host *h, const struct ect_cdi_opts *o, struct ect_json **ret,
                  char ***ret_warnings, struct ect_error **err);

/* The fully qualified names that select device h->devices[i] in the spec
 * ect_cdi_build() makes with the same options ("aliyun.com/erdma=erdma_0",
 * ..., "aliyun.com/erdma=all"); a NULL-terminated vector, empty when the
 * device gets no name (or the vendor or class is invalid). Caller frees
 * with ect_cdi_strv_free. */
char **ect_cdi_device_selectors(const struct ect_host *h, const struct ect_cdi_opts *o, size_t i);

/* The lowest cdiVersion that has every feature spec uses: "0.3.0"; "0.4.0"
 * for a mount type; "0.5.0" for hostPath or a device name that does not
 * start with a letter; "0.6.0" for annotations or a dot in the class;
 * "0.7.0" for intelRdt or additionalGids. Static storage. */
const char *ect_cdi_min_version(const struct ect_json *spec);

void ect_cdi_strv_free(char **v);
