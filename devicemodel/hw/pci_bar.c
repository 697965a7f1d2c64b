// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's PCI BARs (pci.h): the addresses the bus gives them at
 * start-up, the guest's sizing and moves, and the routing of accesses to
 * the device type's bar_read/bar_write or to the MSI-X table and PBA.
 *
 * A BAR's range is in io.c's table exactly while the guest lets the
 * function decode it (COMMAND.IO or COMMAND.MEMORY) and it sits at a real
 * address: not 0, and not the all-ones pattern of a sizing in progress.
 * A range that would overlap another stays out of the table, as a guest
 * that misplaces a BAR loses that BAR and nothing else.
 *
 * io.c calls the accessors without its table lock (see there), so an
 * access looked up just before a move may arrive after it: the accessor
 * checks the address against where the BAR is registered now, under the
 * function's lock, and drops what is stale.
 */
#include <string.h>

#include "dm.h"
#include "pci.h"
#include "pci_int.h"

/* Where the next BAR of each window goes; set by dm_pci_init(). */
static uint64_t io_next = DM_PCI_IO_BASE, mmio_next = DM_PCI_MMIO_BASE;

#define MMIO_MIN_SIZE	4096ULL	/* a BAR per page: EPT maps pages */
#define IO_MIN_SIZE	4ULL
#define IO_SPACE_END	0x10000ULL

void pci_bar_alloc_reset(void)
{
	io_next = DM_PCI_IO_BASE;
	mmio_next = DM_PCI_MMIO_BASE;
}

/* The read-only low bits of a BAR: its kind. */
static uint32_t type_bits(enum dm_pci_bar_type type)
{
	switch (type) {
	case DM_BAR_IO:
		return 0x1;
	case DM_BAR_MEM64:
		return 0x4;
	default:
		return 0x0;	/* 32-bit memory, not prefetchable */
	}
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

int dm_pci_add_bar(struct dm_pci_dev *d, int idx, enum dm_pci_bar_type type,
		   uint64_t size, struct dm_error *err)
{
	uint64_t *next, limit, base;
	struct dm_pci_bar *b;

	if (idx < 0 || idx >= DM_PCI_NBARS ||
	    (type == DM_BAR_MEM64 && idx == DM_PCI_NBARS - 1))
		return dm_fail(err, "no BAR %d", idx);
	if (type != DM_BAR_IO && type != DM_BAR_MEM32 && type != DM_BAR_MEM64)
		return dm_fail(err, "BAR %d: no such type", idx);
	if (d->bar[idx].type != DM_BAR_NONE ||
	    (idx > 0 && d->bar[idx - 1].type == DM_BAR_MEM64) ||
	    (type == DM_BAR_MEM64 && d->bar[idx + 1].type != DM_BAR_NONE))
		return dm_fail(err, "BAR %d is taken", idx);
	if (!is_pow2(size))
		return dm_fail(err, "BAR %d: size %llu is not a power of two",
			       idx, (unsigned long long)size);
	if (type == DM_BAR_IO) {
		if (size < IO_MIN_SIZE)
			size = IO_MIN_SIZE;
		next = &io_next;
		limit = (uint64_t)DM_PCI_IO_LIMIT + 1;
	} else {
		if (size < MMIO_MIN_SIZE)
			size = MMIO_MIN_SIZE;
		next = &mmio_next;
		limit = DM_PCI_MMIO_BASE + DM_PCI_MMIO_SIZE;
	}
	/* Naturally aligned, as the sizing protocol implies. */
	base = (*next + size - 1) & ~(size - 1);
	if (base < *next || base >= limit || size > limit - base)
		return dm_fail(err, "BAR %d: no room for %llu bytes in the PCI "
			       "%s window", idx, (unsigned long long)size,
			       type == DM_BAR_IO ? "port" : "MMIO");
	*next = base + size;

	b = &d->bar[idx];
	*b = (struct dm_pci_bar){ .type = type, .size = size, .addr = base };
	dm_pci_cfg_set32(d, DM_PCIR_BAR(idx), (uint32_t)base | type_bits(type));
	if (type == DM_BAR_MEM64)
		dm_pci_cfg_set32(d, DM_PCIR_BAR(idx + 1),
				 (uint32_t)(base >> 32));
	return 0;
}

static bool decoding(const struct dm_pci_dev *d, const struct dm_pci_bar *b)
{
	uint16_t cmd = (uint16_t)dm_pci_cfg_get(d, DM_PCIR_COMMAND, 2);

	return cmd & (b->type == DM_BAR_IO ? DM_PCI_CMD_IO : DM_PCI_CMD_MEM);
}

/* Whether the address the guest wrote is a place, rather than 0 (not
 * assigned) or what a sizing write leaves there. */
static bool placed(const struct dm_pci_bar *b)
{
	uint32_t sizing_lo = (uint32_t)~(b->size - 1) & ~0xfU;

	switch (b->type) {
	case DM_BAR_IO:
		return b->addr && b->addr < IO_SPACE_END &&
		       b->size <= IO_SPACE_END - b->addr;
	case DM_BAR_MEM32:
		return b->addr && (uint32_t)b->addr != sizing_lo;
	case DM_BAR_MEM64:
		return b->addr && (uint32_t)b->addr != sizing_lo &&
		       (uint32_t)(b->addr >> 32) != ~0U;
	default:
		return false;
	}
}

static void bar_access(struct pci_bar_ctx *c, uint64_t addr,
		       unsigned int size, bool write, uint64_t *value)
{
	struct dm_pci_dev *d = c->d;
	struct dm_pci_bar *b = &d->bar[c->idx];
	uint64_t off;

	pthread_mutex_lock(&d->lock);
	off = addr - c->base;
	if (!b->registered || addr < c->base || off >= b->size ||
	    size > b->size - off) {
		if (!write)
			*value = ~0ULL;	/* moved away meanwhile */
	} else if (pci_msix_claims(d, c->idx, off, size)) {
		pci_msix_bar_access(d, off, size, write, value);
	} else if (write) {
		if (d->ops->bar_write)
			d->ops->bar_write(d, c->idx, off, size, *value);
	} else if (d->ops->bar_read) {
		d->ops->bar_read(d, c->idx, off, size, value);
	} else {
		*value = 0;
	}
	pthread_mutex_unlock(&d->lock);
}

static void bar_read(void *dev, uint64_t addr, unsigned int size,
		     uint64_t *value)
{
	*value = 0;
	bar_access(dev, addr, size, false, value);
}

static void bar_write(void *dev, uint64_t addr, unsigned int size,
		      uint64_t value)
{
	bar_access(dev, addr, size, true, &value);
}

static const struct dm_io_ops bar_ops = {
	.read = bar_read,
	.write = bar_write,
};

static enum dm_io_space space_of(const struct dm_pci_bar *b)
{
	return b->type == DM_BAR_IO ? DM_PIO : DM_MMIO;
}

/* Makes io.c's table agree with BAR @idx's address and COMMAND. */
static void bar_update(struct dm_pci_dev *d, int idx)
{
	struct pci_bar_ctx *c = &pci_func_of(d)->bar_ctx[idx];
	struct dm_pci_bar *b = &d->bar[idx];
	bool want = b->type != DM_BAR_NONE && decoding(d, b) && placed(b);

	if (b->registered && (!want || c->base != b->addr)) {
		dm_io_unregister(space_of(b), c->base);
		b->registered = false;
	}
	if (want && !b->registered &&
	    !dm_io_register(space_of(b), b->addr, b->size, &bar_ops, c,
			    d->ops->name)) {
		c->base = b->addr;
		b->registered = true;
	}
}

void pci_bars_update(struct dm_pci_dev *d)
{
	for (int i = 0; i < DM_PCI_NBARS; i++)
		bar_update(d, i);
}

void pci_bars_unregister(struct dm_pci_dev *d)
{
	struct pci_func *f = pci_func_of(d);

	for (int i = 0; i < DM_PCI_NBARS; i++) {
		struct dm_pci_bar *b = &d->bar[i];

		if (b->registered)
			dm_io_unregister(space_of(b), f->bar_ctx[i].base);
		b->registered = false;
	}
}

void pci_bar_cfg_write(struct dm_pci_dev *d, unsigned int reg,
		       unsigned int size, uint32_t v)
{
	unsigned int dw = (reg - DM_PCIR_BAR(0)) / 4;
	unsigned int shift = (reg & 3) * 8;
	uint32_t lanes = (uint32_t)dm_size_mask(size) << shift;
	uint32_t val = (dm_pci_cfg_get(d, DM_PCIR_BAR(dw), 4) & ~lanes) |
		       ((v << shift) & lanes);
	struct dm_pci_bar *b = &d->bar[dw];
	int idx = (int)dw;

	if (b->type == DM_BAR_NONE) {
		/* The high half of a 64-bit BAR, or no BAR (reads 0). */
		if (dw == 0 || d->bar[dw - 1].type != DM_BAR_MEM64)
			return;
		idx = (int)dw - 1;
		b = &d->bar[idx];
		val &= (uint32_t)(~(b->size - 1) >> 32);
		b->addr = ((uint64_t)val << 32) | (uint32_t)b->addr;
	} else {
		/* The bits below the size read 0, the type bits stay: that
		 * is how the guest learns both from an all-ones write. */
		uint32_t mask = (uint32_t)~(b->size - 1) &
				(b->type == DM_BAR_IO ? ~0x3U : ~0xfU);

		val = (val & mask) | type_bits(b->type);
		b->addr = (b->addr & ~0xffffffffULL) | (val & mask);
	}
	dm_pci_cfg_set32(d, DM_PCIR_BAR(dw), val);
	bar_update(d, idx);
}
