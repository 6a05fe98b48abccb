/* SPDX-License-Identifier: Apache-2.0 */
#include "cgroup.h"
#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "systemd.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCFILE (1024 * 1024)
#define MAX_PROGS 64
#define MAX_INSNS 1000000

/* Mount points in mountinfo escape space, tab, newline and backslash as
 * \ooo. */
static char *unescape(const char *s, size_t n)
{
        char *out = xmalloc(n + 1), *o = out;
        size_t i;

        for (i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
                    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        *o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                      (s[i + 3] - '0'));
                        i += 3;
                } else {
                        *o++ = s[i];
                }
        }
        *o = '\0';
        return out;
}

static bool list_has(const char *list, size_t n, const char *word)
{
        size_t wl = strlen(word), i = 0;

        while (i < n) {
                size_t e = i;
                while (e < n && list[e] != ',')
                        e++;
                if (e - i == wl && memcmp(list + i, word, wl) == 0)
                        return true;
                i = e + 1;
        }
        return false;
}

/* An absolute path without "." or ".." components: what the kernel writes
 * in mountinfo and /proc/PID/cgroup. We open the result on the host as
 * root, so anything else is refused rather than resolved. */
static bool clean_abs(const char *p)
{
        if (p[0] != '/')
                return false;
        for (const char *c = p; c; c = strchr(c, '/')) {
                size_t n;
                c++;
                n = strcspn(c, "/");
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
        }
        return true;
}

/* pid's path in the hierarchy: "N:devices,x:/path" (v1) or "0::/path". */
static int cgroup_path(const char *proc_cgroup, const char *controller, char **ret,
                       struct ect_error **err)
{
        const char *line = proc_cgroup;

        while (line && *line) {
                const char *end = strchr(line, '\n');
                const char *c1 = memchr(line, ':', end ? (size_t)(end - line) : strlen(line));
                const char *c2;
                size_t len = end ? (size_t)(end - line) : strlen(line);

                if (len == 0)
                        goto next;
                if (!c1)
                        return ect_error_set(err, EINVAL, "malformed cgroup line '%.*s'", (int)len,
                                             line);
                c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
                if (!c2)
                        return ect_error_set(err, EINVAL, "malformed cgroup line '%.*s'", (int)len,
                                             line);
                if (controller ? list_has(c1 + 1, (size_t)(c2 - c1 - 1), controller)
                               : (c2 == c1 + 1 && c1 - line == 1 && line[0] == '0')) {
                        *ret = xstrndup(c2 + 1, len - (size_t)(c2 + 1 - line));
                        return 0;
                }
next:
                line = end ? end + 1 : NULL;
        }
        *ret = NULL;
        return 0;
}

/* A field of a mountinfo line: mountinfo separates fields with single
 * spaces (the kernel escapes any in a value), but runs of spaces are
 * taken as one, as strtok() would. */
struct span {
        const char *p;
        size_t n;
};

/* Splits s[0..n) at spaces into at most max fields; returns how many. The
 * fields point into s: no line is copied, mountinfo can be long. */
static size_t split(const char *s, size_t n, struct span *out, size_t max)
{
        size_t k = 0, i = 0;

        while (k < max) {
                while (i < n && s[i] == ' ')
                        i++;
                if (i == n)
                        break;
                out[k].p = s + i;
                while (i < n && s[i] != ' ')
                        i++;
                out[k].n = (size_t)(s + i - out[k].p);
                k++;
        }
        return k;
}

static bool span_is(const struct span *f, const char *word)
{
        return f->n == strlen(word) && memcmp(f->p, word, f->n) == 0;
}

/* The first " - " of a line (the end of the optional fields), by its '-':
 * memchr is far cheaper than memmem on every line of mountinfo. */
static const char *find_sep(const char *line, size_t len)
{
        const char *p = line, *end = line + len;

        while ((p = memchr(p, '-', (size_t)(end - p))) != NULL) {
                if (p > line && p[-1] == ' ' && p + 1 < end && p[1] == ' ')
                        return p - 1;
                p++;
        }
        return NULL;
}

/* Whether mountinfo line [line, line + len) mounts the hierarchy asked
 * for (a v1 controller, or v2 when controller is NULL); *root and *mnt
 * then are its fields 4 and 5. Fields: "ID PARENT MAJ:MIN ROOT MNT OPTS
 * [TAGS...] - FSTYPE SOURCE SUPEROPTS". The file system type is looked at
 * first: most lines are not cgroups. */
static bool mounts_hierarchy(const char *line, size_t len, const char *controller,
                             struct span *root, struct span *mnt)
{
        const char *sep = find_sep(line, len);
        struct span f[6], g[3];
        size_t ng;

        if (!sep)
                return false;
        ng = split(sep + 3, len - (size_t)(sep + 3 - line), g, 3);
        if (ng < 1)
                return false;
        if (controller) {
                if (!span_is(&g[0], "cgroup") || ng < 3 || !list_has(g[2].p, g[2].n, controller))
                        return false;
        } else if (!span_is(&g[0], "cgroup2")) {
                return false;
        }
        if (split(line, (size_t)(sep - line), f, 6) < 5)
                return false;
        *root = f[3];
        *mnt = f[4];
        return true;
}

/* pid's directory under one mount of its hierarchy: 1 with *ret set, 0
 * when the mount holds another subtree (a bind), < 0 on a path that is
 * not clean. */
static int dir_under_mount(const char *path, const struct span *root_f, const struct span *mnt_f,
                           char **ret, struct ect_error **err)
{
        cleanup_free char *root = unescape(root_f->p, root_f->n);
        cleanup_free char *mnt = unescape(mnt_f->p, mnt_f->n);
        size_t rl = strlen(root);
        const char *rest;

        if (strcmp(root, "/") == 0)
                rest = path;
        else if (strncmp(path, root, rl) == 0 && (path[rl] == '\0' || path[rl] == '/'))
                rest = path + rl;
        else
                return 0; /* a bind of another subtree */
        if (rest[0] && !clean_abs(rest))
                return ect_error_set(err, EINVAL, "cgroup path '%s'", path);
        if (!clean_abs(mnt))
                return ect_error_set(err, EINVAL, "cgroup mount point '%s'", mnt);
        *ret = xasprintf("%s%s", strcmp(mnt, "/") == 0 ? "" : mnt, rest[0] ? rest : "");
        if ((*ret)[0] == '\0') {
                free(*ret);
                *ret = xstrdup("/");
        }
        return 1;
}

int ect_cgroup_find_dir(const char *proc_cgroup, const char *mountinfo, const char *controller,
                        char **ret, struct ect_error **err)
{
        cleanup_free char *path = NULL;
        const char *line = mountinfo;
        bool mounted = false;
        int r;

        r = cgroup_path(proc_cgroup, controller, &path, err);
        if (r < 0)
                return r;
        if (!path || path[0] != '/') {
                *ret = NULL;
                return 0;
        }
        while (line && *line) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                struct span root, mnt;
                const char *cur = line;

                line = end ? end + 1 : NULL;
                if (!mounts_hierarchy(cur, len, controller, &root, &mnt))
                        continue;
                mounted = true;
                r = dir_under_mount(path, &root, &mnt, ret, err);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        /* The hierarchy is mounted here, but only subtrees that do not
         * hold the process: its rules cannot be written, and "nothing to
         * do" would let the container start without its devices. */
        if (mounted)
                return ect_error_set(err, ENOENT,
                                     "cgroup '%s' is outside every mount of the %s hierarchy", path,
                                     controller ? controller : "cgroup2");
        *ret = NULL;
        return 0;
}

static int v1_allow(const char *dir, const struct ect_cgroup_dev *devs, size_t n,
                    struct ect_error **err)
{
        cleanup_close int dfd = -1, fd = -1;
        size_t i;

        dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return ect_error_set(err, errno, "open cgroup '%s'", dir);
        fd = openat(dfd, "devices.allow", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return ect_error_set(err, errno, "open '%s/devices.allow'", dir);
        for (i = 0; i < n; i++) {
                char rule[64];
                int len = snprintf(rule, sizeof rule, "c %u:%u rw", devs[i].major, devs[i].minor);
                /* One rule per write: the kernel parses one per call. */
                if (write(fd, rule, (size_t)len) != len)
                        return ect_error_set(err, errno, "write '%s' to '%s/devices.allow'", rule,
                                             dir);
        }
        return 0;
}

static int bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static uint64_t ptr(const void *p)
{
        return (uint64_t)(uintptr_t)p;
}

#define INSN(c, d, s, o, i)                                                                        \
        ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* Our rules, in front of the original program. The context is struct
 * bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major;
 * u32 minor; } (the offsets come from the header, never written out). R1
 * is left untouched for the original code, which starts from R1 as every
 * program does; R2-R5 are scratch (the verifier makes sure the original
 * code never reads a register it did not set). */
#define CTX_OFF(f) ((int16_t)offsetof(struct bpf_cgroup_dev_ctx, f))
size_t ect_cgroup_bpf_prefix(struct bpf_insn *p, const struct ect_cgroup_dev *devs, size_t n)
{
        size_t k = 0, i, skip_at;

        p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, CTX_OFF(access_type), 0);
        p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
        p[k++] = INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
        p[k++] = INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
        p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, CTX_OFF(major), 0);
        p[k++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, CTX_OFF(minor), 0);
        skip_at = k;
        p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, BPF_DEVCG_DEV_CHAR);
        p[k++] = INSN(BPF_JMP | BPF_JSET | BPF_K, BPF_REG_3, 0, 0, BPF_DEVCG_ACC_MKNOD);
        for (i = 0; i < n; i++) {
                p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 3, (int32_t)devs[i].major);
                p[k++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 2, (int32_t)devs[i].minor);
                p[k++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
                p[k++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        }
        /* Both checks jump to the first original instruction. */
        p[skip_at].off = (int16_t)(k - skip_at - 1);
        p[skip_at + 1].off = (int16_t)(k - skip_at - 2);
        return k;
}

static int get_insns(int progfd, struct bpf_insn **ret, size_t *ret_n, struct ect_error **err)
{
        struct bpf_prog_info info = {0};
        union bpf_attr attr = {0};
        cleanup_free struct bpf_insn *insns = NULL;
        size_t n, i;

        attr.info.bpf_fd = (uint32_t)progfd;
        attr.info.info_len = sizeof info;
        attr.info.info = ptr(&info);
        if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
                return ect_error_set(err, errno, "BPF_OBJ_GET_INFO_BY_FD");
        if (info.type != BPF_PROG_TYPE_CGROUP_DEVICE)
                return ect_error_set(err, EINVAL, "program %u is not a device program", info.id);
        n = info.xlated_prog_len / sizeof(struct bpf_insn);
        if (n == 0 || n > MAX_INSNS)
                return ect_error_set(err, EPERM,
                                     "cannot read the instructions of device program %u "
                                     "(kernel.kptr_restrict or bpf_jit_harden?)",
                                     info.id);
        insns = xcalloc(n, sizeof *insns);
        memset(&info, 0, sizeof info);
        info.xlated_prog_len = (uint32_t)(n * sizeof *insns);
        info.xlated_prog_insns = ptr(insns);
        memset(&attr, 0, sizeof attr);
        attr.info.bpf_fd = (uint32_t)progfd;
        attr.info.info_len = sizeof info;
        attr.info.info = ptr(&info);
        if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
                return ect_error_set(err, errno, "BPF_OBJ_GET_INFO_BY_FD");
        if (info.xlated_prog_len / sizeof *insns < n)
                n = info.xlated_prog_len / sizeof *insns;
        /* Instructions that refer to maps or helpers do not survive the
         * round trip through the xlated dump: refuse them, never guess. */
        for (i = 0; i < n; i++) {
                uint8_t code = insns[i].code;
                if (code == (BPF_LD | BPF_IMM | BPF_DW) && insns[i].src_reg != 0)
                        return ect_error_set(err, ENOTSUP,
                                             "device program %u uses a map: cannot extend it",
                                             info.id);
                if (code == (BPF_JMP | BPF_CALL))
                        return ect_error_set(err, ENOTSUP,
                                             "device program %u calls a function: cannot extend it",
                                             info.id);
        }
        *ret = steal_ptr(&insns);
        *ret_n = n;
        return 0;
}

/* The cause in a verifier log: its last line before the statistics line
 * ("processed N insns ..."); NULL in an empty log. Cuts log into lines. */
static const char *verifier_cause(char *log)
{
        char *line, *sp = NULL;
        const char *cause = NULL;

        for (line = strtok_r(log, "\n", &sp); line; line = strtok_r(NULL, "\n", &sp))
                if (strncmp(line, "processed ", 10) != 0 && line[0] != '\0')
                        cause = line;
        return cause;
}

static int load(const struct bpf_insn *insns, size_t n, struct ect_error **err)
{
        union bpf_attr attr = {0};
        cleanup_free char *log = NULL;
        const char *cause;
        int fd, code;

        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = ptr(insns);
        attr.insn_cnt = (uint32_t)n;
        /* The kernel only asks a GPL-compatible license string of programs
         * that call GPL-only helpers (bpf_trace_printk and the like): the
         * verifier checks it per helper call (check_helper_call ->
         * fn->gpl_only). A device program needs no helper at all: it reads
         * its context (type, major, minor, access) and returns; ours adds
         * compares and jumps, and get_insns() refuses to extend a program
         * with any BPF_CALL. So the string can be, and is, the project's own
         * license (runc loads its device filter with "Apache" likewise). */
        attr.license = ptr("Apache-2.0");
        fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        if (errno != EACCES && errno != EINVAL)
                return ect_error_set(err, errno, "BPF_PROG_LOAD");
        /* Again with the verifier's log, for the message. */
        log = xcalloc(1, 65536);
        attr.log_buf = ptr(log);
        attr.log_size = 65535;
        attr.log_level = 1;
        fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        code = errno;
        log_debug("verifier log:\n%s", log);
        cause = verifier_cause(log);
        return ect_error_set(err, code, "BPF_PROG_LOAD (verifier: %s)", cause ? cause : "no log");
}

/* The device programs attached to the cgroup directory cgfd. */
static int query_progs(int cgfd, uint32_t *ids, uint32_t *ret_cnt, uint32_t *ret_flags,
                       struct ect_error **err)
{
        union bpf_attr attr = {0};

        attr.query.target_fd = (uint32_t)cgfd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = ptr(ids);
        attr.query.prog_cnt = MAX_PROGS;
        if (bpf(BPF_PROG_QUERY, &attr) < 0)
                return ect_error_set(err, errno, "BPF_PROG_QUERY");
        if (attr.query.prog_cnt > MAX_PROGS)
                return ect_error_set(err, E2BIG, "%u device programs attached",
                                     attr.query.prog_cnt);
        *ret_cnt = attr.query.prog_cnt;
        if (ret_flags)
                *ret_flags = attr.query.attach_flags;
        return 0;
}

static bool has_id(const uint32_t *ids, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

int ect_cgroup_bpf_allow(int cgfd, const struct ect_cgroup_dev *devs, size_t n,
                         const uint32_t *keep, size_t n_keep, unsigned *ret_n,
                         struct ect_error **err)
{
        uint32_t ids[MAX_PROGS];
        uint32_t cnt, flags, i;
        unsigned done = 0;

        if (query_progs(cgfd, ids, &cnt, &flags, err) < 0)
                return -1;
        for (i = 0; i < cnt; i++) {
                cleanup_close int oldfd = -1, newfd = -1;
                cleanup_free struct bpf_insn *old = NULL, *prog = NULL;
                size_t n_old = 0, k;
                union bpf_attr a = {0};

                if (has_id(keep, n_keep, ids[i]))
                        continue; /* systemd's, built with our devices allowed */
                a.prog_id = ids[i];
                oldfd = bpf(BPF_PROG_GET_FD_BY_ID, &a);
                if (oldfd < 0) {
                        if (errno == ENOENT)
                                continue; /* detached meanwhile */
                        return ect_error_set(err, errno, "BPF_PROG_GET_FD_BY_ID %u", ids[i]);
                }
                if (get_insns(oldfd, &old, &n_old, err) < 0)
                        return -1;
                if (n_old + ECT_CGROUP_BPF_PREFIX_MAX(n) > MAX_INSNS)
                        return ect_error_set(err, E2BIG, "device program too large");
                prog = xcalloc(n_old + ECT_CGROUP_BPF_PREFIX_MAX(n), sizeof *prog);
                k = ect_cgroup_bpf_prefix(prog, devs, n);
                memcpy(prog + k, old, n_old * sizeof *old);
                newfd = load(prog, k + n_old, err);
                if (newfd < 0)
                        return newfd;

                memset(&a, 0, sizeof a);
                a.target_fd = (uint32_t)cgfd;
                a.attach_bpf_fd = (uint32_t)newfd;
                a.attach_type = BPF_CGROUP_DEVICE;
                if (flags & BPF_F_ALLOW_MULTI) {
                        /* Atomic swap: no moment without a filter. */
                        a.attach_flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE;
                        a.replace_bpf_fd = (uint32_t)oldfd;
                } else {
                        a.attach_flags = flags; /* 0 or OVERRIDE: attaching replaces */
                }
                if (bpf(BPF_PROG_ATTACH, &a) < 0)
                        return ect_error_set(err, errno, "BPF_PROG_ATTACH (replace program %u)",
                                             ids[i]);
                log_debug("replaced device program %u (%zu instructions, %zu added)", ids[i], n_old,
                          k);
                done++;
        }
        *ret_n = done;
        return 0;
}

static bool same_ids(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (!has_id(b, nb, a[i]))
                        return false;
        return true;
}

/* How long systemd may take to rebuild a unit's device program after
 * SetUnitProperties: it answers first and rebuilds in its next loop
 * iteration, which under load (or emulation) can take a while. */
#define SYSTEMD_REBUILD_NS (5ull * 1000 * 1000 * 1000)

static uint64_t now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* pid's cgroup path as systemd keeps it (the unified hierarchy's, or
 * name=systemd's on a v1 host), into *ret; NULL when there is none. The
 * caller's ect_cgroup_find_dir() has parsed the file already (an error
 * there ends the call first): the error cannot happen here. The path names
 * the unit systemd is asked about first; its answer decides (systemd.h). */
static const char *systemd_path(const char *proc_cgroup, char **ret)
{
        struct ect_error *quiet = NULL;

        if (cgroup_path(proc_cgroup, NULL, ret, &quiet) < 0 ||
            (!*ret && cgroup_path(proc_cgroup, "name=systemd", ret, &quiet) < 0))
                ect_error_free(&quiet);
        return *ret;
}

/* systemd's share (systemd.h): when pid belongs to a unit whose device
 * policy restricts access, our devices go into its DeviceAllow=, and we
 * wait until systemd has rebuilt its program on the unit's cgroup. keep
 * gets the programs systemd attached in answer: they allow our devices and
 * are systemd's to rebuild, so they are not replaced. */
static int systemd_grant(const char *bus, pid_t pid, const char *pc, const char *v2,
                         const struct ect_cgroup_dev *devs, size_t n, uint32_t *keep,
                         size_t *n_keep, struct ect_error **err)
{
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        cleanup_free char *path = NULL, *unit_dir = NULL;
        cleanup_close int ufd = -1;
        uint32_t before[MAX_PROGS], after[MAX_PROGS], nb = 0, na = 0;
        size_t added = 0, ul;
        uint64_t deadline;
        int r = 0;

        *n_keep = 0;
        if (ect_systemd_open(bus, &s, err) < 0)
                return ect_error_wrap(err, "systemd");
        if (!s)
                return 0;
        if (ect_systemd_unit_of_pid(s, pid, systemd_path(pc, &path), devs, n, &u, err) < 0)
                return ect_error_wrap(err, "systemd");
        if (!u.name || !u.restricted || u.n_missing == 0)
                goto out;

        /* The unit's cgroup in our view: pid's v2 directory cut back to
         * the unit's ControlGroup (pid may sit below it: crun puts the
         * container in <scope>/container). With a v2 directory, path is
         * the unified hierarchy's. */
        if (v2) {
                ul = u.cgroup ? strlen(u.cgroup) : 0;
                if (!path || !u.cgroup || strncmp(path, u.cgroup, ul) != 0 ||
                    (path[ul] != '/' && path[ul] != '\0') || strlen(path) - ul > strlen(v2)) {
                        r = ect_error_set(err, EINVAL,
                                          "systemd unit '%s': its cgroup '%s' does not hold the "
                                          "container's '%s'",
                                          u.name, u.cgroup ? u.cgroup : "", path ? path : "");
                        goto out;
                }
                unit_dir = xstrndup(v2, strlen(v2) - (strlen(path) - ul));
                ufd = open(unit_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (ufd < 0) {
                        r = ect_error_set(err, errno, "open cgroup '%s'", unit_dir);
                        goto out;
                }
                r = query_progs(ufd, before, &nb, NULL, err);
                if (r < 0)
                        goto out;
        }
        r = ect_systemd_allow_devices(s, u.name, devs, n, &added, err);
        if (r < 0)
                goto out;
        /* No program of systemd's on a v2 cgroup (a v1 host): nothing to
         * wait for, our devices.allow line does the rest. */
        if (ufd < 0 || nb == 0)
                goto out;
        deadline = now_ns() + SYSTEMD_REBUILD_NS;
        for (;;) {
                r = query_progs(ufd, after, &na, NULL, err);
                if (r < 0)
                        goto out;
                if (!same_ids(before, nb, after, na))
                        break;
                if (now_ns() > deadline) {
                        r = ect_error_set(err, ETIMEDOUT,
                                          "systemd unit '%s': DeviceAllow= set, but its device "
                                          "program on '%s' was not rebuilt within %llu s",
                                          u.name, unit_dir, SYSTEMD_REBUILD_NS / 1000000000ull);
                        goto out;
                }
                (void)nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        }
        for (uint32_t i = 0; i < na; i++)
                if (!has_id(before, nb, after[i]))
                        keep[(*n_keep)++] = after[i];
        log_debug("systemd unit '%s': %zu DeviceAllow= added, %zu new program(s) of its own",
                  u.name, added, *n_keep);
out:
        ect_systemd_unit_clear(&u);
        return r;
}

int ect_cgroup_allow(int procfd, pid_t pid, const char *mountinfo,
                     const struct ect_cgroup_dev *devs, size_t n, const char *systemd_bus,
                     struct ect_error **err)
{
        cleanup_free char *pc = NULL, *v1 = NULL, *v2 = NULL;
        unsigned n_bpf = 0;
        uint32_t keep[MAX_PROGS];
        size_t n_keep = 0;
        int r;

        if (ect_read_proc_at(procfd, "cgroup", MAX_PROCFILE, &pc, NULL, err) < 0)
                return ect_error_wrap(err, "container process");
        r = ect_cgroup_find_dir(pc, mountinfo, "devices", &v1, err);
        if (r < 0)
                return r;
        if (v1) {
                r = v1_allow(v1, devs, n, err);
                if (r < 0)
                        return ect_error_wrap(err, "device cgroup v1");
        }
        r = ect_cgroup_find_dir(pc, mountinfo, NULL, &v2, err);
        if (r < 0)
                return r;
        if (systemd_bus == NULL || *systemd_bus) {
                r = systemd_grant(systemd_bus, pid, pc, v2, devs, n, keep, &n_keep, err);
                if (r < 0)
                        return r;
        }
        if (v2) {
                cleanup_close int cgfd = open(v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (cgfd < 0)
                        return ect_error_set(err, errno, "open cgroup '%s'", v2);
                r = ect_cgroup_bpf_allow(cgfd, devs, n, keep, n_keep, &n_bpf, err);
                if (r < 0)
                        return ect_error_wrap(err, "device cgroup v2 '%s'", v2);
        }
        log_debug("cgroup: v1 %s, v2 '%s' (%u programs replaced)", v1 ? v1 : "-", v2 ? v2 : "-",
                  n_bpf);
        return 0;
}
