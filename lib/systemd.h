/* SPDX-License-Identifier: Apache-2.0 */
/* Device access that systemd keeps: when a container's process belongs to a
 * systemd unit whose device policy restricts access (the scope that runc,
 * crun, Podman and Docker create with the systemd cgroup driver: DevicePolicy
 * =strict and a DeviceAllow= list), systemd owns a BPF_CGROUP_DEVICE program
 * on the unit's cgroup and rebuilds it from DeviceAllow= on every
 * daemon-reload and property change: a rule added behind its back is lost
 * (the NVIDIA Container Toolkit's bug class: containers lose their GPUs after
 * a reload). So our nodes are added to the unit's DeviceAllow= as runtime
 * properties through systemd's D-Bus API (Manager.SetUnitProperties), and
 * systemd builds them into its own program.
 *
 * The only module that talks D-Bus (libdbus-1, statically linkable, so the
 * hook stays static-pie). It reaches systemd through the system bus, as runc
 * and Docker do, or, where no bus daemon runs, on systemd's private socket
 * (/run/systemd/private, root only, peer to peer). */
#pragma once
#include "cgroup.h"
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ECT_SYSTEM_BUS "unix:path=/run/dbus/system_bus_socket"
#define ECT_SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"
#define ECT_SYSTEMD_BUS "unix:path=/run/systemd/private"
#define ECT_SYSTEMD_SOCKET "/run/systemd/private"

struct ect_systemd_unit {
        char *name;       /* "libpod-abc.scope" */
        char *cgroup;     /* its ControlGroup, "/machine.slice/libpod-abc.scope" */
        bool restricted;  /* DevicePolicy strict or closed, or auto with a DeviceAllow= list */
        size_t n_missing; /* of the devices asked about, those DeviceAllow= lacks (rw) */
};

struct ect_systemd;

/* Connects to systemd at address, peer to peer (tests); NULL: through the
 * system bus, or systemd's private socket where no bus daemon answers; *ret
 * NULL with 0 returned when systemd's private socket does not exist: the
 * host is not run by systemd, nothing to do. */
int ect_systemd_open(const char *address, struct ect_systemd **ret, struct ect_error **err);
void ect_systemd_close(struct ect_systemd *s);
static inline void ect_systemd_closep(struct ect_systemd **s)
{
        ect_systemd_close(*s);
}
#define cleanup_systemd __attribute__((cleanup(ect_systemd_closep)))

/* The unit pid belongs to (Manager.GetUnitByPID) and its device policy,
 * compared with devs. 0 with ret->name NULL when no unit holds pid.
 * cgroup, pid's cgroup path ("/machine.slice/libpod-abc.scope"; NULL: not
 * known), names the unit systemd is asked about in the same round trip as
 * GetUnitByPID, whose answer decides. */
int ect_systemd_unit_of_pid(struct ect_systemd *s, pid_t pid, const char *cgroup,
                            const struct ect_cgroup_dev *devs, size_t n,
                            struct ect_systemd_unit *ret, struct ect_error **err);
void ect_systemd_unit_clear(struct ect_systemd_unit *u);

/* Adds "DeviceAllow=/dev/char/MAJ:MIN rw" for each of devs as runtime
 * properties (gone at reboot, like the unit itself); systemd appends them
 * to the list and rebuilds its device program. *ret_n: entries added. */
int ect_systemd_allow_devices(struct ect_systemd *s, const char *unit,
                              const struct ect_cgroup_dev *devs, size_t n, size_t *ret_n,
                              struct ect_error **err);
