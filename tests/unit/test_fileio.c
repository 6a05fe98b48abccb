/* SPDX-License-Identifier: Apache-2.0 */
/* lib/fileio.c: bounded reads and atomic writes, including what a killed
 * earlier writer leaves behind. */
#include "fileio.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char *dir;

static void setup(void)
{
        dir = make_tmpdir();
}

static void teardown(void)
{
        rm_tmpdir(dir);
        dir = NULL;
}

static void put(const char *name, const char *content)
{
        char *p;
        FILE *f;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fputs(content, f);
        fclose(f);
        free(p);
}

static bool exists(const char *name)
{
        struct stat st;
        char *p;
        bool r;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        r = lstat(p, &st) == 0;
        free(p);
        return r;
}

static int count_entries(void)
{
        char *cmd, buf[32] = "";
        FILE *f;

        ck_assert_int_ge(asprintf(&cmd, "ls -A '%s' | wc -l", dir), 0);
        f = popen(cmd, "r");
        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(fgets(buf, sizeof buf, f));
        pclose(f);
        free(cmd);
        return atoi(buf);
}

/* A pid that no process has now: a child that has been reaped. */
static pid_t dead_pid(void)
{
        pid_t p = fork();
        ck_assert_int_ge(p, 0);
        if (p == 0)
                _exit(0);
        ck_assert_int_eq(waitpid(p, NULL, 0), p);
        return p;
}

START_TEST(test_write_file_atomic_replaces)
{
        struct ect_error *err = NULL;
        char *path, *buf = NULL;
        size_t len = 0;
        struct stat st;

        ck_assert_int_ge(asprintf(&path, "%s/spec.json", dir), 0);
        put("spec.json", "old");
        ck_assert_int_eq(ect_write_file_atomic(path, "new content", 11, 0640, &err), 0);
        ck_assert_int_eq(ect_read_file_at(AT_FDCWD, path, 100, &buf, &len, &err), 0);
        ck_assert_str_eq(buf, "new content");
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0640);
        /* nothing but the file itself */
        ck_assert_int_eq(count_entries(), 1);
        free(buf);
        free(path);
}
END_TEST

/* A writer killed after naming its temporary file leaves "<name>.tmp.PID";
 * the next write to the same path removes it when PID is gone, and keeps a
 * live writer's file and other names' files. */
START_TEST(test_write_file_atomic_sweeps_stale)
{
        struct ect_error *err = NULL;
        char dead[64], live[64], other[64], *path;

        snprintf(dead, sizeof dead, "config.json.tmp.%d", (int)dead_pid());
        snprintf(live, sizeof live, "config.json.tmp.%d", (int)getppid());
        snprintf(other, sizeof other, "other.json.tmp.%d", (int)dead_pid());
        put(dead, "{\"half");
        put(live, "{");
        put(other, "{");
        put("config.json.tmp.x1", "not a pid");
        ck_assert_int_ge(asprintf(&path, "%s/config.json", dir), 0);
        ck_assert_int_eq(ect_write_file_atomic_flags(path, "{}", 2, 0644, 0, &err), 0);
        ck_assert(!exists(dead));
        ck_assert(exists(live));
        ck_assert(exists(other));
        ck_assert(exists("config.json.tmp.x1"));
        ck_assert(exists("config.json"));
        free(path);
}
END_TEST

/* A missing directory: the message names the temporary file, the errno is
 * kept, nothing is created. */
START_TEST(test_write_file_atomic_no_dir)
{
        struct ect_error *err = NULL;
        char *path;

        ck_assert_int_ge(asprintf(&path, "%s/no/spec.json", dir), 0);
        ck_assert_int_lt(ect_write_file_atomic(path, "x", 1, 0644, &err), 0);
        ck_assert_int_eq(err->code, ENOENT);
        ck_assert_ptr_nonnull(strstr(err->msg, "create '"));
        ck_assert_ptr_nonnull(strstr(err->msg, "/no/spec.json.tmp."));
        ect_error_free(&err);
        ck_assert_int_eq(count_entries(), 0);
        free(path);
}
END_TEST

/* Huge files fail with EFBIG instead of being cut. */
START_TEST(test_read_file_at_too_big)
{
        struct ect_error *err = NULL;
        char *buf = NULL;
        size_t len = 0;

        put("big", "0123456789");
        ck_assert_int_eq(chdir(dir), 0);
        ck_assert_int_lt(ect_read_file_at(AT_FDCWD, "big", 9, &buf, &len, &err), 0);
        ck_assert_int_eq(err->code, EFBIG);
        ck_assert_ptr_null(buf);
        ect_error_free(&err);
        ck_assert_int_eq(ect_read_file_at(AT_FDCWD, "big", 10, &buf, &len, &err), 0);
        ck_assert_uint_eq(len, 10);
        free(buf);
}
END_TEST

/* A FIFO (planted in a bundle or a sysfs tree) is refused, not read. */
START_TEST(test_read_file_at_fifo)
{
        struct ect_error *err = NULL;
        char *p, *buf = NULL;
        size_t len = 0;

        ck_assert_int_ge(asprintf(&p, "%s/fifo", dir), 0);
        ck_assert_int_eq(mkfifo(p, 0600), 0);
        ck_assert_int_lt(ect_read_file_at(AT_FDCWD, p, 100, &buf, &len, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_ptr_nonnull(strstr(err->msg, "not a regular file"));
        ect_error_free(&err);
        free(p);
}
END_TEST

/* A regular file ends where a short read ends at the size fstat gave
 * (no read returning 0 then). A size that is no longer the file's is
 * only a hint: what was appended since, or a file that shrank, is read
 * to its real end. */
static void read_with_size(off_t size_hint, const char *want)
{
        struct stat st;
        char *p, *buf = NULL;
        size_t len = 0;
        struct ect_error *err = NULL;
        int fd;

        ck_assert_int_ge(asprintf(&p, "%s/grown", dir), 0);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fstat(fd, &st), 0);
        st.st_size = size_hint;
        ck_assert_int_eq(ect_read_fd_stat(fd, &st, p, 100, &buf, &len, &err), 0);
        ck_assert_uint_eq(len, strlen(want));
        ck_assert_str_eq(buf, want);
        free(buf);
        close(fd);
        free(p);
}

START_TEST(test_read_fd_stat_size_is_a_hint)
{
        put("grown", "0123456789abcde");
        read_with_size(15, "0123456789abcde");
        read_with_size(10, "0123456789abcde"); /* grew after the fstat */
        read_with_size(20, "0123456789abcde"); /* shrank */
        read_with_size(0, "0123456789abcde");
}
END_TEST

static Suite *fileio_suite(void)
{
        Suite *s = suite_create("fileio");
        TCase *tc = tcase_create("ect_write_file_atomic");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_write_file_atomic_replaces);
        tcase_add_test(tc, test_write_file_atomic_sweeps_stale);
        tcase_add_test(tc, test_write_file_atomic_no_dir);
        suite_add_tcase(s, tc);
        tc = tcase_create("ect_read_file_at");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_read_file_at_too_big);
        tcase_add_test(tc, test_read_file_at_fifo);
        tcase_add_test(tc, test_read_fd_stat_size_is_a_hint);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(fileio_suite());
}
