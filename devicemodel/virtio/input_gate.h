/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A backend's input file descriptor on islet-dm's main loop that a device
 * can stop watching while it has nowhere to put what it would read (the
 * guest gave no receive buffers), and watch again when the guest gives
 * some: without it, a level-triggered loop would call the device again
 * and again for input it cannot take.
 *
 * The main loop's watches are added and deleted from the main thread
 * only (core/mevent.c), while a receive queue fills up and drains on vCPU
 * threads.  So the descriptor sits alone in an epoll set of its own,
 * which the main loop watches once: that set is readable while the gate
 * is open and the descriptor readable.  Opening and closing is one
 * epoll_ctl(), safe from any thread.
 */
#ifndef DM_INPUT_GATE_H
#define DM_INPUT_GATE_H

#include <stdbool.h>

#include "dm.h"

struct input_gate {
	int epfd;		/* the set of one */
	int fd;			/* the backend's input */
	dm_event_fn fn;		/* called on the main thread as fn(fd, arg) */
	void *arg;
	bool open;
};

/* Watches @fd (readable: @fn) on the main loop, the gate open.  0, or -1
 * with errno. */
int input_gate_init(struct input_gate *g, int fd, dm_event_fn fn, void *arg);
/* Opens or closes the gate: any thread, under the lock of the device
 * that owns it; a no-op when unchanged. */
void input_gate_set(struct input_gate *g, bool open);
/* Takes the watch away (main thread, the loop stopped or stopping). */
void input_gate_fini(struct input_gate *g);

#endif /* DM_INPUT_GATE_H */
