/* SPDX-License-Identifier: Apache-2.0 */
/* The fixed fake host the selection and config.json fuzz targets resolve
 * against: built in process (no sysfs), with names that can be confused
 * with each other: indexes that are not positions, a dotted and a dashed
 * ibdev, and rdma_cm. */
#pragma once
#include "../tests/unit/cdihost.h"

static inline struct ect_host *fuzz_host(void)
{
        struct ect_host *h = host_new(NULL);
        host_add(h, 0, "erdma_0");
        host_add(h, 1, "erdma_1");
        host_add(h, 3, "mlx5_0");
        host_add(h, 12, "rxe.a-1");
        host_add_rdma_cm(h, 241);
        return h;
}
