/* SPDX-License-Identifier: Apache-2.0 */
/* The device table of erdma-probe: which uverbs nodes this container has
 * (dev_root/infiniband) and what sysfs says about each (major:minor, ibdev,
 * node GUID). Every check reads this table; none touches /dev or sysfs for
 * devices again. */
#include "cleanup.h"
#include "fileio.h"
#include "probe-int.h"
#include "xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define SYSFS_MAX 4096

/* Reads a small sysfs attribute, trimmed; NULL when unreadable. */
static char *read_attr(const char *path)
{
        struct ect_error *err = NULL;
        char *buf = NULL;
        size_t len = 0;
        if (ect_read_file_at(AT_FDCWD, path, SYSFS_MAX, &buf, &len, &err) < 0) {
                ect_error_free(&err);
                return NULL;
        }
        while (len > 0 && isspace((unsigned char)buf[len - 1]))
                buf[--len] = '\0';
        return buf;
}

static bool parse_devnum(const char *s, unsigned *maj, unsigned *min)
{
        unsigned a, b;
        int n = 0;
        if (!s || sscanf(s, "%u:%u%n", &a, &b, &n) != 2 || s[n] != '\0')
                return false;
        *maj = a;
        *min = b;
        return true;
}

static bool parse_uverbs(const char *name, unsigned *idx)
{
        if (strncmp(name, "uverbs", 6) != 0 || !isdigit((unsigned char)name[6]))
                return false;
        char *end;
        errno = 0;
        unsigned long v = strtoul(name + 6, &end, 10);
        if (*end || errno || v > 65535)
                return false;
        *idx = (unsigned)v;
        return true;
}

static struct pdev *get_dev(struct probe *p, unsigned idx)
{
        for (size_t i = 0; i < p->n_devs; i++)
                if (p->devs[i].index == idx)
                        return &p->devs[i];
        size_t cap = p->n_devs;
        xgrow((void **)&p->devs, &cap, p->n_devs + 1, sizeof *p->devs);
        struct pdev *d = &p->devs[p->n_devs++];
        *d = (struct pdev){.index = idx, .open_errno = -1};
        snprintf(d->name, sizeof d->name, "uverbs%u", idx);
        return d;
}

static int cmp_dev(const void *a, const void *b)
{
        const struct pdev *x = a, *y = b;
        return x->index < y->index ? -1 : x->index > y->index;
}

static bool dev_matches(const struct pdev *d, const char *want)
{
        if (strcmp(d->name, want) == 0 || (d->ibdev && strcmp(d->ibdev, want) == 0))
                return true;
        char idx[16];
        snprintf(idx, sizeof idx, "%u", d->index);
        return strcmp(idx, want) == 0;
}

static void pdev_clear(struct pdev *d)
{
        free(d->node_path);
        free(d->ibdev);
        free(d->node_guid);
}

/* The nodes under dev_root/infiniband: uverbsN and rdma_cm. */
static void scan_nodes(struct probe *p)
{
        cleanup_free char *ibdir = xasprintf("%s/infiniband", p->dev);
        cleanup_dir DIR *d = opendir(ibdir);
        struct dirent *e;
        while (d && (e = readdir(d))) {
                unsigned idx;
                cleanup_free char *path = xasprintf("%s/%s", ibdir, e->d_name);
                struct stat st;
                if (strcmp(e->d_name, "rdma_cm") == 0) {
                        if (lstat(path, &st) == 0) {
                                p->has_cm_node = true;
                                p->cm_is_chr = S_ISCHR(st.st_mode);
                                p->cm_major = major(st.st_rdev);
                                p->cm_minor = minor(st.st_rdev);
                                p->cm_path = steal_ptr(&path);
                        }
                        continue;
                }
                if (!parse_uverbs(e->d_name, &idx) || lstat(path, &st) < 0)
                        continue;
                struct pdev *pd = get_dev(p, idx);
                pd->has_node = true;
                pd->is_chr = S_ISCHR(st.st_mode);
                pd->node_major = major(st.st_rdev);
                pd->node_minor = minor(st.st_rdev);
                pd->node_path = steal_ptr(&path);
        }
}

/* sysfs class/infiniband_verbs: each device's dev, ibdev and node GUID. */
static void scan_sysfs(struct probe *p)
{
        struct dirent *e;
        cleanup_free char *cls = xasprintf("%s/class/infiniband_verbs", p->sysfs);
        cleanup_dir DIR *c = opendir(cls);
        p->has_class = c != NULL;
        while (c && (e = readdir(c))) {
                unsigned idx;
                if (!parse_uverbs(e->d_name, &idx))
                        continue;
                struct pdev *pd = get_dev(p, idx);
                pd->has_sysfs = true;
                cleanup_free char *devp = xasprintf("%s/%s/dev", cls, e->d_name);
                cleanup_free char *ibp = xasprintf("%s/%s/ibdev", cls, e->d_name);
                cleanup_free char *dv = read_attr(devp);
                pd->sysfs_dev_ok = parse_devnum(dv, &pd->sys_major, &pd->sys_minor);
                pd->ibdev = read_attr(ibp);
                if (pd->ibdev) {
                        cleanup_free char *gp =
                                xasprintf("%s/class/infiniband/%s/node_guid", p->sysfs, pd->ibdev);
                        pd->node_guid = read_attr(gp);
                }
        }
}

/* --device: keeps the devices it names; device_unknown when none. */
static void keep_selected(struct probe *p)
{
        size_t k = 0;
        for (size_t i = 0; i < p->n_devs; i++) {
                if (dev_matches(&p->devs[i], p->o->device))
                        p->devs[k++] = p->devs[i];
                else
                        pdev_clear(&p->devs[i]);
        }
        p->n_devs = k;
        p->device_unknown = k == 0;
}

void probe_collect(struct probe *p)
{
        scan_nodes(p);
        scan_sysfs(p);
        if (p->n_devs > 1)
                qsort(p->devs, p->n_devs, sizeof *p->devs, cmp_dev);
        if (p->o->device)
                keep_selected(p);
}

size_t probe_n_nodes(const struct probe *p)
{
        size_t n = 0;
        for (size_t i = 0; i < p->n_devs; i++)
                n += p->devs[i].has_node;
        return n;
}

void probe_collect_clear(struct probe *p)
{
        for (size_t i = 0; i < p->n_devs; i++)
                pdev_clear(&p->devs[i]);
        free(p->devs);
        free(p->cm_path);
}
