/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"
#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "rdma.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* linux/capability.h, 0 .. CAP_LAST_CAP (40, kernel 5.9). */
static const char *const cap_names[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

bool ect_config_is_capability(const char *name)
{
        for (size_t i = 0; i < sizeof cap_names / sizeof cap_names[0]; i++)
                if (strcmp(name, cap_names[i]) == 0)
                        return true;
        return false;
}

struct ect_config *ect_config_new_default(void)
{
        struct ect_config *c = xcalloc(1, sizeof *c);
        c->runtime = xstrdup("runc");
        c->memlock = ECT_MEMLOCK_UNLIMITED;
        c->default_devices = ECT_DEFAULT_NONE;
        c->accept_env = true;
        c->accept_annotation = true;
        c->log_level = ECT_LOG_WARN;
        return c;
}

void ect_config_free(struct ect_config *c)
{
        if (!c)
                return;
        free(c->path);
        free(c->runtime);
        free(c->sysfs_root);
        free(c->dev_root);
        free(c->drivers);
        for (size_t i = 0; i < c->n_capabilities; i++)
                free(c->capabilities[i]);
        free(c->capabilities);
        free(c->log_file);
        free(c);
}

static int want_string(const char *name, const char *key, const struct ect_json *v,
                       const char **ret, struct ect_error **err)
{
        const char *s = ect_json_str(v);
        if (!ect_json_is(v, ECT_JSON_STRING))
                return ect_error_set(err, EINVAL, "%s: key '%s': expected a string, got %s", name,
                                     key, ect_json_type_name(v));
        if (!s || !*s)
                return ect_error_set(err, EINVAL, "%s: key '%s': must not be empty", name, key);
        *ret = s;
        return 0;
}

static int want_abs_path(const char *name, const char *key, const struct ect_json *v, char **ret,
                         struct ect_error **err)
{
        const char *s = NULL;
        if (want_string(name, key, v, &s, err) < 0)
                return -1;
        if (s[0] != '/')
                return ect_error_set(err, EINVAL, "%s: key '%s': '%s' is not an absolute path",
                                     name, key, s);
        if (strlen(s) >= 4096)
                return ect_error_set(err, ENAMETOOLONG, "%s: key '%s': path too long", name, key);
        free(*ret);
        *ret = xstrdup(s);
        return 0;
}

static int parse_memlock(const char *name, const struct ect_json *v, uint64_t *ret,
                         struct ect_error **err)
{
        if (ect_json_is(v, ECT_JSON_STRING)) {
                const char *s = ect_json_str(v);
                if (s && strcmp(s, "unlimited") == 0) {
                        *ret = ECT_MEMLOCK_UNLIMITED;
                        return 0;
                }
                return ect_error_set(err, EINVAL,
                                     "%s: key 'memlock': expected a number of bytes or "
                                     "\"unlimited\", got '%s'",
                                     name, s ? s : "(string with NUL)");
        }
        if (ect_json_is(v, ECT_JSON_NUMBER)) {
                if (!ect_json_u64(v, ret))
                        return ect_error_set(err, EINVAL,
                                             "%s: key 'memlock': '%s' is not a byte count "
                                             "(an integer from 0 to 18446744073709551615)",
                                             name, v->str);
                return 0;
        }
        return ect_error_set(err, EINVAL,
                             "%s: key 'memlock': expected a number of bytes or \"unlimited\", "
                             "got %s",
                             name, ect_json_type_name(v));
}

static int parse_caps(const char *name, const struct ect_json *v, struct ect_config *c,
                      struct ect_error **err)
{
        if (!ect_json_is(v, ECT_JSON_ARRAY))
                return ect_error_set(err, EINVAL,
                                     "%s: key 'capabilities': expected an array of strings, got %s",
                                     name, ect_json_type_name(v));
        c->capabilities = xcalloc(v->n + 1, sizeof *c->capabilities);
        for (size_t i = 0; i < v->n; i++) {
                const char *s = ect_json_str(v->v[i]);
                bool dup = false;
                if (!ect_json_is(v->v[i], ECT_JSON_STRING) || !s)
                        return ect_error_set(err, EINVAL,
                                             "%s: key 'capabilities': item %zu: expected a "
                                             "string, got %s",
                                             name, i, ect_json_type_name(v->v[i]));
                if (!ect_config_is_capability(s))
                        return ect_error_set(err, EINVAL,
                                             "%s: key 'capabilities': unknown capability '%s' "
                                             "(expected a name such as \"CAP_SYS_RAWIO\")",
                                             name, s);
                for (size_t k = 0; k < c->n_capabilities; k++)
                        dup = dup || strcmp(c->capabilities[k], s) == 0;
                if (!dup)
                        c->capabilities[c->n_capabilities++] = xstrdup(s);
        }
        return 0;
}

int ect_config_parse(const char *buf, size_t len, const char *name, struct ect_config **ret,
                     struct ect_error **err)
{
        cleanup_json struct ect_json *root = NULL;
        struct ect_config *c = NULL;
        int r = 0;

        if (ect_json_parse(buf, len, &root, err) < 0)
                return ect_error_wrap(err, "%s", name);
        if (!ect_json_is(root, ECT_JSON_OBJECT))
                return ect_error_set(err, EINVAL, "%s: expected a JSON object, got %s", name,
                                     ect_json_type_name(root));

        c = ect_config_new_default();
        c->path = xstrdup(name);
        for (size_t i = 0; i < root->n && r >= 0; i++) {
                const char *key = root->keys[i];
                const struct ect_json *v = root->v[i];
                const char *s = NULL;

                if (strlen(key) != root->key_lens[i]) {
                        r = ect_error_set(err, EINVAL, "%s: key with a NUL byte", name);
                        break;
                }
                for (size_t k = 0; k < i; k++)
                        if (strcmp(root->keys[k], key) == 0) {
                                r = ect_error_set(err, EINVAL, "%s: key '%s' appears twice", name,
                                                  key);
                                break;
                        }
                if (r < 0)
                        break;

                if (strcmp(key, "runtime") == 0) {
                        if ((r = want_string(name, key, v, &s, err)) < 0)
                                break;
                        if (strchr(s, '/') && s[0] != '/')
                                r = ect_error_set(err, EINVAL,
                                                  "%s: key 'runtime': '%s' must be a command "
                                                  "name (looked up in PATH) or an absolute path",
                                                  name, s);
                        else {
                                free(c->runtime);
                                c->runtime = xstrdup(s);
                        }
                } else if (strcmp(key, "sysfs-root") == 0) {
                        r = want_abs_path(name, key, v, &c->sysfs_root, err);
                } else if (strcmp(key, "dev-root") == 0) {
                        r = want_abs_path(name, key, v, &c->dev_root, err);
                } else if (strcmp(key, "drivers") == 0) {
                        if ((r = want_string(name, key, v, &s, err)) < 0)
                                break;
                        if (!ect_rdma_valid_drivers(s))
                                r = ect_error_set(err, EINVAL,
                                                  "%s: key 'drivers': expected \"any\" or driver "
                                                  "names separated by commas, got '%s'",
                                                  name, s);
                        else {
                                free(c->drivers);
                                c->drivers = xstrdup(s);
                        }
                } else if (strcmp(key, "log-file") == 0) {
                        r = want_abs_path(name, key, v, &c->log_file, err);
                } else if (strcmp(key, "memlock") == 0) {
                        r = parse_memlock(name, v, &c->memlock, err);
                } else if (strcmp(key, "default-devices") == 0) {
                        if ((r = want_string(name, key, v, &s, err)) < 0)
                                break;
                        if (strcmp(s, "none") == 0)
                                c->default_devices = ECT_DEFAULT_NONE;
                        else if (strcmp(s, "all") == 0)
                                c->default_devices = ECT_DEFAULT_ALL;
                        else
                                r = ect_error_set(err, EINVAL,
                                                  "%s: key 'default-devices': expected \"none\" "
                                                  "or \"all\", got '%s'",
                                                  name, s);
                } else if (strcmp(key, "accept-env") == 0) {
                        if (ect_json_is(v, ECT_JSON_TRUE) || ect_json_is(v, ECT_JSON_FALSE))
                                c->accept_env = ect_json_is(v, ECT_JSON_TRUE);
                        else
                                r = ect_error_set(err, EINVAL,
                                                  "%s: key 'accept-env': expected true or "
                                                  "false, got %s",
                                                  name, ect_json_type_name(v));
                } else if (strcmp(key, "accept-annotation") == 0) {
                        if (ect_json_is(v, ECT_JSON_TRUE) || ect_json_is(v, ECT_JSON_FALSE))
                                c->accept_annotation = ect_json_is(v, ECT_JSON_TRUE);
                        else
                                r = ect_error_set(err, EINVAL,
                                                  "%s: key 'accept-annotation': expected true "
                                                  "or false, got %s",
                                                  name, ect_json_type_name(v));
                } else if (strcmp(key, "capabilities") == 0) {
                        r = parse_caps(name, v, c, err);
                } else if (strcmp(key, "log-level") == 0) {
                        if ((r = want_string(name, key, v, &s, err)) < 0)
                                break;
                        c->log_level = ect_log_parse_level(s);
                        if (c->log_level < 0)
                                r = ect_error_set(err, EINVAL,
                                                  "%s: key 'log-level': expected \"error\", "
                                                  "\"warn\", \"info\" or \"debug\", got '%s'",
                                                  name, s);
                } else {
                        r = ect_error_set(err, EINVAL,
                                          "%s: unknown key '%s' (known: runtime, sysfs-root, "
                                          "dev-root, drivers, memlock, default-devices, "
                                          "accept-env, accept-annotation, capabilities, "
                                          "log-file, log-level)",
                                          name, key);
                }
        }
        if (r < 0) {
                ect_config_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int ect_config_load(const char *path, struct ect_config **ret, struct ect_error **err)
{
        cleanup_free char *buf = NULL;
        size_t len = 0;
        bool explicit = path != NULL;
        struct ect_error *e = NULL;

        if (!path)
                path = ECT_CONFIG_PATH;
        if (ect_read_file_at(AT_FDCWD, path, ECT_CONFIG_MAX_SIZE, &buf, &len, &e) < 0) {
                if (!explicit && e->code == ENOENT) {
                        ect_error_free(&e);
                        *ret = ect_config_new_default();
                        return 0;
                }
                *err = e;
                return ect_error_wrap(err, "configuration file");
        }
        return ect_config_parse(buf, len, path, ret, err);
}
