// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: dispatch of port and MMIO requests to the device that
 * registered the address (dm.h), and of PCI configuration requests to the
 * PCI bus (pci.c).  Each space is an array of ranges sorted by base,
 * searched by bisection.  Registration happens at set-up and when the
 * guest moves a PCI BAR, while vCPU threads dispatch: a read-write lock
 * keeps them apart.
 *
 * The lock covers the lookup, not the device's accessor: an accessor may
 * itself change the table (an ECAM write that moves a BAR would otherwise
 * wait for its own read lock), and a device that holds its own lock while
 * it registers must not wait for a vCPU that waits for that lock inside
 * an accessor.  So an accessor may run just after its range was
 * unregistered; the ranges that move (PCI BARs) check the address
 * themselves, and no device is freed while vCPU threads run.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <islet/ioreq.h>

#include "dm.h"
#include "pci.h"

#define DM_IO_MAX_RANGES	256

struct io_range {
	uint64_t base, len;
	const struct dm_io_ops *ops;
	void *dev;
	const char *name;
};

struct io_table {
	pthread_rwlock_t lock;
	unsigned int n;
	struct io_range r[DM_IO_MAX_RANGES];
};

static struct io_table tables[2] = {
	{ .lock = PTHREAD_RWLOCK_INITIALIZER },
	{ .lock = PTHREAD_RWLOCK_INITIALIZER },
};

/* Index of the first range whose base is above @addr. */
static unsigned int upper(const struct io_table *t, uint64_t addr)
{
	unsigned int lo = 0, hi = t->n;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (t->r[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int dm_io_register(enum dm_io_space space, uint64_t base, uint64_t len,
		   const struct dm_io_ops *ops, void *dev, const char *name)
{
	struct io_table *t = &tables[space];
	unsigned int i;
	int ret = 0;

	if (!len || base + len < base) {
		errno = EINVAL;
		return -1;
	}
	pthread_rwlock_wrlock(&t->lock);
	i = upper(t, base);
	if ((i > 0 && t->r[i - 1].base + t->r[i - 1].len > base) ||
	    (i < t->n && t->r[i].base < base + len)) {
		errno = EEXIST;
		ret = -1;
	} else if (t->n == DM_IO_MAX_RANGES) {
		errno = ENOSPC;
		ret = -1;
	} else {
		memmove(&t->r[i + 1], &t->r[i], (t->n - i) * sizeof(t->r[0]));
		t->r[i] = (struct io_range){ base, len, ops, dev, name };
		t->n++;
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

int dm_io_unregister(enum dm_io_space space, uint64_t base)
{
	struct io_table *t = &tables[space];
	unsigned int i;
	int ret = -1;

	pthread_rwlock_wrlock(&t->lock);
	i = upper(t, base);
	if (i > 0 && t->r[i - 1].base == base) {
		i--;
		memmove(&t->r[i], &t->r[i + 1],
			(t->n - i - 1) * sizeof(t->r[0]));
		t->n--;
		ret = 0;
	} else {
		errno = ENOENT;
	}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

void dm_io_reset_all(void)
{
	for (int s = 0; s < 2; s++) {
		pthread_rwlock_wrlock(&tables[s].lock);
		tables[s].n = 0;
		pthread_rwlock_unlock(&tables[s].lock);
	}
}

/* The access [addr, addr + size) in @space: 0 if a device took it. */
static int access_range(enum dm_io_space space, uint64_t addr,
			unsigned int size, bool write, uint64_t *value)
{
	struct io_table *t = &tables[space];
	struct io_range r;
	unsigned int i;
	bool found = false;

	pthread_rwlock_rdlock(&t->lock);
	i = upper(t, addr);
	if (i > 0) {
		r = t->r[i - 1];
		/* The whole access inside the range, or nobody's. */
		found = addr - r.base < r.len &&
			size <= r.len - (addr - r.base);
	}
	pthread_rwlock_unlock(&t->lock);
	if (!found)
		return -1;
	if (write && r.ops->write)
		r.ops->write(r.dev, addr, size, *value);
	else if (!write && r.ops->read)
		r.ops->read(r.dev, addr, size, value);
	else if (!write)
		*value = ~0ULL;
	return 0;
}

/* A port or MMIO request's access: @size bytes (at most @max; the field
 * is 64 bits wide, so it is checked before it is narrowed) at @addr.  What
 * a read gives, cut to @size: all-ones where nobody answers. */
static uint64_t serve(enum dm_io_space space, uint64_t addr, uint64_t size,
		      uint64_t max, bool write, uint64_t value)
{
	if (!write)
		value = 0;
	if (size > max || access_range(space, addr, (unsigned int)size, write,
				       &value))
		value = ~0ULL;
	return value & dm_size_mask(size);
}

void dm_io_dispatch(struct islet_io_request *req)
{
	switch (req->type) {
	case ISLET_IOREQ_TYPE_PORTIO: {
		struct islet_pio_request *p = &req->reqs.pio_request;
		bool write = p->direction == ISLET_IOREQ_DIR_WRITE;
		uint64_t v = serve(DM_PIO, p->address, p->size, 4, write,
				   p->value);

		if (!write)
			p->value = (uint32_t)v;
		break;
	}
	case ISLET_IOREQ_TYPE_MMIO: {
		struct islet_mmio_request *m = &req->reqs.mmio_request;
		bool write = m->direction == ISLET_IOREQ_DIR_WRITE;
		uint64_t v = serve(DM_MMIO, m->address, m->size, 8, write,
				   m->value);

		if (!write)
			m->value = v;
		break;
	}
	case ISLET_IOREQ_TYPE_PCICFG: {
		struct islet_pci_request *p = &req->reqs.pci_request;
		/* A size PCI does not have becomes 0, which the bus refuses
		 * (the field is 64 bits wide: no truncating it into range). */
		unsigned int size = p->size <= 4 ? (unsigned int)p->size : 0;
		bool write = p->direction == ISLET_IOREQ_DIR_WRITE;
		uint32_t pv = p->value;

		dm_pci_cfg_access(p->bus, p->dev, p->func, p->reg, size, write,
				  &pv);
		if (!write)
			p->value = pv;
		break;
	}
	default:
		break;
	}
}
