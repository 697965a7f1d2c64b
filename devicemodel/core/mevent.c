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

struct watch {
	int fd;
	dm_event_fn fn;
	void *arg;
};

static int epfd = -1;
static volatile bool stopping;

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
	*w = (struct watch){ fd, fn, arg };
	ev.data.ptr = w;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		free(w);
		return -errno;
	}
	return 0;
}

/*
 * The watch's memory is not freed: epoll_wait() may already have
 * returned an event pointing at it in this round.  Backends are few and
 * removed only at the end.
 */
void dm_event_del(int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

int dm_event_run(void)
{
	struct epoll_event evs[16];

	stopping = false;
	while (!stopping) {
		int n = epoll_wait(epfd, evs, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n && !stopping; i++) {
			struct watch *w = evs[i].data.ptr;

			w->fn(w->fd, w->arg);
		}
	}
	return 0;
}

void dm_event_stop(void)
{
	stopping = true;
}
