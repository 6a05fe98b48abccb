/* SPDX-License-Identifier: Apache-2.0 */
/* The checks of erdma-probe that use the verbs stack: does libibverbs list
 * the devices and does each run the verbs sequence (verbs_one.c), and do an
 * rdma_cm event channel and id open (rdma_cm). Every call goes through
 * p->ops. */
#include "cleanup.h"
#include "probe-int.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- 4. verbs ---- */

static bool verbs_selected(const struct probe *p, struct ibv_device *dev)
{
        if (!p->o->device)
                return true;
        const char *name = p->ops->get_device_name(dev);
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if ((name && d->ibdev && strcmp(name, d->ibdev) == 0) ||
                    strcmp(dev->dev_name, d->name) == 0)
                        return true;
        }
        return name && strcmp(name, p->o->device) == 0;
}

/* libibverbs listed no device at all: a provider question, or no sysfs. */
static void none_listed(struct probe *p)
{
        const struct ect_probe_ops *ops = p->ops;
        bool sysfs_has = false;
        for (size_t i = 0; i < p->n_devs; i++)
                sysfs_has |= p->devs[i].has_sysfs && p->devs[i].has_node;
        if (!sysfs_has) {
                probe_add_check(p, "verbs", ECT_PROBE_FAIL,
                                xstrdup("ibv_get_device_list found no device (no sysfs "
                                        "entry has a node in this container)"),
                                xstrdup("see nodes and sysfs"));
                return;
        }
        probe_add_check(p, "verbs", ECT_PROBE_FAIL,
                        xasprintf("ibv_get_device_list found no device: sysfs shows "
                                  "uverbs devices with nodes, but no provider matched "
                                  "them (providers in this probe: %s%s)",
                                  ops->providers ? ops->providers : "none",
                                  ops->is_static ? ", linked in"
                                                 : ", loaded from the "
                                                   "system"),
                        xstrdup("the device is not an eRDMA device (check "
                                "/sys/class/infiniband_verbs/uverbsN/device/modalias: "
                                "pci:v00001DEDd0000107F for eRDMA) or its kernel ABI "
                                "is not one the provider supports (update rdma-core / "
                                "the erdma driver)"));
}

/* libibverbs listed n devices, none of them the one --device named. */
static void none_selected(struct probe *p, int n)
{
        const struct ect_probe_ops *ops = p->ops;
        probe_add_check(p, "verbs", ECT_PROBE_FAIL,
                        xasprintf("libibverbs lists %d device(s), none of them '%s': no "
                                  "provider in this probe (%s) matched it",
                                  n, p->o->device ? p->o->device : "?",
                                  ops->providers ? ops->providers : "none"),
                        xstrdup("check that it is an eRDMA device "
                                "(/sys/class/infiniband_verbs/uverbsN/device/modalias: "
                                "pci:v00001DEDd0000107F for eRDMA)"));
}

/* The verbs sequence on one device, every resource released after it. */
static bool try_device(struct probe *p, struct ibv_device *dev, char **detail, char **hint)
{
        struct verbs_one *v = probe_verbs_one_create(p, dev);
        bool ok = probe_verbs_one_run(v, detail, hint);
        probe_verbs_one_destroy(v);
        return ok;
}

void probe_check_verbs(struct probe *p)
{
        const struct ect_probe_ops *ops = p->ops;
        char *detail = NULL, *hint = NULL;

        if (probe_n_nodes(p) == 0) {
                probe_add_check(p, "verbs", ECT_PROBE_SKIP,
                                xstrdup("no uverbs node in this container (see nodes)"), NULL);
                return;
        }
        int n = 0;
        errno = 0;
        struct ibv_device **list = ops->get_device_list(&n);
        if (!list) {
                int e = errno ? errno : EIO;
                cleanup_free char *et = probe_errtext(e);
                probe_add_check(p, "verbs", ECT_PROBE_FAIL,
                                xasprintf("ibv_get_device_list failed: %s%s", et,
                                          e == ENOSYS ? " (no class/infiniband_verbs in sysfs)"
                                                      : ""),
                                xstrdup("see sysfs; libibverbs needs the host's sysfs"));
                return;
        }
        p->n_verbs_devices = (size_t)n;
        if (n == 0) {
                ops->free_device_list(list);
                none_listed(p);
                return;
        }
        enum ect_probe_status st = ECT_PROBE_PASS;
        int tried = 0;
        for (int i = 0; i < n && list[i]; i++) {
                if (!verbs_selected(p, list[i]))
                        continue;
                tried++;
                if (!try_device(p, list[i], &detail, &hint))
                        st = ECT_PROBE_FAIL;
        }
        ops->free_device_list(list);
        if (tried == 0) {
                none_selected(p, n);
                return;
        }
        if (st == ECT_PROBE_FAIL && !hint)
                hint = xstrdup("look at the device on the host (dmesg for erdma, ibv_devinfo -v); "
                               "if it persists, update the erdma driver and rdma-core");
        probe_add_check(p, "verbs", st, detail, hint);
}

/* ---- 5. rdma_cm ---- */

/* rdma_create_event_channel failed with e: the cause, in the light of the
 * access and verbs checks. */
static void channel_failed(struct probe *p, int e)
{
        cleanup_free char *et = probe_errtext(e);
        char *detail, *hint = NULL;
        if (p->cm_errno > 0) {
                cleanup_free char *ct = probe_errtext(p->cm_errno);
                detail = xasprintf("rdma_create_event_channel failed: %s; the node "
                                   "gives %s (see access)",
                                   et, ct);
                hint = xstrdup("resolve the access failure first (see access)");
        } else if (e == ENODEV && probe_n_nodes(p) == 0) {
                /* Seen on a real kernel with rdma_ucm loaded and no
                 * RDMA device: the node opens, but librdmacm first
                 * lists verbs devices and gives up with ENODEV. */
                detail = xasprintf("rdma_create_event_channel failed: %s: the rdma_cm "
                                   "node opens, but librdmacm needs a verbs device and "
                                   "this container has no uverbs node (see nodes)",
                                   et);
                hint = xstrdup("pass the uverbs devices in (see nodes): rdma_cm alone "
                               "is not enough");
        } else if (e == ENODEV && p->n_verbs_devices == 0) {
                detail = xasprintf("rdma_create_event_channel failed: %s: librdmacm "
                                   "found no verbs device (see verbs)",
                                   et);
                hint = xstrdup("resolve the verbs failure first: rdma_cm needs a verbs device");
        } else if (e == EPERM && p->cm_errno == 0) {
                /* The node opened (see access): not the cgroup.
                 * librdmacm's ucma_init() answers EPERM when the
                 * kernel's rdma_cm ABI is outside what it knows. */
                detail = xasprintf("rdma_create_event_channel failed: %s, although the "
                                   "rdma_cm node opens (see access): librdmacm does not "
                                   "support the kernel's rdma_cm ABI "
                                   "(%s/class/misc/rdma_cm/abi_version)",
                                   et, p->sysfs);
                hint = xstrdup("compare /sys/class/misc/rdma_cm/abi_version on the host "
                               "with the rdma-core (librdmacm) in use; update rdma-core "
                               "or the kernel so that they agree");
        } else {
                detail = xasprintf("rdma_create_event_channel failed: %s", et);
                hint = xstrdup(e == EPERM ? "allow the rdma_cm node in the device cgroup "
                                            "(--device /dev/infiniband/rdma_cm)"
                                          : "on the host: modprobe rdma_ucm");
        }
        probe_add_check(p, "rdma_cm", ECT_PROBE_FAIL, detail, hint);
}

void probe_check_rdma_cm(struct probe *p)
{
        const struct ect_probe_ops *ops = p->ops;
        if (!p->has_cm_node) {
                probe_add_check(p, "rdma_cm", ECT_PROBE_WARN,
                                xasprintf("not tried: no %s/infiniband/rdma_cm (see nodes); "
                                          "applications that use librdmacm will fail",
                                          p->dev),
                                xstrdup("add --device /dev/infiniband/rdma_cm"));
                return;
        }
        errno = 0;
        struct rdma_event_channel *ch = ops->create_event_channel();
        if (!ch) {
                channel_failed(p, errno ? errno : EIO);
                return;
        }
        struct rdma_cm_id *id = NULL;
        errno = 0;
        if (ops->create_id(ch, &id, NULL, RDMA_PS_TCP) != 0) {
                int e = errno ? errno : EIO;
                cleanup_free char *et = probe_errtext(e);
                ops->destroy_event_channel(ch);
                probe_add_check(p, "rdma_cm", ECT_PROBE_FAIL,
                                xasprintf("event channel created; rdma_create_id failed: %s", et),
                                xstrdup(e == ENOMEM ? probe_hint_memlock
                                                    : "on the host: check rdma_ucm and dmesg"));
                return;
        }
        (void)ops->destroy_id(id);
        ops->destroy_event_channel(ch);
        probe_add_check(p, "rdma_cm", ECT_PROBE_PASS,
                        xstrdup("event channel and RDMA_PS_TCP id created"), NULL);
}
