/* SPDX-License-Identifier: Apache-2.0 */
/* The real verbs layer of erdma-probe: the only object that calls libibverbs
 * and librdmacm. In the static build RDMA_STATIC_PROVIDERS (set by
 * probe/module.mk) makes ibv_get_device_list() register the erdma provider
 * linked into the binary, so libibverbs never dlopen()s a provider from the
 * image. */
#include "cleanup.h"
#include "probe.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static struct ibv_device **r_get_device_list(int *num)
{
        return ibv_get_device_list(num);
}
static void r_free_device_list(struct ibv_device **l)
{
        ibv_free_device_list(l);
}
static const char *r_get_device_name(struct ibv_device *d)
{
        return ibv_get_device_name(d);
}
static struct ibv_context *r_open_device(struct ibv_device *d)
{
        return ibv_open_device(d);
}
static int r_close_device(struct ibv_context *c)
{
        return ibv_close_device(c);
}
static int r_query_device(struct ibv_context *c, struct ibv_device_attr *a)
{
        return ibv_query_device(c, a);
}
static int r_query_port(struct ibv_context *c, uint8_t port, struct ibv_port_attr *a)
{
        return ibv_query_port(c, port, a);
}
static struct ibv_pd *r_alloc_pd(struct ibv_context *c)
{
        return ibv_alloc_pd(c);
}
static int r_dealloc_pd(struct ibv_pd *pd)
{
        return ibv_dealloc_pd(pd);
}
static struct ibv_mr *r_reg_mr(struct ibv_pd *pd, void *addr, size_t len, int access)
{
        return ibv_reg_mr(pd, addr, len, access);
}
static int r_dereg_mr(struct ibv_mr *mr)
{
        return ibv_dereg_mr(mr);
}
static struct ibv_cq *r_create_cq(struct ibv_context *c, int cqe)
{
        return ibv_create_cq(c, cqe, NULL, NULL, 0);
}
static int r_destroy_cq(struct ibv_cq *cq)
{
        return ibv_destroy_cq(cq);
}
static struct ibv_qp *r_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *a)
{
        return ibv_create_qp(pd, a);
}
static int r_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask)
{
        return ibv_modify_qp(qp, a, mask);
}
static int r_destroy_qp(struct ibv_qp *qp)
{
        return ibv_destroy_qp(qp);
}
static struct rdma_event_channel *r_create_event_channel(void)
{
        return rdma_create_event_channel();
}
static void r_destroy_event_channel(struct rdma_event_channel *ch)
{
        rdma_destroy_event_channel(ch);
}
static int r_create_id(struct rdma_event_channel *ch, struct rdma_cm_id **id, void *ctx,
                       enum rdma_port_space ps)
{
        return rdma_create_id(ch, id, ctx, ps);
}
static int r_destroy_id(struct rdma_cm_id *id)
{
        return rdma_destroy_id(id);
}

static int r_open_node(const char *path)
{
        int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno;
        (void)close(fd);
        return 0;
}

static int r_get_memlock(struct rlimit *ret)
{
        return getrlimit(RLIMIT_MEMLOCK, ret);
}

static int r_cap_eff(uint64_t *ret)
{
        cleanup_fclose FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return -1;
        char line[256];
        while (fgets(line, sizeof line, f)) {
                unsigned long long v;
                if (sscanf(line, "CapEff: %llx", &v) == 1) {
                        *ret = v;
                        return 0;
                }
        }
        errno = ENOENT;
        return -1;
}

/* getifaddrs() lists this network namespace's interfaces over netlink, with
 * their MACs (AF_PACKET entries): no sysfs, which may show another
 * namespace when it was mounted elsewhere. */
static int r_list_ifaces(struct ect_probe_iface **ret, size_t *ret_n)
{
        struct ifaddrs *ifa = NULL;
        if (getifaddrs(&ifa) < 0)
                return -1;
        struct ect_probe_iface *v = NULL;
        size_t n = 0, cap = 0;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_PACKET || !i->ifa_name)
                        continue;
                const struct sockaddr_ll *ll = (const struct sockaddr_ll *)i->ifa_addr;
                xgrow((void **)&v, &cap, n + 1, sizeof *v);
                struct ect_probe_iface *e = &v[n++];
                memset(e, 0, sizeof *e);
                snprintf(e->name, sizeof e->name, "%s", i->ifa_name);
                if (ll->sll_halen == 6)
                        snprintf(e->mac, sizeof e->mac, "%02x:%02x:%02x:%02x:%02x:%02x",
                                 ll->sll_addr[0], ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3],
                                 ll->sll_addr[4], ll->sll_addr[5]);
        }
        freeifaddrs(ifa);
        *ret = v;
        *ret_n = n;
        return 0;
}

#ifdef RDMA_STATIC_PROVIDERS
/* librdmacm (rdma_getaddrinfo) and libnl (protocol names) reference glibc's
 * NSS resolvers, which a static binary can only serve by dlopen()ing the
 * image's libnss_*.so. The probe never resolves a name: these stubs make
 * that path impossible instead of merely unused (linked with --wrap). */
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);
int __wrap_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res)
{
        (void)node, (void)service, (void)hints, (void)res;
        errno = ENOSYS;
        return EAI_SYSTEM;
}
void __wrap_freeaddrinfo(struct addrinfo *ai);
void __wrap_freeaddrinfo(struct addrinfo *ai)
{
        (void)ai; /* __wrap_getaddrinfo never returns a list */
}
int __wrap_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                       char *serv, socklen_t servlen, int flags);
int __wrap_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                       char *serv, socklen_t servlen, int flags)
{
        (void)sa, (void)salen, (void)host, (void)hostlen, (void)serv, (void)servlen, (void)flags;
        errno = ENOSYS;
        return EAI_SYSTEM;
}
struct protoent *__wrap_getprotobyname(const char *name);
struct protoent *__wrap_getprotobyname(const char *name)
{
        (void)name;
        return NULL;
}
struct protoent *__wrap_getprotobynumber(int proto);
struct protoent *__wrap_getprotobynumber(int proto)
{
        (void)proto;
        return NULL;
}
#define IS_STATIC true
#else
#define IS_STATIC false
#endif

const struct ect_probe_ops ect_probe_real_ops = {
        .get_device_list = r_get_device_list,
        .free_device_list = r_free_device_list,
        .get_device_name = r_get_device_name,
        .open_device = r_open_device,
        .close_device = r_close_device,
        .query_device = r_query_device,
        .query_port = r_query_port,
        .alloc_pd = r_alloc_pd,
        .dealloc_pd = r_dealloc_pd,
        .reg_mr = r_reg_mr,
        .dereg_mr = r_dereg_mr,
        .create_cq = r_create_cq,
        .destroy_cq = r_destroy_cq,
        .create_qp = r_create_qp,
        .modify_qp = r_modify_qp,
        .destroy_qp = r_destroy_qp,
        .create_event_channel = r_create_event_channel,
        .destroy_event_channel = r_destroy_event_channel,
        .create_id = r_create_id,
        .destroy_id = r_destroy_id,
        .open_node = r_open_node,
        .get_memlock = r_get_memlock,
        .cap_eff = r_cap_eff,
        .list_ifaces = r_list_ifaces,
        .is_static = IS_STATIC,
#ifdef ECT_PROBE_PROVIDERS
        .providers = ECT_PROBE_PROVIDERS,
#else
        .providers = "the image's /etc/libibverbs.d",
#endif
};
