/* SPDX-License-Identifier: Apache-2.0 */
/* Device access for a running container's cgroup: cgroup v1 devices.allow,
 * or on cgroup v2 the runtime's BPF_CGROUP_DEVICE program replaced by one
 * that first allows our nodes and then runs the original instructions
 * (nvc AddDeviceRules, crun ebpf.c BPF_F_REPLACE). Raw syscalls: no libbpf.
 *
 * Read /proc/PID/cgroup and /proc/self/mountinfo in the host's mount and
 * cgroup namespaces (before any setns): paths are relative to the reader. */
#pragma once
#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ect_cgroup_dev {
        unsigned major, minor; /* character devices; access "rw" */
};

/* Allows read/write access to the n character devices for the cgroup(s) of
 * the process pid whose /proc/PID directory procfd is (a directory fd stays
 * bound to that process: no pid reuse can redirect it): v1 when the devices
 * hierarchy is mounted here and pid is in it; systemd's DeviceAllow= when
 * pid belongs to a systemd unit that restricts devices (systemd.h; reached
 * at systemd_bus, NULL for systemd's own socket, "" for none); v2: each
 * device program attached to pid's cgroup, except those systemd rebuilt
 * for us, is replaced by one that allows devs first (none attached: nothing
 * to do). Returns 0 or < 0. mountinfo: the text of /proc/self/mountinfo,
 * read by the caller in the host's mount namespace (the hook reads it once a
 * run, for this and for its list of the host's superblocks). */
int ect_cgroup_allow(int procfd, pid_t pid, const char *mountinfo,
                     const struct ect_cgroup_dev *devs, size_t n, const char *systemd_bus,
                     struct ect_error **err);

/* The directory of pid's cgroup for a v1 controller ("devices"), or for
 * the v2 hierarchy when controller is NULL, from the text of
 * /proc/PID/cgroup and of /proc/self/mountinfo. 0 with *ret set, 0 with
 * *ret NULL when the hierarchy is not mounted or pid is not in it, < 0 on
 * malformed input or when the hierarchy is mounted but pid's cgroup lies
 * outside every mount of it (ENOENT). Exported for tests. */
int ect_cgroup_find_dir(const char *proc_cgroup, const char *mountinfo, const char *controller,
                        char **ret, struct ect_error **err);

/* Replaces each BPF_CGROUP_DEVICE program attached to the cgroup directory
 * cgfd, except the n_keep programs in keep, by one that allows devs first.
 * *ret_n: programs replaced. */
int ect_cgroup_bpf_allow(int cgfd, const struct ect_cgroup_dev *devs, size_t n,
                         const uint32_t *keep, size_t n_keep, unsigned *ret_n,
                         struct ect_error **err);

/* The instructions put in front of a device program: allow read/write of
 * the n character devices, else fall through to the next instruction.
 * Writes at most ECT_CGROUP_BPF_PREFIX_MAX(n) instructions to p; returns
 * how many. Exported for tests (tests/unit/test_cgroup.c runs it in a
 * small eBPF interpreter: no bpf(2) under qemu-user). */
#define ECT_CGROUP_BPF_PREFIX_MAX(n) (8 + 4 * (n))
struct bpf_insn;
size_t ect_cgroup_bpf_prefix(struct bpf_insn *p, const struct ect_cgroup_dev *devs, size_t n);
