/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Debouncing, kept apart from the fds so that it can be tested with a fake
 * clock. The first event opens a window; the work is due once no event
 * came for quiet_ms, or max_ms after the first event when they keep coming,
 * whichever is earlier. Times are milliseconds on a monotonic clock. */
struct ect_debounce {
        int64_t quiet_ms, max_ms;
        bool pending;
        int64_t first, last; /* valid when pending */
};

void ect_debounce_init(struct ect_debounce *d, int64_t quiet_ms, int64_t max_ms);
/* Records an event at now. */
void ect_debounce_event(struct ect_debounce *d, int64_t now);
/* The poll() timeout: -1 when nothing is pending (sleep until an event),
 * else the milliseconds until the work is due (0: due now). */
int ect_debounce_timeout(const struct ect_debounce *d, int64_t now);
/* true when the work is due at now; the window is then closed. */
bool ect_debounce_due(struct ect_debounce *d, int64_t now);
