/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's virtio-net (virtio 1.x, 5.1): one receive and one transmit
 * queue over a tap interface (net_tap.h).  The device type registers
 * itself ("virtio-net"); what is declared here is what the host unit
 * tests reach besides the transport.
 */
#ifndef DM_VIRTIO_NET_H
#define DM_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define VIRTIO_ID_NET		1

/* Feature bits (bit numbers) */
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_MRG_RXBUF	15
#define VIRTIO_NET_F_STATUS	16

#define VIRTIO_NET_S_LINK_UP	1

#define VNET_RXQ		0
#define VNET_TXQ		1
#define VNET_QUEUE_SIZE		256U

/* Config space (5.1.4): mac, then status */
#define VNET_CFG_MAC		0
#define VNET_CFG_STATUS		6
#define VNET_CFG_SIZE		8

/* The header's num_buffers field (le16) */
#define VNET_HDR_NUM_BUFFERS	10

/*
 * Reads the frames the backend has and gives them to the guest, until
 * the receive queue has no room: the backend is then no longer watched
 * until the guest adds buffers.  The main loop's callback; the unit
 * tests call it directly.
 */
void virtio_net_rx(struct virtio_dev *v);
/* Whether the device stopped watching its backend for want of receive
 * buffers (tests, debugging). */
bool virtio_net_rx_paused(struct virtio_dev *v);

#endif /* DM_VIRTIO_NET_H */
