/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's tap backend of virtio-net: a Linux tap interface that carries
 * frames with virtio 1.x's 12-byte struct virtio_net_hdr in front, so
 * that what the guest sends can go to the host kernel as it is; or a
 * descriptor handed over open.
 */
#ifndef DM_NET_TAP_H
#define DM_NET_TAP_H

#include "config.h"

/* The header on each frame: virtio_net_hdr with num_buffers (5.1.6). */
#define NET_TAP_HDR_SIZE	12

/*
 * Attaches to the tap interface @name, creating it if it does not exist
 * (which, like attaching to one owned by another user, needs
 * CAP_NET_ADMIN), with NET_TAP_HDR_SIZE-byte headers, non-blocking.  The
 * file descriptor, or -1 with @err saying why.
 */
int net_tap_open(const char *name, struct dm_error *err);
/*
 * Takes over the open descriptor @fd: a tap set up with IFF_TAP,
 * IFF_NO_PI and IFF_VNET_HDR (its header size is set here), or a
 * datagram socket whose messages are frames with the header.  Made
 * non-blocking and close-on-exec.  @fd, or -1 with @err.
 */
int net_tap_adopt(int fd, struct dm_error *err);

#endif /* DM_NET_TAP_H */
