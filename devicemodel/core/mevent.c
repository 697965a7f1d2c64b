// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's event loop (dm.h): file descriptors of the backends (UART
 * input, the request eventfd, signals) watched with epoll from the main
 * thread, each with a callback run there.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dm.h"

/* Every watch is on the list, so a deleted one can be found and freed;
 * the main thread alone adds, deletes and dispatches. */
struct watch {
	int fd;
	dm_event_fn fn;
	void *arg;
	bool dead;		/* deleted during a round: skip, free after */
	struct watch *next;
};

static int epfd = -1;
static volatile bool stopping;
static struct watch *watches;
static bool dispatching;

int dm_event_init(void)
{
	if (epfd < 0)
		epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

int dm_event_add(int fd, dm_event_fn fn, void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct watch *w = malloc(sizeof(*w));

	if (!w)
		return -ENOMEM;
	*w = (struct watch){ fd, fn, arg, false, watches };
	ev.data.ptr = w;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(w);
		return -errno;
	}
	watches = w;
	return 0;
}

/* Frees the dead watches (not while epoll_wait()'s events of this round
 * may still point at them). */
static void reap(void)
{
	struct watch **p = &watches;

	while (*p) {
		struct watch *w = *p;

		if (w->dead) {
			*p = w->next;
			free(w);
		} else {
			p = &w->next;
		}
	}
}

void dm_event_del(int fd)
{
	for (struct watch *w = watches; w; w = w->next) {
		if (w->fd == fd && !w->dead) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			w->dead = true;
			break;
		}
	}
	if (!dispatching)
		reap();
}

/* One round; a callback that calls dm_event_stop() ends it. */
static int one_round(int timeout_ms)
{
	struct epoll_event evs[16];
	int n = epoll_wait(epfd, evs, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	dispatching = true;
	for (int i = 0; i < n && !stopping; i++) {
		struct watch *w = evs[i].data.ptr;

		if (!w->dead)
			w->fn(w->fd, w->arg);
	}
	dispatching = false;
	reap();
	return 0;
}

int dm_event_poll(int timeout_ms)
{
	stopping = false;
	return one_round(timeout_ms);
}

int dm_event_run(void)
{
	stopping = false;
	while (!stopping) {
		int ret = one_round(-1);

		if (ret)
			return ret;
	}
	return 0;
}

void dm_event_stop(void)
{
	stopping = true;
}
