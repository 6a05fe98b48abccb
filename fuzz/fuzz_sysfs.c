/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the parsers of single sysfs attribute values. They read
 * files a broken or hostile kernel module could fill with anything. */
#include "rdma.h"
#include "sysfs.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
        char *s = malloc(size + 1);
        unsigned a, b;
        int i;
        char g[20];
        char *e;

        memcpy(s, data, size);
        s[size] = '\0';
        if (ect_sysfs_parse_devnum(s, &a, &b) && (a > 4095 || b > 0xfffff))
                abort();
        if (ect_sysfs_parse_hex16(s, &a) && a > 0xffff)
                abort();
        (void)ect_sysfs_parse_int(s, &i);
        e = ect_sysfs_parse_enum(s);
        if (e && (strlen(e) == 0 || strlen(e) > 64))
                abort();
        free(e);
        if (ect_rdma_guid_from_mac(s, g) && strlen(g) != 19)
                abort();
        free(s);
        return 0;
}
