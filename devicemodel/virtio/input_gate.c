// SPDX-License-Identifier: BSD-3-Clause
/* islet-dm: a backend input that can be paused (input_gate.h). */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "input_gate.h"

static void gate_ready(int epfd, void *arg)
{
	struct input_gate *g = arg;

	g->fn(g->fd, g->arg);
}

int input_gate_init(struct input_gate *g, int fd, dm_event_fn fn, void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ret;

	g->fd = fd;
	g->fn = fn;
	g->arg = arg;
	g->open = true;
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g->epfd < 0)
		return -1;
	ev.data.fd = fd;
	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev))
		goto err;
	ret = dm_event_add(g->epfd, gate_ready, g);
	if (ret) {
		errno = -ret;
		goto err;
	}
	return 0;

err:
	ret = errno;
	close(g->epfd);
	g->epfd = -1;
	errno = ret;
	return -1;
}

void input_gate_set(struct input_gate *g, bool open)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = g->fd };
	int ret;

	if (g->epfd < 0 || g->open == open)
		return;
	/* Out of the set rather than watched for no event: epoll reports
	 * hang-ups and errors whatever the mask says. */
	if (open)
		ret = epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->fd, &ev);
	else
		ret = epoll_ctl(g->epfd, EPOLL_CTL_DEL, g->fd, NULL);
	if (!ret)
		g->open = open;
}

void input_gate_fini(struct input_gate *g)
{
	if (g->epfd < 0)
		return;
	dm_event_del(g->epfd);
	close(g->epfd);
	g->epfd = -1;
}
