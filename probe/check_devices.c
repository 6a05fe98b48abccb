/* SPDX-License-Identifier: Apache-2.0 */
/* The device checks of erdma-probe: are the nodes there (nodes), do they open
 * (access), and do they match what the host's sysfs says (sysfs). */
#include "cleanup.h"
#include "probe-int.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>

/* ---- 1. nodes ---- */

static const char HINT_PASS_IN[] =
        "pass the devices in: CDI (--device from the spec erdma-cdi writes), the "
        "erdma-container-runtime or erdma-hook, or by hand --device "
        "/dev/infiniband/uverbsN --device /dev/infiniband/rdma_cm";

void probe_check_nodes(struct probe *p)
{
        char *detail = NULL, *hint = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;

        if (p->device_unknown) {
                probe_strapp(&detail,
                             "no device '%s' in this container (neither a node under "
                             "%s/infiniband nor a sysfs entry)",
                             p->o->device, p->dev);
                probe_add_check(p, "nodes", ECT_PROBE_FAIL, detail,
                                xasprintf("name a device by ibdev (erdma_0), node (uverbs0) or "
                                          "index; or %s",
                                          HINT_PASS_IN));
                return;
        }
        if (probe_n_nodes(p) == 0) {
                probe_strapp(&detail,
                             "no %s/infiniband/uverbs* node in this container: no RDMA "
                             "device was passed in",
                             p->dev);
                probe_add_check(p, "nodes", ECT_PROBE_FAIL, detail, xstrdup(HINT_PASS_IN));
                return;
        }
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if (!d->has_node)
                        continue;
                if (!d->is_chr) {
                        probe_strapp(&detail, "%s is not a character device", d->node_path);
                        st = ECT_PROBE_FAIL;
                        hint = xstrdup("replace it by the host's node: "
                                       "--device "
                                       "/dev/infiniband/uverbsN (not a bind mount of a file)");
                } else {
                        probe_strapp(&detail, "%s (%u:%u)", d->node_path, d->node_major,
                                     d->node_minor);
                }
        }
        if (!p->has_cm_node) {
                probe_strapp(&detail,
                             "no %s/infiniband/rdma_cm: applications that use librdmacm "
                             "(connection management) will fail",
                             p->dev);
                if (st == ECT_PROBE_PASS)
                        st = ECT_PROBE_WARN;
                if (!hint)
                        hint = xstrdup("add --device /dev/infiniband/rdma_cm (the CDI spec and "
                                       "the runtime shim add it by default)");
        } else if (!p->cm_is_chr) {
                probe_strapp(&detail, "%s is not a character device", p->cm_path);
                st = ECT_PROBE_FAIL;
        } else {
                probe_strapp(&detail, "%s (%u:%u)", p->cm_path, p->cm_major, p->cm_minor);
        }
        probe_add_check(p, "nodes", st, detail, hint);
}

/* ---- 2. access ---- */

static char *explain_open(const struct probe *p, int e, char **hint, unsigned maj, unsigned min)
{
        switch (e) {
        case EPERM:
                if (!*hint)
                        *hint = xasprintf(
                                "allow 'c %u:%u rw' in the container's device cgroup: "
                                "docker/podman --device, the CDI spec or the erdma runtime do; "
                                "a bind mount of /dev alone does not%s",
                                maj, min,
                                p->has_rawio ? ""
                                             : "; on older eRDMA hardware also add "
                                               "--cap-add SYS_RAWIO");
                return xasprintf("denied by the device cgroup%s",
                                 p->has_rawio ? " (CAP_SYS_RAWIO is present, so not a "
                                                "capability problem)"
                                              : ", or CAP_SYS_RAWIO missing on older eRDMA "
                                                "hardware");
        case EACCES:
                if (!*hint)
                        *hint = xstrdup("the node's mode or owner forbids this user: make it "
                                        "0666, or run as a user that may open it");
                return xstrdup("file permissions deny this user");
        case ENXIO:
        case ENODEV:
                if (!*hint)
                        *hint = xstrdup("on the host: load the driver (modprobe erdma; "
                                        "rdma_ucm for rdma_cm) and pass the node with the "
                                        "major:minor that /sys/class/infiniband_verbs/uverbsN/dev "
                                        "shows now");
                return xstrdup("no kernel driver behind this node (driver not loaded on the "
                               "host, or stale major:minor)");
        default:
                if (!*hint)
                        *hint = xstrdup("check the node on the host (ls -l /dev/infiniband; "
                                        "dmesg)");
                return xstrdup("cannot be opened");
        }
}

void probe_check_access(struct probe *p)
{
        char *detail = NULL, *hint = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;
        bool any = false;

        for (size_t i = 0; i < p->n_devs; i++) {
                struct pdev *d = &p->devs[i];
                if (!d->has_node || !d->is_chr)
                        continue;
                any = true;
                d->open_errno = p->ops->open_node(d->node_path);
                if (d->open_errno == 0) {
                        probe_strapp(&detail, "%s opens", d->name);
                        continue;
                }
                st = ECT_PROBE_FAIL;
                cleanup_free char *et = probe_errtext(d->open_errno);
                cleanup_free char *why =
                        explain_open(p, d->open_errno, &hint, d->node_major, d->node_minor);
                probe_strapp(&detail, "%s: %s: %s", d->name, et, why);
        }
        if (p->has_cm_node && p->cm_is_chr) {
                any = true;
                p->cm_errno = p->ops->open_node(p->cm_path);
                if (p->cm_errno == 0) {
                        probe_strapp(&detail, "rdma_cm opens");
                } else {
                        st = ECT_PROBE_FAIL;
                        cleanup_free char *et = probe_errtext(p->cm_errno);
                        cleanup_free char *why =
                                explain_open(p, p->cm_errno, &hint, p->cm_major, p->cm_minor);
                        probe_strapp(&detail, "rdma_cm: %s: %s", et, why);
                }
        }
        if (!any) {
                probe_add_check(p, "access", ECT_PROBE_SKIP, xstrdup("no node to open (see nodes)"),
                                NULL);
                return;
        }
        probe_add_check(p, "access", st, detail, hint);
}

/* ---- 3. sysfs ---- */

void probe_check_sysfs(struct probe *p)
{
        char *detail = NULL, *hint = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;

        if (!p->has_class) {
                probe_add_check(p, "sysfs", ECT_PROBE_FAIL,
                                xasprintf("%s/class/infiniband_verbs is not visible: libibverbs "
                                          "finds devices there and will find none",
                                          p->sysfs),
                                xstrdup("mount sysfs in the container (every engine does by "
                                        "default; do not mask /sys/class); on a host without "
                                        "the erdma driver the class does not exist"));
                return;
        }
        bool any = false;
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if (!d->has_node)
                        continue;
                any = true;
                if (!d->has_sysfs) {
                        probe_strapp(&detail,
                                     "%s has a node but no sysfs entry (a stale node, or "
                                     "one of another host)",
                                     d->name);
                        st = ECT_PROBE_FAIL;
                        if (!hint)
                                hint = xstrdup("pass the nodes the host has now "
                                               "(/sys/class/infiniband_verbs on the host)");
                } else if (!d->ibdev || !d->sysfs_dev_ok) {
                        probe_strapp(&detail,
                                     "%s: sysfs entry without a readable ibdev or dev "
                                     "attribute",
                                     d->name);
                        st = ECT_PROBE_FAIL;
                } else if (d->is_chr &&
                           (d->sys_major != d->node_major || d->sys_minor != d->node_minor)) {
                        probe_strapp(&detail,
                                     "%s is %u:%u but sysfs says %s is %u:%u (stale "
                                     "major:minor)",
                                     d->name, d->node_major, d->node_minor, d->ibdev, d->sys_major,
                                     d->sys_minor);
                        st = ECT_PROBE_FAIL;
                        if (!hint)
                                hint = xstrdup("recreate the container so that the node "
                                               "gets the current major:minor (the device "
                                               "was re-registered on the host)");
                } else {
                        probe_strapp(&detail, "%s -> %s (%u:%u)", d->name, d->ibdev, d->sys_major,
                                     d->sys_minor);
                }
        }
        if (!any) {
                probe_add_check(p, "sysfs", ECT_PROBE_SKIP,
                                xstrdup("no uverbs node to map (see nodes)"), NULL);
                return;
        }
        probe_add_check(p, "sysfs", st, detail, hint);
}
