/* SPDX-License-Identifier: Apache-2.0 */
/* Host discovery from sysfs. See rdma.h.
 *
 * Layout read (as the kernel lays it out, all relative to the sysfs root):
 *   class/infiniband_verbs/uverbsN/{ibdev,dev,abi_version,device->PCI fn}
 *   class/infiniband/IBDEV/{node_type,node_guid,ports/P/{state,link_layer},parent}
 *   PCI function: {vendor,device,numa_node,driver->.../drivers/NAME}
 *   class/net/IF/address           (pairing: eRDMA derives its GUID from it)
 *   class/misc/rdma_cm/dev
 *   class/infiniband_mad/{umadN,issmN}/{ibdev,dev}
 * Every attribute is read with a size bound; a problem with one device is a
 * warning, never the end of discovery. */
#include "rdma.h"
#include "cleanup.h"
#include "fileio.h"
#include "sysfs.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define IBDEV_NAME_MAX 64 /* IB_DEVICE_NAME_MAX in the kernel */
#define MAX_DEVICES 4096  /* far above any host; bounds work on a hostile tree */

/* ---- attribute parsers (the single values are lib/sysfs.c's) ---- */

static bool parse_guid(const char *s, char out[20])
{
        size_t n;

        if (!ect_sysfs_one_line(s, &n) || n != 19)
                return false;
        for (size_t i = 0; i < 19; i++) {
                if (i % 5 == 4 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
                        return false;
                out[i] = (char)tolower((unsigned char)s[i]);
        }
        out[19] = '\0';
        return true;
}

bool ect_rdma_guid_from_mac(const char *mac, char out[20])
{
        unsigned b[6];
        size_t n;

        if (!ect_sysfs_one_line(mac, &n) || n != 17)
                return false;
        for (int i = 0; i < 6; i++) {
                const char *p = mac + i * 3;
                if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
                    (i < 5 && p[2] != ':'))
                        return false;
                if (sscanf(p, "%2x", &b[i]) != 1)
                        return false;
        }
        /* EUI-64 from the MAC with the universal/local bit flipped. */
        snprintf(out, 20, "%02x%02x:%02xff:fe%02x:%02x%02x", b[0] ^ 2u, b[1], b[2], b[3], b[4],
                 b[5]);
        return true;
}

static bool valid_ibdev(const char *s, size_t n)
{
        if (n == 0 || n >= IBDEV_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
                        return false;
        return true;
}

/* "uverbs12" -> 12; the kernel never pads, so neither do we. */
static bool parse_indexed(const char *name, const char *prefix, unsigned *ret)
{
        size_t p = strlen(prefix);
        unsigned long v;
        const char *d;

        if (strncmp(name, prefix, p) != 0)
                return false;
        d = name + p;
        if (d[0] == '0' && d[1] != '\0')
                return false;
        if (!ect_sysfs_parse_uint(d, strlen(d), UINT_MAX, &v))
                return false;
        *ret = (unsigned)v;
        return true;
}

/* ---- discovery ---- */

struct ctx {
        int sysfd;
        int devfd; /* -1 when the dev root cannot be opened */
        struct ect_host *h;
        const char *drivers; /* NULL: eRDMA only; "any"; or a comma list */
        bool nodes_only;
        bool (*want)(const char *ibdev, unsigned index, const void *want_ctx);
        const void *want_ctx;
        size_t cap_devices, cap_warnings;
        /* class/net, read once: name and derived GUID */
        char (*net_guid)[20];
        char **net_name;
        size_t n_net;
};

/* a, b and c joined, newly allocated. Discovery builds a few paths per
 * device on every container start; xasprintf() costs about ten times as
 * many instructions for the same string. */
static char *concat(const char *a, const char *b, const char *c)
{
        size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
        char *s = xmalloc(na + nb + nc + 1);

        memcpy(s, a, na);
        memcpy(s + na, b, nb);
        memcpy(s + na + nb, c, nc + 1);
        return s;
}

static void __attribute__((format(printf, 2, 3))) warn(struct ctx *c, const char *fmt, ...)
{
        va_list ap;
        size_t cap = c->cap_warnings;

        xgrow((void **)&c->h->warnings, &cap, c->h->n_warnings + 1, sizeof(char *));
        c->cap_warnings = cap;
        va_start(ap, fmt);
        c->h->warnings[c->h->n_warnings++] = xvasprintf(fmt, ap);
        va_end(ap);
}

/* The result r of reading dirpath/name (op: the step that failed), with a
 * warning naming the file unless it is absent. */
static int attr_result(struct ctx *c, const char *dirpath, const char *name, const char *op, int r)
{
        if (r == -ENOENT && strcmp(op, "open") == 0)
                return r;
        if (r == -EFBIG)
                warn(c, "%s/%s/%s: '%s' is larger than %d bytes", c->h->sysfs_root, dirpath, name,
                     name, ECT_SYSFS_ATTR_MAX);
        else if (r < 0)
                warn(c, "%s/%s/%s: %s '%s': %s", c->h->sysfs_root, dirpath, name, op, name,
                     strerror(-r));
        return r;
}

/* Reads one attribute. 0 on success; -ENOENT when absent; other negative
 * values after a warning naming the file.
 *
 * One read() of up to ECT_SYSFS_ATTR_MAX + 1 bytes, no fstat(): a sysfs attribute is
 * produced whole by one show() call of at most a page, and discovery runs on
 * every generate and container start, so the syscalls per file matter
 * (open, read, close). O_NONBLOCK keeps a FIFO in a fake tree from hanging
 * us; anything longer than ECT_SYSFS_ATTR_MAX is refused, not cut. */
static int read_attr(struct ctx *c, int dirfd, const char *dirpath, const char *name, char **ret)
{
        const char *op = "read";
        int r = ect_sysfs_read(dirfd, name, &op, ret);

        return attr_result(c, dirpath, name, op, r);
}

/* read_attr() of dirpath/name, by path from the sysfs root: a device read
 * this way costs no open and close of its directory (two system calls a
 * device on every container start). */
static int read_attr_in(struct ctx *c, const char *dirpath, const char *name, char **ret)
{
        cleanup_free char *p = concat(dirpath, "/", name);
        const char *op = "read";
        int r = ect_sysfs_read(c->sysfd, p, &op, ret);

        return attr_result(c, dirpath, name, op, r);
}

/* basename of a link's target, or NULL. */
static char *link_base(int dirfd, const char *name)
{
        char buf[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
        const char *b;

        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        b = strrchr(buf, '/');
        b = b ? b + 1 : buf;
        return *b ? xstrdup(b) : NULL;
}

static bool is_pci_addr(const char *s)
{
        /* DDDD:BB:DD.F; the kernel prints the domain with %04x, so a domain
         * above 0xffff (Intel VMD: 10000:e1:00.0) has more digits. */
        static const char pat[] = ":xx:xx.x";
        size_t n = strlen(s), d = 0;

        while (d < n && isxdigit((unsigned char)s[d]))
                d++;
        if (d < 4 || d > 8 || n - d != sizeof pat - 1)
                return false;
        for (size_t i = 0; pat[i]; i++)
                if (pat[i] == 'x' ? !isxdigit((unsigned char)s[d + i]) : s[d + i] != pat[i])
                        return false;
        return true;
}

static void check_node(struct ctx *c, struct ect_node *n, const char *rel)
{
        struct stat st;

        if (c->devfd < 0) {
                n->status = ECT_NODE_MISSING;
                return;
        }
        if (fstatat(c->devfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                n->status = errno == ENOENT ? ECT_NODE_MISSING : ECT_NODE_UNKNOWN;
                return;
        }
        n->status = S_ISCHR(st.st_mode) && major(st.st_rdev) == n->major &&
                                    minor(st.st_rdev) == n->minor
                            ? ECT_NODE_OK
                            : ECT_NODE_MISMATCH;
}

/* The engines create nodes from sysfs's major:minor, but a spec with
 * hostPath, or a user looking at the host, meets the node itself: say when
 * it is not what sysfs describes. */
static void report_node(struct ctx *c, const struct ect_node *n)
{
        if (n->status == ECT_NODE_MISSING)
                warn(c, "%s: missing (sysfs says c %u:%u)", n->host_path, n->major, n->minor);
        else if (n->status == ECT_NODE_MISMATCH)
                warn(c, "%s: not the character device %u:%u that sysfs describes", n->host_path,
                     n->major, n->minor);
}

static void node_init(struct ctx *c, struct ect_node *n, const char *rel, unsigned maj,
                      unsigned min)
{
        n->path = concat("/dev/", rel, "");
        n->host_path = concat(c->h->dev_root, "/", rel);
        n->major = maj;
        n->minor = min;
        check_node(c, n, rel);
}

static void node_clear(struct ect_node *n)
{
        free(n->path);
        free(n->host_path);
}

static void device_clear(struct ect_device *d)
{
        free(d->ibdev);
        node_clear(&d->uverbs);
        free(d->node_type);
        free(d->node_guid);
        for (size_t i = 0; i < d->n_ports; i++) {
                free(d->ports[i].state);
                free(d->ports[i].link_layer);
        }
        free(d->ports);
        free(d->pci_addr);
        free(d->driver);
        free(d->netdev);
        for (size_t i = 0; i < d->n_mad; i++)
                node_clear(&d->mad[i]);
        free(d->mad);
}

/* A directory read with getdents64() into a buffer of its own: a DIR
 * stream would add fdopendir()'s fstat and two fcntl calls and a 32 KiB
 * buffer for each directory, on every container start, where these
 * directories hold a few entries. 2 KiB holds about 50 of them; a larger
 * directory costs another getdents64() per 50, where each page the
 * buffer spans costs a page fault on first use. */
#define DIRBUF_SIZE 2048
struct dirbuf {
        int fd;
        size_t pos, len;
        char *buf; /* DIRBUF_SIZE bytes, 8-aligned (malloc) */
};

static void dirbuf_closep(struct dirbuf *d)
{
        if (d->fd >= 0)
                (void)close(d->fd);
        free(d->buf);
}
#define cleanup_dirbuf __attribute__((cleanup(dirbuf_closep)))

/* Opens path under dirfd; false with errno set. */
static bool dirbuf_open(struct dirbuf *d, int dirfd, const char *path)
{
        d->fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d->fd < 0)
                return false;
        d->pos = d->len = 0;
        d->buf = xmalloc(DIRBUF_SIZE);
        return true;
}

/* The next entry, NULL at the end or on an error; like readdir(), skips
 * entries with inode 0 (deleted). */
static const struct dirent64 *dirbuf_next(struct dirbuf *d)
{
        const struct dirent64 *e;

        do {
                if (d->pos >= d->len) {
                        ssize_t n = getdents64(d->fd, d->buf, DIRBUF_SIZE);
                        if (n <= 0)
                                return NULL;
                        d->len = (size_t)n;
                        d->pos = 0;
                }
                e = (const struct dirent64 *)(const void *)(d->buf + d->pos);
                d->pos += e->d_reclen;
        } while (e->d_ino == 0);
        return e;
}

static void read_ports(struct ctx *c, struct ect_device *d, int ibfd, const char *ibpath)
{
        cleanup_dirbuf struct dirbuf dir = {.fd = -1, .buf = NULL};
        const struct dirent64 *e;
        size_t cap = 0;

        if (!dirbuf_open(&dir, ibfd, "ports")) {
                warn(c, "%s/%s/ports: %s, ignoring", c->h->sysfs_root, ibpath, strerror(errno));
                return;
        }
        while ((e = dirbuf_next(&dir)) && d->n_ports < 256) {
                cleanup_free char *path = NULL;
                cleanup_free char *v = NULL;
                cleanup_close int fd = -1;
                struct ect_port p = {0};
                unsigned num;

                if (!parse_indexed(e->d_name, "", &num))
                        continue;
                path = concat(ibpath, "/ports/", e->d_name);
                fd = openat(dir.fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0) {
                        warn(c, "%s/%s: %s, ignoring", c->h->sysfs_root, path, strerror(errno));
                        continue;
                }
                p.num = num;
                if (read_attr(c, fd, path, "state", &v) == 0) {
                        p.state = ect_sysfs_parse_enum(v);
                        if (!p.state)
                                warn(c, "%s/%s/state: unexpected value, ignoring", c->h->sysfs_root,
                                     path);
                }
                free(steal_ptr(&v));
                if (read_attr(c, fd, path, "link_layer", &v) == 0) {
                        size_t n;
                        if (ect_sysfs_one_line(v, &n) && n <= 32 && ect_sysfs_printable(v, n))
                                p.link_layer = xstrndup(v, n);
                        else
                                warn(c, "%s/%s/link_layer: unexpected value, ignoring",
                                     c->h->sysfs_root, path);
                }
                xgrow((void **)&d->ports, &cap, d->n_ports + 1, sizeof *d->ports);
                d->ports[d->n_ports++] = p;
        }
        /* readdir order is arbitrary: present ports by number. */
        for (size_t i = 1; i < d->n_ports; i++)
                for (size_t j = i; j > 0 && d->ports[j - 1].num > d->ports[j].num; j--) {
                        struct ect_port t = d->ports[j];
                        d->ports[j] = d->ports[j - 1];
                        d->ports[j - 1] = t;
                }
}

static void read_ibdev(struct ctx *c, struct ect_device *d)
{
        cleanup_free char *path = concat("class/infiniband/", d->ibdev, "");
        cleanup_close int fd = openat(c->sysfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        cleanup_free char *v = NULL;
        char guid[20];

        if (fd < 0) {
                warn(c, "%s/%s: %s, ignoring", c->h->sysfs_root, path, strerror(errno));
                return;
        }
        if (read_attr(c, fd, path, "node_type", &v) == 0) {
                d->node_type = ect_sysfs_parse_enum(v);
                if (!d->node_type)
                        warn(c, "%s/%s/node_type: unexpected value, ignoring", c->h->sysfs_root,
                             path);
        }
        free(steal_ptr(&v));
        if (read_attr(c, fd, path, "node_guid", &v) == 0) {
                if (parse_guid(v, guid))
                        d->node_guid = xstrdup(guid);
                else
                        warn(c, "%s/%s/node_guid: unexpected value, ignoring", c->h->sysfs_root,
                             path);
        }
        free(steal_ptr(&v));
        read_ports(c, d, fd, path);

        /* The paired interface: eRDMA (and rxe/siw) derive the node GUID
         * from the interface's MAC. rxe/siw also name it in "parent". */
        for (size_t i = 0; d->node_guid && i < c->n_net; i++)
                if (strcmp(c->net_guid[i], d->node_guid) == 0) {
                        d->netdev = xstrdup(c->net_name[i]);
                        return;
                }
        if (read_attr(c, fd, path, "parent", &v) == 0) {
                size_t n;
                if (ect_sysfs_one_line(v, &n) && n < 16 && valid_ibdev(v, n))
                        d->netdev = xstrndup(v, n);
        }
}

/* The name of the directory above the device's parent: the PCI function of
 * an auxiliary-bus device. The link's text only names the parent itself
 * ("../../../mlx5_core.rdma.0"), so the path is resolved. NULL if none. */
static char *grandparent_name(struct ctx *c, const char *uvpath)
{
        cleanup_free char *p = xasprintf("%s/%s/device/..", c->h->sysfs_root, uvpath);
        cleanup_free char *real = realpath(p, NULL);
        const char *b;

        if (!real)
                return NULL;
        b = strrchr(real, '/');
        return b && b[1] ? xstrdup(b + 1) : NULL;
}

static void read_pci(struct ctx *c, struct ect_device *d, const char *uvpath)
{
        cleanup_free char *path = NULL, *drv = NULL, *link = concat(uvpath, "/device", "");
        cleanup_close int fd = -1;
        cleanup_free char *v = NULL;
        const char *rel = "device";
        char *base;

        /* A function bound to "erdma" is eRDMA whatever its IDs, and an
         * injector uses neither the IDs nor the PCI address: the driver
         * link alone settles it (one readlink). "erdma" binds PCI
         * functions, so that is the parent's driver. */
        if (c->nodes_only) {
                cleanup_free char *l = concat(uvpath, "/device/driver", "");
                char *first = link_base(c->sysfd, l);
                if (first && strcmp(first, ECT_ERDMA_DRIVER) == 0) {
                        d->driver = first;
                        return;
                }
                free(first);
        }
        base = link_base(c->sysfd, link);
        if (!base)
                return; /* virtual device (rxe, siw): no parent function */
        if (!is_pci_addr(base)) {
                /* An auxiliary-bus device (mlx5_core.rdma.0 since Linux
                 * 5.11, irdma's ice.roce.0) sits right below the PCI
                 * function that has the IDs and the driver users name. */
                free(base);
                base = grandparent_name(c, uvpath);
                if (!base || !is_pci_addr(base)) {
                        free(base);
                        return;
                }
                rel = "device/..";
        }
        d->pci_addr = base;
        path = concat(uvpath, "/", rel);
        drv = concat(path, "/driver", "");
        d->driver = link_base(c->sysfd, drv);
        if (d->driver && !valid_ibdev(d->driver, strlen(d->driver))) {
                warn(c, "%s/%s/driver: unexpected link target, ignoring", c->h->sysfs_root, path);
                free(steal_ptr(&d->driver));
        }
        if (c->nodes_only && d->driver && strcmp(d->driver, ECT_ERDMA_DRIVER) == 0)
                return;
        fd = openat(c->sysfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                warn(c, "%s/%s: %s, ignoring", c->h->sysfs_root, path,
                     errno == ENOENT ? "dangling link" : strerror(errno));
                return;
        }
        if (read_attr(c, fd, path, "vendor", &v) == 0 && !ect_sysfs_parse_hex16(v, &d->vendor_id))
                warn(c, "%s/%s/vendor: unexpected value, ignoring", c->h->sysfs_root, path);
        free(steal_ptr(&v));
        if (read_attr(c, fd, path, "device", &v) == 0 && !ect_sysfs_parse_hex16(v, &d->device_id))
                warn(c, "%s/%s/device: unexpected value, ignoring", c->h->sysfs_root, path);
        free(steal_ptr(&v));
        if (!c->nodes_only && read_attr(c, fd, path, "numa_node", &v) == 0 &&
            !ect_sysfs_parse_int(v, &d->numa_node))
                warn(c, "%s/%s/numa_node: unexpected value, ignoring", c->h->sysfs_root, path);
}

static bool selected(const struct ctx *c, const struct ect_device *d)
{
        const char *p = c->drivers;

        if (!p)
                return d->is_erdma;
        if (strcmp(p, "any") == 0)
                return true;
        while (*p) {
                size_t n = strcspn(p, ",");
                if (n == strlen(ECT_ERDMA_DRIVER) && strncmp(p, ECT_ERDMA_DRIVER, n) == 0 &&
                    d->is_erdma)
                        return true;
                if (d->driver && strlen(d->driver) == n && strncmp(p, d->driver, n) == 0)
                        return true;
                p += n;
                if (*p == ',')
                        p++;
        }
        return false;
}

/* With a want() filter: reads uverbsN's ibdev by path (three system calls
 * for a device that is not wanted) and tells whether the device is
 * unwanted; otherwise hands the value on in *ret_ibdev. On any problem the
 * device is read in full, which reports it. */
static bool peek_unwanted(struct ctx *c, const char *path, unsigned index, char **ret_ibdev)
{
        cleanup_free char *p = concat(path, "/ibdev", "");
        cleanup_free char *v = NULL;
        const char *op = NULL;
        size_t n;

        if (ect_sysfs_read(c->sysfd, p, &op, &v) < 0)
                return false;
        if (ect_sysfs_one_line(v, &n) && valid_ibdev(v, n)) {
                cleanup_free char *name = xstrndup(v, n);
                if (!c->want(name, index, c->want_ctx))
                        return true;
        }
        *ret_ibdev = steal_ptr(&v);
        return false;
}

/* Whether uverbsN's directory is there (its link in class/infiniband_verbs
 * can dangle), with the reason when not. Asked only when a read in it
 * failed: a sound device costs no open and close of it. */
static bool uverbs_dir_ok(struct ctx *c, const char *path)
{
        int fd = openat(c->sysfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0) {
                warn(c, "%s/%s: %s, ignoring device", c->h->sysfs_root, path,
                     errno == ENOENT ? "dangling link" : strerror(errno));
                return false;
        }
        (void)close(fd);
        return true;
}

/* uverbsN's ibdev, read quietly first: on failure the directory is looked
 * at, so that the warning names what is wrong (as reading in an open
 * directory did). */
static int read_uverbs_ibdev(struct ctx *c, const char *path, char **ret)
{
        cleanup_free char *p = concat(path, "/ibdev", "");
        const char *op = "read";

        if (ect_sysfs_read(c->sysfd, p, &op, ret) == 0)
                return 0;
        if (!uverbs_dir_ok(c, path))
                return -1;
        if (read_attr_in(c, path, "ibdev", ret) < 0) {
                /* read_attr_in() already named any error but a missing file. */
                warn(c, "%s/%s/ibdev: cannot be read, ignoring device", c->h->sysfs_root, path);
                return -1;
        }
        return 0;
}

/* Returns true when uverbsN became a device. */
static bool read_uverbs(struct ctx *c, const char *name, unsigned index, struct ect_device *d)
{
        cleanup_free char *path = concat("class/infiniband_verbs/", name, "");
        cleanup_free char *v = NULL;
        cleanup_free char *rel = NULL;
        unsigned maj, min;
        size_t n;

        if (c->want && peek_unwanted(c, path, index, &v))
                return false;
        if (!v && read_uverbs_ibdev(c, path, &v) < 0)
                return false;
        memset(d, 0, sizeof *d);
        d->index = index;
        d->abi_version = -1;
        d->numa_node = -1;

        if (!ect_sysfs_one_line(v, &n) || !valid_ibdev(v, n)) {
                warn(c, "%s/%s/ibdev: not a device name, ignoring device", c->h->sysfs_root, path);
                return false;
        }
        d->ibdev = xstrndup(v, n);
        free(steal_ptr(&v));

        if (read_attr_in(c, path, "dev", &v) < 0 || !ect_sysfs_parse_devnum(v, &maj, &min)) {
                warn(c, "%s/%s/dev: no major:minor, ignoring device", c->h->sysfs_root, path);
                free(steal_ptr(&d->ibdev));
                return false;
        }
        free(steal_ptr(&v));
        rel = concat("infiniband/", name, "");
        node_init(c, &d->uverbs, rel, maj, min);

        if (!c->nodes_only && read_attr_in(c, path, "abi_version", &v) == 0 &&
            !ect_sysfs_parse_int(v, &d->abi_version))
                warn(c, "%s/%s/abi_version: unexpected value, ignoring", c->h->sysfs_root, path);

        read_pci(c, d, path);
        d->is_erdma =
                (d->vendor_id == ECT_ERDMA_PCI_VENDOR && d->device_id == ECT_ERDMA_PCI_DEVICE) ||
                (d->driver && strcmp(d->driver, ECT_ERDMA_DRIVER) == 0);
        if (!selected(c, d))
                return true; /* caller counts and drops it */
        if (!c->nodes_only)
                read_ibdev(c, d);
        return true;
}

static void read_net(struct ctx *c)
{
        cleanup_dirbuf struct dirbuf dir = {.fd = -1, .buf = NULL};
        const struct dirent64 *e;
        size_t cap_g = 0, cap_n = 0;

        if (!dirbuf_open(&dir, c->sysfd, "class/net"))
                return;
        while ((e = dirbuf_next(&dir)) && c->n_net < MAX_DEVICES) {
                cleanup_free char *path = NULL;
                cleanup_free char *mac = NULL;
                struct ect_error *err = NULL;
                char guid[20];

                if (e->d_name[0] == '.')
                        continue;
                path = concat(e->d_name, "/address", "");
                /* Interfaces without a MAC (lo, tun) are not a warning. */
                if (ect_read_file_at(dir.fd, path, 64, &mac, NULL, &err) < 0) {
                        ect_error_free(&err);
                        continue;
                }
                if (!ect_rdma_guid_from_mac(mac, guid))
                        continue;
                xgrow((void **)&c->net_guid, &cap_g, c->n_net + 1, sizeof *c->net_guid);
                xgrow((void **)&c->net_name, &cap_n, c->n_net + 1, sizeof *c->net_name);
                memcpy(c->net_guid[c->n_net], guid, sizeof guid);
                c->net_name[c->n_net++] = xstrdup(e->d_name);
        }
}

static void read_rdma_cm(struct ctx *c)
{
        const char *op = "read";
        cleanup_free char *v = NULL;
        unsigned maj, min;
        int r = ect_sysfs_read(c->sysfd, "class/misc/rdma_cm/dev", &op, &v);

        /* Absent when rdma_ucm is not loaded; a dangling link, likewise
         * (ENOENT or, for a link to a file, ENOTDIR on the open). */
        if (r < 0 && op && strcmp(op, "open") == 0 && (r == -ENOENT || r == -ENOTDIR))
                return;
        if (r < 0 && read_attr_in(c, "class/misc/rdma_cm", "dev", &v) < 0)
                return;
        if (!ect_sysfs_parse_devnum(v, &maj, &min)) {
                warn(c, "%s/class/misc/rdma_cm/dev: no major:minor, ignoring rdma_cm",
                     c->h->sysfs_root);
                return;
        }
        c->h->has_rdma_cm = true;
        node_init(c, &c->h->rdma_cm, "infiniband/rdma_cm", maj, min);
        if (c->h->n_devices > 0)
                report_node(c, &c->h->rdma_cm);
}

static void read_mad(struct ctx *c)
{
        cleanup_dirbuf struct dirbuf dir = {.fd = -1, .buf = NULL};
        const struct dirent64 *e;

        if (!dirbuf_open(&dir, c->sysfd, "class/infiniband_mad"))
                return;
        while ((e = dirbuf_next(&dir))) {
                cleanup_free char *ib = NULL;
                cleanup_free char *dev = NULL;
                cleanup_free char *rel = NULL;
                cleanup_free char *path = NULL;
                cleanup_close int mfd = -1;
                unsigned idx, maj, min;
                size_t n;

                if (!parse_indexed(e->d_name, "umad", &idx) &&
                    !parse_indexed(e->d_name, "issm", &idx))
                        continue;
                path = concat("class/infiniband_mad/", e->d_name, "");
                mfd = openat(dir.fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (mfd < 0 || read_attr(c, mfd, path, "ibdev", &ib) < 0 ||
                    read_attr(c, mfd, path, "dev", &dev) < 0)
                        continue;
                if (!ect_sysfs_one_line(ib, &n) || !ect_sysfs_parse_devnum(dev, &maj, &min)) {
                        warn(c, "%s/%s: unexpected ibdev or dev, ignoring", c->h->sysfs_root, path);
                        continue;
                }
                for (size_t i = 0; i < c->h->n_devices; i++) {
                        struct ect_device *d = &c->h->devices[i];
                        size_t cap = d->n_mad;
                        if (strlen(d->ibdev) != n || strncmp(d->ibdev, ib, n) != 0)
                                continue;
                        xgrow((void **)&d->mad, &cap, d->n_mad + 1, sizeof *d->mad);
                        rel = concat("infiniband/", e->d_name, "");
                        node_init(c, &d->mad[d->n_mad++], rel, maj, min);
                        break;
                }
        }
}

static int cmp_device(const void *a, const void *b)
{
        const struct ect_device *x = a, *y = b;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_mad(const void *a, const void *b)
{
        return strcmp(((const struct ect_node *)a)->path, ((const struct ect_node *)b)->path);
}

bool ect_rdma_valid_drivers(const char *s)
{
        if (strcmp(s, "any") == 0)
                return true;
        for (const char *p = s;;) {
                size_t n = strcspn(p, ",");
                if (n == 0 || !valid_ibdev(p, n))
                        return false;
                p += n;
                if (!*p)
                        return true;
                p++;
        }
}

static int check_drivers(const char *s, struct ect_error **err)
{
        if (!ect_rdma_valid_drivers(s))
                return ect_error_set(err, EINVAL,
                                     "invalid driver list '%s': expected 'any' or driver "
                                     "names separated by commas",
                                     s);
        return 0;
}

/* The uverbs devices of class/infiniband_verbs, the directory closed (and
 * its buffer free for the reads after it) on return. */
static void read_verbs(struct ctx *c)
{
        cleanup_dirbuf struct dirbuf dir = {.fd = -1, .buf = NULL};
        struct ect_host *h = c->h;
        const struct dirent64 *e;

        if (!dirbuf_open(&dir, c->sysfd, "class/infiniband_verbs") && errno != ENOENT)
                warn(c, "%s/class/infiniband_verbs: %s", h->sysfs_root, strerror(errno));
        while (dir.fd >= 0 && (e = dirbuf_next(&dir))) {
                struct ect_device d;
                unsigned index;

                if (!parse_indexed(e->d_name, "uverbs", &index))
                        continue; /* "abi_version" and friends */
                if (h->n_devices + h->n_filtered >= MAX_DEVICES) {
                        warn(c,
                             "%s/class/infiniband_verbs: more than %d devices, ignoring the rest",
                             h->sysfs_root, MAX_DEVICES);
                        break;
                }
                if (!read_uverbs(c, e->d_name, index, &d))
                        continue;
                if (!selected(c, &d)) {
                        h->n_filtered++;
                        device_clear(&d);
                        continue;
                }
                xgrow((void **)&h->devices, &c->cap_devices, h->n_devices + 1, sizeof d);
                h->devices[h->n_devices++] = d;
        }
}

int ect_rdma_discover(const struct ect_discover_opts *opts, struct ect_host **ret,
                      struct ect_error **err)
{
        const char *sysroot = opts && opts->sysfs_root ? opts->sysfs_root : ECT_SYSFS_ROOT;
        const char *devroot = opts && opts->dev_root ? opts->dev_root : ECT_DEV_ROOT;
        struct ctx c = {.sysfd = -1, .devfd = -1};
        struct ect_host *h;
        int r = 0;

        if (opts && opts->drivers && *opts->drivers) {
                r = check_drivers(opts->drivers, err);
                if (r < 0)
                        return r;
                c.drivers = opts->drivers;
        }
        c.sysfd = open(sysroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c.sysfd < 0)
                return ect_error_set(err, errno, "sysfs root '%s'", sysroot);
        /* A missing dev root is not fatal: every node is then reported
         * missing, which the caller shows. */
        c.devfd = open(devroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        h = xcalloc(1, sizeof *h);
        h->sysfs_root = xstrdup(sysroot);
        h->dev_root = xstrdup(devroot);
        c.h = h;
        c.nodes_only = opts && opts->nodes_only;
        if (opts && opts->want) {
                c.want = opts->want;
                c.want_ctx = opts->want_ctx;
        }
        if (!c.nodes_only)
                read_net(&c);

        read_verbs(&c);
        /* qsort() with a NULL base is undefined even for 0 elements. */
        if (h->n_devices > 1)
                qsort(h->devices, h->n_devices, sizeof *h->devices, cmp_device);
        for (size_t i = 0; i < h->n_devices; i++)
                report_node(&c, &h->devices[i].uverbs);
        read_rdma_cm(&c);
        read_mad(&c);
        for (size_t i = 0; i < h->n_devices; i++)
                if (h->devices[i].n_mad > 1)
                        qsort(h->devices[i].mad, h->devices[i].n_mad, sizeof(struct ect_node),
                              cmp_mad);

        for (size_t i = 0; i < c.n_net; i++)
                free(c.net_name[i]);
        free(c.net_name);
        free(c.net_guid);
        (void)close(c.sysfd);
        if (c.devfd >= 0)
                (void)close(c.devfd);
        *ret = h;
        return 0;
}

void ect_rdma_host_free(struct ect_host *h)
{
        if (!h)
                return;
        for (size_t i = 0; i < h->n_devices; i++)
                device_clear(&h->devices[i]);
        free(h->devices);
        if (h->has_rdma_cm)
                node_clear(&h->rdma_cm);
        for (size_t i = 0; i < h->n_warnings; i++)
                free(h->warnings[i]);
        free(h->warnings);
        free(h->sysfs_root);
        free(h->dev_root);
        free(h);
}
