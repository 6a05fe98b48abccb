/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: where the hook finds a container's device cgroup
 * (ect_cgroup_find_dir over /proc/PID/cgroup and /proc/self/mountinfo).
 * Input: one byte (bit 0: the v2 hierarchy, else the v1 "devices"
 * controller), then the two texts separated by the first NUL.
 * Invariants: no crash; errors have a message; a directory found is
 * absolute and has no "." or ".." component (it is opened on the host as
 * root: it must stay inside the cgroup mount). */
#include "cgroup.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static bool has_dot_component(const char *p)
{
        for (const char *s = p; s; s = strchr(s + 1, '/')) {
                const char *c = *s == '/' ? s + 1 : s;
                size_t n = strcspn(c, "/");
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return true;
        }
        return false;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        struct ect_error *err = NULL;
        char *text, *mi, *dir = NULL;

        if (size == 0)
                return 0;
        text = malloc(size + 1);
        memcpy(text, data + 1, size - 1);
        text[size - 1] = '\0';
        text[size] = '\0';
        mi = text + strlen(text) + 1;
        if (mi > text + size - 1)
                mi = text + size - 1; /* no separator: an empty mountinfo */
        if (ect_cgroup_find_dir(text, mi, data[0] & 1 ? NULL : "devices", &dir, &err) < 0) {
                if (!err || !err->msg)
                        abort();
                ect_error_free(&err);
        } else if (dir && (dir[0] != '/' || has_dot_component(dir))) {
                abort();
        }
        free(dir);
        free(text);
        return 0;
}
