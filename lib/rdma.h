/* SPDX-License-Identifier: Apache-2.0 */
/* Host discovery: the one device model every program consumes.
 *
 * Reads a sysfs root and a dev root (both settings, so tests run on fake
 * trees) and describes each RDMA verbs device: uverbs index and node,
 * ibdev, ports, PCI function, driver, paired netdev; plus rdma_cm. A broken
 * attribute affects only its device: it becomes a warning in host->warnings,
 * the rest is still found. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ECT_SYSFS_ROOT "/sys"
#define ECT_DEV_ROOT "/dev"
#define ECT_ERDMA_PCI_VENDOR 0x1ded
#define ECT_ERDMA_PCI_DEVICE 0x107f
#define ECT_ERDMA_DRIVER "erdma"

enum ect_node_status {
        ECT_NODE_OK,       /* exists under the dev root with the sysfs major:minor */
        ECT_NODE_MISSING,  /* no such file under the dev root */
        ECT_NODE_MISMATCH, /* exists, but is not that character device */
        ECT_NODE_UNKNOWN,  /* not checked (could not stat for another reason) */
};

/* A character device node the container needs. */
struct ect_node {
        char *path;      /* path in the container, "/dev/infiniband/uverbs0" */
        char *host_path; /* same node on the host: dev root + "/infiniband/uverbs0" */
        unsigned major, minor;
        enum ect_node_status status;
};

struct ect_port {
        unsigned num;
        char *state;      /* "ACTIVE" (the text after "N: "), NULL if unreadable */
        char *link_layer; /* "Ethernet", "InfiniBand", NULL if unreadable */
};

struct ect_device {
        unsigned index; /* N of uverbsN */
        char *ibdev;    /* "erdma_0" */
        struct ect_node uverbs;
        int abi_version; /* -1 unknown */
        char *node_type; /* "CA" (text after "1: "), NULL unknown */
        char *node_guid; /* "0216:3eff:fe12:3456", NULL unknown */
        struct ect_port *ports;
        size_t n_ports;
        char *pci_addr;                /* "0000:00:05.0", NULL when the parent is not PCI */
        unsigned vendor_id, device_id; /* 0 unknown */
        char *driver;                  /* bound driver, NULL unknown */
        int numa_node;                 /* -1 unknown or none */
        char *netdev;                  /* paired network interface, NULL not found */
        bool is_erdma;                 /* by PCI ID or driver, never by name */
        struct ect_node *mad;          /* umad/issm nodes of this device (eRDMA has none) */
        size_t n_mad;
};

struct ect_host {
        struct ect_device *devices; /* selected devices, sorted by index */
        size_t n_devices;
        size_t n_filtered; /* RDMA devices the driver filter left out */
        bool has_rdma_cm;
        struct ect_node rdma_cm; /* valid when has_rdma_cm */
        char **warnings;         /* one line each, naming the file */
        size_t n_warnings;
        char *sysfs_root, *dev_root;
};

struct ect_discover_opts {
        const char *sysfs_root; /* NULL: /sys */
        const char *dev_root;   /* NULL: /dev */
        /* Which devices: NULL or empty selects eRDMA (PCI ID or "erdma"
         * driver); "any" selects every RDMA device; otherwise a comma list
         * of driver names ("erdma,mlx5_core"), where "erdma" keeps its
         * PCI-ID meaning. */
        const char *drivers;
        /* Only what an injector needs (ibdev, nodes, PCI IDs and driver for
         * the filter, rdma_cm, umad/issm): no ports, node type, GUID or
         * NUMA node (numa_node stays -1), no netdev pairing, and no PCI
         * IDs of a function the "erdma" driver is bound to (vendor_id and
         * device_id stay 0: the driver decides the filter). The hook and
         * the shim run on every container start. */
        bool nodes_only;
        /* When set, a device is read beyond its ibdev name only when
         * want(ibdev, index, want_ctx) says so; the others are left out
         * (neither in devices nor in n_filtered, and no warning about
         * them): for a caller that knows which names and indexes it will
         * look up (ect_select_discover). */
        bool (*want)(const char *ibdev, unsigned index, const void *want_ctx);
        const void *want_ctx;
};

/* Discovers the host. Fails only when the sysfs root itself cannot be used
 * or the options are invalid; a host with no device is a success with
 * n_devices == 0. The result is owned by the caller (ect_rdma_host_free). */
int ect_rdma_discover(const struct ect_discover_opts *opts, struct ect_host **ret,
                      struct ect_error **err);
void ect_rdma_host_free(struct ect_host *h);
static inline void ect_rdma_host_freep(struct ect_host **h)
{
        ect_rdma_host_free(*h);
}
#define cleanup_host __attribute__((cleanup(ect_rdma_host_freep)))

/* Whether s is a valid ect_discover_opts.drivers value ("any" or a comma
 * list of driver names), so that a command line can refuse it up front. */
bool ect_rdma_valid_drivers(const char *s);

/* The node GUID an eRDMA device derives from its interface's MAC:
 * aa:bb:cc:dd:ee:ff -> (aa^02)bb:ccff:fedd:eeff. false when mac is not a
 * MAC address. out must hold 20 bytes. */
bool ect_rdma_guid_from_mac(const char *mac, char out[20]);
