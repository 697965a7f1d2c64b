// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the clock and the main-loop timers of the timer devices
 * (clock.h).  A timerfd with an absolute CLOCK_MONOTONIC deadline: the
 * devices compute "the next time something happens" in that clock, so
 * arming is one call with no conversion and no drift from relative
 * delays.
 */
#include <errno.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * DM_NS_PER_SEC + ts.tv_nsec;
}

int64_t dm_clock_now(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

int64_t dm_clock_utc(void)
{
	return read_clock(CLOCK_REALTIME);
}

int dm_timer_open(struct dm_timer *t, dm_event_fn fn, void *arg)
{
	int ret;

	t->armed = DM_NEVER;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd < 0)
		return -errno;
	ret = dm_event_add(t->fd, fn, arg);
	if (ret) {
		close(t->fd);
		t->fd = -1;
	}
	return ret;
}

void dm_timer_arm(struct dm_timer *t, int64_t deadline)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (t->fd < 0 || deadline == t->armed)
		return;
	t->armed = deadline;
	if (deadline != DM_NEVER) {
		/* A zero it_value disarms: a deadline at or before time 0
		 * is already due, so any past instant does. */
		if (deadline <= 0)
			deadline = 1;
		its.it_value.tv_sec = deadline / DM_NS_PER_SEC;
		its.it_value.tv_nsec = deadline % DM_NS_PER_SEC;
	}
	timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void dm_timer_ack(struct dm_timer *t)
{
	uint64_t expirations;

	/* Nothing to read when a re-arm (under the owner's lock) came
	 * between the expiry and this callback: the timer is set for that
	 * new deadline, which @armed already says. */
	if (read(t->fd, &expirations, sizeof(expirations)) < 0 &&
	    errno == EAGAIN)
		return;
	t->armed = DM_NEVER;
}

void dm_timer_close(struct dm_timer *t)
{
	if (t->fd < 0)
		return;
	dm_event_del(t->fd);
	close(t->fd);
	t->fd = -1;
	t->armed = DM_NEVER;
}
