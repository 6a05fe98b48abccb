/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the selection value (ect_select_parse), as it comes
 * from an annotation or ERDMA_VISIBLE_DEVICES, against a fixed fake host
 * and against a host without devices.
 * Input: one flag byte (bit 0: "all" needs devices; bit 1: the empty host),
 * then the value (cut at the first NUL, as a C string would be).
 * Invariants: no crash; an error has a message; a selection holds devices
 * of the host only, sorted by index, each once; "none" and "" select
 * nothing; on the empty host nothing is ever selected. */
#include "fakehost.h"
#include "select.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static struct ect_host *host, *empty;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        struct ect_selection *sel = NULL;
        struct ect_error *err = NULL;
        const struct ect_host *h;
        char *value;
        unsigned flags;

        if (!host) {
                host = fuzz_host();
                empty = host_new(NULL);
        }
        if (size == 0)
                return 0;
        flags = data[0];
        h = flags & 2 ? empty : host;
        value = strndup((const char *)data + 1, size - 1);
        if (!value)
                abort();
        if (ect_select_parse(h, value, flags & 1, &sel, &err) < 0) {
                if (!err || !err->msg || !*err->msg || sel)
                        abort();
                ect_error_free(&err);
                free(value);
                return 0;
        }
        if (!sel || sel->n_devices > h->n_devices)
                abort();
        for (size_t i = 0; i < sel->n_devices; i++) {
                const struct ect_device *d = sel->devices[i];
                if (d < h->devices || d >= h->devices + h->n_devices)
                        abort();
                if (i > 0 && sel->devices[i - 1]->index >= d->index)
                        abort();
        }
        if ((strcmp(value, "none") == 0 || value[strspn(value, " \t")] == '\0') &&
            sel->n_devices != 0)
                abort();
        ect_selection_free(sel);
        free(value);
        return 0;
}
