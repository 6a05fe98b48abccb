/* SPDX-License-Identifier: Apache-2.0 */
/* Build-time generator of the hook sandbox's seccomp filter.
 *
 *   gen-filter ARCH [--lsan] >filter.c
 *
 * Builds, with libseccomp, the hook's filter (default EPERM, other ABIs
 * kill the process, the base calls plus the hook's own) for the target
 * architecture ARCH (Debian's or the kernel's name: amd64/x86_64,
 * arm64/aarch64), and writes it as C: ect_sandbox_enter() (lib/sandbox.c)
 * loads it as it is. No libseccomp work on a container start (building the
 * rules, its kernel probes: about 0.12 ms, docs/PERFORMANCE.md), and no
 * libseccomp in the hook at all.
 *
 * Runs on the build machine (HOSTCC, the build machine's libseccomp), so
 * every system call is named and resolved with the target's table
 * (seccomp_syscall_resolve_name_arch): a cross build gets the target's
 * numbers and audit value. --lsan adds what LeakSanitizer needs at exit
 * (sanitizer builds). tests/unit/test_sandbox.c runs the result in a BPF
 * interpreter against the kernel's numbers, and compares it with what
 * libseccomp builds at run time. */
#include "filter.h"
#include "sandbox_calls.h"

#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const base_calls[] = {ECT_SANDBOX_BASE_CALLS};
static const char *const lsan_calls[] = {ECT_SANDBOX_LSAN_CALLS};
static const char *const hook_calls[] = {ECT_HOOK_SANDBOX_CALLS};

#define N(a) (sizeof(a) / sizeof *(a))

static int fail(const char *what, int r)
{
        fprintf(stderr, "gen-filter: %s: %s\n", what, strerror(r < 0 ? -r : r));
        return 1;
}

/* Adds an allow rule per name. required: a name the architecture lacks is
 * an error (the lists are meant to hold only calls every architecture has);
 * otherwise it is skipped. */
static int add(scmp_filter_ctx ctx, uint32_t arch, const char *const *names, size_t n,
               bool required)
{
        for (size_t i = 0; i < n; i++) {
                /* seccomp_rule_add() takes the build machine's number
                 * (or libseccomp's pseudo number for a call it lacks) and
                 * translates it by name into each architecture of the
                 * filter: the target's number only tells whether the
                 * target has the call. */
                int nr = seccomp_syscall_resolve_name(names[i]);
                int r;

                if (seccomp_syscall_resolve_name_arch(arch, names[i]) < 0) {
                        if (!required)
                                continue;
                        fprintf(stderr, "gen-filter: no system call '%s' on this architecture\n",
                                names[i]);
                        return -1;
                }
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                if (r < 0) {
                        fprintf(stderr, "gen-filter: rule for '%s': %s\n", names[i], strerror(-r));
                        return -1;
                }
        }
        return 0;
}

static const char *seccomp_arch_name(const char *a)
{
        if (strcmp(a, "amd64") == 0)
                return "x86_64";
        if (strcmp(a, "arm64") == 0)
                return "aarch64";
        return a;
}

int main(int argc, char **argv)
{
        bool lsan = argc == 3 && strcmp(argv[2], "--lsan") == 0;
        struct sock_filter insn[BPF_MAXINSNS];
        char path[] = "/tmp/ect-gen-filter.XXXXXX";
        scmp_filter_ctx ctx;
        uint32_t arch;
        ssize_t len;
        int fd, r;

        if (argc < 2 || argc > 3 || (argc == 3 && !lsan)) {
                fprintf(stderr, "usage: gen-filter ARCH [--lsan]\n");
                return 2;
        }
        arch = seccomp_arch_resolve_name(seccomp_arch_name(argv[1]));
        if (arch == 0) {
                fprintf(stderr, "gen-filter: unknown architecture '%s'\n", argv[1]);
                return 2;
        }
        /* The filter is for the target's kernel, not for this machine's:
         * without seccomp(2) here (a build in a restricted container, or
         * under qemu-user) libseccomp would fall back to API level 1, which
         * has no SCMP_ACT_KILL_PROCESS; every kernel the toolkit supports
         * has level 3 or more. */
        if (seccomp_api_get() < 3 && seccomp_api_set(3) < 0)
                return fail("seccomp_api_set(3)", EINVAL);
        ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!ctx)
                return fail("seccomp_init", ENOMEM);
        r = 0;
        if (arch != seccomp_arch_native()) {
                r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
                if (r == 0)
                        r = seccomp_arch_add(ctx, arch);
                if (r < 0)
                        return fail("seccomp_arch_add", r);
        }
        /* Other ABIs kill; no_new_privs is set by ect_sandbox_enter()
         * itself. tests/unit/test_sandbox.c builds the same at run time. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
        if (r == 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, ECT_SANDBOX_OPTIMIZE);
#endif
        if (r < 0)
                return fail("seccomp_attr_set", r);
        if (add(ctx, arch, base_calls, N(base_calls), true) < 0 ||
            (lsan && add(ctx, arch, lsan_calls, N(lsan_calls), false) < 0) ||
            add(ctx, arch, hook_calls, N(hook_calls), true) < 0)
                return 1;

        fd = mkstemp(path);
        if (fd < 0)
                return fail("mkstemp", errno);
        (void)unlink(path);
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return fail("seccomp_export_bpf", r);
        seccomp_release(ctx);
        len = pread(fd, insn, sizeof insn, 0);
        if (len <= 0 || len % (ssize_t)sizeof *insn != 0 || (size_t)len == sizeof insn)
                return fail("read the exported filter", len < 0 ? errno : EINVAL);
        close(fd);

        printf("/* SPDX-License-Identifier: Apache-2.0 */\n"
               "/* Generated by hook/gen-filter.c (libseccomp %u.%u.%u) for %s%s: do not edit. */\n"
               "#include \"filter.h\"\n\n"
               "static const struct sock_filter insns[] = {\n",
               seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro,
               argv[1], lsan ? ", with LeakSanitizer's calls" : "");
        for (size_t i = 0; i < (size_t)len / sizeof *insn; i++)
                printf("        {0x%04x, %u, %u, 0x%08x},\n", insn[i].code, insn[i].jt, insn[i].jf,
                       insn[i].k);
        printf("};\n\n"
               "const struct ect_sandbox_filter ect_hook_filter = {\n"
               "        .insns = insns,\n"
               "        .n = sizeof insns / sizeof *insns,\n"
               "};\n");
        return fflush(stdout) == 0 ? 0 : fail("write", errno);
}
