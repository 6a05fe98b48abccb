/* SPDX-License-Identifier: Apache-2.0 */
/* Single sysfs attribute values: a bounded read and the parsers of what
 * the kernel prints (discovery, lib/rdma.c, is built on them). Attributes
 * are produced whole by one show() call of at most a page. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define ECT_SYSFS_ATTR_MAX 4096

/* One read() of up to ECT_SYSFS_ATTR_MAX + 1 bytes of name under dirfd
 * (O_NONBLOCK: a FIFO in a fake tree never hangs us) into a new string.
 * 0, or -errno with *ret_op naming the step that failed ("open", "read");
 * -EFBIG when longer than ECT_SYSFS_ATTR_MAX (refused, not cut). */
int ect_sysfs_read(int dirfd, const char *name, const char **ret_op, char **ret);

/* Whether s is exactly text plus at most one trailing newline; the text's
 * length in *ret_len. */
bool ect_sysfs_one_line(const char *s, size_t *ret_len);
/* n decimal digits (at most 10, no sign) up to max. */
bool ect_sysfs_parse_uint(const char *s, size_t n, unsigned long max, unsigned long *ret);
/* Whether the n bytes at s are all printable ASCII. */
bool ect_sysfs_printable(const char *s, size_t n);

/* Parsers of single attribute values (exported for tests and fuzzing).
 * Each accepts an optional trailing newline and nothing else. */
bool ect_sysfs_parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor);
bool ect_sysfs_parse_hex16(const char *s, unsigned *ret); /* "0x1ded" */
bool ect_sysfs_parse_int(const char *s, int *ret);
/* "4: ACTIVE" -> "ACTIVE"; NULL when malformed. Caller frees. */
char *ect_sysfs_parse_enum(const char *s);
