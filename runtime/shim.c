/* SPDX-License-Identifier: Apache-2.0 */
#include "shim.h"
#include "cleanup.h"
#include "edits.h"
#include "log.h"
#include "ocispec.h"
#include "plan.h"
#include "select.h"
#include "xalloc.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* No request can be in a config.json without one of the strings that make
 * it: the common case costs not even a parse. */
static bool may_request(const void *cfg, const char *buf, size_t len)
{
        return ect_select_may_request(cfg, buf, len);
}

static void log_warnings(const struct ect_plan *plan)
{
        for (size_t i = 0; i < plan->n_warnings; i++)
                ect_log_write(plan->warnings[i].level, __FILE__, __LINE__, "%s",
                              plan->warnings[i].text);
}

/* runc sets the container's rlimits with setrlimit() in its init process,
 * which inherits our limits and capabilities: say so here (the plan's one
 * check), instead of runc's bare "operation not permitted". */
static int check_memlock(const struct ect_plan *plan, struct ect_error **err)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
                return 0;
        return ect_plan_memlock_check(plan, rl.rlim_max, err);
}

/* The plan, written into config.json. */
static int apply_plan(struct ect_oci_doc *doc, const struct ect_plan *plan, const char *id,
                      struct ect_error **err)
{
        const struct ect_selection *sel = plan->sel;
        bool changed = false;

        if (check_memlock(plan, err) < 0)
                return -1;
        if (ect_oci_apply(doc, plan->edits, &changed, err) < 0)
                return -1;
        if (!changed) {
                log_debug("container '%s': config.json has everything already", id);
                return 0;
        }
        if (ect_oci_save(doc, err) < 0)
                return -1;
        for (size_t i = 0; i < sel->n_devices; i++)
                log_info("container '%s': added %s (%s) from %s", id, sel->devices[i]->ibdev,
                         sel->devices[i]->uverbs.path, ect_select_source_name(sel->source));
        return 0;
}

int ect_shim_edit_bundle(const struct ect_config *cfg, const struct ect_runc_args *args,
                         struct ect_error **err)
{
        cleanup_oci struct ect_oci_doc *doc = NULL;
        cleanup_plan struct ect_plan *plan = NULL;
        const char *id = args->id ? args->id : "?";

        if (ect_oci_load_if(args->bundle, may_request, cfg, &doc, err) < 0)
                return -1;
        if (!doc) {
                log_debug("container '%s': no eRDMA request", id);
                return 0;
        }
        /* No state before the container exists: config.json alone
         * (lib/plan.h). No request after all: no sysfs walk, no write. */
        if (ect_plan_make(cfg, doc, NULL, &plan, err) < 0)
                return ect_error_wrap(err, "container '%s'", id);
        log_warnings(plan);
        if (plan->source == ECT_SELECT_NONE) {
                log_debug("container '%s': no eRDMA request", id);
                return 0;
        }
        if (!plan->edits) {
                log_debug("container '%s': %s selects no device", id,
                          ect_select_source_name(plan->source));
                return 0;
        }
        if (apply_plan(doc, plan, id, err) < 0)
                return ect_error_wrap(err, "container '%s'", id);
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
                        return ect_error_set(err, EACCES, "runtime '%s': not a regular file", name);
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
