/* SPDX-License-Identifier: Apache-2.0 */
/* The checks of erdma-probe on the container around the devices: the
 * locked-memory limit (memlock), the network namespace (netns) and the
 * image's own RDMA stack (image), which is inspected, never loaded. */
#include "cleanup.h"
#include "fileio.h"
#include "probe-int.h"
#include "rdma.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

const char probe_hint_memlock[] = "raise RLIMIT_MEMLOCK: docker/podman --ulimit memlock=-1, or the "
                                  "erdma-container-runtime 'memlock' setting (or add CAP_IPC_LOCK)";

/* ---- 6. memlock ---- */

void probe_check_memlock(struct probe *p)
{
        struct rlimit rl;
        if (p->ops->get_memlock(&rl) < 0) {
                cleanup_free char *et = probe_errtext(errno);
                probe_add_check(p, "memlock", ECT_PROBE_WARN,
                                xasprintf("getrlimit(RLIMIT_MEMLOCK) failed: %s", et), NULL);
                return;
        }
        cleanup_free char *want = probe_human_size(p->mr_size);
        if (rl.rlim_cur == RLIM_INFINITY) {
                probe_add_check(p, "memlock", ECT_PROBE_PASS,
                                xasprintf("RLIMIT_MEMLOCK is unlimited (--mr-size %s)", want),
                                NULL);
                return;
        }
        cleanup_free char *cur = probe_human_size(rl.rlim_cur);
        cleanup_free char *hard =
                rl.rlim_max == RLIM_INFINITY ? xstrdup("unlimited") : probe_human_size(rl.rlim_max);
        if (rl.rlim_cur >= p->mr_size) {
                probe_add_check(p, "memlock", ECT_PROBE_PASS,
                                xasprintf("RLIMIT_MEMLOCK %s (hard %s) covers --mr-size %s", cur,
                                          hard, want),
                                NULL);
                return;
        }
        if (p->has_ipc_lock) {
                probe_add_check(p, "memlock", ECT_PROBE_WARN,
                                xasprintf("RLIMIT_MEMLOCK %s (hard %s) is below --mr-size %s; "
                                          "CAP_IPC_LOCK lets registrations exceed it",
                                          cur, hard, want),
                                xstrdup(probe_hint_memlock));
                return;
        }
        probe_add_check(p, "memlock", ECT_PROBE_FAIL,
                        xasprintf("RLIMIT_MEMLOCK %s (hard %s) is below --mr-size %s: registering "
                                  "that much memory fails with ENOMEM",
                                  cur, hard, want),
                        xstrdup(probe_hint_memlock));
}

/* ---- 7. network namespace ---- */

void probe_check_netns(struct probe *p)
{
        struct ect_probe_iface *ifs = NULL;
        size_t n_ifs = 0;
        if (p->ops->list_ifaces(&ifs, &n_ifs) < 0) {
                cleanup_free char *et = probe_errtext(errno);
                probe_add_check(p, "netns", ECT_PROBE_SKIP,
                                xasprintf("cannot list the network interfaces: %s", et), NULL);
                return;
        }
        char *detail = NULL;
        enum ect_probe_status st = ECT_PROBE_PASS;
        bool any = false;
        for (size_t i = 0; i < p->n_devs; i++) {
                const struct pdev *d = &p->devs[i];
                if (!d->has_node || !d->ibdev || !d->node_guid)
                        continue;
                any = true;
                const char *hit = NULL;
                for (size_t k = 0; k < n_ifs && !hit; k++) {
                        char g[20];
                        if (ect_rdma_guid_from_mac(ifs[k].mac, g) &&
                            strcasecmp(g, d->node_guid) == 0)
                                hit = ifs[k].name;
                }
                if (hit) {
                        probe_strapp(&detail, "%s pairs with %s, visible here", d->ibdev, hit);
                } else {
                        probe_strapp(&detail,
                                     "the interface paired with %s (node GUID %s) is not in "
                                     "this network namespace: eRDMA connection management "
                                     "needs the host network namespace",
                                     d->ibdev, d->node_guid);
                        st = ECT_PROBE_WARN;
                }
        }
        free(ifs);
        if (!any) {
                probe_add_check(p, "netns", ECT_PROBE_SKIP,
                                xstrdup("no device with a known node GUID (see nodes and sysfs)"),
                                NULL);
                return;
        }
        probe_add_check(p, "netns", st, detail,
                        st == ECT_PROBE_PASS
                                ? NULL
                                : xstrdup("run the container in the host network namespace: "
                                          "--net=host (docker, podman), hostNetwork: true "
                                          "(Kubernetes); verbs without rdma_cm work without it"));
}

/* ---- 8. the image's own stack (inspected, never loaded) ---- */

static const char *const LIBDIRS[] = {
        "usr/lib64",
        "lib64",
        "usr/lib",
        "lib",
        "usr/lib/x86_64-linux-gnu",
        "lib/x86_64-linux-gnu",
        "usr/lib/aarch64-linux-gnu",
        "lib/aarch64-linux-gnu",
};

/* The highest N of "IBVERBS_PRIVATE_N" in the file, -1 if none: the private
 * ABI a provider must have been built for (liberdma-rdmavN). */
static int private_abi(int rootfd, const char *path)
{
        struct ect_error *err = NULL;
        cleanup_free char *buf = NULL;
        size_t len = 0;
        if (ect_read_file_at(rootfd, path, 16u << 20, &buf, &len, &err) < 0) {
                ect_error_free(&err);
                return -1;
        }
        static const char tag[] = "IBVERBS_PRIVATE_";
        int best = -1;
        const char *s = buf, *end = buf + len;
        while ((s = memmem(s, (size_t)(end - s), tag, sizeof tag - 1))) {
                s += sizeof tag - 1;
                int v = 0, digits = 0;
                while (s < end && isdigit((unsigned char)*s) && digits < 6) {
                        v = v * 10 + (*s++ - '0');
                        digits++;
                }
                if (digits && v > best)
                        best = v;
        }
        return best;
}

/* What the image holds of an RDMA stack, found without loading any of it. */
struct image_stack {
        char *libverbs;       /* "usr/lib64/libibverbs.so.1" (under the root), NULL none */
        char *libverbs_real;  /* its symlink's target, NULL when not a link */
        char *provider;       /* "/usr/lib64/libibverbs/liberdma-rdmav34.so", NULL none */
        int provider_abi;     /* the N of liberdma-rdmavN, -1 without a provider */
        bool has_driver_file; /* /etc/libibverbs.d/erdma.driver */
};

static void image_stack_clear(struct image_stack *s)
{
        free(s->libverbs);
        free(s->libverbs_real);
        free(s->provider);
}

/* dir/libibverbs.so.1, a regular file (through its symlink). */
static void find_libverbs(int rootfd, const char *dir, struct image_stack *s)
{
        cleanup_free char *lp = xasprintf("%s/libibverbs.so.1", dir);
        struct stat st;
        if (fstatat(rootfd, lp, &st, 0) < 0 || !S_ISREG(st.st_mode))
                return;
        char tgt[256];
        ssize_t k = readlinkat(rootfd, lp, tgt, sizeof tgt - 1);
        if (k > 0) {
                tgt[k] = '\0';
                s->libverbs_real = xstrdup(tgt);
        }
        s->libverbs = steal_ptr(&lp);
}

/* The first liberdma-rdmavN.so in dir/libibverbs. */
static void find_provider(int rootfd, const char *dir, struct image_stack *s)
{
        cleanup_free char *pdir = xasprintf("%s/libibverbs", dir);
        int dfd = openat(rootfd, pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return;
        cleanup_dir DIR *d = fdopendir(dfd);
        if (!d) {
                (void)close(dfd);
                return;
        }
        struct dirent *e;
        while (!s->provider && (e = readdir(d))) {
                int v, n = 0;
                if (sscanf(e->d_name, "liberdma-rdmav%d.so%n", &v, &n) == 1 &&
                    e->d_name[n] == '\0') {
                        s->provider = xasprintf("/%s/%s", pdir, e->d_name);
                        s->provider_abi = v;
                }
        }
}

/* The first of each in LIBDIRS order, and the driver file. */
static void find_stack(int rootfd, struct image_stack *s)
{
        for (size_t i = 0; i < sizeof LIBDIRS / sizeof *LIBDIRS; i++) {
                if (!s->libverbs)
                        find_libverbs(rootfd, LIBDIRS[i], s);
                find_provider(rootfd, LIBDIRS[i], s);
        }
        struct stat st;
        s->has_driver_file = fstatat(rootfd, "etc/libibverbs.d/erdma.driver", &st, 0) == 0 &&
                             S_ISREG(st.st_mode);
}

/* The image check from what find_stack found: libibverbs, its provider ABI,
 * and an eRDMA provider built for it. */
static void judge_stack(struct probe *p, int rootfd, const struct image_stack *s)
{
        char *detail = NULL, *hint = NULL;
        enum ect_probe_status status = ECT_PROBE_PASS;
        if (!s->libverbs) {
                detail = xstrdup("the image has no libibverbs: its own applications cannot use "
                                 "RDMA (this probe does not need it: its verbs stack is built "
                                 "in)");
                hint = xstrdup("install rdma-core in the image (Debian/Ubuntu: libibverbs1 "
                               "ibverbs-providers librdmacm1; Alpine: rdma-core; RHEL: "
                               "libibverbs librdmacm)");
                probe_add_check(p, "image", ECT_PROBE_WARN, detail, hint);
                return;
        }
        int lib_abi = private_abi(rootfd, s->libverbs);
        probe_strapp(&detail, "/%s%s%s%s", s->libverbs, s->libverbs_real ? " -> " : "",
                     s->libverbs_real ? s->libverbs_real : "",
                     lib_abi >= 0 ? "" : " (provider ABI unknown)");
        if (lib_abi >= 0)
                probe_strapp(&detail, "libibverbs takes providers of ABI %d", lib_abi);
        if (!s->provider || !s->has_driver_file) {
                status = ECT_PROBE_WARN;
                probe_strapp(&detail, "no eRDMA provider: %s%s%s",
                             s->provider ? "" : "no liberdma-rdmav*.so",
                             !s->provider && !s->has_driver_file ? ", " : "",
                             s->has_driver_file ? "" : "no /etc/libibverbs.d/erdma.driver");
                hint = xstrdup("install the eRDMA provider in the image (Debian/Ubuntu: "
                               "ibverbs-providers; Alpine/RHEL: rdma-core; or Alibaba Cloud's "
                               "erdma package)");
        } else {
                probe_strapp(&detail, "%s (ABI %d), /etc/libibverbs.d/erdma.driver", s->provider,
                             s->provider_abi);
                if (lib_abi >= 0 && lib_abi != s->provider_abi) {
                        status = ECT_PROBE_WARN;
                        probe_strapp(&detail,
                                     "provider ABI %d does not match libibverbs' %d: "
                                     "libibverbs will not load it",
                                     s->provider_abi, lib_abi);
                        hint = xstrdup("install libibverbs and the providers from the same "
                                       "rdma-core release");
                }
        }
        probe_add_check(p, "image", status, detail, hint);
}

void probe_check_image(struct probe *p)
{
        cleanup_close int rootfd = open(p->image, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                cleanup_free char *et = probe_errtext(errno);
                probe_add_check(p, "image", ECT_PROBE_SKIP,
                                xasprintf("cannot open '%s': %s", p->image, et), NULL);
                return;
        }
        struct image_stack s = {.provider_abi = -1};
        find_stack(rootfd, &s);
        judge_stack(p, rootfd, &s);
        image_stack_clear(&s);
}
