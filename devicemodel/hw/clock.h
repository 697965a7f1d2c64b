/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Time for islet-dm's timer devices (RTC, PIT, PM timer): the clock they
 * count from, its nanoseconds in their own cycles, and a one-shot timer
 * that runs a callback on the main thread's event loop.  The RTC's and
 * the PIT's register models take the time as an argument (a count of
 * nanoseconds of CLOCK_MONOTONIC) so that the host unit tests can drive
 * it by hand; only their glue reads the clock and arms the timer, through
 * the clocked-device helper at the end (struct dm_clocked).
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
 * A device clock of @hz that counted cycle 0 at nanosecond 0: the cycles
 * it has counted at @ns (rounded down, before 0 as well), and the first
 * nanosecond at which it has counted @cycles (rounded up).  The products
 * are 128 bits wide: no time in int64_t overflows them.
 */
int64_t dm_clock_cycles(int64_t ns, int64_t hz);
int64_t dm_clock_ns_at(int64_t cycles, int64_t hz);

/*
 * A timerfd on CLOCK_MONOTONIC watched by the event loop (clock.c).
 * @armed is the deadline it is set to, so that re-arming at the same time
 * costs no system call (devices re-arm after each register access).  The
 * owner serializes calls with its own lock.
 */
struct dm_timer {
	int fd;
	int64_t armed;
};

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
