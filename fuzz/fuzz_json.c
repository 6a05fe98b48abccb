/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the JSON parser and emitter.
 * Invariants: parsing never crashes; what parses emits (unless a string is
 * not UTF-8, which the parser already rejects, so emit must succeed); the
 * output parses again to an equal tree; a second emit is byte-identical. */
#include "json.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        struct ect_json *j = NULL, *k = NULL;
        struct ect_error *err = NULL;
        char *out = NULL, *out2 = NULL;
        size_t len = 0, len2 = 0;

        if (ect_json_parse((const char *)data, size, &j, &err) < 0) {
                assert(err && err->msg && strstr(err->msg, "invalid JSON at line "));
                ect_error_free(&err);
                return 0;
        }
        if (ect_json_emit(j, size & 1, &out, &len, &err) < 0)
                abort();
        if (ect_json_parse(out, len, &k, &err) < 0)
                abort();
        if (!ect_json_equal(j, k))
                abort();
        if (ect_json_emit(k, size & 1, &out2, &len2, &err) < 0)
                abort();
        if (len != len2 || memcmp(out, out2, len) != 0)
                abort();
        free(out);
        free(out2);
        ect_json_free(j);
        ect_json_free(k);
        return 0;
}
