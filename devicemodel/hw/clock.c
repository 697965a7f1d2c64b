// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the clock and the main-loop timers of the timer devices
 * (clock.h).  A timerfd with an absolute CLOCK_MONOTONIC deadline: the
 * devices compute "the next time something happens" in that clock, so
 * arming is one call with no conversion and no drift from relative
 * delays.  Then the glue that the RTC and the PIT share (struct
 * dm_clocked): their ports, their timer and the lock around both.
 */
#include <errno.h>
#include <string.h>
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

int64_t dm_clock_cycles(int64_t ns, int64_t hz)
{
	__int128 c = (__int128)ns * hz;
	__int128 q = c / DM_NS_PER_SEC;

	return (int64_t)((c % DM_NS_PER_SEC && c < 0) ? q - 1 : q);
}

int64_t dm_clock_ns_at(int64_t cycles, int64_t hz)
{
	__int128 n = (__int128)cycles * DM_NS_PER_SEC;
	__int128 q = n / hz;

	return (int64_t)((n % hz && n > 0) ? q + 1 : q);
}

/* 0, or -errno (no timerfd, or the event loop refused it). */
static int timer_open(struct dm_timer *t, dm_event_fn fn, void *arg)
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

/* At @deadline (CLOCK_MONOTONIC ns), or never with DM_NEVER. */
static void timer_arm(struct dm_timer *t, int64_t deadline)
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

/* In the callback: takes the expiry so that epoll stops reporting it. */
static void timer_ack(struct dm_timer *t)
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

static void timer_close(struct dm_timer *t)
{
	if (t->fd < 0)
		return;
	dm_event_del(t->fd);
	close(t->fd);
	t->fd = -1;
	t->armed = DM_NEVER;
}

/* ---- Clocked ISA devices ---- */

/* Under c->lock, after anything that may move the next deadline. */
static void rearm(struct dm_clocked *c)
{
	timer_arm(&c->timer, c->ops->update(c->model, dm_clock_now()));
}

static bool moves(const struct dm_clocked *c, uint64_t addr, bool write)
{
	return !c->ops->moves || c->ops->moves((uint16_t)addr, write);
}

/* A word access is its bytes in turn, each at its own instant, as the
 * guest's bus cycles would be (outw 0x70 writes the RTC's index, then
 * its data). */
static void clocked_io_read(void *opaque, uint64_t addr, unsigned int size,
			    uint64_t *value)
{
	struct dm_clocked *c = opaque;
	uint64_t v = 0;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)c->ops->read(c->model, (uint16_t)(addr + i),
					    dm_clock_now()) << (i * 8);
	if (moves(c, addr, false))
		rearm(c);
	pthread_mutex_unlock(&c->lock);
	*value = v;
}

static void clocked_io_write(void *opaque, uint64_t addr, unsigned int size,
			     uint64_t value)
{
	struct dm_clocked *c = opaque;

	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < size; i++)
		c->ops->write(c->model, (uint16_t)(addr + i),
			      (uint8_t)(value >> (i * 8)), dm_clock_now());
	if (moves(c, addr, true))
		rearm(c);
	pthread_mutex_unlock(&c->lock);
}

static const struct dm_io_ops clocked_io = {
	.read = clocked_io_read,
	.write = clocked_io_write,
};

static void clocked_timer(int fd, void *arg)
{
	struct dm_clocked *c = arg;

	pthread_mutex_lock(&c->lock);
	timer_ack(&c->timer);
	rearm(c);
	pthread_mutex_unlock(&c->lock);
}

int64_t dm_clocked_lock(struct dm_clocked *c)
{
	pthread_mutex_lock(&c->lock);
	return dm_clock_now();
}

void dm_clocked_unlock(struct dm_clocked *c, bool rearm_it)
{
	if (rearm_it)
		rearm(c);
	pthread_mutex_unlock(&c->lock);
}

int dm_clocked_start(struct dm_clocked *c, struct dm_error *err)
{
	const struct dm_clocked_ops *o = c->ops;
	int ret;

	if (c->timer.fd < 0) {
		ret = timer_open(&c->timer, clocked_timer, c);
		if (ret)
			return dm_fail(err, "%s: cannot set up its timer: %s",
				       o->name, strerror(-ret));
	}
	if (c->ports)
		return 0;
	for (unsigned int i = 0; i < o->nports; i++) {
		const struct dm_clocked_port *p = &o->ports[i];

		if (!dm_io_register(DM_PIO, p->base, p->len, &clocked_io, c,
				    p->name))
			continue;
		/* All or none: a later set-up starts from nothing. */
		for (unsigned int j = 0; j < i; j++)
			dm_io_unregister(DM_PIO, o->ports[j].base);
		if (p->len == 1)
			return dm_fail(err, "%s: port %#x taken", o->name,
				       p->base);
		return dm_fail(err, "%s: ports %#x-%#x taken", o->name,
			       p->base, p->base + p->len - 1);
	}
	c->ports = true;
	return 0;
}

void dm_clocked_stop(struct dm_clocked *c)
{
	pthread_mutex_lock(&c->lock);
	timer_close(&c->timer);
	pthread_mutex_unlock(&c->lock);
	if (!c->ports)
		return;
	for (unsigned int i = 0; i < c->ops->nports; i++)
		dm_io_unregister(DM_PIO, c->ops->ports[i].base);
	c->ports = false;
}
