/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time for islet-dm's timer devices (RTC, PIT): the clock they count from
 * and a one-shot timer that runs a callback on the main thread's event
 * loop.  The devices' register models take the time as an argument (a
 * count of nanoseconds of CLOCK_MONOTONIC) so that the host unit tests
 * can drive it by hand; only their glue calls these.
 */
#ifndef DM_CLOCK_H
#define DM_CLOCK_H

#include <stdint.h>

#include "dm.h"

/* A deadline that never comes: no timer armed. */
#define DM_NEVER	INT64_MAX

#define DM_NS_PER_SEC	1000000000LL

/* CLOCK_MONOTONIC and CLOCK_REALTIME (UTC), in nanoseconds. */
int64_t dm_clock_now(void);
int64_t dm_clock_utc(void);

/*
 * A timerfd on CLOCK_MONOTONIC watched by the event loop.  @armed is the
 * deadline it is set to, so that re-arming at the same time costs no
 * system call (devices re-arm after each register access).  The owner
 * serializes calls with its own lock.
 */
struct dm_timer {
	int fd;
	int64_t armed;
};

/* 0, or -errno (no timerfd, or the event loop refused it). */
int dm_timer_open(struct dm_timer *t, dm_event_fn fn, void *arg);
/* At @deadline (CLOCK_MONOTONIC ns), or never with DM_NEVER. */
void dm_timer_arm(struct dm_timer *t, int64_t deadline);
/* In the callback: takes the expiry so that epoll stops reporting it. */
void dm_timer_ack(struct dm_timer *t);
void dm_timer_close(struct dm_timer *t);

#endif /* DM_CLOCK_H */
