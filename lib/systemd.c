/* SPDX-License-Identifier: Apache-2.0 */
#include "systemd.h"
#include "cleanup.h"
#include "log.h"
#include "xalloc.h"

#include <ctype.h>
#include <dbus/dbus.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEST "org.freedesktop.systemd1"
#define PATH "/org/freedesktop/systemd1"
#define MANAGER "org.freedesktop.systemd1.Manager"
#define PROPS "org.freedesktop.DBus.Properties"
/* A container start waits on this: systemd answers in milliseconds; a
 * systemd that does not answer in 10 s is a failure to report. */
#define TIMEOUT_MS 10000

struct ect_systemd {
        DBusConnection *conn;
        char *address;
};

static int dbus_fail(struct ect_error **err, DBusError *e, const char *what)
{
        int r = ect_error_set(err, EIO, "%s: %s (%s)", what, e->message ? e->message : "?",
                              e->name ? e->name : "?");
        dbus_error_free(e);
        return r;
}

/* Opens address; on a message bus (not peer to peer) registers with it
 * (Hello), which the bus requires before any other call. */
static int connect_to(const char *address, bool bus, DBusConnection **ret, struct ect_error **err)
{
        DBusError e;
        DBusConnection *c;

        dbus_error_init(&e);
        /* Private: the connection is ours alone, closed by us (a shared
         * one would outlive this module in libdbus's cache). By address,
         * never from DBUS_SYSTEM_BUS_ADDRESS: the hook takes no host paths
         * from its environment. */
        c = dbus_connection_open_private(address, &e);
        if (!c)
                return dbus_fail(err, &e, address);
        dbus_connection_set_exit_on_disconnect(c, FALSE);
        if (bus && !dbus_bus_register(c, &e)) {
                dbus_connection_close(c);
                dbus_connection_unref(c);
                return dbus_fail(err, &e, address);
        }
        *ret = c;
        return 0;
}

int ect_systemd_open(const char *address, struct ect_systemd **ret, struct ect_error **err)
{
        DBusConnection *c = NULL;
        struct ect_systemd *s;

        if (address) {
                if (connect_to(address, false, &c, err) < 0)
                        return -1;
        } else {
                /* Not run by systemd (its private socket is always there
                 * when it is PID 1): no unit can hold the container. */
                if (access(ECT_SYSTEMD_SOCKET, F_OK) < 0) {
                        *ret = NULL;
                        return 0;
                }
                /* The system bus first, as runc and Docker reach systemd:
                 * libdbus peer to peer on the private socket lost a call now
                 * and then under load (no reply, make check-vm). The private
                 * socket where no bus daemon answers. */
                address = ECT_SYSTEM_BUS;
                if (access(ECT_SYSTEM_BUS_SOCKET, F_OK) < 0 ||
                    connect_to(address, true, &c, err) < 0) {
                        ect_error_free(err);
                        address = ECT_SYSTEMD_BUS;
                        if (connect_to(address, false, &c, err) < 0)
                                return -1;
                }
        }
        s = xcalloc(1, sizeof *s);
        s->conn = c;
        s->address = xstrdup(address);
        *ret = s;
        return 0;
}

void ect_systemd_close(struct ect_systemd *s)
{
        if (!s)
                return;
        dbus_connection_close(s->conn);
        dbus_connection_unref(s->conn);
        free(s->address);
        free(s);
}

void ect_systemd_unit_clear(struct ect_systemd_unit *u)
{
        free(u->name);
        free(u->cgroup);
        *u = (struct ect_systemd_unit){0};
}

static void unrefp(DBusMessage **m)
{
        if (*m)
                dbus_message_unref(*m);
}
#define cleanup_msg __attribute__((cleanup(unrefp)))

/* Sends m without waiting for its reply, which *ret stands for: the
 * caller collects it with pending_reply(), after sending what else it
 * needs, so that several calls cost one round trip to systemd (each about
 * 0.1 ms through the bus daemon, README "Performance"). */
static int send_pending(struct ect_systemd *s, DBusMessage *m, const char *what,
                        DBusPendingCall **ret, struct ect_error **err)
{
        if (!dbus_connection_send_with_reply(s->conn, m, ret, TIMEOUT_MS))
                abort(); /* out of memory: libdbus's only failure here */
        if (!*ret)
                return ect_error_set(err, EPIPE, "%s: connection to systemd lost", what);
        return 0;
}

/* Properties.Get(iface, prop) on path, sent (send_pending()); get_reply()
 * collects it. */
static int get_send(struct ect_systemd *s, const char *path, const char *iface, const char *prop,
                    DBusPendingCall **ret, struct ect_error **err)
{
        cleanup_msg DBusMessage *m = dbus_message_new_method_call(DEST, path, PROPS, "Get");

        if (!m || !dbus_message_append_args(m, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                                            DBUS_TYPE_INVALID))
                abort(); /* out of memory: libdbus's only failure here */
        return send_pending(s, m, prop, ret, err);
}

static void pending_dropp(DBusPendingCall **p)
{
        if (*p) {
                dbus_pending_call_cancel(*p);
                dbus_pending_call_unref(*p);
                *p = NULL;
        }
}
#define cleanup_pending __attribute__((cleanup(pending_dropp)))

/* The reply to a pending call (*p, taken). A D-Bus error reply becomes
 * *ret_errname (when asked for: the caller tells an expected error from a
 * failure) or an ect_error. */
static int pending_reply(DBusPendingCall **p, const char *what, DBusMessage **ret,
                         char **ret_errname, struct ect_error **err)
{
        DBusMessage *r;
        DBusError e;

        *ret = NULL;
        dbus_pending_call_block(*p);
        r = dbus_pending_call_steal_reply(*p);
        dbus_pending_call_unref(steal_ptr(p));
        if (!r)
                return ect_error_set(err, EIO, "%s: no reply", what);
        dbus_error_init(&e);
        if (dbus_set_error_from_message(&e, r)) {
                dbus_message_unref(r);
                if (ret_errname) {
                        *ret_errname = xstrdup(e.name);
                        dbus_error_free(&e);
                        return 0;
                }
                return dbus_fail(err, &e, what);
        }
        *ret = r;
        return 0;
}

/* Sends m and waits for its reply. */
static int call(struct ect_systemd *s, DBusMessage *m, const char *what, DBusMessage **ret,
                struct ect_error **err)
{
        DBusPendingCall *p = NULL;

        if (send_pending(s, m, what, &p, err) < 0)
                return -1;
        return pending_reply(&p, what, ret, NULL, err);
}

/* The reply to a get_send() (which *p is, taken), positioned in the
 * variant (*it). */
static int get_reply(DBusPendingCall **p, const char *prop, DBusMessage **ret, DBusMessageIter *it,
                     struct ect_error **err)
{
        DBusMessageIter top;

        if (pending_reply(p, prop, ret, NULL, err) < 0)
                return -1;
        if (!dbus_message_iter_init(*ret, &top) ||
            dbus_message_iter_get_arg_type(&top) != DBUS_TYPE_VARIANT) {
                dbus_message_unref(steal_ptr(ret));
                return ect_error_set(err, EPROTO, "property %s: not a variant", prop);
        }
        dbus_message_iter_recurse(&top, it);
        return 0;
}

/* The string a get_send() asked for. */
static int get_string(DBusPendingCall **p, const char *prop, char **ret, struct ect_error **err)
{
        cleanup_msg DBusMessage *reply = NULL;
        DBusMessageIter v;
        const char *str = NULL;

        if (get_reply(p, prop, &reply, &v, err) < 0)
                return -1;
        if (dbus_message_iter_get_arg_type(&v) != DBUS_TYPE_STRING)
                return ect_error_set(err, EPROTO, "property %s: not a string", prop);
        dbus_message_iter_get_basic(&v, &str);
        *ret = xstrdup(str);
        return 0;
}

/* The interface that carries a unit type's cgroup settings; NULL for types
 * without a cgroup (targets, timers, ...). */
static const char *cgroup_iface(const char *unit)
{
        static const struct {
                const char *suffix, *iface;
        } t[] = {
                {".scope", "org.freedesktop.systemd1.Scope"},
                {".service", "org.freedesktop.systemd1.Service"},
                {".slice", "org.freedesktop.systemd1.Slice"},
                {".socket", "org.freedesktop.systemd1.Socket"},
                {".mount", "org.freedesktop.systemd1.Mount"},
                {".swap", "org.freedesktop.systemd1.Swap"},
        };
        size_t ul = strlen(unit);

        for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
                size_t sl = strlen(t[i].suffix);
                if (ul > sl && strcmp(unit + ul - sl, t[i].suffix) == 0)
                        return t[i].iface;
        }
        return NULL;
}

static void dev_path(const struct ect_cgroup_dev *d, char *buf, size_t len)
{
        snprintf(buf, len, "/dev/char/%u:%u", d->major, d->minor);
}

/* Counts the devices DeviceAllow= (a(ss)) does not give "rw". */
static size_t count_missing(DBusMessageIter *arr, const struct ect_cgroup_dev *devs, size_t n,
                            size_t *ret_entries)
{
        size_t missing = 0, entries = 0;

        for (size_t i = 0; i < n; i++) {
                DBusMessageIter a = *arr, st;
                char want[64];
                bool found = false;

                dev_path(&devs[i], want, sizeof want);
                entries = 0;
                dbus_message_iter_recurse(&a, &st);
                for (; dbus_message_iter_get_arg_type(&st) == DBUS_TYPE_STRUCT;
                     dbus_message_iter_next(&st)) {
                        DBusMessageIter f;
                        const char *path = NULL, *acc = NULL;

                        entries++;
                        dbus_message_iter_recurse(&st, &f);
                        if (dbus_message_iter_get_arg_type(&f) != DBUS_TYPE_STRING)
                                continue;
                        dbus_message_iter_get_basic(&f, &path);
                        if (!dbus_message_iter_next(&f) ||
                            dbus_message_iter_get_arg_type(&f) != DBUS_TYPE_STRING)
                                continue;
                        dbus_message_iter_get_basic(&f, &acc);
                        if (strcmp(path, want) == 0 && strchr(acc, 'r') && strchr(acc, 'w'))
                                found = true;
                }
                if (!found)
                        missing++;
        }
        *ret_entries = entries;
        return missing;
}

/* A unit's name from its object path: systemd names a unit's object
 * "/org/freedesktop/systemd1/unit/" + the name with every byte other than
 * a letter or digit written "_xx" (hex), "ect_2dtest_2escope" for
 * "ect-test.scope". NULL when path is not of that form. */
static char *name_from_path(const char *path)
{
        static const char prefix[] = PATH "/unit/";
        const char *p = path;
        cleanup_free char *name = NULL;
        size_t n = 0;

        if (strncmp(p, prefix, sizeof prefix - 1) != 0 || !p[sizeof prefix - 1])
                return NULL;
        p += sizeof prefix - 1;
        name = xmalloc(strlen(p) + 1);
        while (*p) {
                unsigned v;
                if (*p != '_') {
                        name[n++] = *p++;
                        continue;
                }
                if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]) ||
                    sscanf(p + 1, "%2x", &v) != 1 || v == 0)
                        return NULL;
                name[n++] = (char)v;
                p += 3;
        }
        name[n] = '\0';
        return steal_ptr(&name);
}

/* The unit's cgroup settings on iface: sent, to be collected in order. */
struct unit_gets {
        DBusPendingCall *cgroup, *policy, *allow;
};

static void unit_gets_drop(struct unit_gets *g)
{
        pending_dropp(&g->cgroup);
        pending_dropp(&g->policy);
        pending_dropp(&g->allow);
}

/* On failure what went out stays in g, for its owner's unit_batch_drop(). */
static int unit_gets_send(struct ect_systemd *s, const char *obj, const char *iface,
                          struct unit_gets *g, struct ect_error **err)
{
        if (get_send(s, obj, iface, "ControlGroup", &g->cgroup, err) < 0 ||
            get_send(s, obj, iface, "DevicePolicy", &g->policy, err) < 0 ||
            get_send(s, obj, iface, "DeviceAllow", &g->allow, err) < 0)
                return -1;
        return 0;
}

/* ControlGroup, DevicePolicy and DeviceAllow (compared with devs) into u. */
static int unit_gets_collect(struct unit_gets *g, const struct ect_cgroup_dev *devs, size_t n,
                             struct ect_systemd_unit *u, pid_t pid, struct ect_error **err)
{
        cleanup_msg DBusMessage *allow = NULL;
        cleanup_free char *policy = NULL;
        DBusMessageIter v;
        size_t entries = 0;

        if (get_string(&g->cgroup, "ControlGroup", &u->cgroup, err) < 0 ||
            get_string(&g->policy, "DevicePolicy", &policy, err) < 0 ||
            get_reply(&g->allow, "DeviceAllow", &allow, &v, err) < 0)
                return -1;
        if (dbus_message_iter_get_arg_type(&v) != DBUS_TYPE_ARRAY)
                return ect_error_set(err, EPROTO, "DeviceAllow is not an array");
        u->n_missing = count_missing(&v, devs, n, &entries);
        /* systemd's rule: "auto" restricts only once a DeviceAllow= entry
         * exists. Adding one to an unrestricted unit would take every
         * other device away from the container: never done. */
        u->restricted = strcmp(policy, "strict") == 0 || strcmp(policy, "closed") == 0 ||
                        (strcmp(policy, "auto") == 0 && entries > 0);
        log_debug("process %d: unit '%s', cgroup '%s', DevicePolicy=%s, %zu DeviceAllow entries, "
                  "%zu of ours missing",
                  (int)pid, u->name, u->cgroup, policy, entries, u->n_missing);
        return 0;
}

/* The object path systemd gives the unit name: name_from_path() the other
 * way round. */
static char *path_of_unit(const char *name)
{
        static const char prefix[] = PATH "/unit/";
        char *p = xmalloc(sizeof prefix + 3 * strlen(name)), *o = p + sizeof prefix - 1;

        memcpy(p, prefix, sizeof prefix - 1);
        for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
                if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9'))
                        *o++ = (char)*c;
                else
                        o += sprintf(o, "_%02x", *c);
        }
        *o = '\0';
        return p;
}

/* The unit a cgroup path names as systemd reads it: the first component
 * that is not a slice ("/machine.slice/libpod-abc.scope/container" ->
 * "libpod-abc.scope"). NULL when that is no unit with cgroup settings. */
static char *unit_from_cgroup(const char *path)
{
        const char *p = path;

        for (;;) {
                size_t len;
                while (*p == '/')
                        p++;
                len = strcspn(p, "/");
                if (len == 0)
                        return NULL;
                if (len > 6 && memcmp(p + len - 6, ".slice", 6) == 0) {
                        p += len;
                        continue;
                }
                cleanup_free char *name = xstrndup(p, len);
                return cgroup_iface(name) ? steal_ptr(&name) : NULL;
        }
}

/* What is asked of a unit at once: its Id and, on the interface the type
 * in its name says, its cgroup settings. */
struct unit_batch {
        DBusPendingCall *id;
        const char *iface; /* of the settings under way; NULL: none sent */
        struct unit_gets g;
};

static void unit_batch_drop(struct unit_batch *b)
{
        pending_dropp(&b->id);
        unit_gets_drop(&b->g);
        b->iface = NULL;
}
/* What is still under way when the batch goes out of scope is cancelled. */
#define cleanup_batch __attribute__((cleanup(unit_batch_drop)))

/* Sends the batch for the unit at obj; name (NULL: not known) gives the
 * type. On failure what went out stays in b, as in unit_gets_send(). */
static int unit_batch_send(struct ect_systemd *s, const char *obj, const char *name,
                           struct unit_batch *b, struct ect_error **err)
{
        b->iface = name ? cgroup_iface(name) : NULL;
        if (get_send(s, obj, "org.freedesktop.systemd1.Unit", "Id", &b->id, err) < 0 ||
            (b->iface && unit_gets_send(s, obj, b->iface, &b->g, err) < 0))
                return -1;
        return 0;
}

/* The batch's answers into u. Id decides: where its type's interface is
 * not the one the settings went to (a name that was not known, or another
 * type: not seen), they are asked again. What an error leaves under way
 * is the caller's to drop. */
static int unit_batch_collect(struct ect_systemd *s, const char *obj, struct unit_batch *b,
                              const struct ect_cgroup_dev *devs, size_t n,
                              struct ect_systemd_unit *u, pid_t pid, struct ect_error **err)
{
        const char *iface;

        if (get_string(&b->id, "Id", &u->name, err) < 0)
                return ect_error_wrap(err, "unit of process %d", (int)pid);
        iface = cgroup_iface(u->name);
        if (iface != b->iface) {
                unit_gets_drop(&b->g);
                b->iface = iface;
                if (iface && unit_gets_send(s, obj, iface, &b->g, err) < 0)
                        return ect_error_wrap(err, "unit '%s'", u->name);
        }
        if (iface && unit_gets_collect(&b->g, devs, n, u, pid, err) < 0)
                return ect_error_wrap(err, "unit '%s'", u->name);
        return 0;
}

int ect_systemd_unit_of_pid(struct ect_systemd *s, pid_t pid, const char *cgroup,
                            const struct ect_cgroup_dev *devs, size_t n,
                            struct ect_systemd_unit *ret, struct ect_error **err)
{
        cleanup_msg DBusMessage *m =
                dbus_message_new_method_call(DEST, PATH, MANAGER, "GetUnitByPID");
        cleanup_msg DBusMessage *reply = NULL;
        cleanup_pending DBusPendingCall *by_pid = NULL;
        cleanup_free char *errname = NULL, *guess = NULL, *guess_path = NULL, *name = NULL;
        cleanup_batch struct unit_batch b = {NULL, NULL, {NULL, NULL, NULL}};
        struct ect_systemd_unit u = {0};
        dbus_uint32_t p = (dbus_uint32_t)pid;
        const char *obj = NULL;

        if (!m || !dbus_message_append_args(m, DBUS_TYPE_UINT32, &p, DBUS_TYPE_INVALID))
                abort();
        if (send_pending(s, m, "GetUnitByPID", &by_pid, err) < 0)
                return -1;
        /* GetUnitByPID's answer decides which unit it is. The unit the
         * cgroup path names is asked about with it, in the same round trip;
         * otherwise the name in the object path systemd answers with tells
         * the type, and Id and the settings go out together after it. One
         * round trip, or two, instead of five. */
        guess = cgroup ? unit_from_cgroup(cgroup) : NULL;
        guess_path = guess ? path_of_unit(guess) : NULL;
        if (guess_path && unit_batch_send(s, guess_path, guess, &b, err) < 0)
                return ect_error_wrap(err, "unit of process %d", (int)pid);
        if (pending_reply(&by_pid, "GetUnitByPID", &reply, &errname, err) < 0)
                return -1;
        if (!reply) {
                /* A process outside every unit (a cgroupfs-driver container
                 * under /docker on old systemd): nothing of systemd's applies. */
                if (strcmp(errname, "org.freedesktop.systemd1.NoUnitForPID") == 0) {
                        *ret = u;
                        return 0;
                }
                return ect_error_set(err, EIO, "GetUnitByPID(%d): %s", (int)pid, errname);
        }
        if (!dbus_message_get_args(reply, NULL, DBUS_TYPE_OBJECT_PATH, &obj, DBUS_TYPE_INVALID))
                return ect_error_set(err, EPROTO, "GetUnitByPID(%d): no object path", (int)pid);
        if (!guess_path || strcmp(obj, guess_path) != 0) {
                unit_batch_drop(&b);
                name = name_from_path(obj);
                if (unit_batch_send(s, obj, name, &b, err) < 0)
                        return ect_error_wrap(err, "unit of process %d", (int)pid);
        }
        if (unit_batch_collect(s, obj, &b, devs, n, &u, pid, err) < 0) {
                ect_systemd_unit_clear(&u);
                return -1;
        }
        *ret = u;
        return 0;
}

int ect_systemd_allow_devices(struct ect_systemd *s, const char *unit,
                              const struct ect_cgroup_dev *devs, size_t n, size_t *ret_n,
                              struct ect_error **err)
{
        cleanup_msg DBusMessage *m =
                dbus_message_new_method_call(DEST, PATH, MANAGER, "SetUnitProperties");
        cleanup_msg DBusMessage *reply = NULL;
        DBusMessageIter it, props, prop, var, arr, st;
        dbus_bool_t runtime = TRUE;
        const char *name = "DeviceAllow", *rw = "rw";
        cleanup_free char(*paths)[32] = xcalloc(n ? n : 1, sizeof *paths);

        if (!m)
                abort();
        dbus_message_iter_init_append(m, &it);
        if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &unit) ||
            !dbus_message_iter_append_basic(&it, DBUS_TYPE_BOOLEAN, &runtime) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sv)", &props) ||
            !dbus_message_iter_open_container(&props, DBUS_TYPE_STRUCT, NULL, &prop) ||
            !dbus_message_iter_append_basic(&prop, DBUS_TYPE_STRING, &name) ||
            !dbus_message_iter_open_container(&prop, DBUS_TYPE_VARIANT, "a(ss)", &var) ||
            !dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "(ss)", &arr))
                abort();
        for (size_t i = 0; i < n; i++) {
                const char *path = paths[i];
                dev_path(&devs[i], paths[i], sizeof paths[i]);
                if (!dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &path) ||
                    !dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &rw) ||
                    !dbus_message_iter_close_container(&arr, &st))
                        abort();
        }
        if (!dbus_message_iter_close_container(&var, &arr) ||
            !dbus_message_iter_close_container(&prop, &var) ||
            !dbus_message_iter_close_container(&props, &prop) ||
            !dbus_message_iter_close_container(&it, &props))
                abort();
        if (call(s, m, "SetUnitProperties", &reply, err) < 0)
                return ect_error_wrap(err, "unit '%s': DeviceAllow=%s ...", unit, paths[0]);
        log_debug("unit '%s': DeviceAllow= %zu device(s) added (runtime)", unit, n);
        *ret_n = n;
        return 0;
}
