// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the LPC bridge's UARTs, COM1 (0x3f8, IRQ 4) and COM2 (0x2f8,
 * IRQ 3), each a 16550A (uart.c) with the backend -l gave it:
 *   stdio        output to stdout, input from stdin (raw when a tty)
 *   file:PATH    output appended to PATH, no input
 *   pty          a new pseudo-terminal, its name printed on stderr
 *   tcp:PORT     a listening socket on 127.0.0.1; one client at a time
 * A UART without -l does not exist: its ports read all-ones.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libislet.h"

#include "dm.h"
#include "hw.h"
#include "uart.h"

struct com {
	const char *name;
	uint16_t base;
	uint8_t gsi;
	pthread_mutex_t lock;
	struct uart uart;
	int out_fd;		/* where the guest's bytes go; -1: nowhere */
	int in_fd;		/* where input comes from; -1: none */
	int listen_fd;		/* tcp */
	int pty_slave;		/* pty: held open, so that a terminal
				 * program leaving does not hang it up */
	uint8_t pending[256];	/* input read but not yet in the FIFO */
	size_t npending;
};

static struct com coms[DM_NUM_UARTS] = {
	{ .name = "COM1", .base = 0x3f8, .gsi = 4,
	  .lock = PTHREAD_MUTEX_INITIALIZER },
	{ .name = "COM2", .base = 0x2f8, .gsi = 3,
	  .lock = PTHREAD_MUTEX_INITIALIZER },
};

static void com_tx(void *arg, uint8_t byte)
{
	struct com *c = arg;

	/* A backend that cannot take it loses the byte, as a UART with no
	 * cable does; the guest must not stall on us. */
	if (c->out_fd >= 0 && write(c->out_fd, &byte, 1) < 0 &&
	    errno != EAGAIN)
		c->out_fd = -1;
}

static void com_irq(void *arg, bool level)
{
	struct com *c = arg;

	dm_irq->gsi(c->gsi, level);
}

/* Moves what input is pending into the FIFO, under c->lock. */
static void com_feed(struct com *c)
{
	size_t n = uart_receive(&c->uart, c->pending, c->npending);

	memmove(c->pending, c->pending + n, c->npending - n);
	c->npending -= n;
}

static void com_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	struct com *c = dev;

	pthread_mutex_lock(&c->lock);
	*value = uart_read(&c->uart, (unsigned int)(addr - c->base));
	if (c->npending)
		com_feed(c);
	pthread_mutex_unlock(&c->lock);
}

static void com_write(void *dev, uint64_t addr, unsigned int size,
		      uint64_t value)
{
	struct com *c = dev;

	pthread_mutex_lock(&c->lock);
	uart_write(&c->uart, (unsigned int)(addr - c->base), (uint8_t)value);
	pthread_mutex_unlock(&c->lock);
}

static const struct dm_io_ops com_ops = {
	.read = com_read,
	.write = com_write,
};

static void com_input(int fd, void *arg)
{
	struct com *c = arg;
	ssize_t n;

	pthread_mutex_lock(&c->lock);
	n = read(fd, c->pending + c->npending,
		 sizeof(c->pending) - c->npending);
	if (n > 0) {
		c->npending += (size_t)n;
		com_feed(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* End of input (or the TCP client left). */
		dm_event_del(fd);
		pthread_mutex_lock(&c->lock);
		if (c->listen_fd >= 0) {
			close(fd);
			c->out_fd = -1;
		}
		c->in_fd = -1;
		pthread_mutex_unlock(&c->lock);
	}
}

static void com_accept(int fd, void *arg)
{
	struct com *c = arg;
	int s = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (s < 0)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->in_fd >= 0) {
		pthread_mutex_unlock(&c->lock);
		close(s);	/* one client at a time */
		return;
	}
	c->in_fd = c->out_fd = s;
	pthread_mutex_unlock(&c->lock);
	dm_event_add(s, com_input, c);
}

static int open_stdio(struct com *c, struct dm_error *err)
{
	c->out_fd = STDOUT_FILENO;
	c->in_fd = STDIN_FILENO;
	dm_stdin_raw();
	return 0;
}

static int open_pty(struct com *c, struct dm_error *err)
{
	int fd = dm_pty_open(c->name, NULL, &c->pty_slave, err);

	if (fd < 0)
		return -1;
	c->in_fd = c->out_fd = fd;
	return 0;
}

static int open_tcp(struct com *c, uint16_t port, struct dm_error *err)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return dm_fail(err, "%s: socket: %s", c->name, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		dm_fail(err, "%s: cannot listen on TCP port %u: %s", c->name,
			port, strerror(errno));
		close(fd);
		return -1;
	}
	c->listen_fd = fd;
	return 0;
}

int dm_lpc_init(const struct dm_config *cfg, struct dm_error *err)
{
	for (int i = 0; i < DM_NUM_UARTS; i++) {
		const struct dm_uart_conf *uc = &cfg->uart[i];
		struct com *c = &coms[i];
		int ret = 0;

		c->out_fd = c->in_fd = c->listen_fd = -1;
		c->npending = 0;
		uart_init(&c->uart, com_tx, com_irq, c);
		switch (uc->backend) {
		case DM_UART_NONE:
			continue;
		case DM_UART_STDIO:
			ret = open_stdio(c, err);
			break;
		case DM_UART_FILE:
			c->out_fd = dm_output_file(c->name, uc->path, err);
			ret = c->out_fd < 0 ? -1 : 0;
			break;
		case DM_UART_PTY:
			ret = open_pty(c, err);
			break;
		case DM_UART_TCP:
			ret = open_tcp(c, uc->tcp_port, err);
			break;
		}
		if (ret)
			return -1;
		if (dm_io_register(DM_PIO, c->base, 8, &com_ops, c, c->name))
			return dm_fail(err, "%s: ports 0x%x-0x%x taken", c->name,
				       c->base, c->base + 7);
		/* stdin from /dev/null or a regular file cannot be polled
		 * (EPERM): a UART with no input then, as a script expects. */
		ret = c->in_fd >= 0 ? dm_event_add(c->in_fd, com_input, c) : 0;
		if (ret == -EPERM)
			c->in_fd = -1;
		else if (ret)
			return dm_fail(err, "%s: cannot watch its input: %s",
				       c->name, strerror(-ret));
		if (c->listen_fd >= 0 &&
		    dm_event_add(c->listen_fd, com_accept, c))
			return dm_fail(err, "%s: cannot watch its socket",
				       c->name);
	}
	return 0;
}

void dm_lpc_reset(void)
{
	for (int i = 0; i < DM_NUM_UARTS; i++) {
		pthread_mutex_lock(&coms[i].lock);
		uart_reset(&coms[i].uart);
		pthread_mutex_unlock(&coms[i].lock);
	}
}
