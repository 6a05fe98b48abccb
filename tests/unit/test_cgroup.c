/* Finding a process's cgroup directory from /proc/PID/cgroup and
 * /proc/self/mountinfo text (v1 devices, v2). */
#include "cgroup.h"
#include "cleanup.h"
#include "testutil.h"

static const char *mi_hybrid =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
        "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime shared:9 - cgroup cgroup rw,devices\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char *pc =
        "12:devices:/default/ctr1\n"
        "3:cpu,cpuacct:/default/ctr1\n"
        "1:name=systemd:/default/ctr1\n"
        "0::/default/ctr1\n";

START_TEST(test_find_dir_v1)
{
        struct ect_error *err = NULL;
        cleanup_free char *d = NULL, *c = NULL;

        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_hybrid, "devices", &d, &err), 0);
        ck_assert_str_eq(d, "/sys/fs/cgroup/devices/default/ctr1");
        /* A controller in a combined hierarchy. */
        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_hybrid, "cpuacct", &c, &err), 0);
        ck_assert_str_eq(c, "/sys/fs/cgroup/cpu,cpuacct/default/ctr1");
}
END_TEST

START_TEST(test_find_dir_v2)
{
        struct ect_error *err = NULL;
        cleanup_free char *d = NULL, *d2 = NULL;
        const char *mi_v2 = "50 23 0:40 / /sys/fs/cgroup rw - cgroup2 none rw\n";

        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_hybrid, NULL, &d, &err), 0);
        ck_assert_str_eq(d, "/sys/fs/cgroup/unified/default/ctr1");
        ck_assert_int_eq(ect_cgroup_find_dir("0::/ctr\n", mi_v2, NULL, &d2, &err), 0);
        ck_assert_str_eq(d2, "/sys/fs/cgroup/ctr");
}
END_TEST

START_TEST(test_find_dir_not_mounted)
{
        struct ect_error *err = NULL;
        char *d = (char *)"x";
        const char *mi_v2 = "50 23 0:40 / /sys/fs/cgroup rw - cgroup2 none rw\n";

        /* cgroup v2 mode: the v1 devices hierarchy is not mounted here. */
        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi_v2, "devices", &d, &err), 0);
        ck_assert_ptr_null(d);
        d = (char *)"x";
        /* The process is not in a devices hierarchy at all. */
        ck_assert_int_eq(ect_cgroup_find_dir("0::/x\n", mi_hybrid, "devices", &d, &err), 0);
        ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_find_dir_mount_root_and_escapes)
{
        struct ect_error *err = NULL;
        cleanup_free char *d = NULL;
        char *n = (char *)"x";
        /* A mount of a subtree (cgroup namespace, bind), with an escaped
         * space in the mount point. */
        const char *mi = "36 31 0:33 /default /cg\\040dev rw - cgroup cgroup rw,devices\n";

        ck_assert_int_eq(ect_cgroup_find_dir(pc, mi, "devices", &d, &err), 0);
        ck_assert_str_eq(d, "/cg dev/ctr1");
        /* The process sits outside the mounted subtree: not reachable. */
        ck_assert_int_eq(ect_cgroup_find_dir("5:devices:/other/c\n", mi, "devices", &n, &err), 0);
        ck_assert_ptr_null(n);
}
END_TEST

START_TEST(test_find_dir_malformed)
{
        struct ect_error *err = NULL;
        char *d = NULL;

        ck_assert_int_lt(ect_cgroup_find_dir("garbage\n", mi_hybrid, "devices", &d, &err), 0);
        ck_assert_int_eq(err->code, EINVAL);
        ck_assert_ptr_nonnull(strstr(err->msg, "garbage"));
        ect_error_free(&err);
        ck_assert_int_lt(ect_cgroup_find_dir("12:devices:/a/../../etc\n", mi_hybrid, "devices", &d,
                                             &err),
                         0);
        ect_error_free(&err);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cgroup");
        TCase *tc = tcase_create("ect_cgroup_find_dir");

        tcase_add_test(tc, test_find_dir_v1);
        tcase_add_test(tc, test_find_dir_v2);
        tcase_add_test(tc, test_find_dir_not_mounted);
        tcase_add_test(tc, test_find_dir_mount_root_and_escapes);
        tcase_add_test(tc, test_find_dir_malformed);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
