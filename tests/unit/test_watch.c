/* SPDX-License-Identifier: Apache-2.0 */
/* lib/watch.c: the debounce window on a fake clock, the content compare, and
 * the inotify watcher on a temporary dev root (infiniband/ coming and going). */
#include "debounce.h"
#include "fileio.h"
#include "testutil.h"
#include "watch.h"

#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/inotify.h>
#include <sys/stat.h>

/* ---- ect_debounce ---- */

START_TEST(test_ect_debounce_idle)
{
        struct ect_debounce d;

        ect_debounce_init(&d, 100, 500);
        ck_assert_int_eq(ect_debounce_timeout(&d, 0), -1); /* no timer while idle */
        ck_assert(!ect_debounce_due(&d, 1000000));
}
END_TEST

START_TEST(test_ect_debounce_single_event)
{
        struct ect_debounce d;

        ect_debounce_init(&d, 100, 500);
        ect_debounce_event(&d, 1000);
        ck_assert_int_eq(ect_debounce_timeout(&d, 1000), 100);
        ck_assert_int_eq(ect_debounce_timeout(&d, 1060), 40);
        ck_assert(!ect_debounce_due(&d, 1099));
        ck_assert(ect_debounce_due(&d, 1100));
        /* Done once: the window is closed, the timer gone. */
        ck_assert(!ect_debounce_due(&d, 1200));
        ck_assert_int_eq(ect_debounce_timeout(&d, 1200), -1);
}
END_TEST

START_TEST(test_ect_debounce_burst_is_one)
{
        struct ect_debounce d;
        int due = 0;

        /* 20 events 30 ms apart: every gap is shorter than the quiet time,
         * so only the 500 ms cap fires: once in the burst, once after it. */
        ect_debounce_init(&d, 100, 500);
        for (int64_t t = 0; t < 600; t += 30) {
                if (ect_debounce_due(&d, t))
                        due++;
                ect_debounce_event(&d, t);
        }
        ck_assert_int_eq(due, 1);
        for (int64_t t = 600; t < 2000; t += 10)
                if (ect_debounce_due(&d, t))
                        due++;
        ck_assert_int_eq(due, 2);
}
END_TEST

START_TEST(test_ect_debounce_quick_burst)
{
        struct ect_debounce d;
        int due = 0;

        /* A burst in 50 ms (the kernel and udev adding a few devices):
         * one regeneration, 100 ms after the last event. */
        ect_debounce_init(&d, 100, 500);
        for (int64_t t = 0; t <= 50; t += 5)
                ect_debounce_event(&d, t);
        ck_assert_int_eq(ect_debounce_timeout(&d, 50), 100);
        for (int64_t t = 50; t < 1000; t++)
                if (ect_debounce_due(&d, t)) {
                        ck_assert_int_eq(t, 150);
                        due++;
                }
        ck_assert_int_eq(due, 1);
}
END_TEST

START_TEST(test_ect_debounce_cap)
{
        struct ect_debounce d;

        /* Events that never stop still get a regeneration max_ms after the
         * first one: a churning host does not starve the spec. */
        ect_debounce_init(&d, 100, 500);
        ect_debounce_event(&d, 0);
        ect_debounce_event(&d, 450);
        ck_assert_int_eq(ect_debounce_timeout(&d, 450), 50);
        ck_assert(!ect_debounce_due(&d, 499));
        ck_assert(ect_debounce_due(&d, 500));
        /* The next event opens a new window. */
        ect_debounce_event(&d, 520);
        ck_assert_int_eq(ect_debounce_timeout(&d, 520), 100);
        ck_assert_int_eq(ect_debounce_timeout(&d, 700), 0);
}
END_TEST

/* ---- ect_file_has_content ---- */

static char *tmp;

static void setup(void)
{
        tmp = make_tmpdir();
}

static void teardown(void)
{
        rm_tmpdir(tmp);
        tmp = NULL;
}

static void put(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_ect_file_has_content_cases)
{
        char *p;

        ck_assert_int_ge(asprintf(&p, "%s/spec.yaml", tmp), 0);
        ck_assert(!ect_file_has_content(p, "a", 1)); /* missing */
        put(p, "kind: x\n");
        ck_assert(ect_file_has_content(p, "kind: x\n", 8));
        ck_assert(!ect_file_has_content(p, "kind: y\n", 8));
        ck_assert(!ect_file_has_content(p, "kind: x", 7));     /* longer on disk */
        ck_assert(!ect_file_has_content(p, "kind: x\n\n", 9)); /* shorter on disk */
        put(p, "");
        ck_assert(ect_file_has_content(p, "", 0));
        free(p);
        ck_assert_int_ge(asprintf(&p, "%s", tmp), 0);
        ck_assert(!ect_file_has_content(p, "", 0)); /* a directory */
        free(p);
}
END_TEST

/* ---- ect_watch ---- */

/* Waits up to ms for the watcher; returns what ect_watch_read says after
 * draining every event that arrives within 50 ms of the first. */
static int wait_read(struct ect_watch *w, int ms)
{
        struct pollfd p = {.fd = ect_watch_fd(w), .events = POLLIN};
        struct ect_error *err = NULL;
        int any = 0, r;

        if (poll(&p, 1, ms) <= 0)
                return 0;
        do {
                r = ect_watch_read(w, &err);
                ck_assert_msg(r >= 0, "ect_watch_read: %s", err ? err->msg : "");
                any |= r;
        } while (poll(&p, 1, 50) > 0);
        return any;
}

static char *path(const char *rel)
{
        char *p;
        ck_assert_int_ge(asprintf(&p, "%s/%s", tmp, rel), 0);
        return p;
}

START_TEST(test_ect_watch_new_missing_root)
{
        struct ect_watch *w = NULL;
        struct ect_error *err = NULL;
        char *dev = path("nope");

        ck_assert_int_lt(ect_watch_new(dev, tmp, &w, &err), 0);
        ck_assert_int_eq(err->code, ENOENT);
        ck_assert_ptr_nonnull(strstr(err->msg, "nope"));
        ck_assert_ptr_null(w);
        ect_error_free(&err);
        free(dev);
}
END_TEST

START_TEST(test_ect_watch_dir_comes_and_goes)
{
        cleanup_watch struct ect_watch *w = NULL;
        struct ect_error *err = NULL;
        char *dev = path("dev"), *ib = path("dev/infiniband"), *node = path("dev/infiniband/x");
        char *other = path("dev/other");

        ck_assert_int_eq(mkdir(dev, 0755), 0);
        ck_assert_int_eq(ect_watch_new(dev, tmp, &w, &err), 0);
        ck_assert(!ect_watch_has_ib_dir(w));
        ck_assert(!ect_watch_has_sysfs(w)); /* no class/infiniband_verbs under tmp */
        ck_assert_int_eq(wait_read(w, 50), 0);

        /* Another entry of the dev root does not count. */
        ck_assert_int_eq(mkdir(other, 0755), 0);
        ck_assert_int_eq(wait_read(w, 300), 0);

        /* infiniband/ appears: counts, and the watch moves there. */
        ck_assert_int_eq(mkdir(ib, 0755), 0);
        ck_assert_int_eq(wait_read(w, 1000), 1);
        ck_assert(ect_watch_has_ib_dir(w));

        /* A node in it: created, chmod'ed, removed. */
        put(node, "");
        ck_assert_int_eq(wait_read(w, 1000), 1);
        ck_assert_int_eq(chmod(node, 0600), 0);
        ck_assert_int_eq(wait_read(w, 1000), 1);
        ck_assert_int_eq(unlink(node), 0);
        ck_assert_int_eq(wait_read(w, 1000), 1);

        /* The dev root itself is no longer watched. */
        ck_assert_int_eq(rmdir(other), 0);
        ck_assert_int_eq(wait_read(w, 300), 0);

        /* infiniband/ goes (devtmpfs removes it once empty): counts, and the
         * dev root is watched again for its return. */
        ck_assert_int_eq(rmdir(ib), 0);
        ck_assert_int_eq(wait_read(w, 1000), 1);
        ck_assert(!ect_watch_has_ib_dir(w));
        ck_assert_int_eq(mkdir(ib, 0755), 0);
        ck_assert_int_eq(wait_read(w, 1000), 1);
        ck_assert(ect_watch_has_ib_dir(w));
        put(node, "");
        ck_assert_int_eq(wait_read(w, 1000), 1);
        free(dev);
        free(ib);
        free(node);
        free(other);
}
END_TEST

START_TEST(test_ect_watch_overflow)
{
        cleanup_watch struct ect_watch *w = NULL;
        struct ect_error *err = NULL;
        char *ib = path("dev/infiniband"), *dev = path("dev"), *f;
        FILE *q = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
        int max = 16384;

        if (q) {
                ck_assert_int_eq(fscanf(q, "%d", &max), 1);
                fclose(q);
        }
        ck_assert_int_eq(mkdir(dev, 0755), 0);
        ck_assert_int_eq(mkdir(ib, 0755), 0);
        ck_assert_int_eq(ect_watch_new(dev, tmp, &w, &err), 0);
        /* More events than the queue holds: the kernel drops the rest and
         * queues IN_Q_OVERFLOW. */
        {
                /* chmod is the cheapest event; two names alternate, since
                 * inotify merges an event identical to the last queued. */
                char *a = path("dev/infiniband/a"), *b = path("dev/infiniband/b");

                put(a, "");
                put(b, "");
                for (int i = 0; i < max + 16; i++)
                        ck_assert_int_eq(chmod(i % 2 ? a : b, 0600), 0);
                free(a);
                free(b);
        }
        ck_assert_int_eq(wait_read(w, 1000), 1);
        ck_assert(ect_watch_has_ib_dir(w));
        /* Still watching the same directory afterwards. */
        ck_assert_int_ge(asprintf(&f, "%s/after", ib), 0);
        put(f, "");
        ck_assert_int_eq(wait_read(w, 1000), 1);
        free(f);
        free(ib);
        free(dev);
}
END_TEST

START_TEST(test_ect_watch_sysfs_class)
{
        cleanup_watch struct ect_watch *w = NULL;
        struct ect_error *err = NULL;
        char *t;

        char *d;

        sh("fakehost_init '%s/h'", tmp);
        t = path("h/sys");
        d = path("h/dev");
        ck_assert_int_eq(ect_watch_new(d, t, &w, &err), 0);
        ck_assert(ect_watch_has_sysfs(w));
        ck_assert(ect_watch_has_ib_dir(w));
        /* A fake tree delivers events for the verbs class links. */
        sh("ln -s ../../devices/x '%s/h/sys/class/infiniband_verbs/uverbs9'", tmp);
        ck_assert_int_eq(wait_read(w, 1000), 1);
        sh("rm '%s/h/sys/class/infiniband_verbs/uverbs9'", tmp);
        ck_assert_int_eq(wait_read(w, 1000), 1);
        free(t);
        free(d);
}
END_TEST

/* struct inotify_event as lib/watch.c walks the read(2) buffer: the
 * kernel's layout, the same on every architecture. */
START_TEST(test_ect_watch_event_layout)
{
        ck_assert_uint_eq(sizeof(struct inotify_event), 16);
        ck_assert_uint_eq(offsetof(struct inotify_event, mask), 4);
        ck_assert_uint_eq(offsetof(struct inotify_event, len), 12);
        ck_assert_uint_eq(offsetof(struct inotify_event, name), 16);
}
END_TEST

static Suite *watch_suite(void)
{
        Suite *s = suite_create("watch");
        TCase *tc = tcase_create("debounce");

        tcase_add_test(tc, test_ect_debounce_idle);
        tcase_add_test(tc, test_ect_debounce_single_event);
        tcase_add_test(tc, test_ect_debounce_burst_is_one);
        tcase_add_test(tc, test_ect_debounce_quick_burst);
        tcase_add_test(tc, test_ect_debounce_cap);
        suite_add_tcase(s, tc);

        tc = tcase_create("file_has_content");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_ect_file_has_content_cases);
        suite_add_tcase(s, tc);

        tc = tcase_create("watch");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_ect_watch_event_layout);
        tcase_add_test(tc, test_ect_watch_new_missing_root);
        tcase_add_test(tc, test_ect_watch_dir_comes_and_goes);
        tcase_add_test(tc, test_ect_watch_sysfs_class);
        tcase_add_test(tc, test_ect_watch_overflow);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return run_suite(watch_suite());
}
