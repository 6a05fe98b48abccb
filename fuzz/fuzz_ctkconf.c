/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: erdma-ctk's edits of engine files. The first byte
 * picks the file kind.
 * config.toml: scanning never crashes; when the imports edit succeeds,
 * its inverse gives back the same bytes, and a second add changes nothing.
 * daemon.json: when configure succeeds, its output parses, a second
 * configure changes nothing, and unconfigure gives back an equal tree. */
#include "ctk_containerd.h"
#include "ctk_docker.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define DROPIN "/etc/containerd/conf.d/99-erdma.toml"

static void toml_case(const char *in, size_t len)
{
        struct ect_error *err = NULL;
        char *added = NULL, *again = NULL, *back = NULL;

        if (ect_ctd_imports_add(in, len, "/etc/containerd/config.toml", DROPIN, &added, &err) < 0) {
                if (!err || !err->msg)
                        abort();
                ect_error_free(&err);
                return;
        }
        if (!added)
                return;
        if (ect_ctd_imports_add(added, strlen(added), "/etc/containerd/config.toml", DROPIN, &again,
                                &err) < 0 ||
            again)
                abort();
        if (ect_ctd_imports_remove(added, strlen(added), DROPIN, &back, &err) < 0 || !back)
                abort();
        if (strlen(back) != len || memcmp(back, in, len) != 0)
                abort();
        free(back);
        free(added);
}

static void docker_case(const char *in, size_t len)
{
        static const struct ect_docker_opts o = {.runtime_name = "erdma",
                                                 .runtime_path = "/usr/bin/erdma-container-runtime",
                                                 .set_default = true,
                                                 .cdi = true};
        struct ect_error *err = NULL;
        char *out = NULL, *rec = NULL, *again = NULL, *again_rec = NULL, *back = NULL,
             *notes = NULL;
        struct ect_json *a = NULL, *b = NULL;
        bool removed = false;

        if (ect_docker_configure(in, len, NULL, 0, &o, &out, &rec, &err) < 0) {
                ect_error_free(&err);
                return;
        }
        if (!out)
                return;
        if (ect_docker_configure(out, strlen(out), rec, strlen(rec), &o, &again, &again_rec, &err) <
                    0 ||
            again)
                abort();
        if (ect_docker_unconfigure(out, strlen(out), rec, strlen(rec), &back, &removed, &notes,
                                   &err) < 0)
                abort();
        /* Blank input was taken as an empty object. */
        if (!removed && ect_json_parse(in, len, &a, &err) == 0) {
                if (!back || ect_json_parse(back, strlen(back), &b, &err) < 0 ||
                    !ect_json_equal(a, b))
                        abort();
        }
        ect_error_free(&err);
        ect_json_free(a);
        ect_json_free(b);
        free(notes);
        free(back);
        free(out);
        free(rec);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        char *in;

        if (size < 1)
                return 0;
        in = malloc(size);
        if (!in)
                return 0;
        memcpy(in, data + 1, size - 1);
        in[size - 1] = '\0';
        if (data[0] & 1)
                toml_case(in, size - 1);
        else
                docker_case(in, size - 1);
        free(in);
        return 0;
}
