/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time for islet-dm's timer devices (RTC, PIT): the clock they count from
 * and a one-shot timer that runs a callback on the main thread's event
 * loop.  The devices' register models take the time as an argument (a
 * count of nanoseconds of CLOCK_MONOTONIC) so that the host unit tests
 * can drive it by hand; only their glue calls these, through the
 * clocked-device helper at the end (struct dm_clocked).
 */
#ifndef DM_CLOCK_H
#define DM_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
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

/*
 * A clocked ISA device: a register model on ports that vCPU threads
 * access and a dm_timer that the main thread runs, both under one lock.
 * Each byte of an access reads the clock and goes to the model; after
 * it, and when the timer fires, the model raises what is due and the
 * timer is re-armed at the next deadline it gives.  The RTC and the PIT
 * differ only in their models (the callbacks, all under the lock, with
 * the time in dm_clock_now()'s nanoseconds) and their ports.
 */
struct dm_clocked_port {
	uint16_t base, len;
	const char *name;		/* for dm_io_register() */
};

struct dm_clocked_ops {
	const char *name;		/* "PIT": for messages */
	const struct dm_clocked_port *ports;
	unsigned int nports;
	uint8_t (*read)(void *model, uint16_t port, int64_t now);
	void (*write)(void *model, uint16_t port, uint8_t value,
		      int64_t now);
	/* Raises what is due; the next deadline, or DM_NEVER. */
	int64_t (*update)(void *model, int64_t now);
	/* Whether an access starting at @port can move the next deadline
	 * (a re-arm raises what is due, so only those that can do one);
	 * NULL: all of them. */
	bool (*moves)(uint16_t port, bool write);
};

struct dm_clocked {
	const struct dm_clocked_ops *ops;
	void *model;
	pthread_mutex_t lock;
	struct dm_timer timer;
	bool ports;			/* registered */
};

#define DM_CLOCKED_INIT(ops_, model_) {					\
	.ops = (ops_), .model = (model_),				\
	.lock = PTHREAD_MUTEX_INITIALIZER,				\
	.timer = { .fd = -1, .armed = DM_NEVER },			\
}

/* Takes the lock for the model's own set-up: the time, to give it. */
int64_t dm_clocked_lock(struct dm_clocked *c);
/* Re-arms the timer first with @rearm (after a reset), then unlocks. */
void dm_clocked_unlock(struct dm_clocked *c, bool rearm);
/* Opens the timer and registers the ports, each once (a second set-up
 * keeps them): 0, or -1 with @err. */
int dm_clocked_start(struct dm_clocked *c, struct dm_error *err);
/* Closes the timer and unregisters the ports. */
void dm_clocked_stop(struct dm_clocked *c);

#endif /* DM_CLOCK_H */
