/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The split virtqueue of virtio 1.x (spec 2.7), device side, pure: it
 * reads and writes only guest RAM (struct dm_mem, dm_gpa()) and takes no
 * lock, so the host unit tests drive it over a fake RAM.  The transport
 * (virtio.h) wraps each queue in a mutex; devices use its
 * virtio_queue_*() calls, not these, but for the helpers at the end that
 * walk a popped chain's bytes.
 *
 * Three areas in guest memory, all written by a driver we do not trust:
 *   descriptor table (desc)     16 bytes per entry: addr, len, flags, next
 *   available ring   (driver)   flags, idx, ring[size], used_event
 *   used ring        (device)   flags, idx, {id, len}[size], avail_event
 *
 * virtq_pop() turns the next available chain into host segments after
 * checking everything a hostile driver controls: indices within the
 * table, chains that end (no longer than the table they run through),
 * indirect tables (negotiated, a non-zero multiple of 16 bytes, at most
 * `size` entries, not nested, not combined with NEXT), each buffer wholly
 * inside guest RAM without wrapping, device-readable buffers before
 * device-writable ones, a total length that fits the used ring's 32 bits,
 * and an available index that never runs more than `size` ahead.  Any
 * violation makes the queue broken: it does nothing more until the
 * driver resets the device (the transport then sets DEVICE_NEEDS_RESET).
 * Nothing is ever read or written outside guest RAM, and each descriptor
 * is read from guest memory once, so a driver changing it meanwhile
 * cannot make a checked value differ from the used one.
 */
#ifndef DM_VIRTQUEUE_H
#define DM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dm.h"

/* Descriptor flags */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2	/* device-writable */
#define VIRTQ_DESC_F_INDIRECT	4

#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

/* Feature bits the ring implements (bit numbers) */
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_EVENT_IDX	29
#define VIRTIO_F_VERSION_1	32

/* The largest queue a device may offer (the spec's limit). */
#define VIRTQ_MAX_SIZE		32768U

#define VIRTQ_DESC_SIZE		16U
/* Bytes of each area for a queue of @n entries, event fields included. */
#define VIRTQ_DESC_BYTES(n)	((uint64_t)(n) * VIRTQ_DESC_SIZE)
#define VIRTQ_AVAIL_BYTES(n)	(6U + 2ULL * (n))
#define VIRTQ_USED_BYTES(n)	(6U + 8ULL * (n))

/* One buffer of a chain, in host memory (inside guest RAM). */
struct virtq_seg {
	void *addr;
	uint32_t len;
	bool write;		/* device-writable */
};

/*
 * What virtq_pop() found besides the segments: the id to give back in
 * the used ring, and how many bytes each direction holds.  The first
 * `nread` segments are device-readable, the rest device-writable.  `gen`
 * names the queue's life: a chain popped before a reset is dropped by
 * virtq_push() after it.
 */
struct virtq_chain {
	uint16_t head;
	uint32_t gen;
	unsigned int nseg, nread;
	uint32_t read_len, write_len;
};

struct virtq {
	const struct dm_mem *mem;
	uint16_t max_size;	/* what the device offers */

	/* Programmed by the driver while the queue is disabled. */
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;

	/* Set by virtq_enable() from the negotiated features. */
	bool enabled;
	bool indirect, event_idx;
	uint8_t *desc, *avail, *used;	/* host addresses of the areas */

	uint16_t last_avail;	/* next available entry to take */
	uint16_t used_idx;	/* next used entry to fill */
	uint16_t signalled_used;	/* used_idx when interrupts were last
					 * decided on */
	bool broken;
	uint32_t gen;		/* bumped by each reset */
};

/* Sets the queue up over @mem, offering @max_size entries (a power of two
 * up to VIRTQ_MAX_SIZE), in its reset state. */
void virtq_init(struct virtq *vq, const struct dm_mem *mem,
		uint16_t max_size);
/* Back to the reset state: disabled, size max_size, addresses 0, not
 * broken; chains popped before are forgotten. */
void virtq_reset(struct virtq *vq);
/*
 * The driver enabled the queue (queue_enable = 1) with @features
 * negotiated: checks the size (a power of two, at most max_size) and the
 * areas (desc 16-, avail 2-, used 4-byte aligned, each wholly in RAM).
 * 0, or -1 with the queue broken.
 */
int virtq_enable(struct virtq *vq, uint64_t features);
/*
 * Takes the next available chain: 1 with @segs[0 .. chain->nseg) and
 * @chain filled in, 0 when there is none (or the queue is disabled), -1
 * when the queue is (now) broken.  A chain with more non-empty buffers
 * than @max_segs also breaks the queue: pass room for what the device
 * offers (e.g. its seg_max), at most 2 * size.  Empty buffers are
 * checked and skipped.  With VIRTIO_F_EVENT_IDX, publishes avail_event
 * so the driver notifies when it adds the next chain.
 */
int virtq_pop(struct virtq *vq, struct virtq_seg *segs, unsigned int max_segs,
	      struct virtq_chain *chain);
/*
 * Returns @chain to the driver with @len bytes written into its
 * device-writable buffers (at most write_len: more is clamped).  A chain
 * of an earlier life of the queue (reset since), or a broken or disabled
 * queue, is ignored: false; else true.
 */
bool virtq_push(struct virtq *vq, const struct virtq_chain *chain,
		uint32_t len);
/*
 * After one or more pushes: whether the driver wants a used-buffer
 * notification now (VIRTQ_AVAIL_F_NO_INTERRUPT, or with
 * VIRTIO_F_EVENT_IDX, used_event crossed since the last one).  Counts the
 * interrupt as sent when it says yes.
 */
bool virtq_need_interrupt(struct virtq *vq);
/* Whether the driver has made chains available that were not taken. */
bool virtq_has_avail(struct virtq *vq);

/*
 * A chain's bytes, for devices (pure: no queue state).  A driver may cut
 * a request's parts anywhere across its buffers, so these walk the
 * segments rather than assume one buffer per part.
 */

/* Copies the first @len device-readable bytes of @chain into @dst; how
 * many were copied (at most read_len). */
uint32_t virtq_copy_from(const struct virtq_seg *segs,
			 const struct virtq_chain *chain, void *dst,
			 uint32_t len);
/* Copies @len bytes of @src into the device-writable bytes of @chain,
 * from their start; how many fit (at most write_len). */
uint32_t virtq_copy_to(const struct virtq_seg *segs,
		       const struct virtq_chain *chain, const void *src,
		       uint32_t len);
/*
 * Describes @len bytes of @segs[@first .. @end), from byte @skip of them
 * on, as iovecs (for preadv() and the like) in @iov, which has room for
 * end - first; how many were used.  Fewer bytes when the segments end
 * first.
 */
int virtq_iov(const struct virtq_seg *segs, unsigned int first,
	      unsigned int end, uint64_t skip, uint64_t len,
	      struct iovec *iov);

#endif /* DM_VIRTQUEUE_H */
