/* SPDX-License-Identifier: Apache-2.0 */
/* Discovery on fixture trees built by tests/lib/fakehost.sh. */
#include "cleanup.h"
#include "config.h"
#include "json.h"
#include "rdma.h"
#include "select.h"
#include "sysfs.h"
#include "testutil.h"

#include <sys/stat.h>

static char *dir;
static char sysfs[512], devroot[512];

static void setup(void)
{
        dir = make_tmpdir();
        snprintf(sysfs, sizeof sysfs, "%s/sys", dir);
        snprintf(devroot, sizeof devroot, "%s/dev", dir);
        sh("fakehost_init %s", dir);
}

static void teardown(void)
{
        rm_tmpdir(dir);
        dir = NULL;
}

static struct ect_host *discover(const char *drivers)
{
        struct ect_discover_opts o = {.sysfs_root = sysfs, .dev_root = devroot, .drivers = drivers};
        struct ect_host *h = NULL;
        struct ect_error *err = NULL;

        if (ect_rdma_discover(&o, &h, &err) < 0)
                ck_abort_msg("discover failed: %s", err->msg);
        return h;
}

/* The device a one-item selection names (the selection's lookup by ibdev
 * name or index), or NULL. */
static const struct ect_device *find(const struct ect_host *h, const char *name)
{
        struct ect_selection *sel = NULL;
        struct ect_error *err = NULL;
        const struct ect_device *d;

        if (ect_select_parse(h, name, true, &sel, &err) < 0) {
                ect_error_free(&err);
                return NULL;
        }
        d = sel->n_devices == 1 ? sel->devices[0] : NULL;
        ect_selection_free(sel);
        return d;
}

static bool has_warning(const struct ect_host *h, const char *needle)
{
        for (size_t i = 0; i < h->n_warnings; i++)
                if (strstr(h->warnings[i], needle))
                        return true;
        return false;
}

START_TEST(test_discover_standard)
{
        struct ect_host *h;
        const struct ect_device *d;

        sh("fakehost_add_device %s 0 erdma_0 %s; fakehost_add_device %s 1 erdma_1 %s;"
           "fakehost_add_rdma_cm %s 241 %s",
           dir, mknod_opt(), dir, mknod_opt(), dir, mknod_opt());
        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 2);
        /* Without root the fixture has no nodes: each is then reported. */
        ck_assert_uint_eq(h->n_warnings, geteuid() == 0 ? 0 : 3);
        d = &h->devices[0];
        ck_assert_uint_eq(d->index, 0);
        ck_assert_str_eq(d->ibdev, "erdma_0");
        ck_assert_str_eq(d->uverbs.path, "/dev/infiniband/uverbs0");
        ck_assert_uint_eq(d->uverbs.major, 231);
        ck_assert_uint_eq(d->uverbs.minor, 192);
        ck_assert_int_eq(d->abi_version, 1);
        ck_assert_str_eq(d->node_type, "CA");
        ck_assert_str_eq(d->node_guid, "0216:3eff:fe00:0000");
        ck_assert_uint_eq(d->n_ports, 1);
        ck_assert_str_eq(d->ports[0].state, "ACTIVE");
        ck_assert_str_eq(d->ports[0].link_layer, "Ethernet");
        ck_assert_str_eq(d->pci_addr, "0000:00:05.0");
        ck_assert_uint_eq(d->vendor_id, 0x1ded);
        ck_assert_uint_eq(d->device_id, 0x107f);
        ck_assert_str_eq(d->driver, "erdma");
        ck_assert_int_eq(d->numa_node, -1);
        ck_assert_str_eq(d->netdev, "eth1");
        ck_assert(d->is_erdma);
        ck_assert_str_eq(h->devices[1].ibdev, "erdma_1");
        ck_assert_str_eq(h->devices[1].netdev, "eth2");
        ck_assert(h->has_rdma_cm);
        ck_assert_str_eq(h->rdma_cm.path, "/dev/infiniband/rdma_cm");
        ck_assert_uint_eq(h->rdma_cm.major, 10);
        ck_assert_uint_eq(h->rdma_cm.minor, 241);
        if (geteuid() == 0) {
                ck_assert_int_eq(d->uverbs.status, ECT_NODE_OK);
                ck_assert_int_eq(h->rdma_cm.status, ECT_NODE_OK);
        }
        ck_assert_ptr_eq(find(h, "erdma_1"), &h->devices[1]);
        ck_assert_ptr_eq(find(h, "1"), &h->devices[1]);
        ck_assert_ptr_null(find(h, "01"));
        ck_assert_ptr_null(find(h, "erdma_9"));
        ect_rdma_host_free(h);
}
END_TEST

START_TEST(test_discover_gaps_and_order)
{
        struct ect_host *h;

        /* uverbs5 was probed first: N does not follow the ibdev order. */
        sh("fakehost_add_device %s 5 erdma_0 mknod=0; fakehost_add_device %s 2 erdma_2 mknod=0;"
           "fakehost_add_device %s 0 erdma_1 mknod=0",
           dir, dir, dir);
        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 3);
        ck_assert_uint_eq(h->devices[0].index, 0);
        ck_assert_str_eq(h->devices[0].ibdev, "erdma_1");
        ck_assert_uint_eq(h->devices[1].index, 2);
        ck_assert_uint_eq(h->devices[2].index, 5);
        ck_assert_str_eq(h->devices[2].ibdev, "erdma_0");
        ck_assert_uint_eq(h->devices[2].uverbs.minor, 197);
        ck_assert_ptr_eq(find(h, "5"), &h->devices[2]);
        ck_assert_int_eq(h->devices[0].uverbs.status, ECT_NODE_MISSING);
        ck_assert(!h->has_rdma_cm);
        ect_rdma_host_free(h);
}
END_TEST

START_TEST(test_discover_dynamic_major)
{
        struct ect_host *h;

        /* The first 32 uverbs use 231:192+N; later ones a dynamic major. */
        sh("for n in $(seq 0 35); do if [ $n -lt 32 ]; then fakehost_add_device %s $n erdma_$n "
           "mknod=0; else fakehost_add_device %s $n erdma_$n major=511 minor=$((n-32)) mknod=0; "
           "fi; done",
           dir, dir);
        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 36);
        ck_assert_uint_eq(h->devices[31].uverbs.major, 231);
        ck_assert_uint_eq(h->devices[31].uverbs.minor, 223);
        ck_assert_uint_eq(h->devices[32].uverbs.major, 511);
        ck_assert_uint_eq(h->devices[32].uverbs.minor, 0);
        ck_assert_uint_eq(h->devices[35].index, 35);
        ck_assert_uint_eq(h->devices[35].uverbs.minor, 3);
        ect_rdma_host_free(h);
}
END_TEST

START_TEST(test_discover_mixed_drivers)
{
        struct ect_host *h;

        sh("fakehost_add_device %s 0 erdma_0 mknod=0;"
           "fakehost_add_device %s 1 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x101b mknod=0;"
           "fakehost_add_device %s 2 rxe0 pci=none mknod=0;"
           /* out-of-tree driver naming: found by PCI ID, not by name */
           "fakehost_add_device %s 3 erdma_00163e001234 driver=erdma_oot mknod=0;"
           /* found by driver alone (a future device ID) */
           "fakehost_add_device %s 4 foo_4 device=0x1080 mknod=0;"
           /* named like eRDMA but is not */
           "fakehost_add_device %s 5 erdma_5 driver=mlx5_core vendor=0x15b3 device=0x101b "
           "mknod=0",
           dir, dir, dir, dir, dir, dir);
        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 3);
        ck_assert_str_eq(h->devices[0].ibdev, "erdma_0");
        ck_assert_str_eq(h->devices[1].ibdev, "erdma_00163e001234");
        ck_assert_str_eq(h->devices[2].ibdev, "foo_4");
        ck_assert_uint_eq(h->n_filtered, 3);
        ect_rdma_host_free(h);

        h = discover("any");
        ck_assert_uint_eq(h->n_devices, 6);
        ck_assert_uint_eq(h->n_filtered, 0);
        ck_assert_ptr_null(h->devices[2].pci_addr);
        ck_assert_ptr_null(h->devices[2].driver);
        ck_assert(!h->devices[2].is_erdma);
        ect_rdma_host_free(h);

        h = discover("mlx5_core");
        ck_assert_uint_eq(h->n_devices, 2);
        ck_assert_str_eq(h->devices[0].ibdev, "mlx5_0");
        ck_assert_str_eq(h->devices[1].ibdev, "erdma_5");
        ect_rdma_host_free(h);

        h = discover("erdma,mlx5_core");
        ck_assert_uint_eq(h->n_devices, 5);
        ect_rdma_host_free(h);
}
END_TEST

/* Since Linux 5.11 mlx5 (and irdma) register their RDMA device on the
 * auxiliary bus: uverbsN/device is mlx5_core.rdma.0, one level below the
 * PCI function that carries the IDs and the mlx5_core driver. */
START_TEST(test_discover_auxiliary_parent)
{
        struct ect_host *h;
        const struct ect_device *d;

        sh("fakehost_add_device %s 0 erdma_0 mknod=0;"
           "fakehost_add_device %s 1 mlx5_0 pci=0000:00:08.0 driver=mlx5_core vendor=0x15b3 "
           "device=0x101b mknod=0;"
           "p=%s/sys/devices/pci0000:00/0000:00:08.0; a=$p/mlx5_core.rdma.0;"
           "mkdir -p $a %s/sys/bus/auxiliary/drivers/mlx5_ib.rdma;"
           "mv $p/infiniband $p/infiniband_verbs $a/;"
           "ln -sfn ../../../../bus/auxiliary/drivers/mlx5_ib.rdma $a/driver;"
           "ln -sfn ../../../mlx5_core.rdma.0 $a/infiniband/mlx5_0/device;"
           "ln -sfn ../../../mlx5_core.rdma.0 $a/infiniband_verbs/uverbs1/device;"
           "ln -sfn ../../devices/pci0000:00/0000:00:08.0/mlx5_core.rdma.0/infiniband/mlx5_0 "
           "%s/sys/class/infiniband/mlx5_0;"
           "ln -sfn ../../devices/pci0000:00/0000:00:08.0/mlx5_core.rdma.0/infiniband_verbs/uverbs1 "
           "%s/sys/class/infiniband_verbs/uverbs1",
           dir, dir, dir, dir, dir, dir);
        h = discover("mlx5_core");
        ck_assert_uint_eq(h->n_devices, 1);
        d = &h->devices[0];
        ck_assert_str_eq(d->ibdev, "mlx5_0");
        ck_assert_ptr_nonnull(d->pci_addr);
        ck_assert_str_eq(d->pci_addr, "0000:00:08.0");
        ck_assert_uint_eq(d->vendor_id, 0x15b3);
        ck_assert_uint_eq(d->device_id, 0x101b);
        ck_assert_str_eq(d->driver, "mlx5_core");
        ck_assert(!d->is_erdma);
        ck_assert_str_eq(d->node_type, "CA");
        ect_rdma_host_free(h);

        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 1);
        ck_assert_str_eq(h->devices[0].ibdev, "erdma_0");
        ck_assert_uint_eq(h->n_filtered, 1);
        ect_rdma_host_free(h);
}
END_TEST

/* PCI domains above 0xffff (Intel VMD, some hypervisors) print with five or
 * more hex digits: "10000:e1:00.0". */
START_TEST(test_discover_wide_pci_domain)
{
        struct ect_host *h;

        sh("fakehost_add_device %s 0 mlx5_0 pci=10000:e1:00.0 driver=mlx5_core vendor=0x15b3 "
           "device=0x101b mknod=0",
           dir);
        h = discover("mlx5_core");
        ck_assert_uint_eq(h->n_devices, 1);
        ck_assert_str_eq(h->devices[0].pci_addr, "10000:e1:00.0");
        ck_assert_uint_eq(h->devices[0].vendor_id, 0x15b3);
        ect_rdma_host_free(h);
}
END_TEST

START_TEST(test_discover_bad_driver_list)
{
        struct ect_discover_opts o = {.sysfs_root = sysfs,
                                      .dev_root = devroot,
                                      .drivers = "erdma,,x"};
        struct ect_host *h = NULL;
        struct ect_error *err = NULL;

        ck_assert_int_lt(ect_rdma_discover(&o, &h, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_ptr_nonnull(strstr(err->msg, "invalid driver list 'erdma,,x'"));
        ck_assert_ptr_null(h);
        ect_error_free(&err);
}
END_TEST

START_TEST(test_discover_broken_attributes)
{
        struct ect_host *h;

        sh("fakehost_add_device %s 0 erdma_0 mknod=0; fakehost_add_device %s 1 erdma_1 mknod=0;"
           "fakehost_add_device %s 2 erdma_2 mknod=0; fakehost_add_device %s 3 erdma_3 mknod=0;"
           "fakehost_add_device %s 4 erdma_4 mknod=0;"
           "u=%s/sys/class/infiniband_verbs;"
           "echo garbage > $u/uverbs0/dev;"         /* device dropped */
           "rm $u/uverbs1/ibdev;"                   /* device dropped */
           "echo \"x y\" > $u/uverbs3/abi_version;" /* warning only */
           "echo \"4: ACTIVE\" > $u/uverbs3/device/numa_node;"
           "echo zzz > %s/sys/class/infiniband/erdma_3/node_guid;"
           "printf ACTIVE > %s/sys/class/infiniband/erdma_3/ports/1/state;"
           "head -c 100000 /dev/zero | tr \\\\\\0 a > %s/sys/class/infiniband/erdma_4/node_type",
           dir, dir, dir, dir, dir, dir, dir, dir, dir);
        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 3);
        ck_assert_str_eq(h->devices[0].ibdev, "erdma_2");
        ck_assert_str_eq(h->devices[1].ibdev, "erdma_3");
        ck_assert_int_eq(h->devices[1].abi_version, -1);
        ck_assert_int_eq(h->devices[1].numa_node, -1);
        ck_assert_ptr_null(h->devices[1].node_guid);
        ck_assert_ptr_null(h->devices[1].netdev);
        ck_assert_ptr_null(h->devices[1].ports[0].state);
        ck_assert_str_eq(h->devices[1].ports[0].link_layer, "Ethernet");
        ck_assert_ptr_null(h->devices[2].node_type);
        ck_assert(has_warning(h, "uverbs0/dev: no major:minor, ignoring device"));
        ck_assert(has_warning(h, "uverbs1/ibdev: cannot be read, ignoring device"));
        ck_assert(has_warning(h, "uverbs3/abi_version: unexpected value"));
        ck_assert(has_warning(h, "erdma_3/node_guid: unexpected value"));
        ck_assert(has_warning(h, "erdma_3/ports/1/state: unexpected value"));
        ck_assert(has_warning(h, "erdma_4/node_type: 'node_type' is larger than 4096 bytes"));
        ect_rdma_host_free(h);
}
END_TEST

START_TEST(test_discover_dangling_links)
{
        struct ect_host *h;

        sh("fakehost_add_device %s 0 erdma_0 mknod=0; fakehost_add_device %s 1 erdma_1 mknod=0;"
           "fakehost_add_device %s 2 erdma_2 mknod=0;"
           "ln -s ../../devices/nowhere/uverbs7 %s/sys/class/infiniband_verbs/uverbs7;"
           "rm %s/sys/class/infiniband/erdma_1;"
           "rm -r %s/sys/devices/pci0000:00/0000:00:07.0/vendor %s/sys/devices/pci0000:00/0000:00:07.0/device"
           " %s/sys/devices/pci0000:00/0000:00:07.0/driver;"
           "ln -sfn ../../../0000:00:09.0 %s/sys/class/infiniband_verbs/uverbs0/device",
           dir, dir, dir, dir, dir, dir, dir, dir, dir);
        /* uverbs0's PCI link now dangles: it is no longer known as eRDMA. */
        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 1);
        ck_assert_str_eq(h->devices[0].ibdev, "erdma_1");
        ck_assert_ptr_null(h->devices[0].node_type);
        ck_assert(has_warning(h, "uverbs7: dangling link, ignoring device"));
        ck_assert(has_warning(h, "class/infiniband/erdma_1: No such file or directory"));
        ect_rdma_host_free(h);

        h = discover("any");
        ck_assert_uint_eq(h->n_devices, 3);
        ck_assert(has_warning(h, "uverbs0/device: dangling link"));
        ck_assert_ptr_null(h->devices[2].driver);
        ect_rdma_host_free(h);
}
END_TEST

START_TEST(test_discover_no_devices)
{
        struct ect_host *h;
        struct ect_error *err = NULL;
        struct ect_discover_opts o = {.sysfs_root = "/nonexistent-sysfs"};

        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 0);
        ck_assert_uint_eq(h->n_warnings, 0);
        ect_rdma_host_free(h);

        sh("rm -r %s/sys/class", dir);
        h = discover(NULL);
        ck_assert_uint_eq(h->n_devices, 0);
        ck_assert(!h->has_rdma_cm);
        ect_rdma_host_free(h);

        h = NULL;
        ck_assert_int_lt(ect_rdma_discover(&o, &h, &err), 0);
        ck_assert_int_eq(err->code, ENOENT);
        ck_assert_str_eq(err->msg, "sysfs root '/nonexistent-sysfs'");
        ect_error_free(&err);
}
END_TEST

START_TEST(test_discover_node_cross_check)
{
        struct ect_host *h;

        if (geteuid() != 0) {
                fprintf(stderr, "SKIP test_discover_node_cross_check: mknod needs root\n");
                return;
        }
        sh("fakehost_add_device %s 0 erdma_0; fakehost_add_device %s 1 erdma_1;"
           "fakehost_add_device %s 2 erdma_2 mknod=0; fakehost_add_rdma_cm %s 241;"
           "rm %s/dev/infiniband/uverbs1; mknod %s/dev/infiniband/uverbs1 c 231 199;"
           "rm %s/dev/infiniband/rdma_cm; touch %s/dev/infiniband/rdma_cm",
           dir, dir, dir, dir, dir, dir, dir, dir);
        h = discover(NULL);
        ck_assert_int_eq(h->devices[0].uverbs.status, ECT_NODE_OK);
        ck_assert_int_eq(h->devices[1].uverbs.status, ECT_NODE_MISMATCH);
        ck_assert_int_eq(h->devices[2].uverbs.status, ECT_NODE_MISSING);
        ck_assert_int_eq(h->rdma_cm.status, ECT_NODE_MISMATCH);
        ck_assert(has_warning(
                h, "/infiniband/uverbs1: not the character device 231:193 that sysfs describes"));
        ck_assert(has_warning(h, "/infiniband/uverbs2: missing (sysfs says c 231:194)"));
        ck_assert(has_warning(h, "/infiniband/rdma_cm: not the character device 10:241"));
        ck_assert(!has_warning(h, "uverbs0"));
        ck_assert_str_eq(h->devices[0].uverbs.host_path,
                         strcat(strcpy((char[600]){0}, devroot), "/infiniband/uverbs0"));
        ect_rdma_host_free(h);
}
END_TEST

START_TEST(test_discover_mad_nodes)
{
        struct ect_host *h;

        sh("fakehost_add_device %s 0 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x101b mknod=0;"
           "for k in umad0:231:0 issm0:231:64; do n=${k%%%%:*}; mkdir -p %s/sys/class/infiniband_mad/$n;"
           "echo mlx5_0 > %s/sys/class/infiniband_mad/$n/ibdev; echo ${k#*:} > "
           "%s/sys/class/infiniband_mad/$n/dev; done",
           dir, dir, dir, dir);
        h = discover("any");
        ck_assert_uint_eq(h->devices[0].n_mad, 2);
        ck_assert_str_eq(h->devices[0].mad[0].path, "/dev/infiniband/issm0");
        ck_assert_uint_eq(h->devices[0].mad[0].minor, 64);
        ck_assert_str_eq(h->devices[0].mad[1].path, "/dev/infiniband/umad0");
        ect_rdma_host_free(h);
}
END_TEST

/* The hook's mode: nodes, ibdev and the PCI filter; no ports, GUID or
 * netdev. */
START_TEST(test_discover_nodes_only)
{
        struct ect_discover_opts o = {.sysfs_root = sysfs, .dev_root = devroot, .nodes_only = true};
        struct ect_error *err = NULL;
        struct ect_host *h = NULL;
        const struct ect_device *d;

        sh("fakehost_add_device %s 0 erdma_0 %s; fakehost_add_device %s 1 mlx5_0 driver=mlx5_core "
           "vendor=0x15b3 device=0x101b %s; fakehost_add_rdma_cm %s 241 %s",
           dir, mknod_opt(), dir, mknod_opt(), dir, mknod_opt());
        ck_assert_int_eq(ect_rdma_discover(&o, &h, &err), 0);
        ck_assert_uint_eq(h->n_devices, 1);
        ck_assert_uint_eq(h->n_filtered, 1);
        d = &h->devices[0];
        ck_assert_str_eq(d->ibdev, "erdma_0");
        ck_assert_uint_eq(d->uverbs.major, 231);
        ck_assert_uint_eq(d->uverbs.minor, 192);
        ck_assert(d->is_erdma);
        ck_assert_ptr_null(d->node_guid);
        ck_assert_ptr_null(d->netdev);
        ck_assert_uint_eq(d->n_ports, 0);
        ck_assert(h->has_rdma_cm);
        ck_assert_uint_eq(h->rdma_cm.minor, 241);
        ect_rdma_host_free(h);
}
END_TEST

/* want(): only the wanted devices are read past their ibdev; the
 * others are neither devices nor filtered. nodes_only: an "erdma"-bound
 * function's PCI IDs are not read, another driver's are. */
static bool want_erdma_2_or_index_0(const char *ibdev, unsigned index, const void *ctx)
{
        ck_assert_ptr_eq(ctx, dir);
        return strcmp(ibdev, "erdma_2") == 0 || index == 0;
}

START_TEST(test_discover_want)
{
        struct ect_discover_opts o = {.sysfs_root = sysfs,
                                      .dev_root = devroot,
                                      .nodes_only = true,
                                      .want = want_erdma_2_or_index_0};
        struct ect_error *err = NULL;
        struct ect_host *h = NULL;

        o.want_ctx = dir;
        sh("for n in 0 1 2 3; do fakehost_add_device %s $n erdma_$n mknod=0; done; "
           "fakehost_add_device %s 4 mlx5_0 driver=mlx5_core vendor=0x15b3 device=0x101b mknod=0; "
           "echo garbage >%s/sys/class/infiniband_verbs/uverbs1/dev",
           dir, dir, dir);
        ck_assert_int_eq(ect_rdma_discover(&o, &h, &err), 0);
        ck_assert_uint_eq(h->n_devices, 2);
        ck_assert_str_eq(h->devices[0].ibdev, "erdma_0");
        ck_assert_str_eq(h->devices[1].ibdev, "erdma_2");
        ck_assert_uint_eq(h->n_filtered, 0);
        ck_assert(!has_warning(h, "uverbs1/dev")); /* not read */
        ck_assert(h->devices[1].is_erdma);
        ck_assert_str_eq(h->devices[1].driver, "erdma");
        ck_assert_uint_eq(h->devices[1].vendor_id, 0); /* the driver decided */
        ect_rdma_host_free(h);

        o.want = NULL;
        h = NULL;
        ck_assert_int_eq(ect_rdma_discover(&o, &h, &err), 0);
        ck_assert_uint_eq(h->n_devices, 3); /* erdma_1 has no major:minor */
        ck_assert_uint_eq(h->n_filtered, 1);
        ck_assert(has_warning(h, "uverbs1/dev"));
        ect_rdma_host_free(h);

        o.drivers = "any";
        h = NULL;
        ck_assert_int_eq(ect_rdma_discover(&o, &h, &err), 0);
        ck_assert_uint_eq(h->n_devices, 4);
        ck_assert_str_eq(h->devices[3].ibdev, "mlx5_0");
        ck_assert_uint_eq(h->devices[3].vendor_id, 0x15b3);
        ck_assert_uint_eq(h->devices[3].device_id, 0x101b);
        ect_rdma_host_free(h);
}
END_TEST

/* Discovery of what the request can name, then the selection: the same
 * devices as from a full discovery, and an unknown name's error lists the
 * whole host. */
static const char *sel_discover(const char *annotations, char *out, size_t n)
{
        struct ect_discover_opts o = {.sysfs_root = sysfs, .dev_root = devroot, .nodes_only = true};
        cleanup_config struct ect_config *cfg = ect_config_new_default();
        cleanup_json struct ect_json *a = NULL;
        cleanup_host struct ect_host *h = NULL;
        cleanup_selection struct ect_selection *sel = NULL;
        enum ect_select_source src = ECT_SELECT_NONE;
        cleanup_free char *value = NULL;
        struct ect_error *err = NULL;

        ck_assert_int_eq(ect_json_parse(annotations, strlen(annotations), &a, &err), 0);
        ck_assert_int_eq(ect_select_request(cfg, a, NULL, &src, &value, &err), 0);
        if (ect_select_discover(&o, src, value, &h, &sel, &err) < 0) {
                snprintf(out, n, "ERR:%s", err->msg);
                ect_error_free(&err);
                return out;
        }
        snprintf(out, n, "%zu:", h->n_devices);
        for (size_t i = 0; i < sel->n_devices; i++)
                snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "",
                         sel->devices[i]->ibdev);
        return out;
}

START_TEST(test_select_discover)
{
        char out[1024];

        sh("for n in 0 1 2 3; do fakehost_add_device %s $n erdma_$n mknod=0; done", dir);
#define A(v) "{\"" ECT_SELECT_ANNOTATION "\": \"" v "\"}"
        ck_assert_str_eq(sel_discover(A("erdma_2"), out, sizeof out), "1:erdma_2");
        ck_assert_str_eq(sel_discover(A("3, aliyun.com/erdma=erdma_1"), out, sizeof out),
                         "2:erdma_1,erdma_3");
        ck_assert_str_eq(sel_discover(A("all"), out, sizeof out),
                         "4:erdma_0,erdma_1,erdma_2,erdma_3");
        ck_assert_str_eq(sel_discover(A("none"), out, sizeof out), "0:");
        ck_assert_str_eq(sel_discover("{}", out, sizeof out), "4:");
        ck_assert_str_eq(sel_discover(A("erdma_1,erdma_9"), out, sizeof out),
                         "ERR:annotation " ECT_SELECT_ANNOTATION ": unknown eRDMA device "
                         "'erdma_9' (this host has: erdma_0 (index 0), erdma_1 (index 1), "
                         "erdma_2 (index 2), erdma_3 (index 3))");
#undef A
}
END_TEST

START_TEST(test_select_may_name)
{
        ck_assert(ect_select_may_name("erdma_0", "erdma_0", 5));
        ck_assert(ect_select_may_name(" 5 ,x", "erdma_0", 5));
        ck_assert(ect_select_may_name("aliyun.com/erdma=erdma_0", "erdma_0", 5));
        ck_assert(ect_select_may_name("aliyun.com/erdma=all", "erdma_0", 5));
        ck_assert(ect_select_may_name("all", "erdma_0", 5));
        ck_assert(!ect_select_may_name("erdma_01,05,none,", "erdma_0", 5));
        ck_assert(!ect_select_may_name("", "erdma_0", 5));
}
END_TEST

START_TEST(test_guid_from_mac)
{
        char g[20];

        ck_assert(ect_rdma_guid_from_mac("00:16:3e:12:34:56\n", g));
        ck_assert_str_eq(g, "0216:3eff:fe12:3456");
        ck_assert(ect_rdma_guid_from_mac("aa:bb:cc:dd:ee:ff", g));
        ck_assert_str_eq(g, "a8bb:ccff:fedd:eeff");
        ck_assert(!ect_rdma_guid_from_mac("00:16:3e:12:34", g));
        ck_assert(!ect_rdma_guid_from_mac("00:16:3e:12:34:5g", g));
        ck_assert(!ect_rdma_guid_from_mac("00-16-3e-12-34-56", g));
        ck_assert(!ect_rdma_guid_from_mac("", g));
}
END_TEST

START_TEST(test_sysfs_parsers)
{
        unsigned a, b;
        int i;
        char *s;

        ck_assert(ect_sysfs_parse_devnum("231:192\n", &a, &b));
        ck_assert_uint_eq(a, 231);
        ck_assert_uint_eq(b, 192);
        ck_assert(ect_sysfs_parse_devnum("4095:1048575", &a, &b));
        ck_assert(!ect_sysfs_parse_devnum("4096:0", &a, &b));
        ck_assert(!ect_sysfs_parse_devnum("1:1048576", &a, &b));
        ck_assert(!ect_sysfs_parse_devnum("231:", &a, &b));
        ck_assert(!ect_sysfs_parse_devnum(":1", &a, &b));
        ck_assert(!ect_sysfs_parse_devnum("231:192\n\n", &a, &b));
        ck_assert(!ect_sysfs_parse_devnum("-1:2", &a, &b));
        ck_assert(!ect_sysfs_parse_devnum("99999999999:2", &a, &b));
        ck_assert(ect_sysfs_parse_hex16("0x1ded\n", &a));
        ck_assert_uint_eq(a, 0x1ded);
        ck_assert(!ect_sysfs_parse_hex16("0x12345", &a));
        ck_assert(!ect_sysfs_parse_hex16("1ded", &a));
        ck_assert(!ect_sysfs_parse_hex16("0x", &a));
        ck_assert(ect_sysfs_parse_int("-1\n", &i));
        ck_assert_int_eq(i, -1);
        ck_assert(ect_sysfs_parse_int("2147483647", &i));
        ck_assert(!ect_sysfs_parse_int("2147483648", &i));
        ck_assert(!ect_sysfs_parse_int("1x", &i));
        s = ect_sysfs_parse_enum("4: ACTIVE\n");
        ck_assert_str_eq(s, "ACTIVE");
        free(s);
        s = ect_sysfs_parse_enum("1: DOWN");
        ck_assert_str_eq(s, "DOWN");
        free(s);
        ck_assert_ptr_null(ect_sysfs_parse_enum("ACTIVE"));
        ck_assert_ptr_null(ect_sysfs_parse_enum("4:ACTIVE"));
        ck_assert_ptr_null(ect_sysfs_parse_enum("4: "));
        ck_assert_ptr_null(ect_sysfs_parse_enum("4: \x01"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("rdma");
        TCase *tc = tcase_create("ect_rdma_discover");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_discover_standard);
        tcase_add_test(tc, test_discover_gaps_and_order);
        tcase_add_test(tc, test_discover_dynamic_major);
        tcase_add_test(tc, test_discover_mixed_drivers);
        tcase_add_test(tc, test_discover_auxiliary_parent);
        tcase_add_test(tc, test_discover_wide_pci_domain);
        tcase_add_test(tc, test_discover_bad_driver_list);
        tcase_add_test(tc, test_discover_broken_attributes);
        tcase_add_test(tc, test_discover_dangling_links);
        tcase_add_test(tc, test_discover_no_devices);
        tcase_add_test(tc, test_discover_node_cross_check);
        tcase_add_test(tc, test_discover_mad_nodes);
        tcase_add_test(tc, test_discover_nodes_only);
        tcase_add_test(tc, test_discover_want);
        tcase_add_test(tc, test_select_discover);
        suite_add_tcase(s, tc);
        tc = tcase_create("parsers");
        tcase_add_test(tc, test_guid_from_mac);
        tcase_add_test(tc, test_sysfs_parsers);
        tcase_add_test(tc, test_select_may_name);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
