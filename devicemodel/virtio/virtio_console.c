// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: virtio-console (virtio_console.h), a console port that a
 * guest kernel uses as /dev/hvc0 (console=hvc0), in acrn-dm's syntax:
 *	-s SLOT,virtio-console,@stdio:NAME	stdin and stdout
 *	-s SLOT,virtio-console,@pty:NAME	a new pseudo-terminal, its
 *						name printed on stderr
 *	-s SLOT,virtio-console,@file:NAME=PATH	output appended to PATH,
 *						no input
 * `@` marks a console port, and NAME names the port; with one port and
 * no VIRTIO_CONSOLE_F_MULTIPORT the port is always the console and has no
 * name the guest could see, so both are accepted and not needed.  A
 * second port is refused rather than silently left out.
 *
 * Transmit runs where the notify is served (virtio.h): each chain's readable
 * bytes are written to the backend at once (a pty that nobody reads
 * fills up: what it cannot take is dropped, so that the guest never
 * waits on an absent reader).  Receive runs on the main thread: input is
 * read into a pending buffer and copied into the receive queue's chains;
 * what does not fit waits for the guest's next buffers (the driver adds
 * them as it consumes input), and while the pending buffer is full the
 * backend is not read (input_gate.h), so a paste larger than the guest
 * takes at once is neither lost by us nor spun on.  The port's state is
 * under the PCI function's lock, which the transport holds around
 * notifies and resets too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dm.h"
#include "input_gate.h"
#include "virtio_console.h"

#define VCON_SEGS		(2U * VCON_QUEUE_SIZE)
#define VCON_CFG_MAX_PORTS	4	/* le32 */

enum vcon_backend { VCON_STDIO, VCON_PTY, VCON_FILE };

/* No F_SIZE, no MULTIPORT: only max_nr_ports says anything. */
static const uint8_t vcon_config[VCON_CFG_SIZE] = {
	[VCON_CFG_MAX_PORTS] = 1,
};

struct vcon {
	struct virtio_dev *v;
	enum vcon_backend backend;
	int in_fd;		/* -1: no input */
	int out_fd;
	int pty_slave;		/* held open: see dm_pty_open() */
	char pty_name[DM_PTY_NAME_MAX];
	struct input_gate gate;
	bool watched;

	/* Under the function's lock: */
	uint8_t pending[VCON_PENDING_MAX];
	size_t npending;
};

/* stdin has one reader: one console, and only if no UART has it. */
static bool stdio_taken;

/* ---- Receive (the function's lock held) ---- */

static void gate(struct vcon *c, bool open)
{
	if (c->watched)
		input_gate_set(&c->gate, open);
}

/* Copies pending input into receive chains while both last. */
static void rx_deliver(struct vcon *c)
{
	struct virtq_seg segs[VCON_SEGS];
	struct virtq_chain ch;
	bool pushed = false;

	while (c->npending &&
	       virtio_queue_pop(c->v, VCON_RXQ, segs, VCON_SEGS, &ch) > 0) {
		uint32_t done = virtq_copy_to(segs, &ch, c->pending,
					      (uint32_t)c->npending);

		memmove(c->pending, c->pending + done, c->npending - done);
		c->npending -= done;
		pushed |= virtio_queue_push(c->v, VCON_RXQ, &ch, done);
	}
	if (pushed)
		virtio_queue_notify_used(c->v, VCON_RXQ);
	gate(c, c->npending < sizeof(c->pending));
}

/* The backend's input ended (stdin closed, a read error): no more. */
static void rx_end(struct vcon *c)
{
	if (c->watched)
		input_gate_fini(&c->gate);
	c->watched = false;
	c->in_fd = -1;
}

void virtio_console_rx(struct virtio_dev *v)
{
	struct vcon *c = v->priv;
	ssize_t n = 0;

	pthread_mutex_lock(&v->pci->lock);
	if (c->in_fd >= 0 && c->npending < sizeof(c->pending)) {
		do
			n = read(c->in_fd, c->pending + c->npending,
				 sizeof(c->pending) - c->npending);
		while (n < 0 && errno == EINTR);
		if (n > 0)
			c->npending += (size_t)n;
		else if (!n || errno != EAGAIN)
			rx_end(c);
	}
	rx_deliver(c);
	pthread_mutex_unlock(&v->pci->lock);
}

bool virtio_console_rx_paused(struct virtio_dev *v)
{
	struct vcon *c = v->priv;
	bool paused;

	pthread_mutex_lock(&v->pci->lock);
	paused = c->watched && !c->gate.open;
	pthread_mutex_unlock(&v->pci->lock);
	return paused;
}

const char *virtio_console_pty_name(struct virtio_dev *v)
{
	struct vcon *c = v->priv;

	return c->backend == VCON_PTY ? c->pty_name : NULL;
}

static void input_readable(int fd, void *arg)
{
	virtio_console_rx(arg);
}

/* ---- Transmit ---- */

/* Writes @len bytes at @p to the backend; what it cannot take now is
 * dropped. */
static void out(struct vcon *c, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(c->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void tx_run(struct vcon *c)
{
	struct virtq_seg segs[VCON_SEGS];
	struct virtq_chain ch;

	while (virtio_queue_pop(c->v, VCON_TXQ, segs, VCON_SEGS, &ch) > 0) {
		for (unsigned int i = 0; i < ch.nread; i++)
			out(c, segs[i].addr, segs[i].len);
		virtio_queue_push(c->v, VCON_TXQ, &ch, 0);
	}
	virtio_queue_notify_used(c->v, VCON_TXQ);
}

/* ---- The device's callbacks (the function's lock held) ---- */

static void vcon_notify(struct virtio_dev *v, unsigned int q)
{
	struct vcon *c = v->priv;

	if (q == VCON_TXQ)
		tx_run(c);
	else
		rx_deliver(c);	/* new buffers for what waits */
}

static void vcon_reset(struct virtio_dev *v)
{
	struct vcon *c = v->priv;

	/* Input read for the driver that is gone: the next one starts
	 * afresh. */
	c->npending = 0;
	gate(c, true);
}

/* ---- Set-up ---- */

static int open_stdio(struct vcon *c, struct dm_error *err)
{
	const struct dm_config *cfg = dm_vm.cfg;

	for (int i = 0; cfg && i < DM_NUM_UARTS; i++)
		if (cfg->uart[i].backend == DM_UART_STDIO)
			return dm_fail(err, "virtio-console: stdio is COM%d's "
				       "(-l com%d,stdio)", i + 1, i + 1);
	if (stdio_taken)
		return dm_fail(err, "virtio-console: stdio is another "
			       "console's");
	c->backend = VCON_STDIO;
	c->in_fd = STDIN_FILENO;
	c->out_fd = STDOUT_FILENO;
	dm_stdin_raw();
	stdio_taken = true;
	return 0;
}

/* A new pseudo-terminal, its slave side held open so that a terminal
 * program that comes and goes does not end the input. */
static int open_pty(struct vcon *c, struct dm_error *err)
{
	int fd = dm_pty_open("virtio-console", c->pty_name, &c->pty_slave,
			     err);

	if (fd < 0)
		return -1;
	c->backend = VCON_PTY;
	c->in_fd = c->out_fd = fd;
	return 0;
}

/* "[@]stdio[:NAME]", "[@]pty[:NAME]" or "[@]file:NAME=PATH". */
static int parse_conf(struct vcon *c, const char *conf, struct dm_error *err)
{
	const char *p = conf[0] == '@' ? conf + 1 : conf;
	const char *colon = strchr(p, ':');
	size_t klen = colon ? (size_t)(colon - p) : strlen(p);
	const char *path;

	if (strchr(p, ','))
		return dm_fail(err, "virtio-console: one port only (\"%s\")",
			       conf);
	if (klen == 5 && !strncmp(p, "stdio", 5))
		return open_stdio(c, err);
	if (klen == 3 && !strncmp(p, "pty", 3))
		return open_pty(c, err);
	if (klen == 4 && !strncmp(p, "file", 4)) {
		path = colon ? strchr(colon, '=') : NULL;
		if (!path || !path[1])
			return dm_fail(err, "virtio-console: file needs a "
				       "path: @file:NAME=PATH");
		c->out_fd = dm_output_file("virtio-console", path + 1, err);
		return c->out_fd < 0 ? -1 : 0;
	}
	return dm_fail(err, "virtio-console: unknown backend \"%s\" "
		       "(@stdio:NAME, @pty:NAME, @file:NAME=PATH)", conf);
}

static void vcon_free(struct vcon *c)
{
	if (c->watched)
		input_gate_fini(&c->gate);
	if (c->backend == VCON_STDIO && c->out_fd >= 0) {
		dm_stdin_restore();
		stdio_taken = false;
	} else if (c->out_fd >= 0) {
		close(c->out_fd);	/* the pty's master, or the file */
	}
	if (c->pty_slave >= 0)
		close(c->pty_slave);
	free(c);
}

static int vcon_init(struct virtio_dev *v, const char *conf,
		     struct dm_error *err)
{
	struct vcon *c = calloc(1, sizeof(*c));

	if (!c)
		return dm_fail(err, "out of memory");
	c->v = v;
	c->in_fd = c->out_fd = c->pty_slave = -1;
	c->backend = VCON_FILE;
	if (parse_conf(c, conf, err)) {
		vcon_free(c);
		return -1;
	}
	v->priv = c;
	v->config = vcon_config;
	if (c->in_fd >= 0) {
		if (input_gate_init(&c->gate, c->in_fd, input_readable, v)) {
			dm_fail(err, "virtio-console: cannot watch its "
				"input: %s", strerror(errno));
			v->priv = NULL;
			vcon_free(c);
			return -1;
		}
		c->watched = true;
	}
	return 0;
}

static void vcon_deinit(struct virtio_dev *v)
{
	if (v->priv)
		vcon_free(v->priv);
	v->priv = NULL;
}

static const struct virtio_ops vcon_virtio_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.class_code = 0x078000,		/* other communication controller */
	.nqueues = 2,
	.queue_size = VCON_QUEUE_SIZE,
	.config_size = VCON_CFG_SIZE,
	.init = vcon_init,
	.deinit = vcon_deinit,
	.reset = vcon_reset,
	.queue_notify = vcon_notify,
};

static int vcon_pci_init(struct dm_pci_dev *d, const char *conf,
			 struct dm_error *err)
{
	return virtio_pci_init(d, &vcon_virtio_ops, conf, err);
}

static const struct dm_pci_ops vcon_pci_ops = {
	.name = "virtio-console",
	.init = vcon_pci_init,
	.deinit = virtio_pci_deinit,
	.reset = virtio_pci_reset,
	.bar_read = virtio_pci_bar_read,
	.bar_write = virtio_pci_bar_write,
	.cfg_written = virtio_pci_cfg_written,
};
DM_PCI_DEVICE(vcon_pci_ops);
