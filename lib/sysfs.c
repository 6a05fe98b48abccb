/* SPDX-License-Identifier: Apache-2.0 */
/* Single sysfs attribute values: the bounded read and the parsers. See
 * sysfs.h. */
#include "sysfs.h"
#include "cleanup.h"
#include "xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

int ect_sysfs_read(int dirfd, const char *name, const char **ret_op, char **ret)
{
        char buf[ECT_SYSFS_ATTR_MAX + 1];
        cleanup_close int fd = -1;
        ssize_t n;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                *ret_op = "open";
                return -errno;
        }
        do
                n = read(fd, buf, sizeof buf);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                *ret_op = "read";
                return -errno;
        }
        if ((size_t)n > ECT_SYSFS_ATTR_MAX)
                return -EFBIG;
        *ret = xstrndup(buf, (size_t)n);
        return 0;
}

bool ect_sysfs_one_line(const char *s, size_t *ret_len)
{
        size_t n = strlen(s);
        if (n > 0 && s[n - 1] == '\n')
                n--;
        if (n == 0 || memchr(s, '\n', n))
                return false;
        *ret_len = n;
        return true;
}

bool ect_sysfs_parse_uint(const char *s, size_t n, unsigned long max, unsigned long *ret)
{
        unsigned long v = 0;

        if (n == 0 || n > 10)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char)s[i]))
                        return false;
                v = v * 10 + (unsigned long)(s[i] - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

bool ect_sysfs_parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
        unsigned long maj, min;
        const char *colon;
        size_t n;

        if (!ect_sysfs_one_line(s, &n))
                return false;
        colon = memchr(s, ':', n);
        if (!colon)
                return false;
        /* Linux dev_t: 12-bit major, 20-bit minor. */
        if (!ect_sysfs_parse_uint(s, (size_t)(colon - s), 4095, &maj) ||
            !ect_sysfs_parse_uint(colon + 1, n - (size_t)(colon - s) - 1, (1ul << 20) - 1, &min))
                return false;
        *ret_major = (unsigned)maj;
        *ret_minor = (unsigned)min;
        return true;
}

bool ect_sysfs_parse_hex16(const char *s, unsigned *ret)
{
        unsigned v = 0;
        size_t n;

        if (!ect_sysfs_one_line(s, &n) || n < 3 || n > 6 || s[0] != '0' ||
            (s[1] != 'x' && s[1] != 'X'))
                return false;
        for (size_t i = 2; i < n; i++) {
                int c = (unsigned char)s[i];
                if (!isxdigit(c))
                        return false;
                v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
        }
        *ret = v;
        return true;
}

bool ect_sysfs_parse_int(const char *s, int *ret)
{
        unsigned long v;
        bool neg;
        size_t n;

        if (!ect_sysfs_one_line(s, &n))
                return false;
        neg = s[0] == '-';
        if (!ect_sysfs_parse_uint(s + neg, n - neg, neg ? (unsigned long)INT_MAX + 1 : INT_MAX, &v))
                return false;
        *ret = neg ? (int)(0 - v) : (int)v;
        return true;
}

bool ect_sysfs_printable(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!isprint((unsigned char)s[i]))
                        return false;
        return true;
}

char *ect_sysfs_parse_enum(const char *s)
{
        unsigned long v;
        const char *sep;
        size_t n;

        if (!ect_sysfs_one_line(s, &n))
                return NULL;
        sep = memchr(s, ':', n);
        if (!sep || !ect_sysfs_parse_uint(s, (size_t)(sep - s), UINT_MAX, &v) ||
            (size_t)(sep - s) + 2 > n || sep[1] != ' ')
                return NULL;
        sep += 2;
        n -= (size_t)(sep - s);
        if (n == 0 || n > 64 || !ect_sysfs_printable(sep, n))
                return NULL;
        return xstrndup(sep, n);
}
