/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup (systemd _cleanup_, bwrap cleanup_free). Initialise at
 * declaration; hand ownership out with steal_fd()/steal_ptr(). */
#pragma once
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void ect_freep(void *p)
{
        free(*(void **)p);
}
static inline void ect_closep(int *fd)
{
        if (*fd >= 0)
                (void)close(*fd);
}
static inline void ect_fclosep(FILE **f)
{
        if (*f)
                (void)fclose(*f);
}
static inline void ect_closedirp(DIR **d)
{
        if (*d)
                (void)closedir(*d);
}

#define cleanup_free __attribute__((cleanup(ect_freep)))
#define cleanup_close __attribute__((cleanup(ect_closep)))
#define cleanup_fclose __attribute__((cleanup(ect_fclosep)))
#define cleanup_dir __attribute__((cleanup(ect_closedirp)))

static inline int steal_fd(int *fd)
{
        int r = *fd;
        *fd = -1;
        return r;
}
#define steal_ptr(pp)                                                                              \
        ({                                                                                         \
                __typeof__(*(pp)) _p = *(pp);                                                      \
                *(pp) = NULL;                                                                      \
                _p;                                                                                \
        })
