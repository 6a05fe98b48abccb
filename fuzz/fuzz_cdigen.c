/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: CDI generation from a fuzzed fake host, the whole path
 * of `erdma-cdi generate`: discovery (lib/rdma.c) over a sysfs tree and a
 * dev root written from the input into a fresh directory under /dev/shm,
 * then ect_cdi_build and both serialisations.
 *
 * Input: a flag byte, then records until the input ends:
 *   kind (1 byte: %4 = 0 file, 1 directory, 2 symlink, 3 remove),
 *   path length (1 byte), path (relative to the tree: "sys/..." or
 *   "dev/..."), content length (2 bytes, little endian), content (the
 *   file's bytes or the link's target).
 * Paths with an absolute start or a ".." component are dropped (the tree
 * must stay in its directory); link targets are kept as they are, ".."
 * included: sysfs is made of relative links.
 * Flags: bit 0 lays out the standard fake host first (two eRDMA devices and
 * rdma_cm, as tests/lib/fakehost.sh does) so that records break a working
 * tree; bit 1 discovers every driver ("any"); bits 2-3 the naming.
 *
 * Invariants: no crash, no hang; discovery fails only with a message;
 * every device it reports is well formed; the spec, when one is built,
 * emits as JSON and YAML, the JSON parses back to the same tree, every
 * device name is a valid CDI name and the selectors name devices of the
 * spec. */
#include "cdi.h"
#include "json.h"
#include "rdma.h"
#include "yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char base[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
        (void)st;
        (void)flag;
        (void)f;
        (void)remove(p);
        return 0;
}

static void rm_rf(const char *p)
{
        (void)nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p of the parents of rel, relative to dfd. */
static void mkparents(int dfd, const char *rel)
{
        char buf[512];
        size_t n = strlen(rel);

        if (n >= sizeof buf)
                return;
        memcpy(buf, rel, n + 1);
        for (char *s = buf + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                (void)mkdirat(dfd, buf, 0755);
                *s = '/';
        }
}

static void put_file(int dfd, const char *rel, const char *content, size_t len)
{
        int fd;

        mkparents(dfd, rel);
        fd = openat(dfd, rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
                    0644);
        if (fd < 0)
                return;
        if (write(fd, content, len) < 0) {
                /* a record naming a directory: nothing to do */
        }
        close(fd);
}

static void put_str(int dfd, const char *rel, const char *s)
{
        put_file(dfd, rel, s, strlen(s));
}

static void put_link(int dfd, const char *rel, const char *target)
{
        mkparents(dfd, rel);
        if (symlinkat(target, dfd, rel) < 0) {
                /* taken already: the record changes nothing */
        }
}

static void put_dir(int dfd, const char *rel)
{
        mkparents(dfd, rel);
        (void)mkdirat(dfd, rel, 0755);
}

/* tests/lib/fakehost.sh fakehost_standard, in C. */
static void standard_host(int dfd)
{
        char p[256], t[256];

        put_str(dfd, "sys/class/infiniband_verbs/abi_version", "6\n");
        put_dir(dfd, "sys/class/infiniband_mad");
        put_dir(dfd, "dev/infiniband");
        for (int n = 0; n < 2; n++) {
                const char *pci = n == 0 ? "0000:00:05.0" : "0000:00:06.0";
                char dev[32];
#define P(...) (snprintf(p, sizeof p, __VA_ARGS__), p)
#define T(...) (snprintf(t, sizeof t, __VA_ARGS__), t)
                put_str(dfd, P("sys/devices/pci0000:00/%s/vendor", pci), "0x1ded\n");
                put_str(dfd, P("sys/devices/pci0000:00/%s/device", pci), "0x107f\n");
                put_str(dfd, P("sys/devices/pci0000:00/%s/numa_node", pci), "-1\n");
                put_dir(dfd, "sys/bus/pci/drivers/erdma");
                put_link(dfd, P("sys/devices/pci0000:00/%s/driver", pci),
                         "../../../bus/pci/drivers/erdma");
                put_str(dfd, P("sys/devices/pci0000:00/%s/infiniband/erdma_%d/node_type", pci, n),
                        "1: CA\n");
                put_str(dfd, P("sys/devices/pci0000:00/%s/infiniband/erdma_%d/node_guid", pci, n),
                        T("0216:3eff:fe00:000%d\n", n));
                put_str(dfd,
                        P("sys/devices/pci0000:00/%s/infiniband/erdma_%d/ports/1/state", pci, n),
                        "4: ACTIVE\n");
                put_str(dfd,
                        P("sys/devices/pci0000:00/%s/infiniband/erdma_%d/ports/1/link_layer", pci,
                          n),
                        "Ethernet\n");
                put_link(dfd, P("sys/devices/pci0000:00/%s/infiniband/erdma_%d/device", pci, n),
                         T("../../../%s", pci));
                put_link(dfd, P("sys/class/infiniband/erdma_%d", n),
                         T("../../devices/pci0000:00/%s/infiniband/erdma_%d", pci, n));
                put_str(dfd, P("sys/devices/pci0000:00/%s/infiniband_verbs/uverbs%d/ibdev", pci, n),
                        T("erdma_%d\n", n));
                snprintf(dev, sizeof dev, "231:%d\n", 192 + n);
                put_str(dfd, P("sys/devices/pci0000:00/%s/infiniband_verbs/uverbs%d/dev", pci, n),
                        dev);
                put_str(dfd,
                        P("sys/devices/pci0000:00/%s/infiniband_verbs/uverbs%d/abi_version", pci,
                          n),
                        "1\n");
                put_link(dfd,
                         P("sys/devices/pci0000:00/%s/infiniband_verbs/uverbs%d/device", pci, n),
                         T("../../../%s", pci));
                put_link(dfd, P("sys/class/infiniband_verbs/uverbs%d", n),
                         T("../../devices/pci0000:00/%s/infiniband_verbs/uverbs%d", pci, n));
                put_str(dfd,
                        P("sys/devices/pci0000:00/0000:01:0%d.0/virtio%d/net/eth%d/address", n, n,
                          n + 1),
                        T("00:16:3e:00:00:0%d\n", n));
                put_link(dfd, P("sys/class/net/eth%d", n + 1),
                         T("../../devices/pci0000:00/0000:01:0%d.0/virtio%d/net/eth%d", n, n,
                           n + 1));
                /* Root can make the node; elsewhere discovery reports it
                 * missing, which is a case too. */
                (void)mknodat(dfd, P("dev/infiniband/uverbs%d", n), S_IFCHR | 0666,
                              makedev(231, 192 + n));
        }
        put_str(dfd, "sys/devices/virtual/misc/rdma_cm/dev", "10:241\n");
        put_link(dfd, "sys/class/misc/rdma_cm", "../../devices/virtual/misc/rdma_cm");
        (void)mknodat(dfd, "dev/infiniband/rdma_cm", S_IFCHR | 0666, makedev(10, 241));
#undef P
#undef T
}

static bool safe_path(const char *p)
{
        if (!*p || p[0] == '/')
                return false;
        for (const char *s = p; s; s = strchr(s, '/')) {
                if (*s == '/')
                        s++;
                if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
                        return false;
        }
        return true;
}

static void build_tree(int dfd, const unsigned char *data, size_t size)
{
        size_t i = 0;

        while (i + 2 <= size) {
                unsigned kind = data[i] % 4;
                size_t plen = data[i + 1], clen;
                char path[256], *content;

                i += 2;
                if (plen > size - i)
                        break;
                memcpy(path, data + i, plen);
                path[plen] = '\0';
                i += plen;
                clen = 0;
                if (i + 2 <= size) {
                        clen = data[i] | (size_t)data[i + 1] << 8;
                        i += 2;
                }
                if (clen > size - i)
                        clen = size - i;
                content = strndup((const char *)data + i, clen);
                i += clen;
                if (strlen(path) == plen && safe_path(path)) {
                        switch (kind) {
                        case 0:
                                put_file(dfd, path, (const char *)data + i - clen, clen);
                                break;
                        case 1:
                                put_dir(dfd, path);
                                break;
                        case 2:
                                if (*content)
                                        put_link(dfd, path, content);
                                break;
                        default:
                                if (unlinkat(dfd, path, 0) < 0)
                                        (void)unlinkat(dfd, path, AT_REMOVEDIR);
                                break;
                        }
                }
                free(content);
        }
}

static void check_host(const struct ect_host *h)
{
        for (size_t i = 0; i < h->n_devices; i++) {
                const struct ect_device *d = &h->devices[i];
                if (!d->ibdev || !*d->ibdev || strlen(d->ibdev) >= 64 || strchr(d->ibdev, '/'))
                        abort();
                if (i > 0 && h->devices[i - 1].index >= d->index)
                        abort();
                if (!d->uverbs.path || d->uverbs.path[0] != '/' || strstr(d->uverbs.path, ".."))
                        abort();
                if (d->uverbs.major > 4095 || d->uverbs.minor > 0xfffff)
                        abort();
        }
        if (h->has_rdma_cm && (h->rdma_cm.major > 4095 || h->rdma_cm.minor > 0xfffff))
                abort();
}

static void check_spec(const struct ect_host *h, const struct ect_cdi_opts *o,
                       const struct ect_json *spec)
{
        struct ect_error *err = NULL;
        struct ect_json *back = NULL;
        const struct ect_json *devs = ect_json_get(spec, "devices");
        char *s = NULL;
        size_t len = 0;

        if (!ect_json_is(devs, ECT_JSON_ARRAY) || devs->n == 0)
                abort();
        for (size_t i = 0; i < devs->n; i++) {
                const char *name = ect_json_str(ect_json_get(devs->v[i], "name"));
                if (!name || (!ect_cdi_valid_device_name(name) && strcmp(name, ECT_CDI_ALL) != 0))
                        abort();
        }
        if (!ect_cdi_min_version(spec))
                abort();
        if (ect_json_emit(spec, true, &s, &len, &err) < 0)
                abort();
        if (ect_json_parse(s, len, &back, &err) < 0 || !ect_json_equal(spec, back))
                abort();
        free(s);
        ect_json_free(back);
        if (ect_yaml_emit(spec, &s, &len, &err) < 0)
                abort();
        free(s);
        for (size_t i = 0; i < h->n_devices; i++) {
                char **sel = ect_cdi_device_selectors(h, o, i);
                for (size_t k = 0; sel && sel[k]; k++) {
                        const char *eq = strchr(sel[k], '=');
                        bool found = false;
                        if (!eq)
                                abort();
                        for (size_t j = 0; j < devs->n && !found; j++) {
                                const char *name = ect_json_str(ect_json_get(devs->v[j], "name"));
                                found = name && strcmp(name, eq + 1) == 0;
                        }
                        if (!found)
                                abort();
                }
                ect_cdi_strv_free(sel);
        }
}

static void rm_base(void)
{
        rm_rf(base);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        char dir[96], sys[128], dev[128];
        struct ect_discover_opts dopts = {0};
        struct ect_cdi_opts copts = {0};
        struct ect_host *h = NULL;
        struct ect_json *spec = NULL;
        struct ect_error *err = NULL;
        char **warnings = NULL;
        unsigned flags;
        int dfd;

        if (size == 0 || size > 16384)
                return 0;
        if (!base[0]) {
                snprintf(base, sizeof base, "/dev/shm/ect-fuzz-cdigen.XXXXXX");
                if (!mkdtemp(base))
                        abort();
                atexit(rm_base);
        }
        flags = data[0];
        snprintf(dir, sizeof dir, "%s/t", base);
        rm_rf(dir);
        if (mkdir(dir, 0755) < 0)
                abort();
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                abort();
        (void)mkdirat(dfd, "sys", 0755);
        (void)mkdirat(dfd, "dev", 0755);
        if (flags & 1)
                standard_host(dfd);
        build_tree(dfd, data + 1, size - 1);
        close(dfd);

        snprintf(sys, sizeof sys, "%s/sys", dir);
        snprintf(dev, sizeof dev, "%s/dev", dir);
        dopts.sysfs_root = sys;
        dopts.dev_root = dev;
        dopts.drivers = flags & 2 ? "any" : NULL;
        if (ect_rdma_discover(&dopts, &h, &err) < 0) {
                if (!err || !err->msg)
                        abort();
                ect_error_free(&err);
                goto out;
        }
        check_host(h);
        copts.naming = (enum ect_cdi_naming)((flags >> 2) % 3);
        if (ect_cdi_build(h, &copts, &spec, &warnings, &err) < 0) {
                if (!err || !err->msg || (err->code != ENODEV && err->code != EINVAL))
                        abort();
                ect_error_free(&err);
                goto out;
        }
        check_spec(h, &copts, spec);
out:
        ect_cdi_strv_free(warnings);
        ect_json_free(spec);
        ect_rdma_host_free(h);
        rm_rf(dir);
        return 0;
}
