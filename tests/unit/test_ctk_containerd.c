/* SPDX-License-Identifier: Apache-2.0 */
/* lib/ctk_containerd.c: the `imports` edit on real-world config.toml
 * shapes (tests/fixtures/ctk/containerd), the drop-in, and the reading of
 * containerd 1.6's own dumps (tests/fixtures/ctk/dumps). */
#include "ctk_containerd.h"
#include "fileio.h"
#include "testutil.h"
#include "toml.h"

#include <fcntl.h>

#define DROPIN "/etc/containerd/conf.d/99-erdma.toml"
#define MAIN "/etc/containerd/config.toml"
#define FIX "tests/fixtures/ctk/"

static char *slurp(const char *path)
{
        struct ect_error *err = NULL;
        char *buf = NULL;

        if (ect_read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL, &err) < 0)
                ck_abort_msg("%s", err->msg);
        return buf;
}

static char *add_ok(const char *in)
{
        struct ect_error *err = NULL;
        char *out = NULL;

        if (ect_ctd_imports_add(in, strlen(in), MAIN, DROPIN, &out, &err) < 0)
                ck_abort_msg("add: %s", err->msg);
        return out;
}

static char *remove_ok(const char *in)
{
        struct ect_error *err = NULL;
        char *out = NULL;

        if (ect_ctd_imports_remove(in, strlen(in), DROPIN, &out, &err) < 0)
                ck_abort_msg("remove: %s", err->msg);
        return out;
}

static bool covered(const char *in)
{
        struct ect_error *err = NULL;
        bool c = false;

        if (ect_ctd_imports_cover(in, strlen(in), MAIN, DROPIN, &c, &err) < 0)
                ck_abort_msg("cover: %s", err->msg);
        return c;
}

static size_t trimmed(const char *s, size_t start, size_t end)
{
        while (end > start && (s[end - 1] == '\n' || s[end - 1] == '\r'))
                end--;
        return end;
}

/* Every statement of a that is not the top-level imports is in b, with
 * the same bytes. */
static void assert_rest_kept(const char *a, const char *b)
{
        struct ect_toml_doc da = {0}, db = {0};
        struct ect_error *err = NULL;
        size_t j = 0;

        ck_assert_int_eq(ect_toml_scan(a, strlen(a), &da, &err), 0);
        ck_assert_int_eq(ect_toml_scan(b, strlen(b), &db, &err), 0);
        for (size_t k = 0; k < da.n; k++) {
                const struct ect_toml_item *x = &da.items[k];
                if (!*x->table && strcmp(x->key, "imports") == 0)
                        continue;
                while (j < db.n &&
                       !(*db.items[j].table == *x->table && strcmp(db.items[j].key, x->key) == 0 &&
                         strcmp(db.items[j].table, x->table) == 0))
                        j++;
                ck_assert_msg(j < db.n, "statement '%s' in [%s] lost", x->key, x->table);
                /* The statement's bytes; its line end may have gained the
                 * newline that a file without a final one lacked. */
                ck_assert_int_eq(memcmp(a + x->start, b + db.items[j].start,
                                        trimmed(a, x->start, x->end) - x->start),
                                 0);
        }
        ect_toml_doc_clear(&da);
        ect_toml_doc_clear(&db);
}

START_TEST(test_imports_round_trip)
{
        /* Held-out shapes: add, then remove, gives back the same bytes;
         * adding again changes nothing; every other statement is kept. */
        static const char *const files[] = {
                "kubeadm-systemd.toml",  "eks-config-d.toml",          "odd-spacing.toml",
                "imports-in-table.toml", "crlf-no-final-newline.toml", "v3-no-imports.toml",
        };

        for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
                char *path, *in, *added, *again, *back;

                ck_assert_int_ge(asprintf(&path, FIX "containerd/%s", files[k]), 0);
                in = slurp(path);
                ck_assert_msg(!covered(in), "%s", files[k]);
                added = add_ok(in);
                ck_assert_ptr_nonnull(added);
                ck_assert_msg(covered(added), "%s: not covered after add:\n%s", files[k], added);
                again = add_ok(added);
                ck_assert_msg(again == NULL, "%s: second add changed it", files[k]);
                assert_rest_kept(in, added);
                back = remove_ok(added);
                ck_assert_ptr_nonnull(back);
                ck_assert_msg(strcmp(back, in) == 0, "%s: round trip differs:\n%s", files[k], back);
                ck_assert_ptr_null(remove_ok(in));
                free(back);
                free(added);
                free(in);
                free(path);
        }
}
END_TEST

START_TEST(test_imports_covered_by_glob)
{
        char *in = slurp(FIX "containerd/gardener-conf-d.toml");

        ck_assert(covered(in));
        ck_assert_ptr_null(add_ok(in));
        free(in);
        in = slurp(FIX "containerd/v3-default-2.2.toml");
        ck_assert(covered(in));
        free(in);
        /* Relative entries are relative to the main file's directory, and
         * a glob does not cross '/'. */
        ck_assert(covered("version = 2\nimports = [\"conf.d/../conf.d/*.toml\"]\n"));
        ck_assert(!covered("version = 2\nimports = [\"/etc/containerd/*.toml\"]\n"));
        ck_assert(!covered(
                "version = 2\nimports = [\"/etc/containerd/conf.d/99-erdma.toml.bak\"]\n"));
}
END_TEST

START_TEST(test_imports_add_layouts)
{
        struct {
                const char *in, *out;
        } cases[] = {
                {"version = 2\nimports = []\n", "version = 2\nimports = [\"" DROPIN "\"]\n"},
                {"version = 2\nimports = ['/a.toml']  # x\n",
                 "version = 2\nimports = ['/a.toml', \"" DROPIN "\"]  # x\n"},
                {"version = 2\nimports = [\n  \"/a.toml\",\n]\n",
                 "version = 2\nimports = [\n  \"/a.toml\",\n  \"" DROPIN "\",\n]\n"},
                {"version = 2\nimports = [\n\t\"/a.toml\" # c\n]\n",
                 "version = 2\nimports = [\n\t\"/a.toml\",\n\t\"" DROPIN "\" # c\n]\n"},
                {"version = 2",
                 "version = 2\n" ECT_CTD_IMPORTS_MARK "\nimports = [\"" DROPIN "\"]"},
                {"# head\n\n[grpc]\n  address = \"x\"\n",
                 "# head\n\n" ECT_CTD_IMPORTS_MARK "\nimports = [\"" DROPIN
                 "\"]\n[grpc]\n  address = \"x\"\n"},
        };

        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
                char *out = add_ok(cases[k].in);
                char *back;
                ck_assert_msg(strcmp(out, cases[k].out) == 0, "case %zu:\n%s", k, out);
                back = remove_ok(out);
                ck_assert_msg(strcmp(back, cases[k].in) == 0, "case %zu back:\n%s", k, back);
                free(back);
                free(out);
        }
}
END_TEST

START_TEST(test_imports_remove_keeps_others)
{
        char *out = remove_ok("imports = [\"" DROPIN "\", \"/b.toml\"]\n");

        ck_assert_str_eq(out, "imports = [\"/b.toml\"]\n");
        free(out);
        /* The line is ours only with the mark above it. */
        out = remove_ok("imports = [\"" DROPIN "\"]\n");
        ck_assert_str_eq(out, "imports = []\n");
        free(out);
}
END_TEST

START_TEST(test_imports_bad)
{
        struct ect_error *err = NULL;
        char *out = NULL;
        const char *in = "version = 2\nimports = \"/x.toml\"\n";

        ck_assert_int_lt(ect_ctd_imports_add(in, strlen(in), MAIN, DROPIN, &out, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "line 2: 'imports' must be an array of strings"));
        ect_error_free(&err);
        in = "version = 2\n[t\n";
        ck_assert_int_lt(ect_ctd_imports_add(in, strlen(in), MAIN, DROPIN, &out, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "line 2, column 3"));
        ect_error_free(&err);
        ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_config_version)
{
        struct ect_error *err = NULL;
        int v = 0;
        char *in = slurp(FIX "containerd/only-comments.toml");

        ck_assert_int_eq(ect_ctd_config_version(in, strlen(in), &v, &err), 0);
        ck_assert_int_eq(v, 1);
        free(in);
        ck_assert_int_eq(ect_ctd_config_version("version = 3\n", 12, &v, &err), 0);
        ck_assert_int_eq(v, 3);
        ck_assert_int_lt(ect_ctd_config_version("version = 'x'\n", 14, &v, &err), 0);
        ect_error_free(&err);
}
END_TEST

START_TEST(test_new_main)
{
        char *m = ect_ctd_new_main(2, DROPIN);
        char *back;

        ck_assert(ect_ctd_is_new_main(m, DROPIN));
        ck_assert(covered(m));
        back = remove_ok(m);
        ck_assert(!ect_ctd_is_new_main(back, DROPIN));
        ck_assert_ptr_null(strstr(back, "imports ="));
        free(back);
        free(m);
}
END_TEST

static const struct ect_ctd_opts opts2 = {.version = 2,
                                          .runtime_name = "erdma",
                                          .runtime_path = "/usr/bin/erdma-container-runtime"};

START_TEST(test_carry_from_dump)
{
        struct ect_error *err = NULL;
        char *dump = slurp(FIX "dumps/1.6-kubeadm-systemd.toml");
        char *def = slurp(FIX "dumps/1.6-default.toml");
        char *carry = NULL;

        ck_assert_int_eq(ect_ctd_carry(dump, def, &opts2, false, &carry, &err), 0);
        /* What kubeadm-systemd.toml changed, with its ancestors; nothing of
         * the untouched tables (cni, image_decryption, other plugins). */
        ck_assert_ptr_nonnull(strstr(carry, "sandbox_image = \"registry.example.com/pause:3.9\""));
        ck_assert_ptr_nonnull(
                strstr(carry, "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
                              "  base_runtime_spec = \"\""));
        ck_assert_ptr_nonnull(strstr(
                carry, "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
                       "  SystemdCgroup = true\n"));
        ck_assert_ptr_nonnull(strstr(carry, "config_path = \"/etc/containerd/certs.d\""));
        ck_assert_ptr_null(strstr(carry, ".cni]"));
        ck_assert_ptr_null(strstr(carry, "image_decryption"));
        ck_assert_ptr_null(strstr(carry, "gc.v1.scheduler"));
        free(carry);
        /* Nothing differs: nothing to carry. */
        ck_assert_int_eq(ect_ctd_carry(def, def, &opts2, false, &carry, &err), 0);
        ck_assert_str_eq(carry, "");
        free(carry);
        free(dump);
        free(def);
}
END_TEST

/* Each table header once: TOML forbids defining a table twice. */
static void assert_tables_unique(const char *s)
{
        struct ect_toml_doc d = {0};
        struct ect_error *err = NULL;

        if (ect_toml_scan(s, strlen(s), &d, &err) < 0)
                ck_abort_msg("drop-in does not scan: %s\n%s", err->msg, s);
        for (size_t k = 0; k < d.n; k++)
                for (size_t j = k + 1; j < d.n; j++)
                        if (d.items[k].kind == ECT_TOML_TABLE && d.items[j].kind == ECT_TOML_TABLE)
                                ck_assert_str_ne(d.items[k].key, d.items[j].key);
        ect_toml_doc_clear(&d);
}

START_TEST(test_dropin)
{
        struct ect_error *err = NULL;
        struct ect_ctd_opts o = opts2;
        char *dump = slurp(FIX "dumps/1.6-kubeadm-systemd.toml");
        char *def = slurp(FIX "dumps/1.6-default.toml");
        char *carry = NULL, *d = NULL;

        o.cdi = true;
        o.set_default = true;
        ck_assert_int_eq(ect_ctd_carry(dump, def, &o, false, &carry, &err), 0);
        ck_assert_int_eq(ect_ctd_dropin(&o, carry, &d, &err), 0);
        assert_tables_unique(d);
        ck_assert_ptr_nonnull(strstr(d, "version = 2\n"));
        ck_assert_ptr_nonnull(strstr(d, "containerd#5837"));
        ck_assert_ptr_nonnull(strstr(d, "  enable_cdi = true\n"));
        ck_assert_ptr_nonnull(strstr(d, "  default_runtime_name = \"erdma\"\n"));
        ck_assert_ptr_nonnull(strstr(
                d, "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.erdma.options]\n"
                   "  BinaryName = \"/usr/bin/erdma-container-runtime\"\n"));
        ck_assert_ptr_nonnull(strstr(d, "pod_annotations = [\"com.aliyun.erdma.devices\"]"));
        free(d);
        free(carry);

        o.version = 3;
        o.cdi = false;
        o.set_default = false;
        ck_assert_int_eq(ect_ctd_dropin(&o, NULL, &d, &err), 0);
        assert_tables_unique(d);
        ck_assert_ptr_nonnull(strstr(d, "version = 3\n"));
        ck_assert_ptr_null(strstr(d, "#5837"));
        ck_assert_ptr_nonnull(strstr(
                d, "[plugins.\"io.containerd.cri.v1.runtime\".containerd.runtimes.erdma]\n"));
        ck_assert_ptr_null(strstr(d, "enable_cdi"));
        free(d);
        o.version = 1;
        ck_assert_int_lt(ect_ctd_dropin(&o, NULL, &d, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "config version 1 is not supported"));
        ect_error_free(&err);
        free(dump);
        free(def);
}
END_TEST

START_TEST(test_verify)
{
        struct ect_error *err = NULL;
        char *before = slurp(FIX "dumps/1.6-kubeadm-systemd.toml");
        char *after, *bad, *problem = NULL;
        const char *handler =
                "\n        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.erdma]\n"
                "          runtime_type = \"io.containerd.runc.v2\"\n"
                "          [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.erdma.options]\n"
                "            BinaryName = \"/usr/bin/erdma-container-runtime\"\n";
        char *cut = strstr(
                before,
                "\n        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]");

        ck_assert_ptr_nonnull(cut);
        ck_assert_int_ge(asprintf(&after, "%.*s%s%s", (int)(cut - before), before, handler, cut),
                         0);
        ck_assert_int_eq(ect_ctd_verify(before, after, 1, &opts2, &problem, &err), 0);
        ck_assert_msg(problem == NULL, "%s", problem);

        /* The handler missing. */
        ck_assert_int_eq(ect_ctd_verify(before, before, 1, &opts2, &problem, &err), 0);
        ck_assert_ptr_nonnull(strstr(problem, "handler 'erdma'"));
        free(problem);

        /* A CRI setting of the main file lost, as a naive drop-in loses it
         * on containerd 1.x. */
        bad = strdup(after);
        memcpy(strstr(bad, "registry.example.com"), "registry.k8s.io/xxx", 19);
        ck_assert_int_eq(ect_ctd_verify(before, bad, 1, &opts2, &problem, &err), 0);
        ck_assert_ptr_nonnull(problem);
        ck_assert_ptr_nonnull(strstr(problem, "sandbox_image changed"));
        free(problem);
        free(bad);
        free(after);
        free(before);
}
END_TEST

static Suite *ctd_suite(void)
{
        Suite *s = suite_create("ctk_containerd");
        TCase *tc = tcase_create("imports");

        tcase_add_test(tc, test_imports_round_trip);
        tcase_add_test(tc, test_imports_covered_by_glob);
        tcase_add_test(tc, test_imports_add_layouts);
        tcase_add_test(tc, test_imports_remove_keeps_others);
        tcase_add_test(tc, test_imports_bad);
        tcase_add_test(tc, test_config_version);
        tcase_add_test(tc, test_new_main);
        suite_add_tcase(s, tc);
        tc = tcase_create("dropin");
        tcase_add_test(tc, test_carry_from_dump);
        tcase_add_test(tc, test_dropin);
        tcase_add_test(tc, test_verify);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(ctd_suite());
}
