/* SPDX-License-Identifier: Apache-2.0 */
/* lib/systemd.c against a fake systemd: a child process serving the few
 * methods of org.freedesktop.systemd1 that the module calls, peer to peer
 * over a unix socket, as systemd's private socket is served. Both sides are
 * libdbus: the wire format is real, only the unit is made up. What systemd
 * itself does with DeviceAllow= is shown in the real-kernel guest
 * (make check-vm). */
#include "cleanup.h"
#include "systemd.h"
#include "testutil.h"

#include <dbus/dbus.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#define UNIT_PATH "/org/freedesktop/systemd1/unit/ect_2dtest_2escope"
#define MAX_ALLOW 32
/* The cgroup path of the fake unit's process, as /proc/PID/cgroup has it. */
#define CGROUP "/test.slice/ect-test.scope/container"

/* The fake unit, in the child. */
static struct {
        const char *path; /* its object path; NULL: UNIT_PATH */
        const char *policy;
        char *allow[MAX_ALLOW][2];
        size_t n_allow;
        pid_t known_pid; /* GetUnitByPID answers for this pid only */
        int fail_set;    /* SetUnitProperties answers with an error */
        unsigned set_calls;
} unit;

/* Replies to GetUnitByPID and Properties.Get are held while the client
 * has more requests under way, and sent together once it has none: each
 * batch's size goes to the parent through a pipe, which tells how many
 * round trips the client took. A batch ends with DeviceAllow, the last
 * setting the client asks for; a client that waits with fewer under way
 * is seen idle for 0.5 s (a pipelined batch is written in one flush, far
 * quicker). */
#define MAX_HELD 16
static DBusMessage *held[MAX_HELD];
static size_t n_held;
static bool holding, batch_end;
static unsigned handled;
static int batch_fd = -1;

static void reply(DBusConnection *c, DBusMessage *r)
{
        if (holding && n_held < MAX_HELD) {
                held[n_held++] = r;
                return;
        }
        dbus_connection_send(c, r, NULL);
        dbus_message_unref(r);
}

static void flush_held(DBusConnection *c)
{
        unsigned char n = (unsigned char)n_held;

        if (write(batch_fd, &n, 1) != 1)
                _exit(5);
        for (size_t i = 0; i < n_held; i++) {
                dbus_connection_send(c, held[i], NULL);
                dbus_message_unref(held[i]);
        }
        n_held = 0;
        dbus_connection_flush(c);
}

static const char *unit_path(void)
{
        return unit.path ? unit.path : UNIT_PATH;
}

static void reply_variant_string(DBusConnection *c, DBusMessage *m, const char *v)
{
        DBusMessage *r = dbus_message_new_method_return(m);
        DBusMessageIter it, var;
        dbus_message_iter_init_append(r, &it);
        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "s", &var);
        dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &v);
        dbus_message_iter_close_container(&it, &var);
        reply(c, r);
}

static void reply_allow(DBusConnection *c, DBusMessage *m)
{
        DBusMessage *r = dbus_message_new_method_return(m);
        DBusMessageIter it, var, arr, st;
        dbus_message_iter_init_append(r, &it);
        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "a(ss)", &var);
        dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "(ss)", &arr);
        for (size_t i = 0; i < unit.n_allow; i++) {
                dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st);
                dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &unit.allow[i][0]);
                dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &unit.allow[i][1]);
                dbus_message_iter_close_container(&arr, &st);
        }
        dbus_message_iter_close_container(&var, &arr);
        dbus_message_iter_close_container(&it, &var);
        reply(c, r);
}

static void reply_error(DBusConnection *c, DBusMessage *m, const char *name, const char *text)
{
        reply(c, dbus_message_new_error(m, name, text));
}

/* SetUnitProperties(s name, b runtime, a(sv) props): DeviceAllow entries
 * are appended, as systemd appends them. */
static void set_props(DBusConnection *c, DBusMessage *m)
{
        DBusMessageIter it, props, prop, var, arr, st;
        const char *name = NULL, *key = NULL;
        dbus_bool_t runtime = FALSE;

        unit.set_calls++;
        dbus_message_iter_init(m, &it);
        dbus_message_iter_get_basic(&it, &name);
        dbus_message_iter_next(&it);
        dbus_message_iter_get_basic(&it, &runtime);
        dbus_message_iter_next(&it);
        if (unit.fail_set || strcmp(name, "ect-test.scope") != 0 || !runtime ||
            strcmp(dbus_message_get_signature(m), "sba(sv)") != 0) {
                reply_error(c, m, "org.freedesktop.DBus.Error.AccessDenied", "refused");
                return;
        }
        dbus_message_iter_recurse(&it, &props);
        for (; dbus_message_iter_get_arg_type(&props) == DBUS_TYPE_STRUCT;
             dbus_message_iter_next(&props)) {
                dbus_message_iter_recurse(&props, &prop);
                dbus_message_iter_get_basic(&prop, &key);
                dbus_message_iter_next(&prop);
                dbus_message_iter_recurse(&prop, &var);
                if (strcmp(key, "DeviceAllow") != 0)
                        continue;
                dbus_message_iter_recurse(&var, &arr);
                for (; dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_STRUCT;
                     dbus_message_iter_next(&arr)) {
                        const char *p = NULL, *a = NULL;
                        dbus_message_iter_recurse(&arr, &st);
                        dbus_message_iter_get_basic(&st, &p);
                        dbus_message_iter_next(&st);
                        dbus_message_iter_get_basic(&st, &a);
                        if (unit.n_allow < MAX_ALLOW) {
                                unit.allow[unit.n_allow][0] = strdup(p);
                                unit.allow[unit.n_allow][1] = strdup(a);
                                unit.n_allow++;
                        }
                }
        }
        DBusMessage *r = dbus_message_new_method_return(m);
        dbus_connection_send(c, r, NULL);
        dbus_message_unref(r);
}

static DBusHandlerResult handle(DBusConnection *c, DBusMessage *m, void *data)
{
        (void)data;
        handled++;
        holding =
                dbus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Get") ||
                dbus_message_is_method_call(m, "org.freedesktop.systemd1.Manager", "GetUnitByPID");
        batch_end = false;
        if (dbus_message_is_method_call(m, "org.freedesktop.systemd1.Manager", "GetUnitByPID")) {
                dbus_uint32_t pid = 0;
                dbus_message_get_args(m, NULL, DBUS_TYPE_UINT32, &pid, DBUS_TYPE_INVALID);
                if ((pid_t)pid != unit.known_pid) {
                        reply_error(c, m, "org.freedesktop.systemd1.NoUnitForPID", "no unit");
                } else {
                        const char *path = unit_path();
                        DBusMessage *r = dbus_message_new_method_return(m);
                        dbus_message_append_args(r, DBUS_TYPE_OBJECT_PATH, &path,
                                                 DBUS_TYPE_INVALID);
                        reply(c, r);
                }
        } else if (dbus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Get")) {
                const char *iface = NULL, *prop = NULL;
                dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                                      DBUS_TYPE_INVALID);
                if (strcmp(dbus_message_get_path(m), unit_path()) != 0)
                        reply_error(c, m, "org.freedesktop.DBus.Error.UnknownObject", "?");
                else if (strcmp(prop, "Id") == 0 &&
                         strcmp(iface, "org.freedesktop.systemd1.Unit") == 0)
                        reply_variant_string(c, m, "ect-test.scope");
                else if (strcmp(iface, "org.freedesktop.systemd1.Scope") != 0)
                        reply_error(c, m, "org.freedesktop.DBus.Error.UnknownInterface", iface);
                else if (strcmp(prop, "ControlGroup") == 0)
                        reply_variant_string(c, m, "/test.slice/ect-test.scope");
                else if (strcmp(prop, "DevicePolicy") == 0 && strcmp(unit.policy, "nosuch") == 0)
                        reply_error(c, m, "org.freedesktop.DBus.Error.UnknownObject", "gone");
                else if (strcmp(prop, "DevicePolicy") == 0)
                        reply_variant_string(c, m, unit.policy);
                else if (strcmp(prop, "DeviceAllow") == 0)
                        reply_allow(c, m);
                else
                        reply_error(c, m, "org.freedesktop.DBus.Error.UnknownProperty", prop);
                batch_end = strcmp(prop, "DeviceAllow") == 0;
        } else if (dbus_message_is_method_call(m, "org.freedesktop.systemd1.Manager",
                                               "SetUnitProperties")) {
                set_props(c, m);
        } else {
                return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
        }
        return DBUS_HANDLER_RESULT_HANDLED;
}

static DBusWatch *server_watch;
static dbus_bool_t add_watch(DBusWatch *w, void *d)
{
        (void)d;
        server_watch = w;
        return TRUE;
}
static void remove_watch(DBusWatch *w, void *d)
{
        (void)w, (void)d;
}
static DBusConnection *client;
static void new_conn(DBusServer *s, DBusConnection *c, void *d)
{
        (void)s, (void)d;
        client = dbus_connection_ref(c);
}

/* Whether the client waits: nothing dispatched since before, and nothing
 * read that is still to be. */
static bool client_waits(unsigned before)
{
        return handled == before &&
               dbus_connection_get_dispatch_status(client) == DBUS_DISPATCH_COMPLETE;
}

/* Serves one connection at address, then exits. */
static void serve(const char *address)
{
        DBusError e;
        DBusServer *s;

        dbus_error_init(&e);
        s = dbus_server_listen(address, &e);
        if (!s)
                _exit(3);
        dbus_server_set_new_connection_function(s, new_conn, NULL, NULL);
        dbus_server_set_watch_functions(s, add_watch, remove_watch, NULL, NULL, NULL);
        raise(SIGSTOP); /* listening: the parent may connect */
        while (!client) {
                struct pollfd p = {.fd = dbus_watch_get_unix_fd(server_watch), .events = POLLIN};
                if (poll(&p, 1, 5000) <= 0)
                        _exit(4);
                dbus_watch_handle(server_watch, DBUS_WATCH_READABLE);
        }
        dbus_connection_add_filter(client, handle, NULL, NULL);
        for (;;) {
                unsigned before = handled;
                if (!dbus_connection_read_write_dispatch(client, n_held ? 500 : 5000))
                        break;
                if (n_held && (batch_end || client_waits(before)))
                        flush_held(client);
        }
        _exit(0);
}

static char *dir;
static char address[256];
static pid_t server;
static int batch_rd = -1;

/* The pipe the child reports batches on: the write end is the child's. */
static void batch_pipe(void)
{
        int p[2];

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        batch_rd = p[0];
        batch_fd = p[1];
}

/* A fake systemd with the unit's policy and DeviceAllow list; known_pid is
 * the pid GetUnitByPID knows. */
static void start(const char *policy, const char *const *allow, size_t n, pid_t known_pid)
{
        int st;

        unit.policy = policy;
        unit.n_allow = 0;
        for (size_t i = 0; i < n; i++) {
                unit.allow[i][0] = (char *)allow[2 * i];
                unit.allow[i][1] = (char *)allow[2 * i + 1];
                unit.n_allow++;
        }
        unit.known_pid = known_pid;
        dir = make_tmpdir();
        snprintf(address, sizeof address, "unix:path=%s/private", dir);
        batch_pipe();
        server = fork();
        ck_assert_int_ge(server, 0);
        if (server == 0) {
                close(batch_rd);
                serve(address);
        }
        close(batch_fd);
        ck_assert_int_eq(fcntl(batch_rd, F_SETFL, O_NONBLOCK), 0);
        ck_assert_int_eq(waitpid(server, &st, WUNTRACED), server);
        ck_assert_msg(WIFSTOPPED(st), "fake systemd did not start (%d)", st);
        kill(server, SIGCONT);
}

static void stop(void)
{
        int st;
        kill(server, SIGKILL); /* Check's SIGTERM handler, inherited, would kill the group */
        waitpid(server, &st, 0);
        close(batch_rd);
        rm_tmpdir(dir);
}

/* The sizes of the batches of replies sent so far, as "5 4". */
static const char *batches(void)
{
        static char out[64];
        unsigned char b[16];
        ssize_t n = read(batch_rd, b, sizeof b);
        size_t len = 0;

        out[0] = '\0';
        for (ssize_t i = 0; i < n && len < sizeof out - 4; i++)
                len += (size_t)snprintf(out + len, sizeof out - len, "%s%u", i ? " " : "", b[i]);
        return out;
}

static const struct ect_cgroup_dev devs[] = {{231, 192}, {10, 124}};

START_TEST(test_systemd_strict_unit_missing_devices)
{
        static const char *const allow[] = {"/dev/char/1:3", "rwm", "char-pts", "rw"};
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        struct ect_error *err = NULL;
        size_t added = 0;

        start("strict", allow, 2, 4242);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 4242, CGROUP, devs, 2, &u, &err), 0);
        ck_assert_str_eq(u.name, "ect-test.scope");
        ck_assert_str_eq(u.cgroup, "/test.slice/ect-test.scope");
        ck_assert(u.restricted);
        ck_assert_uint_eq(u.n_missing, 2);
        ect_systemd_unit_clear(&u);

        ck_assert_int_eq(ect_systemd_allow_devices(s, "ect-test.scope", devs, 2, &added, &err), 0);
        ck_assert_uint_eq(added, 2);
        /* systemd now lists them: asked again, nothing is missing. */
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 4242, CGROUP, devs, 2, &u, &err), 0);
        ck_assert_uint_eq(u.n_missing, 0);
        ect_systemd_unit_clear(&u);
        stop();
}
END_TEST

START_TEST(test_systemd_entries_as_systemd_writes_them)
{
        /* One device listed read-only, the other rw: only the first is
         * missing (we need both r and w). */
        static const char *const allow[] = {"/dev/char/231:192", "r", "/dev/char/10:124", "rwm"};
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        struct ect_error *err = NULL;

        start("closed", allow, 2, 7);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 7, CGROUP, devs, 2, &u, &err), 0);
        ck_assert(u.restricted);
        ck_assert_uint_eq(u.n_missing, 1);
        ect_systemd_unit_clear(&u);
        stop();
}
END_TEST

START_TEST(test_systemd_unrestricted_unit)
{
        /* "auto" without DeviceAllow= restricts nothing: adding an entry
         * would take every other device away, so the unit is reported as
         * unrestricted and the caller leaves it alone. */
        static const char *const allow[] = {"/dev/char/1:3", "rw"};
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        struct ect_error *err = NULL;

        start("auto", NULL, 0, 9);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 9, CGROUP, devs, 2, &u, &err), 0);
        ck_assert_str_eq(u.name, "ect-test.scope");
        ck_assert(!u.restricted);
        ect_systemd_unit_clear(&u);
        ect_systemd_close(steal_ptr(&s));
        stop();

        /* "auto" with a list restricts. */
        start("auto", allow, 1, 9);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 9, CGROUP, devs, 2, &u, &err), 0);
        ck_assert(u.restricted);
        ect_systemd_unit_clear(&u);
        stop();
}
END_TEST

START_TEST(test_systemd_no_unit_for_pid)
{
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        struct ect_error *err = NULL;

        start("strict", NULL, 0, 1);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 12345, CGROUP, devs, 2, &u, &err), 0);
        ck_assert_ptr_null(u.name);
        stop();
}
END_TEST

START_TEST(test_systemd_refused)
{
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_error *err = NULL;
        size_t added = 0;

        unit.fail_set = 1; /* the child inherits it */
        start("strict", NULL, 0, 1);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_lt(ect_systemd_allow_devices(s, "ect-test.scope", devs, 2, &added, &err), 0);
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(strstr(err->msg, "unit 'ect-test.scope': DeviceAllow=/dev/char/231:192") &&
                              strstr(err->msg, "SetUnitProperties: refused") &&
                              strstr(err->msg, "AccessDenied"),
                      "%s", err->msg);
        ect_error_free(&err);
        stop();
}
END_TEST

START_TEST(test_systemd_one_round_trip_for_the_unit)
{
        /* GetUnitByPID, and the unit the cgroup path names: its Id and its
         * three cgroup settings, all at once: one batch of five, not five
         * round trips. */
        static const char *const allow[] = {"/dev/char/231:192", "rw"};
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        struct ect_error *err = NULL;

        start("strict", allow, 1, 31);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 31, CGROUP, devs, 2, &u, &err), 0);
        ck_assert_str_eq(batches(), "5");
        ck_assert_str_eq(u.name, "ect-test.scope");
        ck_assert_str_eq(u.cgroup, "/test.slice/ect-test.scope");
        ck_assert(u.restricted);
        ck_assert_uint_eq(u.n_missing, 1);
        ect_systemd_unit_clear(&u);

        /* Without the cgroup path (or with one that names no unit), the
         * object path systemd answers with: two round trips. */
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 31, NULL, devs, 2, &u, &err), 0);
        ck_assert_str_eq(batches(), "1 4");
        ck_assert_str_eq(u.cgroup, "/test.slice/ect-test.scope");
        ck_assert_uint_eq(u.n_missing, 1);
        ect_systemd_unit_clear(&u);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 31, "/test.slice", devs, 2, &u, &err), 0);
        ck_assert_str_eq(batches(), "1 4");
        ect_systemd_unit_clear(&u);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 31, "/", devs, 2, &u, &err), 0);
        ck_assert_str_eq(batches(), "1 4");
        ect_systemd_unit_clear(&u);

        /* A cgroup path that names another unit: systemd's answer decides. */
        ck_assert_int_eq(
                ect_systemd_unit_of_pid(s, 31, "/test.slice/other.scope", devs, 2, &u, &err), 0);
        ck_assert_str_eq(batches(), "5 4");
        ck_assert_str_eq(u.name, "ect-test.scope");
        ck_assert_str_eq(u.cgroup, "/test.slice/ect-test.scope");
        ck_assert_uint_eq(u.n_missing, 1);
        ect_systemd_unit_clear(&u);
        stop();
}
END_TEST

START_TEST(test_systemd_path_with_another_type)
{
        /* The object path spells a service, Id says scope: Id decides, the
         * settings are asked again on the scope's interface. */
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        struct ect_error *err = NULL;

        unit.path = "/org/freedesktop/systemd1/unit/ect_2dtest_2eservice";
        start("strict", NULL, 0, 32);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_eq(ect_systemd_unit_of_pid(s, 32, NULL, devs, 2, &u, &err), 0);
        ck_assert_str_eq(batches(), "1 4 3");
        ck_assert_str_eq(u.name, "ect-test.scope");
        ck_assert_str_eq(u.cgroup, "/test.slice/ect-test.scope");
        ck_assert(u.restricted);
        ck_assert_uint_eq(u.n_missing, 2);
        ect_systemd_unit_clear(&u);
        stop();
}
END_TEST

START_TEST(test_systemd_path_without_a_name)
{
        /* A path that is not systemd's escaped name (or names a type
         * without cgroup settings), where the cgroup path's guess was
         * another: Id first, then the settings. */
        static const char *const paths[] = {
                "/org/freedesktop/systemd1/unit/ect_zztest",
                "/org/freedesktop/systemd1/unit/ect_00test_2escope",
                "/org/freedesktop/systemd1/unit/_",
                "/org/freedesktop/systemd1/unit",
                "/org/freedesktop/systemd1/unit/ect_2dtest_2etarget",
        };

        for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
                cleanup_systemd struct ect_systemd *s = NULL;
                struct ect_systemd_unit u = {0};
                struct ect_error *err = NULL;

                unit.path = paths[i];
                start("strict", NULL, 0, 33);
                ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
                ck_assert_int_eq(ect_systemd_unit_of_pid(s, 33, CGROUP, devs, 2, &u, &err), 0);
                ck_assert_msg(strcmp(batches(), "5 1 3") == 0, "%s", paths[i]);
                ck_assert_str_eq(u.name, "ect-test.scope");
                ck_assert_str_eq(u.cgroup, "/test.slice/ect-test.scope");
                ck_assert_uint_eq(u.n_missing, 2);
                ect_systemd_unit_clear(&u);
                ect_systemd_close(steal_ptr(&s));
                stop();
        }
}
END_TEST

START_TEST(test_systemd_unit_gone_between_calls)
{
        /* Id answers, the settings do not (the unit went away): the error
         * names the unit and the setting. */
        cleanup_systemd struct ect_systemd *s = NULL;
        struct ect_systemd_unit u = {0};
        struct ect_error *err = NULL;

        start("nosuch", NULL, 0, 34);
        ck_assert_int_eq(ect_systemd_open(address, &s, &err), 0);
        ck_assert_int_lt(ect_systemd_unit_of_pid(s, 34, CGROUP, devs, 2, &u, &err), 0);
        ck_assert_ptr_null(u.name);
        ck_assert_msg(strstr(err->msg, "unit 'ect-test.scope'") &&
                              strstr(err->msg, "DevicePolicy") && strstr(err->msg, "UnknownObject"),
                      "%s", err->msg);
        ect_error_free(&err);
        stop();
}
END_TEST

START_TEST(test_systemd_absent)
{
        struct ect_systemd *s = (struct ect_systemd *)1;
        struct ect_error *err = NULL;
        char *d = make_tmpdir();
        char addr[300];

        /* An address that names a missing socket is an error that says so. */
        snprintf(addr, sizeof addr, "unix:path=%s/none", d);
        ck_assert_int_lt(ect_systemd_open(addr, &s, &err), 0);
        ck_assert_msg(strstr(err->msg, addr), "%s", err->msg);
        ect_error_free(&err);
        rm_tmpdir(d);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("systemd");
        TCase *t = tcase_create("ect_systemd");

        /* The fake takes a client that waits for 0.5 s to be waiting: a
         * test meets that a few times (slower under ASan). */
        tcase_set_timeout(t, 30);

        tcase_add_test(t, test_systemd_strict_unit_missing_devices);
        tcase_add_test(t, test_systemd_entries_as_systemd_writes_them);
        tcase_add_test(t, test_systemd_unrestricted_unit);
        tcase_add_test(t, test_systemd_no_unit_for_pid);
        tcase_add_test(t, test_systemd_refused);
        tcase_add_test(t, test_systemd_one_round_trip_for_the_unit);
        tcase_add_test(t, test_systemd_path_with_another_type);
        tcase_add_test(t, test_systemd_path_without_a_name);
        tcase_add_test(t, test_systemd_unit_gone_between_calls);
        tcase_add_test(t, test_systemd_absent);
        suite_add_tcase(s, t);
        return run_suite(s);
}
