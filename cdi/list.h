/* SPDX-License-Identifier: Apache-2.0 */
/* erdma-cdi list: the devices as a table or as JSON, with their CDI names. */
#pragma once
#include "cdi.h"
#include "json.h"
#include "rdma.h"

#include <stdio.h>

/* {"devices": [...], "rdma_cm": {...} or null, "filtered_out": N}. */
struct ect_json *cdi_list_json(const struct ect_host *h, const struct ect_cdi_opts *o);
void cdi_list_table(FILE *out, const struct ect_host *h, const struct ect_cdi_opts *o);
