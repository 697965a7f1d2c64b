// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's entropy device, device type "virtio-rnd" (virtio device id
 * 4, spec 5.4): one queue of device-writable buffers that the device
 * fills from the Service VM's getrandom().  The guest's kernel feeds its
 * random pool from it at boot (hw_random's virtio-rng driver), which
 * matters for a User VM with no other entropy source.  The device has no
 * configuration and no features of its own.
 *
 * Work is done where the notify is served (virtio.h): getrandom() without
 * GRND_RANDOM does not block once the host's pool is initialised, and
 * GRND_NONBLOCK makes sure of it before that (the guest then gets 0 bytes
 * and asks again).  A request is filled up to RND_MAX_BYTES, so a guest
 * offering a huge buffer cannot hold its vCPU (and the device's lock) for
 * long; the used length tells the driver how much it got.
 */
#include <errno.h>
#include <sys/random.h>

#include "virtio.h"

#define VIRTIO_ID_RNG		4
#define RND_CLASS		0xff0000	/* unclassified device */
#define RND_QUEUE_SIZE		64
#define RND_MAX_SEGS		(2 * RND_QUEUE_SIZE)
#define RND_MAX_BYTES		(64U << 10)

/* Fills @len bytes at @p; how many were filled. */
static uint32_t fill(uint8_t *p, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, GRND_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (uint32_t)n;
	}
	return done;
}

/* The device-writable segments of one request, filled in order. */
static uint32_t fill_chain(const struct virtq_seg *segs,
			   const struct virtq_chain *c)
{
	uint32_t total = 0;

	for (unsigned int i = c->nread; i < c->nseg; i++) {
		uint32_t want = segs[i].len, got;

		if (want > RND_MAX_BYTES - total)
			want = RND_MAX_BYTES - total;
		got = fill(segs[i].addr, want);
		total += got;
		/* The used length counts bytes from the start of the
		 * writable part: stop at the first gap. */
		if (got < segs[i].len || total == RND_MAX_BYTES)
			break;
	}
	return total;
}

static void rnd_notify(struct virtio_dev *v, unsigned int q)
{
	struct virtq_seg segs[RND_MAX_SEGS];
	struct virtq_chain c;

	while (virtio_queue_pop(v, q, segs, RND_MAX_SEGS, &c) > 0)
		virtio_queue_push(v, q, &c, fill_chain(segs, &c));
	virtio_queue_notify_used(v, q);
}

static const struct virtio_ops rnd_virtio_ops = {
	.device_id = VIRTIO_ID_RNG,
	.class_code = RND_CLASS,
	.nqueues = 1,
	.queue_size = RND_QUEUE_SIZE,
	.queue_notify = rnd_notify,
};

static int rnd_init(struct dm_pci_dev *d, const char *conf,
		    struct dm_error *err)
{
	return virtio_pci_init(d, &rnd_virtio_ops, conf, err);
}

static const struct dm_pci_ops rnd_pci_ops = {
	.name = "virtio-rnd",
	.init = rnd_init,
	.deinit = virtio_pci_deinit,
	.reset = virtio_pci_reset,
	.bar_read = virtio_pci_bar_read,
	.bar_write = virtio_pci_bar_write,
	.cfg_written = virtio_pci_cfg_written,
};
DM_PCI_DEVICE(rnd_pci_ops);
