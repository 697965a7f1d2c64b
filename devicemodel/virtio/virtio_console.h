/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's virtio-console (virtio 1.x, 5.3): one console port, its
 * receive queue (0) and transmit queue (1), over stdio, a pseudo-terminal
 * or a file.  The device type registers itself ("virtio-console"); what
 * is declared here is what the host unit tests reach besides the
 * transport.
 */
#ifndef DM_VIRTIO_CONSOLE_H
#define DM_VIRTIO_CONSOLE_H

#include <stdbool.h>

#include "virtio.h"

#define VIRTIO_ID_CONSOLE	3

#define VCON_RXQ		0
#define VCON_TXQ		1
#define VCON_QUEUE_SIZE		64U
/* Input read but not yet in a guest buffer: at most this much; the
 * backend is not read while it is full. */
#define VCON_PENDING_MAX	4096U

/* Config space (5.3.4): cols, rows, max_nr_ports, emerg_wr */
#define VCON_CFG_SIZE		12

/*
 * Reads what input the backend has and gives it to the guest as far as
 * its receive buffers go, keeping the rest (up to VCON_PENDING_MAX) for
 * its next buffers.  The main loop's callback; the unit tests call it
 * directly.
 */
void virtio_console_rx(struct virtio_dev *v);
/* Whether the backend's input is no longer watched because the pending
 * input is full (tests, debugging). */
bool virtio_console_rx_paused(struct virtio_dev *v);
/* The pseudo-terminal's name (the pty backend), or NULL. */
const char *virtio_console_pty_name(struct virtio_dev *v);

#endif /* DM_VIRTIO_CONSOLE_H */
