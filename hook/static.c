/* SPDX-License-Identifier: Apache-2.0 */
/* Only in the static erdma-hook (hook/module.mk): symbols that libdbus-1.a
 * references from code the hook never runs.
 *
 * sd_listen_fds() and sd_is_socket() are libsystemd's, for a D-Bus *server*
 * started by socket activation (libdbus's _dbus_listen_systemd_sockets);
 * the hook is a client of systemd's own socket. Debian ships no static
 * libsystemd, and linking the shared one would make the hook dynamic (the
 * loader is half of its start-up cost): these fail as libsystemd fails
 * where socket activation is not in use.
 *
 * The NSS lookups (user and group databases, getaddrinfo for tcp: D-Bus
 * addresses) would dlopen() libnss_*.so from the host in a static binary;
 * libdbus only calls them for other addresses and auth mechanisms than the
 * unix socket and EXTERNAL auth by uid that the hook uses. They are wrapped
 * (-Wl,--wrap) to fail instead, so the binary has no path into NSS. */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stddef.h>
#include <sys/socket.h>

int sd_listen_fds(int unset_environment);
int sd_listen_fds(int unset_environment)
{
        (void)unset_environment;
        return 0; /* no sockets were passed */
}

int sd_is_socket(int fd, int family, int type, int listening);
int sd_is_socket(int fd, int family, int type, int listening)
{
        (void)fd, (void)family, (void)type, (void)listening;
        return -ENOSYS;
}

int __wrap_getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t len,
                      struct passwd **result);
int __wrap_getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t len,
                      struct passwd **result)
{
        (void)name, (void)pwd, (void)buf, (void)len;
        *result = NULL;
        return ENOSYS;
}

int __wrap_getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t len, struct passwd **result);
int __wrap_getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t len, struct passwd **result)
{
        (void)uid, (void)pwd, (void)buf, (void)len;
        *result = NULL;
        return ENOSYS;
}

int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups);
int __wrap_getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
        (void)user, (void)group, (void)groups;
        *ngroups = 0;
        return -1;
}

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
