/* SPDX-License-Identifier: Apache-2.0 */
/* The run of erdma-probe: the checks in the order a user needs them, a later
 * check read in the light of the earlier ones (a failed open explains a
 * failed ibv_open_device). The device table is in collect.c, the checks in
 * check_devices.c, check_verbs.c (with verbs_one.c) and check_env.c, the
 * report in report.c. Nothing here links libibverbs: every verbs call goes
 * through opts->ops. */
#include "probe-int.h"
#include "xalloc.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CAP_BIT_IPC_LOCK 14
#define CAP_BIT_SYS_RAWIO 17

struct ect_probe_report *ect_probe_run(const struct ect_probe_opts *opts)
{
        struct probe p = {
                .o = opts,
                .ops = opts->ops,
                .sysfs = opts->sysfs_root ? opts->sysfs_root : "/sys",
                .dev = opts->dev_root ? opts->dev_root : "/dev",
                .image = opts->image_root ? opts->image_root : "/",
                .mr_size = opts->mr_size ? opts->mr_size : ECT_PROBE_MR_SIZE_DEFAULT,
                .r = xcalloc(1, sizeof(struct ect_probe_report)),
                .cm_errno = -1,
                .n_verbs_devices = SIZE_MAX,
        };
        assert(p.ops);
        uint64_t caps = 0;
        if (p.ops->cap_eff && p.ops->cap_eff(&caps) == 0) {
                p.caps_known = true;
                p.has_ipc_lock = caps & (1ull << CAP_BIT_IPC_LOCK);
                p.has_rawio = caps & (1ull << CAP_BIT_SYS_RAWIO);
        }
        probe_collect(&p);
        probe_check_nodes(&p);
        probe_check_access(&p);
        probe_check_sysfs(&p);
        probe_check_verbs(&p);
        probe_check_rdma_cm(&p);
        probe_check_memlock(&p);
        probe_check_netns(&p);
        probe_check_image(&p);

        probe_collect_clear(&p);
        return p.r;
}

int ect_probe_parse_size(const char *s, uint64_t *ret, struct ect_error **err)
{
        if (!s || !isdigit((unsigned char)*s))
                return ect_error_set(err, EINVAL, "size '%s' is not a number", s ? s : "");
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return ect_error_set(err, ERANGE, "size '%s' is too large", s);
        unsigned shift = 0;
        switch (toupper((unsigned char)*end)) {
        case '\0':
                break;
        case 'K':
                shift = 10;
                break;
        case 'M':
                shift = 20;
                break;
        case 'G':
                shift = 30;
                break;
        case 'T':
                shift = 40;
                break;
        default:
                return ect_error_set(err, EINVAL, "size '%s': unknown suffix '%s'", s, end);
        }
        if (shift) {
                end++;
                if (strcasecmp(end, "iB") == 0 || strcasecmp(end, "B") == 0)
                        end += strlen(end);
        }
        if (*end)
                return ect_error_set(err, EINVAL, "size '%s': trailing '%s'", s, end);
        if (v == 0)
                return ect_error_set(err, EINVAL, "size '%s' must be above zero", s);
        if (shift && v > (UINT64_MAX >> shift))
                return ect_error_set(err, ERANGE, "size '%s' is too large", s);
        *ret = (uint64_t)v << shift;
        return 0;
}
