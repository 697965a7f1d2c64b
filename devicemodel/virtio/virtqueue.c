// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: the device side of virtio's split virtqueue (virtqueue.h).
 * Everything here runs on memory the guest can change at any moment, so
 * each value is read once, checked, and only the checked copy is used;
 * the ring indices are the only shared words, and they are accessed with
 * the ordering the spec asks for (2.7.7, 2.7.13):
 *   - the driver fills descriptors and ring entries, then stores avail
 *     idx: we load it with acquire before reading what it publishes;
 *   - we fill used elements, then store used idx with release;
 *   - between our last store (used idx, avail_event) and our load of the
 *     driver's suppression fields (flags, used_event, avail idx) stands a
 *     full fence, the store-load order without which an interrupt or a
 *     notification can be lost.
 * x86 is little-endian like virtio 1.x, but the conversions name it.
 */
#include <endian.h>
#include <string.h>

#include "virtqueue.h"

/* Offsets inside the areas */
#define AVAIL_FLAGS	0
#define AVAIL_IDX	2
#define AVAIL_RING	4
#define USED_IDX	2
#define USED_RING	4
#define USED_ELEM_SIZE	8

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

_Static_assert(sizeof(struct desc) == VIRTQ_DESC_SIZE, "descriptor size");

static uint16_t *avail_word(const struct virtq *vq, uint64_t off)
{
	return (uint16_t *)(vq->avail + off);
}

/* used_event, after the available ring's entries */
static uint16_t *used_event(const struct virtq *vq)
{
	return avail_word(vq, AVAIL_RING + 2ULL * vq->size);
}

/* avail_event, after the used ring's elements */
static uint16_t *avail_event(const struct virtq *vq)
{
	return (uint16_t *)(vq->used + USED_RING +
			    (uint64_t)USED_ELEM_SIZE * vq->size);
}

static uint16_t load16(const uint16_t *p, int order)
{
	return le16toh(__atomic_load_n(p, order));
}

static int set_broken(struct virtq *vq)
{
	vq->broken = true;
	return -1;
}

void virtq_init(struct virtq *vq, const struct dm_mem *mem,
		uint16_t max_size)
{
	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->max_size = max_size;
	virtq_reset(vq);
}

void virtq_reset(struct virtq *vq)
{
	vq->size = vq->max_size;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->enabled = vq->indirect = vq->event_idx = false;
	vq->desc = vq->avail = vq->used = NULL;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->broken = false;
	vq->gen++;
}

/* Host address of [gpa, gpa + len) if it is all RAM; len > 0. */
static void *guest_range(const struct virtq *vq, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;	/* wraps around the address space */
	return dm_gpa(vq->mem, gpa, len);
}

int virtq_enable(struct virtq *vq, uint64_t features)
{
	uint16_t n = vq->size;

	if (vq->broken)
		return -1;
	if (!n || n > vq->max_size || (n & (n - 1)))
		return set_broken(vq);
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		return set_broken(vq);
	vq->desc = guest_range(vq, vq->desc_gpa, VIRTQ_DESC_BYTES(n));
	vq->avail = guest_range(vq, vq->avail_gpa, VIRTQ_AVAIL_BYTES(n));
	vq->used = guest_range(vq, vq->used_gpa, VIRTQ_USED_BYTES(n));
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = vq->avail = vq->used = NULL;
		return set_broken(vq);
	}
	vq->indirect = features & (1ULL << VIRTIO_F_INDIRECT_DESC);
	vq->event_idx = features & (1ULL << VIRTIO_F_EVENT_IDX);
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->enabled = true;
	return 0;
}

/*
 * Entries the driver made available and we did not take: -1 when avail
 * idx ran more than a ring's worth ahead (no honest driver can do that:
 * it would be overwriting entries we have not read).
 */
static int pending(struct virtq *vq)
{
	uint16_t idx = load16(avail_word(vq, AVAIL_IDX), __ATOMIC_ACQUIRE);
	uint16_t n = (uint16_t)(idx - vq->last_avail);

	if (n > vq->size)
		return set_broken(vq);
	return n;
}

/* One descriptor, copied out of guest memory once. */
static void read_desc(const uint8_t *table, unsigned int idx, struct desc *d)
{
	memcpy(d, table + (size_t)idx * VIRTQ_DESC_SIZE, sizeof(*d));
	/* A compiler barrier: later uses must take the copy, never reload
	 * the guest's (possibly changed) descriptor. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

/* Where a chain's walk is: the table it runs through and how far. */
struct walk {
	const uint8_t *table;
	unsigned int tsize;	/* entries in table */
	unsigned int steps;	/* descriptors read from table */
	bool indirect;		/* table is an indirect one */
	bool writing;		/* a device-writable buffer was seen */
	uint64_t read_len, write_len;
};

/* Switches @w into the indirect table @d points to; false if bad. */
static bool enter_indirect(struct virtq *vq, struct walk *w,
			   const struct desc *d)
{
	if (!vq->indirect || w->indirect || (d->flags & VIRTQ_DESC_F_NEXT))
		return false;
	if (!d->len || d->len % VIRTQ_DESC_SIZE ||
	    d->len / VIRTQ_DESC_SIZE > vq->size)
		return false;
	w->table = guest_range(vq, d->addr, d->len);
	if (!w->table)
		return false;
	w->tsize = d->len / VIRTQ_DESC_SIZE;
	w->steps = 0;
	w->indirect = true;
	return true;
}

/* Appends the buffer of @d to the segments; false if bad. */
static bool add_buffer(struct virtq *vq, struct walk *w, const struct desc *d,
		       struct virtq_seg *segs, unsigned int max_segs,
		       struct virtq_chain *c)
{
	bool write = d->flags & VIRTQ_DESC_F_WRITE;
	void *p;

	/* The spec puts all device-readable buffers first (2.7.4). */
	if (write)
		w->writing = true;
	else if (w->writing)
		return false;
	if (!d->len)
		return true;	/* nothing to access: checked and skipped */
	p = guest_range(vq, d->addr, d->len);
	if (!p || c->nseg >= max_segs)
		return false;
	/* A used element's length is 32 bits; so are the totals. */
	if (write)
		w->write_len += d->len;
	else
		w->read_len += d->len;
	if (w->read_len > UINT32_MAX || w->write_len > UINT32_MAX)
		return false;
	segs[c->nseg].addr = p;
	segs[c->nseg].len = d->len;
	segs[c->nseg].write = write;
	c->nseg++;
	if (!write)
		c->nread++;
	return true;
}

int virtq_pop(struct virtq *vq, struct virtq_seg *segs, unsigned int max_segs,
	      struct virtq_chain *chain)
{
	struct walk w = { 0 };
	struct virtq_chain c = { 0 };
	unsigned int idx;
	int n;

	if (vq->broken)
		return -1;
	if (!vq->enabled)
		return 0;
	n = pending(vq);
	if (!n && vq->event_idx) {
		/* Ask for a notification at the next chain, then look again:
		 * one added before the driver saw avail_event sends none. */
		__atomic_store_n(avail_event(vq), htole16(vq->last_avail),
				 __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		n = pending(vq);
	}
	if (n <= 0)
		return n;

	idx = load16(avail_word(vq, AVAIL_RING +
			       2ULL * (vq->last_avail & (vq->size - 1))),
		     __ATOMIC_RELAXED);
	c.head = (uint16_t)idx;
	c.gen = vq->gen;
	w.table = vq->desc;
	w.tsize = vq->size;
	for (;;) {
		struct desc d;

		/* In range, and no more steps than the table has entries:
		 * a longer chain is a loop. */
		if (idx >= w.tsize || ++w.steps > w.tsize)
			return set_broken(vq);
		read_desc(w.table, idx, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!enter_indirect(vq, &w, &d))
				return set_broken(vq);
			idx = 0;
			continue;
		}
		if (!add_buffer(vq, &w, &d, segs, max_segs, &c))
			return set_broken(vq);
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	c.read_len = (uint32_t)w.read_len;
	c.write_len = (uint32_t)w.write_len;
	vq->last_avail++;
	if (vq->event_idx)
		__atomic_store_n(avail_event(vq), htole16(vq->last_avail),
				 __ATOMIC_RELAXED);
	*chain = c;
	return 1;
}

bool virtq_push(struct virtq *vq, const struct virtq_chain *chain,
		uint32_t len)
{
	uint8_t *elem;
	uint32_t id = chain->head;

	if (!vq->enabled || vq->broken || chain->gen != vq->gen)
		return false;
	/* Never more chains back than were taken (a device's bug). */
	if (vq->used_idx == vq->last_avail)
		return false;
	if (len > chain->write_len)
		len = chain->write_len;
	elem = vq->used + USED_RING +
	       (size_t)USED_ELEM_SIZE * (vq->used_idx & (vq->size - 1));
	__atomic_store_n((uint32_t *)elem, htole32(id), __ATOMIC_RELAXED);
	__atomic_store_n((uint32_t *)(elem + 4), htole32(len),
			 __ATOMIC_RELAXED);
	vq->used_idx++;
	/* The element is visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(vq->used + USED_IDX),
			 htole16(vq->used_idx), __ATOMIC_RELEASE);
	return true;
}

bool virtq_need_interrupt(struct virtq *vq)
{
	uint16_t old = vq->signalled_used, now = vq->used_idx, event;

	if (!vq->enabled || vq->broken || old == now)
		return false;
	vq->signalled_used = now;
	/* Our used idx store before the driver's suppression fields. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(avail_word(vq, AVAIL_FLAGS), __ATOMIC_RELAXED) &
			 VIRTQ_AVAIL_F_NO_INTERRUPT);
	/* The driver wants one when used idx passes used_event: did it
	 * between old and now? (vring_need_event of the spec, 2.7.10) */
	event = load16(used_event(vq), __ATOMIC_RELAXED);
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

bool virtq_has_avail(struct virtq *vq)
{
	if (!vq->enabled || vq->broken)
		return false;
	return load16(avail_word(vq, AVAIL_IDX), __ATOMIC_ACQUIRE) !=
	       vq->last_avail;
}

int virtq_iov(const struct virtq_seg *segs, unsigned int first,
	      unsigned int end, uint64_t skip, uint64_t len,
	      struct iovec *iov)
{
	int n = 0;

	for (unsigned int i = first; i < end && len; i++) {
		uint64_t take;

		if (skip >= segs[i].len) {
			skip -= segs[i].len;
			continue;
		}
		take = segs[i].len - skip;
		if (take > len)
			take = len;
		iov[n].iov_base = (uint8_t *)segs[i].addr + skip;
		iov[n].iov_len = take;
		n++;
		len -= take;
		skip = 0;
	}
	return n;
}

/* Copies between @buf and @segs[@first .. @end), into them if @to_segs;
 * the bytes copied. */
static uint32_t copy_segs(const struct virtq_seg *segs, unsigned int first,
			  unsigned int end, uint8_t *buf, uint32_t len,
			  bool to_segs)
{
	uint32_t done = 0;

	for (unsigned int i = first; i < end && done < len; i++) {
		uint32_t n = len - done < segs[i].len ? len - done :
							 segs[i].len;

		if (to_segs)
			memcpy(segs[i].addr, buf + done, n);
		else
			memcpy(buf + done, segs[i].addr, n);
		done += n;
	}
	return done;
}

uint32_t virtq_copy_from(const struct virtq_seg *segs,
			 const struct virtq_chain *chain, void *dst,
			 uint32_t len)
{
	return copy_segs(segs, 0, chain->nread, dst, len, false);
}

uint32_t virtq_copy_to(const struct virtq_seg *segs,
		       const struct virtq_chain *chain, const void *src,
		       uint32_t len)
{
	return copy_segs(segs, chain->nread, chain->nseg, (uint8_t *)src, len,
			 true);
}
