/* SPDX-License-Identifier: Apache-2.0 */
/* Hand-built hosts for the CDI and YAML tests: the device model without
 * sysfs, so each test says exactly what discovery would have found. */
#pragma once
#include "rdma.h"
#include "xalloc.h"

#include <stdbool.h>
#include <stdlib.h>

/* A host with no device; dev_root NULL means /dev. */
static inline struct ect_host *host_new(const char *dev_root)
{
        struct ect_host *h = xcalloc(1, sizeof *h);
        h->sysfs_root = xstrdup("/sys");
        h->dev_root = xstrdup(dev_root ? dev_root : "/dev");
        return h;
}

/* Adds uverbsN (231:192+N) called ibdev. */
static inline struct ect_device *host_add(struct ect_host *h, unsigned n, const char *ibdev)
{
        struct ect_device *d;

        h->devices = xrealloc(h->devices, (h->n_devices + 1) * sizeof *h->devices);
        d = &h->devices[h->n_devices++];
        *d = (struct ect_device){0};
        d->index = n;
        d->ibdev = xstrdup(ibdev);
        d->uverbs.path = xasprintf("/dev/infiniband/uverbs%u", n);
        d->uverbs.host_path = xasprintf("%s/infiniband/uverbs%u", h->dev_root, n);
        d->uverbs.major = 231;
        d->uverbs.minor = 192 + n;
        d->abi_version = 1;
        d->numa_node = -1;
        d->driver = xstrdup("erdma");
        d->is_erdma = true;
        return d;
}

static inline void host_add_rdma_cm(struct ect_host *h, unsigned minor)
{
        h->has_rdma_cm = true;
        h->rdma_cm.path = xstrdup("/dev/infiniband/rdma_cm");
        h->rdma_cm.host_path = xasprintf("%s/infiniband/rdma_cm", h->dev_root);
        h->rdma_cm.major = 10;
        h->rdma_cm.minor = minor;
}

/* The fake host of tests/lib/fakehost.sh fakehost_standard. */
static inline struct ect_host *host_standard(const char *dev_root)
{
        struct ect_host *h = host_new(dev_root);
        host_add(h, 0, "erdma_0");
        host_add(h, 1, "erdma_1");
        host_add_rdma_cm(h, 241);
        return h;
}
