/* SPDX-License-Identifier: Apache-2.0 */
/* fd-based resolution inside a hostile rootfs: every test runs three ways
 * (loop index): ect_rootfs_open() with openat2, the component walk on its
 * own, and ect_rootfs_open() with openat2 forced to ENOSYS by a seccomp
 * filter (crun tests/no_openat2.c; Check forks each test, so the filter
 * stays in that test). */
#include "cleanup.h"
#include "rootfs.h"
#include "testutil.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static char *tmp; /* tmp/root is the rootfs, tmp/outside a host dir */
static char root[512], outside[512];
static int rootfd = -1;

static void setup(void)
{
        tmp = make_tmpdir();
        snprintf(root, sizeof root, "%s/root", tmp);
        snprintf(outside, sizeof outside, "%s/outside", tmp);
        sh("r=%s; o=%s; mkdir -p $r/etc $r/real/dir $o; echo hi >$r/real/dir/file; "
           "echo secret >$o/secret; ln -s /etc $r/dev; ln -s ../../.. $r/up; "
           "ln -s loop2 $r/loop1; ln -s loop1 $r/loop2; touch $r/afile; ln -s $o $r/hostlink; "
           "ln -s ../../../../../../outside $r/uplink; ln -s real/dir/ $r/reldir",
           root, outside);
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(rootfd, 0);
}

static char mroot[600];

static void teardown(void)
{
        /* The mounts of test_mkdir_p_mounts (in this process's namespace):
         * gone before the files, or rm would meet busy mount points. */
        if (rootfd >= 0)
                close(rootfd);
        rootfd = -1;
        if (mroot[0])
                sh("umount -R -l '%s'", mroot);
        mroot[0] = '\0';
        rm_tmpdir(tmp);
        tmp = NULL;
}

/* openat2 answers ENOSYS here without any filter: qemu-user before 9.0
 * has no openat2 (make ARCH=arm64 check-unit). */
static bool openat2_missing(void)
{
        struct open_how how = {.flags = O_PATH | O_CLOEXEC};
        long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);

        if (fd >= 0) {
                close((int)fd);
                return false;
        }
        return errno == ENOSYS;
}

static void force_no_openat2(void)
{
        scmp_filter_ctx ctx = NULL;
        struct {
                unsigned long long flags, mode, resolve;
        } how = {O_PATH, 0, 0};

        /* Under emulation no filter can be loaded; where openat2 is
         * missing already, the fallback is taken all the same. */
        if (emulator() && openat2_missing())
                return;
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        ck_assert_ptr_nonnull(ctx);
        ck_assert_int_eq(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0), 0);
        ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
        ck_assert_int_eq(seccomp_load(ctx), 0);
        seccomp_release(ctx);
        errno = 0;
        ck_assert_int_eq(syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how), -1);
        ck_assert_int_eq(errno, ENOSYS);
}

/* mode 0: openat2; 1: the walk; 2: openat2 blocked, fallback taken. */
static int do_open(int mode, const char *path, int flags, struct ect_error **err)
{
        if (mode == 1)
                return ect_rootfs_open_walk(rootfd, path, flags, err);
        return ect_rootfs_open(rootfd, path, flags, err);
}

static void setup_mode(int mode)
{
        if (mode == 2)
                force_no_openat2();
}

static void assert_same(int fd, const char *path)
{
        struct stat a, b;
        ck_assert_int_eq(fstat(fd, &a), 0);
        ck_assert_int_eq(stat(path, &b), 0);
        ck_assert_msg(a.st_dev == b.st_dev && a.st_ino == b.st_ino, "fd is not '%s'", path);
}

static void assert_fails(int mode, const char *path, int flags, int code, const char *needle)
{
        struct ect_error *err = NULL;
        int fd = do_open(mode, path, flags, &err);
        ck_assert_msg(fd < 0, "'%s' opened (mode %d), expected errno %d", path, mode, code);
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(err->code == code, "'%s' (mode %d): errno %d (%s), expected %d", path, mode,
                      err->code, err->msg, code);
        if (needle)
                ck_assert_ptr_nonnull(strstr(err->msg, needle));
        ect_error_free(&err);
}

START_TEST(test_open_plain)
{
        struct ect_error *err = NULL;
        char p[600];
        cleanup_close int fd = -1, fd2 = -1, fd3 = -1;
        char buf[8] = {0};

        setup_mode(_i);
        fd = do_open(_i, "/real/dir/file", O_RDONLY, &err);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(read(fd, buf, sizeof buf - 1), 3);
        ck_assert_str_eq(buf, "hi\n");
        fd2 = do_open(_i, "", O_PATH | O_DIRECTORY, &err);
        ck_assert_int_ge(fd2, 0);
        assert_same(fd2, root);
        fd3 = do_open(_i, "reldir/", O_PATH | O_DIRECTORY, &err);
        ck_assert_int_ge(fd3, 0);
        snprintf(p, sizeof p, "%s/real/dir", root);
        assert_same(fd3, p);
        ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_open_dev_to_etc)
{
        struct ect_error *err = NULL;
        cleanup_close int fd = -1;
        char p[600];

        setup_mode(_i);
        /* dev -> /etc: /etc of the rootfs, never the host's. */
        fd = do_open(_i, "dev", O_PATH | O_DIRECTORY, &err);
        ck_assert_int_ge(fd, 0);
        snprintf(p, sizeof p, "%s/etc", root);
        assert_same(fd, p);
        assert_fails(_i, "dev/passwd", O_RDONLY, ENOENT, NULL);
}
END_TEST

START_TEST(test_open_dotdot_clamped)
{
        struct ect_error *err = NULL;
        cleanup_close int fd = -1, fd2 = -1;
        char p[600];

        setup_mode(_i);
        /* infiniband -> ../../..: ".." stops at the root. */
        fd = do_open(_i, "up", O_PATH | O_DIRECTORY, &err);
        ck_assert_int_ge(fd, 0);
        assert_same(fd, root);
        fd2 = do_open(_i, "/../../up/../real", O_PATH | O_DIRECTORY, &err);
        ck_assert_int_ge(fd2, 0);
        snprintf(p, sizeof p, "%s/real", root);
        assert_same(fd2, p);
        /* Links to the host directory, absolute and relative: not found
         * inside the root, and never the host's file. */
        assert_fails(_i, "hostlink/secret", O_RDONLY, ENOENT, NULL);
        assert_fails(_i, "uplink/secret", O_RDONLY, ENOENT, NULL);
}
END_TEST

START_TEST(test_open_hostile)
{
        char *longp;

        setup_mode(_i);
        assert_fails(_i, "loop1", O_PATH, ELOOP, NULL);
        assert_fails(_i, "loop1/x", O_PATH, ELOOP, NULL);
        assert_fails(_i, "afile/x", O_PATH, ENOTDIR, NULL);
        assert_fails(_i, "afile", O_PATH | O_DIRECTORY, ENOTDIR, NULL);
        assert_fails(_i, "real/dir/file", O_CREAT | O_RDWR, EINVAL, NULL);
        longp = malloc(6000);
        memset(longp, 'a', 5999);
        longp[5999] = '\0';
        for (int k = 100; k < 5999; k += 101)
                longp[k] = '/';
        assert_fails(_i, longp, O_PATH, ENAMETOOLONG, NULL);
        free(longp);
}
END_TEST

START_TEST(test_open_nofollow_last)
{
        struct ect_error *err = NULL;
        cleanup_close int fd = -1;
        struct stat st;

        setup_mode(_i);
        fd = do_open(_i, "dev", O_PATH | O_NOFOLLOW, &err);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fstat(fd, &st), 0);
        ck_assert(S_ISLNK(st.st_mode));
}
END_TEST

START_TEST(test_mkdir_p_creates)
{
        struct ect_error *err = NULL;
        cleanup_close int fd = -1, fd2 = -1;
        char p[600];

        setup_mode(_i);
        fd = ect_rootfs_mkdir_p(rootfd, "/new/dev/infiniband", 0755, NULL, &err);
        ck_assert_int_ge(fd, 0);
        snprintf(p, sizeof p, "%s/new/dev/infiniband", root);
        assert_same(fd, p);
        /* Again: exists, same result. */
        fd2 = ect_rootfs_mkdir_p(rootfd, "new/dev/infiniband", 0755, NULL, &err);
        ck_assert_int_ge(fd2, 0);
        assert_same(fd2, p);
}
END_TEST

START_TEST(test_mkdir_p_through_links)
{
        struct ect_error *err = NULL;
        cleanup_close int fd = -1;
        char p[600];
        struct stat st;

        setup_mode(_i);
        /* dev -> /etc: created as <root>/etc/infiniband. */
        fd = ect_rootfs_mkdir_p(rootfd, "/dev/infiniband", 0755, NULL, &err);
        ck_assert_int_ge(fd, 0);
        snprintf(p, sizeof p, "%s/etc/infiniband", root);
        assert_same(fd, p);
        /* A link to a host directory: refused, nothing made on the host. */
        fd = -1;
        fd = ect_rootfs_mkdir_p(rootfd, "/hostlink/infiniband", 0755, NULL, &err);
        ck_assert_int_lt(fd, 0);
        ck_assert_int_eq(err->code, ENOTDIR);
        ect_error_free(&err);
        snprintf(p, sizeof p, "%s/infiniband", outside);
        ck_assert_int_ne(stat(p, &st), 0);
        fd = ect_rootfs_mkdir_p(rootfd, "/uplink/x", 0755, NULL, &err);
        ck_assert_int_lt(fd, 0);
        ect_error_free(&err);
        snprintf(p, sizeof p, "%s/x", outside);
        ck_assert_int_ne(stat(p, &st), 0);
        /* A file where a directory belongs. */
        fd = ect_rootfs_mkdir_p(rootfd, "/afile/x", 0755, NULL, &err);
        ck_assert_int_lt(fd, 0);
        ck_assert_int_eq(err->code, ENOTDIR);
        ect_error_free(&err);
        fd = ect_rootfs_mkdir_p(rootfd, "/loop1/x", 0755, NULL, &err);
        ck_assert_int_lt(fd, 0);
        ck_assert_int_eq(err->code, ELOOP);
        ect_error_free(&err);
        fd = ect_rootfs_mkdir_p(rootfd, "/real/../x", 0755, NULL, &err);
        ck_assert_int_lt(fd, 0);
        ck_assert_int_eq(err->code, EINVAL);
        ect_error_free(&err);
}
END_TEST

/* A path of ECT_ROOTFS_MAX_PATH bytes without a leading '/': the prefix
 * that mkdir_p builds ("/" + each component) is one byte longer than the
 * path, and must not overrun its buffer (ASan: stack-buffer-overflow).
 * openat2 takes at most PATH_MAX - 1 bytes (ENAMETOOLONG is a clean
 * refusal there); the walk (mode 2) takes the whole bound: made. */
START_TEST(test_mkdir_p_max_path)
{
        struct ect_error *err = NULL;
        cleanup_close int fd = -1, cur = -1;
        char path[ECT_ROOTFS_MAX_PATH + 1];
        struct stat a, b;
        size_t len = 0;

        setup_mode(_i);
        /* 17 components of 240 bytes and 16 slashes: 4096 bytes. */
        for (int c = 0; c < 17; c++) {
                if (c > 0)
                        path[len++] = '/';
                memset(path + len, 'a' + c, 240);
                len += 240;
        }
        path[len] = '\0';
        ck_assert_uint_eq(len, ECT_ROOTFS_MAX_PATH);
        fd = ect_rootfs_mkdir_p(rootfd, path, 0755, NULL, &err);
        if (_i != 2 && fd < 0) {
                ck_assert_int_eq(err->code, ENAMETOOLONG);
                ect_error_free(&err);
                return;
        }
        ck_assert_msg(fd >= 0, "mkdir_p of a %zu-byte path: errno %d", len, err ? err->code : 0);
        /* The fd is <root>/path: follow it one component at a time. */
        cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (char *c = strtok(path, "/"); c; c = strtok(NULL, "/")) {
                int next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                ck_assert_int_ge(next, 0);
                close(cur);
                cur = next;
        }
        ck_assert_int_eq(fstat(fd, &a), 0);
        ck_assert_int_eq(fstat(cur, &b), 0);
        ck_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}
END_TEST

START_TEST(test_mknod_cases)
{
        struct ect_error *err = NULL;
        cleanup_close int dfd = -1;
        struct stat st;
        char p[600];

        setup_mode(_i);
        dfd = ect_rootfs_mkdir_p(rootfd, "/d", 0755, NULL, &err);
        ck_assert_int_ge(dfd, 0);
        ck_assert_int_eq(ect_rootfs_mknod(dfd, "uverbs0", 231, 192, 0666, &err),
                         ECT_ROOTFS_CREATED);
        snprintf(p, sizeof p, "%s/d/uverbs0", root);
        ck_assert_int_eq(stat(p, &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
        ck_assert_uint_eq(major(st.st_rdev), 231);
        ck_assert_uint_eq(minor(st.st_rdev), 192);
        /* The same device again (CDI, --device, a second run): kept. */
        ck_assert_int_eq(ect_rootfs_mknod(dfd, "uverbs0", 231, 192, 0666, &err),
                         ECT_ROOTFS_EXISTED);
        /* Another device there: error, and it stays as it was. */
        ck_assert_int_lt(ect_rootfs_mknod(dfd, "uverbs0", 231, 193, 0666, &err), 0);
        ck_assert_int_eq(err->code, EEXIST);
        ck_assert_ptr_nonnull(
                strstr(err->msg, "character device 231:192, not character device 231:193"));
        ect_error_free(&err);
        /* A planted symlink: error, its target is not created. */
        snprintf(p, sizeof p, "%s/d/uverbs1", root);
        ck_assert_int_eq(symlink("/tmp/ect-should-not-exist", p), 0);
        ck_assert_int_lt(ect_rootfs_mknod(dfd, "uverbs1", 231, 193, 0666, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "a symbolic link"));
        ect_error_free(&err);
        ck_assert_int_ne(stat("/tmp/ect-should-not-exist", &st), 0);
        /* A regular file. */
        ck_assert_int_lt(ect_rootfs_mknod(rootfd, "afile", 231, 193, 0666, &err), 0);
        ck_assert_ptr_nonnull(strstr(err->msg, "a regular file"));
        ect_error_free(&err);
        /* Names are one component. */
        ck_assert_int_lt(ect_rootfs_mknod(rootfd, "../x", 231, 193, 0666, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ect_error_free(&err);
}
END_TEST

/* Mounts (issue 13): a rootfs with the engine's /dev (a tmpfs) and a
 * volume at /data (a bind mount of the host directory "outside"), built in
 * a private mount namespace of this test's process. The image links into
 * the volume from /dev; nothing may be made there, whatever the link. */
static struct ect_rootfs_mounts allowed;

static void setup_mounts(int mode)
{
        struct ect_error *err = NULL;
        struct ect_rootfs_mount rm, dm;
        char p[700];

        setup_mode(mode);
        ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
        ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        snprintf(mroot, sizeof mroot, "%s/mroot", tmp);
        sh("r=%s; mkdir -p $r/dev $r/data $r/alt && mount --bind $r $r && "
           "mount -t tmpfs -o size=1m ect-dev $r/dev && mount --bind %s $r/data && "
           "ln -s /data $r/dev/ib-link && ln -s /data $r/alt/dev && mkdir $r/dev/vol && "
           "mount --bind %s $r/dev/vol",
           mroot, outside, outside);
        close(rootfd);
        rootfd = open(mroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(rootfd, 0);
        ck_assert_int_eq(ect_rootfs_init_proc(&err), 0);
        memset(&allowed, 0, sizeof allowed);
        ck_assert_int_eq(ect_rootfs_mount_of(rootfd, &rm, &err), 0);
        ck_assert_int_eq(ect_rootfs_mounts_add(&allowed, &rm, &err), 0);
        snprintf(p, sizeof p, "%s/dev", mroot);
        int dfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(dfd, 0);
        ck_assert_int_eq(ect_rootfs_mount_of(dfd, &dm, &err), 0);
        ck_assert_int_eq(ect_rootfs_mounts_add(&allowed, &dm, &err), 0);
        /* The same mount twice is one entry. */
        ck_assert_int_eq(ect_rootfs_mount_of(dfd, &dm, &err), 0);
        ck_assert_int_eq(ect_rootfs_mounts_add(&allowed, &dm, &err), 0);
        ck_assert_uint_eq(allowed.n, 2);
        close(dfd);
}

static void assert_exdev(const char *path, const char *named, const char *mount_point)
{
        struct ect_error *err = NULL;
        int fd = ect_rootfs_mkdir_p(rootfd, path, 0755, &allowed, &err);

        ck_assert_msg(fd < 0, "'%s' made or opened on a volume", path);
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(err->code == EXDEV, "'%s': errno %d (%s)", path, err->code, err->msg);
        ck_assert_msg(strstr(err->msg, named) && strstr(err->msg, mount_point) &&
                              strstr(err->msg, "neither the container's /dev nor its rootfs"),
                      "'%s': message '%s' lacks '%s' or '%s'", path, err->msg, named, mount_point);
        ect_error_free(&err);
}

static void assert_outside_empty(void)
{
        struct stat st;
        char p[700];
        const char *names[] = {"infiniband", "x", "sub", "uverbs0"};

        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
                snprintf(p, sizeof p, "%s/%s", outside, names[i]);
                ck_assert_msg(stat(p, &st) != 0, "'%s' was made in the host directory", p);
        }
}

START_TEST(test_mkdir_p_mounts)
{
        struct ect_error *err = NULL;
        cleanup_close int fd = -1;
        char vol[700], devvol[700];
        struct stat st;

        setup_mounts(_i);
        snprintf(vol, sizeof vol, "'%s/data'", mroot);
        snprintf(devvol, sizeof devvol, "'%s/dev/vol'", mroot);
        /* On the engine's /dev and on the rootfs: made. */
        fd = ect_rootfs_mkdir_p(rootfd, "/dev/infiniband", 0755, &allowed, &err);
        ck_assert_msg(fd >= 0, "/dev/infiniband: %s", err ? err->msg : "");
        ck_assert_int_eq(ect_rootfs_check_mount(fd, &allowed, "/dev/infiniband", &err), 0);
        ect_closep(&fd);
        fd = ect_rootfs_mkdir_p(rootfd, "/newdir/sub", 0755, &allowed, &err);
        ck_assert_msg(fd >= 0, "/newdir/sub: %s", err ? err->msg : "");
        /* A link from /dev into the volume: the existing directory is not
         * returned, nothing is made below it. */
        assert_exdev("/dev/ib-link", "'/dev/ib-link' is on mount", vol);
        assert_exdev("/dev/ib-link/infiniband", "'/dev/ib-link' is on mount", vol);
        /* /dev -> the volume (alt/dev): the directory is not made there. */
        assert_exdev("/alt/dev/infiniband", "'/alt/dev' is on mount", vol);
        assert_exdev("/data/sub", "'/data' is on mount", vol);
        /* A volume at a directory the hook would use (/dev/vol). */
        assert_exdev("/dev/vol", "'/dev/vol' is on mount", devvol);
        assert_exdev("/dev/vol/x", "'/dev/vol' is on mount", devvol);
        assert_outside_empty();
        /* Only the rootfs allowed (no engine /dev): /dev is refused too. */
        allowed.n = 1;
        assert_exdev("/dev/x", "'/dev' is on mount", "/dev'");
        snprintf(vol, sizeof vol, "%s/dev/x", mroot);
        ck_assert_int_ne(stat(vol, &st), 0);
        /* Without a set, no check (the behaviour of the plain resolver). */
        ect_closep(&fd);
        fd = ect_rootfs_mkdir_p(rootfd, "/dev/vol", 0755, NULL, &err);
        ck_assert_int_ge(fd, 0);
}
END_TEST

/* struct open_how as the kernel reads it (openat2(2): extensible, by size). */
START_TEST(test_open_how_layout)
{
        ck_assert_uint_eq(sizeof(struct open_how), 24);
        ck_assert_uint_eq(offsetof(struct open_how, flags), 0);
        ck_assert_uint_eq(offsetof(struct open_how, mode), 8);
        ck_assert_uint_eq(offsetof(struct open_how, resolve), 16);
}
END_TEST

/* The superblock field of a mountinfo line, read as sscanf("%*u %*u
 * %u:%u") reads it (the parser the hook used before). */
START_TEST(test_mountinfo_dev)
{
        static const char *lines[] = {
                "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
                "23 26 0:6 / /dev rw - devtmpfs devtmpfs rw",
                "1 2 3",
                "1 2 3:",
                "1 2 :4 / /",
                "x 2 3:4",
                "1  2   4294967295:7 / /",
                "1 2 99999999999999999999:1 / /",
                "1 -2 +3:4",
                "1\t2 \n3: 4",
                "",
        };
        for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
                unsigned a = 0, b = 0, c = 0, d = 0;
                bool want = sscanf(lines[i], "%*u %*u %u:%u", &a, &b) == 2;
                ck_assert_int_eq(ect_rootfs_mountinfo_dev(lines[i], &c, &d), want);
                if (want) {
                        ck_assert_uint_eq(a, c);
                        ck_assert_uint_eq(b, d);
                }
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("rootfs");
        TCase *open_tc = tcase_create("ect_rootfs_open");
        TCase *mkdir_tc = tcase_create("ect_rootfs_mkdir_p");
        TCase *mknod_tc = tcase_create("ect_rootfs_mknod");
        TCase *mounts_tc = tcase_create("ect_rootfs_mounts");
        int modes = 3;

        /* Mode 2 blocks openat2 with a seccomp filter, which qemu-user does
         * not load: under a qemu that has openat2, it cannot run. */
        if (emulator() && !openat2_missing()) {
                skip_test("rootfs: openat2 blocked by seccomp (mode 2)",
                          "emulation: qemu-user does not load seccomp filters");
                modes = 2;
        }
        tcase_add_test(open_tc, test_open_how_layout);
        tcase_add_test(mounts_tc, test_mountinfo_dev);
        tcase_add_checked_fixture(open_tc, setup, teardown);
        tcase_add_loop_test(open_tc, test_open_plain, 0, modes);
        tcase_add_loop_test(open_tc, test_open_dev_to_etc, 0, modes);
        tcase_add_loop_test(open_tc, test_open_dotdot_clamped, 0, modes);
        tcase_add_loop_test(open_tc, test_open_hostile, 0, modes);
        tcase_add_loop_test(open_tc, test_open_nofollow_last, 0, modes);
        suite_add_tcase(s, open_tc);
        tcase_add_checked_fixture(mkdir_tc, setup, teardown);
        /* 0: openat2, 2: openat2 blocked (the walk is what mkdir_p uses then). */
        tcase_add_loop_test(mkdir_tc, test_mkdir_p_creates, 0, modes);
        tcase_add_loop_test(mkdir_tc, test_mkdir_p_through_links, 0, modes);
        tcase_add_loop_test(mkdir_tc, test_mkdir_p_max_path, 0, modes);
        suite_add_tcase(s, mkdir_tc);
        if (geteuid() == 0) {
                tcase_add_checked_fixture(mknod_tc, setup, teardown);
                tcase_add_loop_test(mknod_tc, test_mknod_cases, 0, modes);
                suite_add_tcase(s, mknod_tc);
                tcase_add_checked_fixture(mounts_tc, setup, teardown);
                tcase_add_loop_test(mounts_tc, test_mkdir_p_mounts, 0, modes);
        } else {
                skip_test("rootfs: ect_rootfs_mknod", "needs root");
                skip_test("rootfs: mounts", "needs root");
        }
        suite_add_tcase(s, mounts_tc);
        return run_suite(s);
}
