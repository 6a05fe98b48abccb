/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation that never returns NULL: out-of-memory aborts (crun OOM(),
 * bwrap die_oom()), so ENOMEM is never threaded through the callers. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (holding *cap elements of size) so that it can hold need. */
void xgrow(void **p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
