// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: virtio-net (virtio_net.h), the guest's Ethernet over a tap
 * interface of the Service VM:
 *	-s SLOT,virtio-net,TAP			as acrn-dm
 *	-s SLOT,virtio-net,tap=TAP[,mac=MAC|,mac_seed=STRING]
 *	-s SLOT,virtio-net,fd=N[,mac=MAC]	a tap (or datagram socket)
 *						handed over open
 *
 * Features: MAC (given, or derived from the VM's name and the slot, so
 * that it stays the same from one run to the next), STATUS (the link is
 * always up) and MRG_RXBUF (a received frame may fill several buffers,
 * what Linux's driver expects for full-size frames without big buffers).
 * No offloads: no checksum or segmentation work is promised either way,
 * so every frame crossing the device is a plain, whole, checksummed one,
 * and the 12-byte header each carries is zero but for num_buffers.  The
 * device writes its own headers in both directions rather than passing
 * the other side's along, so neither the guest nor the host kernel can
 * slip an offload request past what was negotiated.
 *
 * Threads.  Transmit runs where the notify is served (virtio.h): each chain's
 * readable bytes, after the header, are written to the tap as one frame
 * (non-blocking: a frame the tap cannot take now is dropped, as a full
 * link drops it).  Receive runs on the main thread (the tap on the event
 * loop, virtio_net_rx()): a frame is read into a bounce buffer, then
 * copied into as many receive chains as it needs; when the guest has not
 * given enough, the frame waits, the chains taken so far are held, and
 * the tap is no longer watched (input_gate.h) until the guest notifies
 * the receive queue, so a full queue neither spins the loop nor loses
 * frames on our side (the tap's own queue drops, as a switch does).  The
 * receive state is under the PCI function's lock, which the transport
 * also holds around notifies and resets, so both sides see it whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dm.h"
#include "input_gate.h"
#include "net_tap.h"
#include "virtio_net.h"

#define VNET_HDR		NET_TAP_HDR_SIZE
/* The largest frame a tap gives (64 KiB), with its header. */
#define VNET_FRAME_MAX		(VNET_HDR + 65535U)
/* Segments of one chain: Linux uses 1 per receive buffer and up to 19
 * per transmitted frame; room for more than that. */
#define VNET_RX_SEGS		64U
#define VNET_TX_SEGS		VNET_QUEUE_SIZE
/* Receive chains held for one frame: 64 of Linux's smallest mergeable
 * buffers (1.5 KiB) hold the largest frame. */
#define VNET_RX_HOLD		64U
/* Frames read per wake-up, so that one busy tap cannot starve the loop. */
#define VNET_RX_BURST		64U

struct rx_chain {
	struct virtq_chain c;
	struct virtq_seg segs[VNET_RX_SEGS];
};

struct vnet {
	struct virtio_dev *v;
	int fd;
	struct input_gate gate;
	bool watched;		/* the gate is set up */
	bool gone;		/* the backend ended: never watched again */
	bool socket;		/* a socket (fd=N), not a tap */
	uint8_t config[VNET_CFG_SIZE];

	/* Receive state, under the function's lock: */
	uint8_t frame[VNET_FRAME_MAX];	/* header + frame, read */
	size_t frame_len;		/* 0: none waiting */
	struct rx_chain held[VNET_RX_HOLD];
	unsigned int nheld;
	uint64_t held_bytes;		/* their writable bytes */
};

enum deliver { DELIVERED, DROPPED, WAIT, BROKEN };

/* Whether the main loop watches the backend. */
static void watch(struct vnet *n, bool on)
{
	input_gate_set(&n->gate, on && !n->gone);
}

/* A read that returned end-of-file or an error other than "nothing now":
 * a socket whose peer left (a tap never ends).  Watching it again would
 * make the loop spin on it. */
static void backend_gone(struct vnet *n, int error)
{
	n->gone = true;
	watch(n, false);
	fprintf(stderr, "islet-dm: virtio-net %02x.%x: its backend %s; "
		"receiving stops\n", n->v->pci->slot, n->v->pci->func,
		error ? strerror(error) : "closed");
}

/* ---- Receive ---- */

/* Forgets the first @count held chains (given back to the guest). */
static void unhold(struct vnet *n, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		n->held_bytes -= n->held[i].c.write_len;
	memmove(n->held, n->held + count,
		(n->nheld - count) * sizeof(n->held[0]));
	n->nheld -= count;
}

/* Takes receive chains until @need bytes are held (or, without
 * MRG_RXBUF, one chain). */
static enum deliver hold(struct vnet *n, bool mrg, uint64_t need)
{
	while (mrg ? n->held_bytes < need : !n->nheld) {
		struct rx_chain *rc;
		int r;

		if (n->nheld == VNET_RX_HOLD)
			return DROPPED;	/* the guest's buffers are tiny */
		rc = &n->held[n->nheld];
		r = virtio_queue_pop(n->v, VNET_RXQ, rc->segs, VNET_RX_SEGS,
				     &rc->c);
		if (r < 0)
			return BROKEN;
		if (!r)
			return WAIT;
		/* Each buffer holds a header at least (5.1.6.3.1). */
		if (mrg && rc->c.write_len < VNET_HDR) {
			virtio_dev_broken(n->v);
			return BROKEN;
		}
		n->nheld++;
		n->held_bytes += rc->c.write_len;
	}
	return DELIVERED;
}

/* Gives the waiting frame to the guest. */
static enum deliver deliver(struct vnet *n)
{
	bool mrg = virtio_has_feature(n->v, VIRTIO_NET_F_MRG_RXBUF);
	uint32_t len = (uint32_t)n->frame_len, off = 0;
	unsigned int k = 0;
	enum deliver r = hold(n, mrg, len);

	if (r != DELIVERED)
		return r;
	if (!mrg && n->held[0].c.write_len < len)
		return DROPPED;	/* too big for the buffer: keep the buffer */
	/* How many buffers the frame fills, for the header's count. */
	for (uint32_t left = len; left; k++)
		left -= left < n->held[k].c.write_len ? left :
			n->held[k].c.write_len;
	memset(n->frame, 0, VNET_HDR_NUM_BUFFERS);
	n->frame[VNET_HDR_NUM_BUFFERS] = (uint8_t)k;
	n->frame[VNET_HDR_NUM_BUFFERS + 1] = (uint8_t)(k >> 8);
	for (unsigned int i = 0; i < k; i++) {
		uint32_t part = len - off < n->held[i].c.write_len ?
				len - off : n->held[i].c.write_len;

		virtq_copy_to(n->held[i].segs, &n->held[i].c, n->frame + off,
			      part);
		virtio_queue_push(n->v, VNET_RXQ, &n->held[i].c, part);
		off += part;
	}
	unhold(n, k);
	return DELIVERED;
}

/* Delivers the waiting frame if any, then reads and delivers more, up to
 * VNET_RX_BURST frames; closes the gate when the guest has no room.  The
 * function's lock held. */
static void rx_run(struct vnet *n, bool read_more)
{
	bool pushed = false;

	for (unsigned int i = 0; i < VNET_RX_BURST; i++) {
		enum deliver r;

		if (!n->frame_len) {
			ssize_t got;

			if (!read_more)
				break;
			got = read(n->fd, n->frame, sizeof(n->frame));
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0 && errno == EAGAIN)
				break;	/* nothing more for now */
			if (got <= 0) {
				backend_gone(n, got ? errno : 0);
				break;
			}
			if ((size_t)got <= VNET_HDR)
				continue;	/* no frame after a header */
			n->frame_len = (size_t)got;
		}
		r = deliver(n);
		if (r == WAIT) {
			watch(n, false);
			break;
		}
		if (r == BROKEN) {
			/* Nothing can be given until the driver resets: the
			 * frame goes, and so does what the tap brings. */
			n->frame_len = 0;
			break;
		}
		pushed |= r == DELIVERED;
		n->frame_len = 0;
	}
	if (!n->frame_len)
		watch(n, true);
	if (pushed)
		virtio_queue_notify_used(n->v, VNET_RXQ);
}

void virtio_net_rx(struct virtio_dev *v)
{
	struct vnet *n = v->priv;

	pthread_mutex_lock(&v->pci->lock);
	rx_run(n, true);
	pthread_mutex_unlock(&v->pci->lock);
}

bool virtio_net_rx_paused(struct virtio_dev *v)
{
	struct vnet *n = v->priv;
	bool paused;

	pthread_mutex_lock(&v->pci->lock);
	paused = !n->gate.open;
	pthread_mutex_unlock(&v->pci->lock);
	return paused;
}

static void tap_readable(int fd, void *arg)
{
	virtio_net_rx(arg);
}

/* ---- Transmit ---- */

/* Sends the frame of one chain: its readable bytes after the header. */
static void tx_one(struct vnet *n, const struct virtq_seg *segs,
		   const struct virtq_chain *c)
{
	static const uint8_t hdr[VNET_HDR];	/* no offload: all zero */
	struct iovec iov[VNET_TX_SEGS + 1];
	int cnt;
	ssize_t r;

	/* A tap takes at most 64 KiB; a chain without a header is no
	 * frame. */
	if (c->read_len <= VNET_HDR || c->read_len > VNET_FRAME_MAX)
		return;
	iov[0].iov_base = (void *)hdr;
	iov[0].iov_len = VNET_HDR;
	cnt = 1 + virtq_iov(segs, 0, c->nread, VNET_HDR,
			    c->read_len - VNET_HDR, iov + 1);
	/* A frame the tap cannot take now (full, or down) is lost, as on a
	 * congested link: the guest's stack retransmits.  A socket whose
	 * peer left must not raise SIGPIPE. */
	do {
		if (n->socket)
			r = sendmsg(n->fd, &(struct msghdr){ .msg_iov = iov,
					    .msg_iovlen = (size_t)cnt },
				    MSG_NOSIGNAL);
		else
			r = writev(n->fd, iov, cnt);
	} while (r < 0 && errno == EINTR);
}

static void tx_run(struct vnet *n)
{
	struct virtq_seg segs[VNET_TX_SEGS];
	struct virtq_chain c;

	while (virtio_queue_pop(n->v, VNET_TXQ, segs, VNET_TX_SEGS, &c) > 0) {
		tx_one(n, segs, &c);
		virtio_queue_push(n->v, VNET_TXQ, &c, 0);
	}
	virtio_queue_notify_used(n->v, VNET_TXQ);
}

/* ---- The device's callbacks (the function's lock held) ---- */

static void vnet_notify(struct virtio_dev *v, unsigned int q)
{
	struct vnet *n = v->priv;

	if (q == VNET_TXQ) {
		tx_run(n);
		return;
	}
	/* New receive buffers: the waiting frame first, then the tap is
	 * watched again (the main thread reads it). */
	rx_run(n, false);
}

static void vnet_reset(struct virtio_dev *v)
{
	struct vnet *n = v->priv;

	/* Chains held belong to the queue's past life. */
	n->nheld = 0;
	n->held_bytes = 0;
	n->frame_len = 0;
	watch(n, true);
}

static void vnet_driver_ok(struct virtio_dev *v)
{
	struct vnet *n = v->priv;

	watch(n, true);
}

/* ---- Set-up ---- */

/* "52:54:00:12:34:56": a unicast address, or -1. */
static int parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned int b[6];
	char buf[18];
	int used = 0;

	if (len != 17)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &used) != 6 || used != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return (mac[0] & 1) ? -1 : 0;	/* multicast bit */
}

/* A locally administered unicast address from @seed (acrn-dm's
 * mac_seed=) or the VM's name, and the device's place: stable across
 * runs, distinct between VMs and devices. */
static void derive_mac(const struct dm_pci_dev *d, const char *seed,
		       uint8_t mac[6])
{
	char key[DM_CONF_MAX + 16];
	uint64_t h;

	if (!seed)
		seed = dm_vm.cfg ? dm_vm.cfg->name : "";
	snprintf(key, sizeof(key), "%s/%u.%u", seed, d->slot, d->func);
	h = virtio_hash(key);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

/* The backend and MAC of a -s conf string into @n. */
static int parse_conf(struct vnet *n, const char *conf, struct dm_error *err)
{
	char tap[32] = "", seed[DM_CONF_MAX] = "";
	bool have_mac = false;
	const char *p = conf;
	long fd = -1;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		const char *val = eq ? eq + 1 : p;
		size_t vlen = eq ? len - klen - 1 : len;
		char *stop;

		if ((!eq && p == conf) || (eq && klen == 3 &&
					   !strncmp(p, "tap", 3))) {
			if (!vlen || vlen >= sizeof(tap))
				return dm_fail(err, "virtio-net: bad tap name "
					       "'%.*s'", (int)vlen, val);
			memcpy(tap, val, vlen);
			tap[vlen] = '\0';
		} else if (eq && klen == 2 && !strncmp(p, "fd", 2)) {
			fd = strtol(val, &stop, 10);
			if (!vlen || stop != val + vlen || fd < 0 ||
			    fd > 65535)
				return dm_fail(err, "virtio-net: bad fd "
					       "'%.*s'", (int)vlen, val);
		} else if (eq && klen == 3 && !strncmp(p, "mac", 3)) {
			if (parse_mac(val, vlen, n->config + VNET_CFG_MAC))
				return dm_fail(err, "virtio-net: bad MAC "
					       "address '%.*s' (unicast, "
					       "xx:xx:xx:xx:xx:xx)", (int)vlen,
					       val);
			have_mac = true;
		} else if (eq && klen == 8 && !strncmp(p, "mac_seed", 8) &&
			   vlen) {
			memcpy(seed, val, vlen);	/* shorter than conf */
			seed[vlen] = '\0';
		} else {
			return dm_fail(err, "virtio-net: unknown option "
				       "'%.*s' (tap=NAME, fd=N, mac=MAC, "
				       "mac_seed=STRING)", (int)len, p);
		}
		p = end ? end + 1 : p + len;
	}
	if ((tap[0] != 0) + (fd >= 0) != 1)
		return dm_fail(err, "virtio-net needs one backend: "
			       "-s SLOT,virtio-net,TAP (or tap=TAP, or fd=N)");
	if (!have_mac)
		derive_mac(n->v->pci, seed[0] ? seed : NULL,
			   n->config + VNET_CFG_MAC);
	n->fd = tap[0] ? net_tap_open(tap, err) : net_tap_adopt((int)fd, err);
	if (n->fd < 0)
		return -1;
	n->socket = !getsockopt(n->fd, SOL_SOCKET, SO_TYPE, &(int){ 0 },
				&(socklen_t){ sizeof(int) });
	return 0;
}

static void vnet_free(struct vnet *n)
{
	if (n->watched)
		input_gate_fini(&n->gate);
	if (n->fd >= 0)
		close(n->fd);
	free(n);
}

static int vnet_init(struct virtio_dev *v, const char *conf,
		     struct dm_error *err)
{
	struct vnet *n = calloc(1, sizeof(*n));

	if (!n)
		return dm_fail(err, "out of memory");
	n->v = v;
	n->fd = -1;
	if (parse_conf(n, conf, err)) {
		vnet_free(n);
		return -1;
	}
	n->config[VNET_CFG_STATUS] = VIRTIO_NET_S_LINK_UP;
	v->priv = n;
	if (input_gate_init(&n->gate, n->fd, tap_readable, v)) {
		dm_fail(err, "virtio-net: cannot watch its backend: %s",
			strerror(errno));
		v->priv = NULL;
		vnet_free(n);
		return -1;
	}
	n->watched = true;
	v->config = n->config;
	return 0;
}

static void vnet_deinit(struct virtio_dev *v)
{
	if (v->priv)
		vnet_free(v->priv);
	v->priv = NULL;
}

static const struct virtio_ops vnet_virtio_ops = {
	.device_id = VIRTIO_ID_NET,
	.class_code = 0x020000,		/* Ethernet controller */
	.features = (1ULL << VIRTIO_NET_F_MAC) |
		    (1ULL << VIRTIO_NET_F_MRG_RXBUF) |
		    (1ULL << VIRTIO_NET_F_STATUS),
	.nqueues = 2,
	.queue_size = VNET_QUEUE_SIZE,
	.config_size = VNET_CFG_SIZE,
	.init = vnet_init,
	.deinit = vnet_deinit,
	.reset = vnet_reset,
	.queue_notify = vnet_notify,
	.driver_ok = vnet_driver_ok,
};

static int vnet_pci_init(struct dm_pci_dev *d, const char *conf,
			 struct dm_error *err)
{
	return virtio_pci_init(d, &vnet_virtio_ops, conf, err);
}

static const struct dm_pci_ops vnet_pci_ops = {
	.name = "virtio-net",
	.init = vnet_pci_init,
	.deinit = virtio_pci_deinit,
	.reset = virtio_pci_reset,
	.bar_read = virtio_pci_bar_read,
	.bar_write = virtio_pci_bar_write,
	.cfg_written = virtio_pci_cfg_written,
};
DM_PCI_DEVICE(vnet_pci_ops);
