/* SPDX-License-Identifier: Apache-2.0 */
#include "debounce.h"

#include <limits.h>

void ect_debounce_init(struct ect_debounce *d, int64_t quiet_ms, int64_t max_ms)
{
        *d = (struct ect_debounce){.quiet_ms = quiet_ms, .max_ms = max_ms};
}

void ect_debounce_event(struct ect_debounce *d, int64_t now)
{
        if (!d->pending) {
                d->pending = true;
                d->first = now;
        }
        d->last = now;
}

static int64_t due_at(const struct ect_debounce *d)
{
        int64_t a = d->last + d->quiet_ms, b = d->first + d->max_ms;
        return a < b ? a : b;
}

int ect_debounce_timeout(const struct ect_debounce *d, int64_t now)
{
        int64_t left;

        if (!d->pending)
                return -1;
        left = due_at(d) - now;
        if (left <= 0)
                return 0;
        return left > INT_MAX ? INT_MAX : (int)left;
}

bool ect_debounce_due(struct ect_debounce *d, int64_t now)
{
        if (!d->pending || now < due_at(d))
                return false;
        d->pending = false;
        return true;
}
