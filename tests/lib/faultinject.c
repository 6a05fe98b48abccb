/* SPDX-License-Identifier: Apache-2.0 */
/* A test-only LD_PRELOAD library: kills the process (SIGKILL) at one step
 * of its work, or makes that step fail, so that tests can check what a
 * killed or failing erdma-* leaves behind. Never linked into a program;
 * tests/e2e/faults.sh builds it with `cc -shared` and preloads it.
 *
 *   ECT_FAULT=STEP:N:WHEN
 *     STEP  create (open/openat with O_CREAT or O_TMPFILE), write, fsync,
 *           link (linkat), rename (rename/renameat/renameat2), mknod
 *           (mknod/mknodat), mkdir (mkdir/mkdirat), mount, exec
 *           (execv/execve)
 *     N     the Nth call of that step (1-based)
 *     WHEN  before: SIGKILL before the call; after: SIGKILL right after
 *           it; half (write only): write the first half, then SIGKILL;
 *           enospc: the call fails with ENOSPC, no kill.
 *
 *   ECT_RUSAGE_OUT=FILE
 *     at each exec, appends "MAXRSS_KIB NEW_INHERITABLE_FDS" to FILE: the
 *     process's peak RSS so far, and how many fds without FD_CLOEXEC it
 *     holds beyond those it started with (what it would leak into the
 *     program it executes). For tools that end in exec (the shim).
 *
 * The constructor removes LD_PRELOAD, ECT_FAULT and ECT_RUSAGE_OUT from the
 * environment, so that a program the tool executes (runc) runs without the
 * library. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static char step[16], when[16];
static long nth, seen;
static char rusage_out[4096];
static int inheritable_at_start;

/* fds above 2 without FD_CLOEXEC: they would survive an exec. */
static int count_inheritable(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        if (!d)
                return -1;
        while ((e = readdir(d))) {
                int fd = atoi(e->d_name);
                int fl;
                if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
                        continue;
                fl = fcntl(fd, F_GETFD);
                if (fl >= 0 && !(fl & FD_CLOEXEC))
                        n++;
        }
        closedir(d);
        return n;
}

__attribute__((constructor)) static void fault_init(void)
{
        const char *f = getenv("ECT_FAULT");
        const char *r = getenv("ECT_RUSAGE_OUT");

        if (f && sscanf(f, "%15[a-z]:%ld:%15[a-z]", step, &nth, when) != 3)
                step[0] = '\0';
        if (r && strlen(r) < sizeof rusage_out) {
                strcpy(rusage_out, r);
                inheritable_at_start = count_inheritable();
        }
        unsetenv("ECT_FAULT");
        unsetenv("ECT_RUSAGE_OUT");
        unsetenv("LD_PRELOAD");
}

static void report_rusage(void)
{
        struct rusage ru;
        FILE *f;

        if (!rusage_out[0] || getrusage(RUSAGE_SELF, &ru) < 0)
                return;
        f = fopen(rusage_out, "ae");
        if (!f)
                return;
        fprintf(f, "%ld %d\n", ru.ru_maxrss, count_inheritable() - inheritable_at_start);
        fclose(f);
}

/* Called before each step; returns -1 (errno set) when the step must fail. */
static int before(const char *s)
{
        if (!step[0] || strcmp(s, step) != 0 || ++seen != nth)
                return 0;
        if (strcmp(when, "before") == 0)
                raise(SIGKILL);
        if (strcmp(when, "enospc") == 0) {
                errno = ENOSPC;
                return -1;
        }
        return 0;
}

static void after(const char *s)
{
        if (step[0] && strcmp(s, step) == 0 && seen == nth && strcmp(when, "after") == 0)
                raise(SIGKILL);
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

#define WRAP(ret_t, name, s, params, args)                                                         \
        ret_t name params                                                                          \
        {                                                                                          \
                ret_t r;                                                                           \
                if (before(s) < 0)                                                                 \
                        return -1;                                                                 \
                r = REAL(name) args;                                                               \
                after(s);                                                                          \
                return r;                                                                          \
        }

static bool creates(int flags)
{
        return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define WRAP_OPEN(name, params, args, flagsvar)                                                    \
        int name params                                                                            \
        {                                                                                          \
                mode_t mode = 0;                                                                   \
                int r;                                                                             \
                if (creates(flagsvar)) {                                                           \
                        va_list ap;                                                                \
                        va_start(ap, flagsvar);                                                    \
                        mode = va_arg(ap, mode_t);                                                 \
                        va_end(ap);                                                                \
                        if (before("create") < 0)                                                  \
                                return -1;                                                         \
                }                                                                                  \
                r = REAL(name) args;                                                               \
                if (creates(flagsvar))                                                             \
                        after("create");                                                           \
                return r;                                                                          \
        }

WRAP_OPEN(open, (const char *p, int flags, ...), (p, flags, mode), flags)
WRAP_OPEN(open64, (const char *p, int flags, ...), (p, flags, mode), flags)
WRAP_OPEN(openat, (int d, const char *p, int flags, ...), (d, p, flags, mode), flags)
WRAP_OPEN(openat64, (int d, const char *p, int flags, ...), (d, p, flags, mode), flags)

ssize_t write(int fd, const void *buf, size_t n)
{
        ssize_t r;

        if (before("write") < 0)
                return -1;
        if (step[0] && strcmp(step, "write") == 0 && seen == nth && strcmp(when, "half") == 0) {
                (void)REAL(write)(fd, buf, n / 2);
                raise(SIGKILL);
        }
        r = REAL(write)(fd, buf, n);
        after("write");
        return r;
}

WRAP(int, fsync, "fsync", (int fd), (fd))
WRAP(int, linkat, "link", (int a, const char *b, int c, const char *d, int e), (a, b, c, d, e))
WRAP(int, rename, "rename", (const char *a, const char *b), (a, b))
WRAP(int, renameat, "rename", (int a, const char *b, int c, const char *d), (a, b, c, d))
WRAP(int, renameat2, "rename", (int a, const char *b, int c, const char *d, unsigned e),
     (a, b, c, d, e))
WRAP(int, mknod, "mknod", (const char *a, mode_t b, dev_t c), (a, b, c))
WRAP(int, mknodat, "mknod", (int a, const char *b, mode_t c, dev_t d), (a, b, c, d))
WRAP(int, mkdir, "mkdir", (const char *a, mode_t b), (a, b))
WRAP(int, mkdirat, "mkdir", (int a, const char *b, mode_t c), (a, b, c))
WRAP(int, mount, "mount",
     (const char *a, const char *b, const char *c, unsigned long d, const void *e), (a, b, c, d, e))
int execv(const char *a, char *const b[])
{
        int r;

        report_rusage();
        if (before("exec") < 0)
                return -1;
        r = REAL(execv)(a, b);
        after("exec");
        return r;
}

int execve(const char *a, char *const b[], char *const c[])
{
        int r;

        report_rusage();
        if (before("exec") < 0)
                return -1;
        r = REAL(execve)(a, b, c);
        after("exec");
        return r;
}
