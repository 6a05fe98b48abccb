/* SPDX-License-Identifier: Apache-2.0 */
#include "shim.h"
#include "cleanup.h"
#include "edits.h"
#include "log.h"
#include "ocispec.h"
#include "rdma.h"
#include "select.h"
#include "xalloc.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool has_cap_sys_resource(void)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[2] = {0};

        if (syscall(SYS_capget, &h, d) < 0)
                return false;
        return d[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32));
}

static char *fmt_limit(uint64_t v)
{
        return v == ECT_MEMLOCK_UNLIMITED ? xstrdup("unlimited") : xasprintf("%llu", (unsigned long long)v);
}

/* runc sets the container's rlimits with setrlimit() in its init process,
 * which inherits our limits and capabilities: a hard limit above ours needs
 * CAP_SYS_RESOURCE. Say so here, instead of runc's bare "operation not
 * permitted". */
static int check_memlock(const struct ect_oci_doc *d, uint64_t want, struct ect_error **err)
{
        struct rlimit rl;
        uint64_t soft = 0, hard = 0, ours;

        if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
                return 0;
        ours = rl.rlim_max == RLIM_INFINITY ? ECT_MEMLOCK_UNLIMITED : (uint64_t)rl.rlim_max;
        if (want <= ours || has_cap_sys_resource())
                return 0;
        if (ect_oci_memlock(d, &soft, &hard) && hard >= want)
                return 0; /* the config asks for as much already: not our doing */
        {
                cleanup_free char *w = fmt_limit(want);
                cleanup_free char *o = fmt_limit(ours);
                return ect_error_set(err, EPERM,
                                     "memlock %s is above this runtime's hard RLIMIT_MEMLOCK (%s) "
                                     "and it lacks CAP_SYS_RESOURCE: set \"memlock\" to at most "
                                     "%s in the configuration file, or start the engine with a "
                                     "higher hard limit (LimitMEMLOCK=infinity)",
                                     w, o, o);
        }
}

int ect_shim_edit_bundle(const struct ect_config *cfg, const struct ect_runc_args *args,
                         struct ect_error **err)
{
        cleanup_oci struct ect_oci_doc *doc = NULL;
        cleanup_host struct ect_host *host = NULL;
        cleanup_selection struct ect_selection *sel = NULL;
        cleanup_edits struct ect_edits *edits = NULL;
        /* Selection and edits need the nodes only: no ports, GUIDs, netdevs. */
        struct ect_discover_opts opts = {.sysfs_root = cfg->sysfs_root,
                                         .dev_root = cfg->dev_root,
                                         .drivers = cfg->drivers,
                                         .nodes_only = true};
        enum ect_select_source src;
        const char *value = NULL;
        const char *id = args->id ? args->id : "?";
        bool changed = false;

        {
                cleanup_free char *buf = NULL;
                cleanup_free char *path = NULL;
                size_t len = 0;
                mode_t mode = 0;
                uid_t uid = (uid_t)-1;
                gid_t gid = (gid_t)-1;
                if (ect_oci_read_owned(args->bundle, &buf, &len, &path, &mode, &uid, &gid,
                                       err) < 0)
                        return -1;
                /* The common case, no request: not even a parse. */
                if (!ect_select_may_request(cfg, buf, len)) {
                        log_debug("container '%s': no eRDMA request", id);
                        return 0;
                }
                if (ect_oci_parse_lean(buf, len, path, &doc, err) < 0)
                        return -1;
                doc->mode = mode;
                doc->uid = uid; /* a rootless engine's bundle stays its own */
                doc->gid = gid;
        }
        /* No request after all: no sysfs walk, no write. */
        if (ect_select_request(cfg, ect_oci_annotations(doc), ect_oci_env(doc), &src, &value,
                               err) < 0)
                return ect_error_wrap(err, "%s", doc->path);
        if (!value) {
                log_debug("container '%s': no eRDMA request", id);
                return 0;
        }
        if (ect_rdma_discover(&opts, &host, err) < 0)
                return ect_error_wrap(err, "host discovery");
        for (size_t i = 0; i < host->n_warnings; i++)
                log_info("discovery: %s", host->warnings[i]);
        if (ect_select(host, cfg, ect_oci_annotations(doc), ect_oci_env(doc), &sel, err) < 0)
                return ect_error_wrap(err, "container '%s'", id);
        if (ect_edits_compute(host, cfg, sel, &edits, err) < 0)
                return ect_error_wrap(err, "container '%s'", id);
        if (!edits) {
                log_debug("container '%s': %s selects no device", id,
                          ect_select_source_name(sel->source));
                return 0;
        }
        if (check_memlock(doc, edits->memlock, err) < 0)
                return ect_error_wrap(err, "container '%s'", id);
        if (ect_oci_apply(doc, edits, &changed, err) < 0)
                return ect_error_wrap(err, "container '%s'", id);
        if (!changed) {
                log_debug("container '%s': config.json has everything already", id);
                return 0;
        }
        if (ect_oci_save(doc, err) < 0)
                return ect_error_wrap(err, "container '%s'", id);
        for (size_t i = 0; i < sel->n_devices; i++)
                log_info("container '%s': added %s (%s) from %s", id, sel->devices[i]->ibdev,
                         sel->devices[i]->uverbs.path, ect_select_source_name(sel->source));
        return 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The runtime's path: absolute as configured, or the first executable of
 * that name in our own PATH (the engine's environment, never the
 * container's) that is not this program itself, so that installing the
 * shim under the name runc cannot loop. */
static int resolve(const char *name, char **ret, struct ect_error **err)
{
        const char *path = getenv("PATH");
        struct stat self, st;
        bool have_self = stat("/proc/self/exe", &self) == 0;
        cleanup_free char *copy = NULL;
        char *save = NULL;

        if (name[0] == '/') {
                if (stat(name, &st) < 0)
                        return ect_error_set(err, errno, "runtime '%s'", name);
                if (!S_ISREG(st.st_mode))
                        return ect_error_set(err, EACCES, "runtime '%s': not a regular file",
                                             name);
                if (access(name, X_OK) < 0)
                        return ect_error_set(err, errno, "runtime '%s'", name);
                if (have_self && same_file(&self, &st))
                        return ect_error_set(err, ELOOP,
                                             "runtime '%s' is erdma-container-runtime itself",
                                             name);
                *ret = xstrdup(name);
                return 0;
        }
        if (!path || !*path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        copy = xstrdup(path);
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                cleanup_free char *p = NULL;
                if (dir[0] != '/')
                        continue; /* a relative PATH entry depends on the cwd: the bundle */
                p = xasprintf("%s/%s", dir, name);
                if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || access(p, X_OK) < 0)
                        continue;
                if (have_self && same_file(&self, &st))
                        continue;
                *ret = steal_ptr(&p);
                return 0;
        }
        return ect_error_set(err, ENOENT, "runtime '%s' not found in PATH (%s)", name, path);
}

int ect_shim_find_runtime(const struct ect_config *cfg, char **ret_path, struct ect_error **err)
{
        return resolve(cfg->runtime, ret_path, err);
}

int ect_shim_exec_at(const struct ect_config *cfg, const char *path, char *argv[],
                     struct ect_error **err)
{
        argv[0] = cfg->runtime;
        execv(path, argv);
        return ect_error_set(err, errno, "execute runtime '%s'", path);
}
