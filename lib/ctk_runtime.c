/* SPDX-License-Identifier: Apache-2.0 */
#include "ctk_runtime.h"
#include "cleanup.h"
#include "ctk_containerd.h"
#include "ctk_docker.h"
#include "ctk_plan.h"
#include "fileio.h"
#include "spawn.h"
#include "toml.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Podman and CRI-O read hooks here (oci-hooks(5)); the packages install
 * erdma-hook.json in it. */
#define HOOKS_DIR "/usr/share/containers/oci/hooks.d"
#define MEMLOCK_NAME "90-erdma-ctk-memlock.conf"

struct ctx {
        const struct ect_ctk_args *a;
        struct ect_ctk_plan plan;
        char *notes;
};

static void __attribute__((format(printf, 2, 3))) note(struct ctx *c, const char *fmt, ...)
{
        cleanup_free char *line = NULL;
        char *all;
        va_list ap;

        va_start(ap, fmt);
        line = xvasprintf(fmt, ap);
        va_end(ap);
        all = xasprintf("%s%s\n", c->notes ? c->notes : "", line);
        free(c->notes);
        c->notes = all;
}

static char *rooted(const struct ect_ctk_args *a, const char *path)
{
        return ect_ctk_rooted(a->root, path);
}

static bool at_host_root(const struct ect_ctk_args *a)
{
        return !a->root || strcmp(a->root, "/") == 0;
}

static bool ours(const struct ect_ctk_file *f)
{
        return f->text && strncmp(f->text, ECT_CTK_HEADER, strlen(ECT_CTK_HEADER)) == 0;
}

/* A drop-in path of ours: refuses to overwrite someone else's file. */
static int read_own(const char *path, struct ect_ctk_file *f, struct ect_error **err)
{
        if (ect_ctk_file_read(path, f, err) < 0)
                return ect_error_rc(*err);
        if (f->text && !ours(f)) {
                ect_ctk_file_clear(f);
                return ect_error_set(err, EEXIST,
                                     "'%s' exists and was not written by erdma-ctk: left alone "
                                     "(name another file with --drop-in)",
                                     path);
        }
        return 0;
}

/* Removes the backup configure kept of path, if there is one. */
static int plan_remove_backup(struct ctx *c, const char *path, struct ect_error **err)
{
        cleanup_free char *bak = xasprintf("%s.erdma-ctk.bak", path);
        struct ect_ctk_file f;

        if (ect_ctk_file_read(bak, &f, err) < 0)
                return ect_error_rc(*err);
        ect_ctk_plan_add(&c->plan, &f, NULL, 0, false);
        return 0;
}

/* Removes a file of ours, if there is one. */
static int plan_remove_own(struct ctx *c, const char *path, struct ect_error **err)
{
        struct ect_ctk_file f;

        if (ect_ctk_file_read(path, &f, err) < 0)
                return ect_error_rc(*err);
        if (f.text && !ours(&f)) {
                note(c, "%s: not written by erdma-ctk, kept", path);
                ect_ctk_file_clear(&f);
                return 0;
        }
        ect_ctk_plan_add(&c->plan, &f, NULL, 0, false);
        return 0;
}

static const char *unit_of(enum ect_engine e)
{
        switch (e) {
        case ECT_ENGINE_DOCKER:
                return "docker.service";
        case ECT_ENGINE_CONTAINERD:
                return "containerd.service";
        case ECT_ENGINE_CRIO:
                return "crio.service";
        case ECT_ENGINE_PODMAN:
        case ECT_ENGINE_N:
                break;
        }
        return NULL;
}

/* The systemd drop-in that sets LimitMEMLOCK=infinity for an engine's unit. */
static char *memlock_dropin(void)
{
        /* CRI containers (Kubernetes has no ulimit field) and containers
         * started without --ulimit inherit the engine's own limit. */
        return xstrdup(ECT_CTK_HEADER
                       " --memlock-dropin\n"
                       "# (erdma-container-toolkit): containers that set no memlock limit of\n"
                       "# their own inherit the engine's, and RDMA memory registration needs a\n"
                       "# high one. erdma-ctk runtime unconfigure removes this file.\n"
                       "[Service]\n"
                       "LimitMEMLOCK=infinity\n");
}

static char *memlock_path(const struct ect_ctk_args *a)
{
        cleanup_free char *p =
                xasprintf("/etc/systemd/system/%s.d/" MEMLOCK_NAME, unit_of(a->engine));
        return rooted(a, p);
}

static int memlock(struct ctx *c, bool configure, struct ect_error **err)
{
        const struct ect_ctk_args *a = c->a;
        cleanup_free char *path = NULL;
        struct ect_ctk_file f;

        if (!unit_of(a->engine)) {
                if (configure && a->memlock_dropin)
                        return ect_error_set(err, EINVAL,
                                             "--memlock-dropin: podman has no daemon; give "
                                             "containers --ulimit memlock=-1, or use the hook");
                return 0;
        }
        path = memlock_path(a);
        if (!configure)
                return plan_remove_own(c, path, err);
        if (!a->memlock_dropin)
                return 0;
        if (read_own(path, &f, err) < 0)
                return ect_error_rc(*err);
        ect_ctk_plan_add(&c->plan, &f, memlock_dropin(), 0644, false);
        note(c, "%s: LimitMEMLOCK=infinity for %s", path, unit_of(a->engine));
        return 0;
}

/* ---- Docker ---- */

static int docker(struct ctx *c, bool configure, struct ect_error **err)
{
        const struct ect_ctk_args *a = c->a;
        cleanup_free char *path =
                a->config ? xstrdup(a->config) : rooted(a, "/etc/docker/daemon.json");
        cleanup_free char *rec_path = xasprintf("%s.erdma-ctk.undo", path);
        cleanup_free char *text = NULL, *rec_text = NULL, *notes = NULL;
        struct ect_ctk_file f = {0}, r = {0};
        struct ect_version v;
        struct ect_error *e = NULL;
        int rc = -1;

        if (ect_ctk_file_read(path, &f, err) < 0 || ect_ctk_file_read(rec_path, &r, err) < 0)
                goto out;
        if (configure) {
                struct ect_docker_opts o = {.runtime_name = a->runtime_name,
                                            .runtime_path = a->runtime_path,
                                            .set_default = a->set_default,
                                            .cdi = a->cdi};
                if (ect_docker_configure(f.text, f.len, r.text, r.len, &o, &text, &rec_text, err) <
                    0) {
                        ect_error_wrap(err, "%s (left as it is)", path);
                        goto out;
                }
                if (a->cdi && ect_engine_version(ECT_ENGINE_DOCKER, &v, &e) == 0) {
                        if (v.major < 25)
                                note(c,
                                     "warning: dockerd %d.%d.%d has no CDI (Docker 25 and "
                                     "later): features.cdi is ignored there; use "
                                     "--runtime %s",
                                     v.major, v.minor, v.patch, a->runtime_name);
                }
                ect_error_free(&e);
                if (!text) {
                        note(c, "%s: already configured, nothing to change", path);
                        ect_ctk_file_clear(&f);
                        ect_ctk_file_clear(&r);
                        return 0;
                }
                note(c, "%s: runtime \"%s\" -> %s%s%s", path, a->runtime_name, a->runtime_path,
                     a->set_default ? ", default-runtime" : "", a->cdi ? ", features.cdi" : "");
                ect_ctk_plan_add(&c->plan, &f, steal_ptr(&text), 0644, true);
                ect_ctk_plan_add(&c->plan, &r, steal_ptr(&rec_text), 0644, false);
        } else {
                bool remove = false;
                if (!r.text) {
                        note(c,
                             "%s: no undo record (%s): erdma-ctk did not configure it, "
                             "nothing to undo",
                             path, rec_path);
                        ect_ctk_file_clear(&f);
                        return 0;
                }
                if (ect_docker_unconfigure(f.text, f.len, r.text, r.len, &text, &remove, &notes,
                                           err) < 0) {
                        ect_error_wrap(err, "%s (left as it is)", path);
                        goto out;
                }
                for (const char *n = notes; n && *n; n += strlen(n) + 1)
                        note(c, "%s: %s", path, n);
                if (text || remove)
                        note(c, "%s: %s", path,
                             remove ? "created by configure, removed" : "restored");
                if (text || remove)
                        ect_ctk_plan_add(&c->plan, &f, steal_ptr(&text), 0644, false);
                else
                        ect_ctk_file_clear(&f);
                ect_ctk_plan_add(&c->plan, &r, NULL, 0, false);
                if (plan_remove_backup(c, path, err) < 0)
                        goto out;
        }
        rc = 0;
out:
        ect_ctk_file_clear(&f);
        ect_ctk_file_clear(&r);
        return rc;
}

/* ---- containerd ---- */

struct ctd {
        char *main_ref, *main_path, *drop_ref, *drop_path;
        bool installed, can_run;
        struct ect_version v;
        struct ect_ctd_opts o;
        char *before; /* dump before (for the check) */
        char *defaults;
        bool carried;
};

static void ctd_clear(struct ctd *d)
{
        free(d->main_ref);
        free(d->main_path);
        free(d->drop_ref);
        free(d->drop_path);
        free(d->before);
        free(d->defaults);
}

static int run_containerd(char **argv, char **ret, struct ect_error **err)
{
        struct ect_spawn_result r;

        if (ect_spawn(argv, 0, &r, err) < 0)
                return ect_error_rc(*err);
        if (r.status != 0) {
                cleanup_free char *msg = xstrdup(r.errout && *r.errout ? r.errout : "no message");
                msg[strcspn(msg, "\n")] = '\0';
                ect_spawn_result_clear(&r);
                cleanup_free char *cmd = xstrdup(argv[0]);
                for (size_t k = 1; argv[k]; k++) {
                        char *t = xasprintf("%s %s", cmd, argv[k]);
                        free(cmd);
                        cmd = t;
                }
                return ect_error_set(err, 0, "'%s' failed: %s", cmd, msg);
        }
        *ret = steal_ptr(&r.out);
        ect_spawn_result_clear(&r);
        return 0;
}

static int dump(const char *config, char **ret, struct ect_error **err)
{
        char *argv[] = {(char *)"containerd", (char *)"--config", (char *)config,
                        (char *)"config",     (char *)"dump",     NULL};
        return run_containerd(argv, ret, err);
}

static int dump_default(char **ret, struct ect_error **err)
{
        char *argv[] = {(char *)"containerd", (char *)"config", (char *)"default", NULL, NULL};
        return run_containerd(argv, ret, err);
}

/* containerd's view of the configuration without our drop-in: the main
 * file with our imports entry taken out, written beside it (relative
 * imports resolve from the same directory) for the time of one dump. */
static int dump_without_ours(struct ctd *d, const struct ect_ctk_file *main, char **ret,
                             struct ect_error **err)
{
        cleanup_free char *without = NULL, *dir = NULL, *tmp = NULL;
        cleanup_close int fd = -1;
        char *slash;
        int r;

        if (!main->text || ect_ctd_is_new_main(main->text, d->drop_ref))
                return dump_default(ret, err);
        if (ect_ctd_imports_remove(main->text, main->len, d->drop_ref, &without, err) < 0)
                return ect_error_rc(*err);
        if (!without)
                return dump(d->main_path, ret, err);
        dir = xstrdup(d->main_path);
        slash = strrchr(dir, '/');
        if (slash)
                *slash = '\0';
        tmp = xasprintf("%s/.erdma-ctk-dump.%ld.toml", slash ? dir : ".", (long)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return ect_error_set(err, errno, "create '%s'", tmp);
        if (ect_write_all(fd, without, strlen(without)) < 0) {
                r = ect_error_set(err, errno, "write '%s'", tmp);
                (void)unlink(tmp);
                return r;
        }
        r = dump(tmp, ret, err);
        (void)unlink(tmp);
        return r;
}

/* Whether the main file says anything under the CRI plugin (a table, or a
 * dotted key that reaches it). */
static int names_cri(const struct ect_ctk_file *main, bool *ret, struct ect_error **err)
{
        struct ect_toml_doc doc = {0};
        const char *cri = ect_ctd_cri_table(2);

        *ret = false;
        if (!main->text)
                return 0;
        if (ect_toml_scan(main->text, main->len, &doc, err) < 0)
                return ect_error_rc(*err);
        for (size_t k = 0; k < doc.n && !*ret; k++) {
                cleanup_free char *full =
                        *doc.items[k].table
                                ? xasprintf("%s.%s", doc.items[k].table, doc.items[k].key)
                                : xstrdup(doc.items[k].key);
                *ret = strncmp(full, cri, strlen(cri)) == 0 ||
                       strncmp(full, "plugins.cri", 11) == 0;
        }
        ect_toml_doc_clear(&doc);
        return 0;
}

/* Whether a dump's top-level disabled_plugins names the CRI plugin. */
static bool cri_disabled(const char *dump_text)
{
        struct ect_toml_doc doc = {0};
        struct ect_error *e = NULL;
        const struct ect_toml_item *it;
        struct ect_toml_str *v = NULL;
        size_t n = 0;
        bool found = false;

        if (ect_toml_scan(dump_text, strlen(dump_text), &doc, &e) < 0) {
                ect_error_free(&e);
                return false;
        }
        it = ect_toml_find(&doc, "", "disabled_plugins");
        if (it && ect_toml_string_array(dump_text, it->val_start, it->val_end, &v, &n, &e) == 0)
                for (size_t k = 0; k < n; k++)
                        found |= strcmp(v[k].val, "cri") == 0 ||
                                 strcmp(v[k].val, "io.containerd.grpc.v1.cri") == 0;
        ect_error_free(&e);
        ect_toml_strs_free(v, n);
        ect_toml_doc_clear(&doc);
        return found;
}

static int containerd_configure(struct ctx *c, struct ctd *d, struct ect_error **err)
{
        const struct ect_ctk_args *a = c->a;
        struct ect_ctk_file main = {0}, drop = {0};
        cleanup_free char *carry = NULL, *drop_text = NULL, *main_text = NULL;
        struct ect_error *e = NULL;
        int version = 0, rc = -1;

        if (ect_ctk_file_read(d->main_path, &main, err) < 0 ||
            read_own(d->drop_path, &drop, err) < 0)
                goto out;
        if (main.text) {
                if (ect_ctd_config_version(main.text, main.len, &version, err) < 0) {
                        ect_error_wrap(err, "%s (left as it is)", d->main_path);
                        goto out;
                }
                if (version < 2) {
                        ect_error_set(err, 0,
                                      "%s has no 'version = 2' (or 3) line: containerd reads it "
                                      "as the old version 1 schema; add the line (and migrate "
                                      "the file) first",
                                      d->main_path);
                        goto out;
                }
        } else if (a->config_version) {
                version = a->config_version;
        } else if (d->installed) {
                version = d->v.major >= 2 ? 3 : 2;
        } else {
                ect_error_set(err, 0,
                              "%s does not exist and containerd's version is not known: say which "
                              "config version to write with --config-version 2 (containerd "
                              "1.x) or 3 (2.x)",
                              d->main_path);
                goto out;
        }
        if (a->cdi && d->installed && d->v.major == 1 && d->v.minor < 7) {
                ect_error_set(err, 0,
                              "containerd %d.%d.%d has no CDI (1.7.0 and later): configure "
                              "without --cdi and select devices with the runtime handler",
                              d->v.major, d->v.minor, d->v.patch);
                goto out;
        }
        d->o = (struct ect_ctd_opts){.version = version,
                                     .runtime_name = a->runtime_name,
                                     .runtime_path = a->runtime_path,
                                     .cdi = a->cdi,
                                     .set_default = a->set_default};
        if (d->can_run && dump_without_ours(d, &main, &d->before, err) < 0)
                goto out;
        if (d->can_run && cri_disabled(d->before)) {
                /* containerd.io (Docker's package) ships such a file. */
                ect_error_set(err, 0,
                              "%s disables the CRI plugin (disabled_plugins): a runtime handler "
                              "would never be used; enable the plugin first",
                              d->main_path);
                goto out;
        }
        /* containerd 1.x: the drop-in replaces the CRI section (header of
         * ctk_containerd.h). */
        if (version == 2 && (!d->installed || d->v.major == 1)) {
                if (d->can_run) {
                        if (dump_default(&d->defaults, err) < 0 ||
                            ect_ctd_carry(d->before, d->defaults, &d->o, false, &carry, err) < 0)
                                goto out;
                        d->carried = true;
                } else {
                        bool cri = false;
                        if (names_cri(&main, &cri, err) < 0)
                                goto out;
                        if (cri) {
                                ect_error_set(err, 0,
                                              "%s has CRI plugin settings, which a drop-in "
                                              "replaces as a whole on containerd 1.x; without "
                                              "running containerd (%s) erdma-ctk cannot carry "
                                              "them over: run it on the host, without --root",
                                              d->main_path,
                                              at_host_root(a) ? "not installed" : "--root given");
                                goto out;
                        }
                }
        }
        if (ect_ctd_dropin(&d->o, carry, &drop_text, err) < 0)
                goto out;
        if (main.text) {
                if (ect_ctd_imports_add(main.text, main.len, d->main_ref, d->drop_ref, &main_text,
                                        err) < 0) {
                        ect_error_wrap(err, "%s (left as it is)", d->main_path);
                        goto out;
                }
        } else {
                main_text = ect_ctd_new_main(version, d->drop_ref);
        }
        note(c, "%s: runtime handler \"%s\" (BinaryName %s)%s%s, config version %d", d->drop_path,
             a->runtime_name, a->runtime_path, a->cdi ? ", enable_cdi" : "",
             a->set_default ? ", default_runtime_name" : "", version);
        if (main_text)
                note(c, "%s: %s", d->main_path,
                     main.text ? "imports the drop-in" : "created: version and imports");
        else
                note(c, "%s: its imports already cover the drop-in, left as it is", d->main_path);
        if (!d->can_run)
                note(c,
                     "containerd not run (%s): the result is not checked with containerd "
                     "config dump",
                     at_host_root(a) ? "not installed" : "--root");
        /* The drop-in first: containerd fails to start on an import that
         * names a missing file. */
        ect_ctk_plan_add(&c->plan, &drop, steal_ptr(&drop_text), 0644, false);
        if (main_text)
                ect_ctk_plan_add(&c->plan, &main, steal_ptr(&main_text), 0644, true);
        rc = 0;
out:
        ect_error_free(&e);
        ect_ctk_file_clear(&main);
        ect_ctk_file_clear(&drop);
        return rc;
}

/* After the files are written: containerd's dump must show the handler and
 * nothing else changed. On containerd 1.x a carry of the differing tables
 * that does not reproduce the settings (a map entry decoded afresh) is
 * replaced by the whole CRI section once. */
static int containerd_check(struct ctx *c, struct ctd *d, struct ect_error **err)
{
        for (int attempt = 0;; attempt++) {
                cleanup_free char *after = NULL, *problem = NULL;
                if (dump(d->main_path, &after, err) < 0 ||
                    ect_ctd_verify(d->before, after, d->v.major, &d->o, &problem, err) < 0)
                        return ect_error_rc(*err);
                if (!problem) {
                        note(c,
                             "checked: containerd config dump shows handler \"%s\" with "
                             "BinaryName %s, every other setting as before",
                             d->o.runtime_name, d->o.runtime_path);
                        return 0;
                }
                if (attempt == 0 && d->carried) {
                        struct ect_ctk_change *ch = ect_ctk_plan_find(&c->plan, d->drop_path);
                        cleanup_free char *carry = NULL;
                        char *text = NULL;
                        if (!ch ||
                            ect_ctd_carry(d->before, d->defaults, &d->o, true, &carry, err) < 0 ||
                            ect_ctd_dropin(&d->o, carry, &text, err) < 0 ||
                            ect_ctk_plan_rewrite(ch, text, err) < 0)
                                return ch ? -1 : ect_error_set(err, 0, "containerd: %s", problem);
                        note(c,
                             "%s: carries the whole CRI section (%s with the differing "
                             "tables only)",
                             d->drop_path, problem);
                        continue;
                }
                return ect_error_set(err, 0, "containerd config dump after the change: %s",
                                     problem);
        }
}

static int containerd_unconfigure(struct ctx *c, struct ctd *d, struct ect_error **err)
{
        struct ect_ctk_file main = {0};
        cleanup_free char *text = NULL;

        if (ect_ctk_file_read(d->main_path, &main, err) < 0)
                return ect_error_rc(*err);
        if (main.text && ect_ctd_is_new_main(main.text, d->drop_ref)) {
                note(c, "%s: created by configure, removed", d->main_path);
                ect_ctk_plan_add(&c->plan, &main, NULL, 0, false);
        } else if (main.text) {
                if (ect_ctd_imports_remove(main.text, main.len, d->drop_ref, &text, err) < 0) {
                        ect_ctk_file_clear(&main);
                        return ect_error_wrap(err, "%s (left as it is)", d->main_path);
                }
                if (text)
                        note(c, "%s: the drop-in's imports entry removed", d->main_path);
                if (text)
                        ect_ctk_plan_add(&c->plan, &main, steal_ptr(&text), 0644, false);
                else
                        ect_ctk_file_clear(&main);
        } else {
                ect_ctk_file_clear(&main);
        }
        if (plan_remove_backup(c, d->main_path, err) < 0)
                return ect_error_rc(*err);
        return plan_remove_own(c, d->drop_path, err);
}

static int containerd(struct ctx *c, bool configure, struct ect_error **err)
{
        const struct ect_ctk_args *a = c->a;
        struct ctd d = {0};
        struct ect_error *e = NULL;
        int r;

        d.main_ref = xstrdup(a->config ? a->config : "/etc/containerd/config.toml");
        d.main_path = a->config ? xstrdup(a->config) : rooted(a, d.main_ref);
        d.drop_ref = xstrdup(a->dropin ? a->dropin : "/etc/containerd/conf.d/99-erdma.toml");
        d.drop_path = a->dropin ? xstrdup(a->dropin) : rooted(a, d.drop_ref);
        /* Under --root the tree's containerd is not the one on PATH: its
         * version is not known, and it is not run. */
        d.installed = at_host_root(a) && ect_engine_version(ECT_ENGINE_CONTAINERD, &d.v, &e) == 0;
        ect_error_free(&e);
        d.can_run = d.installed;
        if (!configure) {
                r = containerd_unconfigure(c, &d, err);
        } else {
                r = containerd_configure(c, &d, err);
                if (r == 0 && !a->dry_run && d.can_run) {
                        r = ect_ctk_plan_apply(&c->plan, err);
                        if (r == 0 && containerd_check(c, &d, err) < 0) {
                                struct ect_error *e2 = NULL;
                                if (ect_ctk_plan_revert(&c->plan, &e2) < 0) {
                                        ect_error_wrap(err, "%s", e2->msg);
                                        ect_error_free(&e2);
                                } else {
                                        ect_error_wrap(err, "all files restored");
                                }
                                r = -1;
                        }
                }
        }
        ctd_clear(&d);
        return r;
}

/* ---- CRI-O and Podman ---- */

/* The CRI-O drop-in. */
static char *crio_dropin(const struct ect_ctk_args *a)
{
        cleanup_free char *name = ect_toml_key_part(a->runtime_name);
        cleanup_free char *qname = ect_toml_quote(a->runtime_name);
        cleanup_free char *qpath = ect_toml_quote(a->runtime_path);
        cleanup_free char *head = NULL;

        if (a->set_default || a->cdi)
                head = xasprintf("[crio.runtime]\n%s%s%s%s\n",
                                 a->set_default ? "default_runtime = " : "",
                                 a->set_default ? qname : "", a->set_default ? "\n" : "",
                                 a->cdi ? "cdi_spec_dirs = [\"/etc/cdi\", \"/var/run/cdi\"]\n"
                                        : "");
        return xasprintf(ECT_CTK_HEADER
                         " (erdma-container-toolkit): the\n"
                         "# runtime handler %s for CRI-O. erdma-ctk runtime unconfigure removes\n"
                         "# this file.\n"
                         "%s"
                         "[crio.runtime.runtimes.%s]\n"
                         "runtime_path = %s\n"
                         "runtime_type = \"oci\"\n"
                         "runtime_root = \"/run/runc\"\n",
                         a->runtime_name, head ? head : "", name, qpath);
}

static void hooks_report(struct ctx *c)
{
        cleanup_free char *p = rooted(c->a, HOOKS_DIR "/erdma-hook.json");
        struct stat st;

        if (stat(p, &st) == 0)
                note(c,
                     "hooks.d: %s is installed (by the package): "
                     "--annotation com.aliyun.erdma.devices=all selects devices",
                     p);
        else
                note(c,
                     "hooks.d: %s is missing: install the package (or make install) for "
                     "the hook",
                     p);
}

static int crio(struct ctx *c, bool configure, struct ect_error **err)
{
        const struct ect_ctk_args *a = c->a;
        cleanup_free char *path =
                a->dropin ? xstrdup(a->dropin) : rooted(a, "/etc/crio/crio.conf.d/99-erdma.conf");
        struct ect_ctk_file f;

        hooks_report(c);
        if (!configure) {
                if (plan_remove_own(c, path, err) < 0)
                        return ect_error_rc(*err);
        } else {
                if (read_own(path, &f, err) < 0)
                        return ect_error_rc(*err);
                note(c, "%s: runtime handler \"%s\" -> %s", path, a->runtime_name, a->runtime_path);
                ect_ctk_plan_add(&c->plan, &f, crio_dropin(a), 0644, false);
        }
        return 0;
}

static int podman(struct ctx *c, bool configure, struct ect_error **err)
{
        (void)err;
        hooks_report(c);
        if (configure)
                note(c, "podman: nothing to write. CDI: podman reads /etc/cdi and /var/run/cdi "
                        "itself (--device aliyun.com/erdma=all); memlock: --ulimit memlock=-1, "
                        "or the hook");
        return 0;
}

int ect_ctk_runtime(const struct ect_ctk_args *a, bool configure, char **ret_notes,
                    struct ect_error **err)
{
        struct ctx c = {.a = a};
        int r;

        switch (a->engine) {
        case ECT_ENGINE_DOCKER:
                r = docker(&c, configure, err);
                break;
        case ECT_ENGINE_CONTAINERD:
                r = containerd(&c, configure, err);
                break;
        case ECT_ENGINE_CRIO:
                r = crio(&c, configure, err);
                break;
        case ECT_ENGINE_PODMAN:
        case ECT_ENGINE_N:
        default:
                r = podman(&c, configure, err);
                break;
        }
        if (r == 0)
                r = memlock(&c, configure, err);
        if (r == 0 && a->dry_run)
                r = ect_ctk_plan_diff(&c.plan, err);
        else if (r == 0)
                r = ect_ctk_plan_apply(&c.plan, err); /* steps done already are skipped */
        if (r == 0 && c.plan.n == 0)
                note(&c, "nothing to change");
        if (r == 0 && c.plan.n > 0 && unit_of(a->engine)) {
                bool reload = false;
                for (size_t k = 0; k < c.plan.n; k++)
                        reload |= strstr(c.plan.v[k].old.path, "/" MEMLOCK_NAME) != NULL;
                /* The command that makes the engine read its new files. */
                note(&c, "%s%ssystemctl restart %s",
                     a->dry_run ? "then (after a real run): " : "then: ",
                     reload ? "systemctl daemon-reload && " : "", unit_of(a->engine));
        }
        if (r == 0 && a->dry_run)
                note(&c, "(dry run: nothing written)");
        ect_ctk_plan_clear(&c.plan);
        *ret_notes = c.notes ? c.notes : xstrdup("");
        return r;
}
