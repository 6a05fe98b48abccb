/* SPDX-License-Identifier: Apache-2.0 */
/* bench/systemd: what a container start pays to talk with systemd
 * (lib/systemd.c: erdma-hook's device-cgroup step on a host run by
 * systemd), against a stand-in for systemd on a message bus of its own.
 * Built by `make bench`, never installed; bench/systemd.sh runs it in a
 * mount namespace whose /run/dbus/system_bus_socket is that bus's.
 *
 *   systemd serve   the stand-in: owns org.freedesktop.systemd1 and answers
 *                   GetUnitByPID, Properties.Get of a scope with
 *                   DevicePolicy=strict and runc's usual DeviceAllow= list,
 *                   and SetUnitProperties (which it does not apply: every
 *                   round sees the same unit); prints "ready"
 *   systemd N       N rounds of what a hook run does for a container that
 *                   lacks our device: ect_systemd_open() (the system bus:
 *                   connect, authenticate, Hello), ect_systemd_unit_of_pid()
 *                   (with the scope's cgroup path, as the hook reads it),
 *                   ect_systemd_allow_devices(), ect_systemd_close(); prints
 *                   the median of each step and of the whole, in
 *                   microseconds. The stand-in answers at once: what systemd
 *                   itself takes comes on top. */
#include "systemd.h"

#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UNIT "ect-bench.scope"
#define UNIT_PATH "/org/freedesktop/systemd1/unit/ect_2dbench_2escope"

static double now_us(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
        qsort(v, n, sizeof *v, cmp);
        return v[n / 2];
}

static void send_variant(DBusConnection *c, DBusMessage *m, const char *sig,
                         const char *const *strs, size_t n)
{
        DBusMessage *r = dbus_message_new_method_return(m);
        DBusMessageIter it, var, arr, st;

        dbus_message_iter_init_append(r, &it);
        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, sig, &var);
        if (strcmp(sig, "s") == 0) {
                dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &strs[0]);
        } else {
                dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "(ss)", &arr);
                for (size_t i = 0; i + 1 < n; i += 2) {
                        dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st);
                        dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &strs[i]);
                        dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &strs[i + 1]);
                        dbus_message_iter_close_container(&arr, &st);
                }
                dbus_message_iter_close_container(&var, &arr);
        }
        dbus_message_iter_close_container(&it, &var);
        dbus_connection_send(c, r, NULL);
        dbus_message_unref(r);
}

/* The scope runc creates with the systemd cgroup driver: its default
 * device list. */
static const char *const allow[] = {
        "/dev/char/1:3", "rwm", "/dev/char/1:5", "rwm", "/dev/char/1:7",    "rwm",
        "/dev/char/1:8", "rwm", "/dev/char/1:9", "rwm", "/dev/char/5:0",    "rwm",
        "/dev/char/5:2", "rwm", "char-pts",      "rwm", "/dev/char/10:200", "rwm",
};

static void answer(DBusConnection *c, DBusMessage *m)
{
        const char *iface = NULL, *prop = NULL, *v;

        if (dbus_message_is_method_call(m, "org.freedesktop.systemd1.Manager", "GetUnitByPID")) {
                DBusMessage *r = dbus_message_new_method_return(m);
                const char *path = UNIT_PATH;
                dbus_message_append_args(r, DBUS_TYPE_OBJECT_PATH, &path, DBUS_TYPE_INVALID);
                dbus_connection_send(c, r, NULL);
                dbus_message_unref(r);
        } else if (dbus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Get") &&
                   dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                                         DBUS_TYPE_INVALID)) {
                if (strcmp(prop, "DeviceAllow") == 0) {
                        send_variant(c, m, "a(ss)", allow, sizeof allow / sizeof *allow);
                        return;
                }
                v = strcmp(prop, "Id") == 0             ? UNIT
                    : strcmp(prop, "ControlGroup") == 0 ? "/system.slice/" UNIT
                                                        : "strict";
                send_variant(c, m, "s", &v, 1);
        } else if (dbus_message_is_method_call(m, "org.freedesktop.systemd1.Manager",
                                               "SetUnitProperties")) {
                DBusMessage *r = dbus_message_new_method_return(m);
                dbus_connection_send(c, r, NULL);
                dbus_message_unref(r);
        }
}

static int serve(void)
{
        DBusError e;
        DBusConnection *c;
        DBusMessage *m;

        dbus_error_init(&e);
        c = dbus_connection_open_private(ECT_SYSTEM_BUS, &e);
        if (!c || !dbus_bus_register(c, &e) ||
            dbus_bus_request_name(c, "org.freedesktop.systemd1", DBUS_NAME_FLAG_DO_NOT_QUEUE, &e) !=
                    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
                fprintf(stderr, "bench/systemd serve: %s\n", e.message ? e.message : "no name");
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        while (dbus_connection_read_write(c, -1))
                while ((m = dbus_connection_pop_message(c))) {
                        answer(c, m);
                        dbus_message_unref(m);
                }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct ect_cgroup_dev dev = {231, 192};
        size_t n = argc == 2 ? strtoul(argv[1], NULL, 10) : 0;
        double *t[4];

        if (argc == 2 && strcmp(argv[1], "serve") == 0)
                return serve();
        if (n == 0) {
                fprintf(stderr, "usage: systemd serve | systemd N\n");
                return 2;
        }
        for (int k = 0; k < 4; k++)
                t[k] = calloc(n, sizeof *t[k]);
        for (size_t i = 0; i < n; i++) {
                struct ect_systemd *s = NULL;
                struct ect_systemd_unit u = {0};
                struct ect_error *err = NULL;
                size_t added = 0;
                double a = now_us(), b, c, d;

                if (ect_systemd_open(NULL, &s, &err) < 0 || !s)
                        goto fail;
                b = now_us();
                if (ect_systemd_unit_of_pid(s, getpid(), "/system.slice/" UNIT, &dev, 1, &u, &err) <
                            0 ||
                    !u.name || u.n_missing != 1)
                        goto fail;
                c = now_us();
                if (ect_systemd_allow_devices(s, u.name, &dev, 1, &added, &err) < 0)
                        goto fail;
                d = now_us();
                ect_systemd_unit_clear(&u);
                ect_systemd_close(s);
                t[0][i] = b - a;
                t[1][i] = c - b;
                t[2][i] = d - c;
                t[3][i] = now_us() - a;
                continue;
fail:
                fprintf(stderr, "bench/systemd: %s\n", err ? err->msg : "no systemd or no unit");
                return 1;
        }
        printf("connect, authenticate, Hello   %7.0f us\n", median(t[0], n));
        printf("the unit and its device policy %7.0f us\n", median(t[1], n));
        printf("SetUnitProperties (DeviceAllow) %6.0f us\n", median(t[2], n));
        printf("in all, with the close         %7.0f us\n", median(t[3], n));
        for (int k = 0; k < 4; k++)
                free(t[k]);
        return 0;
}
