/* SPDX-License-Identifier: Apache-2.0 */
#include "state.h"
#include "cleanup.h"
#include "fileio.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

void ect_state_free(struct ect_state *s)
{
        if (!s)
                return;
        free(s->oci_version);
        free(s->id);
        free(s->status);
        free(s->bundle);
        ect_json_free(s->annotations);
        free(s);
}

/* An optional string member: NULL when absent, error when not a string. */
static int opt_str(const struct ect_json *obj, const char *key, char **ret, struct ect_error **err)
{
        const struct ect_json *v = ect_json_get(obj, key);
        const char *s;

        if (!v || v->type == ECT_JSON_NULL) {
                *ret = NULL;
                return 0;
        }
        s = ect_json_str(v);
        if (!s)
                return ect_error_set(err, EINVAL, "'%s' is %s, not a string", key,
                                     ect_json_type_name(v));
        *ret = xstrdup(s);
        return 0;
}

int ect_state_parse(const char *buf, size_t len, struct ect_state **ret, struct ect_error **err)
{
        cleanup_json struct ect_json *j = NULL;
        struct ect_state *s = NULL;
        const struct ect_json *v;
        int64_t pid;
        int r;

        if (len == 0)
                return ect_error_set(err, EINVAL,
                                     "OCI state: empty input (is this run as a hook?)");
        r = ect_json_parse(buf, len, &j, err);
        if (r < 0)
                return ect_error_wrap(err, "OCI state");
        if (j->type != ECT_JSON_OBJECT)
                return ect_error_set(err, EINVAL, "OCI state: %s, not an object",
                                     ect_json_type_name(j));
        s = xcalloc(1, sizeof *s);
        if (opt_str(j, "ociVersion", &s->oci_version, err) < 0 ||
            opt_str(j, "id", &s->id, err) < 0 || opt_str(j, "status", &s->status, err) < 0 ||
            opt_str(j, "bundle", &s->bundle, err) < 0) {
                r = ect_error_wrap(err, "OCI state");
                goto fail;
        }
        v = ect_json_get(j, "pid");
        if (!v) {
                r = ect_error_set(err, EINVAL,
                                  "OCI state: no 'pid' (the container has no process)");
                goto fail;
        }
        if (!ect_json_i64(v, &pid) || pid <= 0 || pid > INT32_MAX) {
                r = ect_error_set(err, EINVAL, "OCI state: 'pid' is not a valid process id: %s",
                                  v->type == ECT_JSON_NUMBER ? v->str : ect_json_type_name(v));
                goto fail;
        }
        s->pid = (pid_t)pid;
        if (!s->bundle || s->bundle[0] == '\0') {
                r = ect_error_set(err, EINVAL, "OCI state: no 'bundle'");
                goto fail;
        }
        if (s->bundle[0] != '/') {
                r = ect_error_set(err, EINVAL, "OCI state: 'bundle' is not absolute: '%s'",
                                  s->bundle);
                goto fail;
        }
        if (s->status && strcmp(s->status, "stopped") == 0) {
                r = ect_error_set(err, ESRCH, "OCI state: the container is already stopped");
                goto fail;
        }
        v = ect_json_get(j, "annotations");
        if (v && v->type != ECT_JSON_NULL) {
                if (v->type != ECT_JSON_OBJECT) {
                        r = ect_error_set(err, EINVAL,
                                          "OCI state: 'annotations' is %s, not an object",
                                          ect_json_type_name(v));
                        goto fail;
                }
                s->annotations = ect_json_dup(v);
        }
        *ret = s;
        return 0;
fail:
        ect_state_free(s);
        return r;
}

int ect_state_read(int fd, struct ect_state **ret, struct ect_error **err)
{
        cleanup_free char *buf = NULL;
        size_t len = 0;
        int r;

        /* No fstat(): runtimes write the state into a pipe, whose stat
         * says nothing of its size (one system call a container start). */
        r = ect_read_fd_stat(fd, NULL, "OCI state on stdin", ECT_STATE_MAX_SIZE, &buf, &len, err);
        if (r < 0)
                return r;
        return ect_state_parse(buf, len, ret, err);
}
