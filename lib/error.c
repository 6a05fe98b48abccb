/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"
#include "xalloc.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ect_error_set(struct ect_error **err, int code, const char *fmt, ...)
{
        va_list ap;

        assert(err && !*err);
        *err = xmalloc(sizeof **err);
        (*err)->code = code;
        va_start(ap, fmt);
        (*err)->msg = xvasprintf(fmt, ap);
        va_end(ap);
        return ect_error_rc(*err);
}

int ect_error_wrap(struct ect_error **err, const char *fmt, ...)
{
        va_list ap;
        char *ctx, *msg;

        assert(err && *err);
        va_start(ap, fmt);
        ctx = xvasprintf(fmt, ap);
        va_end(ap);
        msg = xasprintf("%s: %s", ctx, (*err)->msg);
        free(ctx);
        free((*err)->msg);
        (*err)->msg = msg;
        return ect_error_rc(*err);
}

int ect_error_rc(const struct ect_error *err)
{
        return -1 - (err && err->code > 0 ? err->code : 0);
}

void ect_error_free(struct ect_error **err)
{
        if (!err || !*err)
                return;
        free((*err)->msg);
        free(*err);
        *err = NULL;
}

char *ect_error_text(const struct ect_error *err)
{
        if (!err)
                return xstrdup("unknown error");
        if (err->code > 0)
                return xasprintf("%s: %s", err->msg, strerror(err->code));
        return xstrdup(err->msg);
}
