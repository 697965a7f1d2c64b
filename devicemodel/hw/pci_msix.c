// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm's MSI-X (pci.h): the capability, the vector table and the
 * pending-bit array in a BAR of the device's, and the sending of vectors
 * with the masking rules of the PCI specification:
 *   - MSI-X off: nothing is sent (the function uses INTx);
 *   - the function mask or the vector's mask set: the vector's pending
 *     bit is set instead, and clearing the mask sends it, once;
 *   - while MSI-X is on, INTx is not driven (pci.c asks
 *     dm_pci_msix_enabled()).
 * Table entries come up masked, as the specification has them.  The
 * table takes aligned 4- and 8-byte accesses only (the specification
 * allows no others); anything else reads 0 and writes nothing.
 */
#include <string.h>

#include "dm.h"
#include "pci.h"
#include "pci_int.h"

#define MSIX_CAP_LEN	12
#define MSIX_ENTRY_SIZE	16
#define MSIX_PBA_SIZE	(DM_PCI_MSIX_MAX / 8)

static uint16_t msix_ctrl(const struct dm_pci_dev *d)
{
	return (uint16_t)dm_pci_cfg_get(d, d->msix.cap + 2, 2);
}

bool dm_pci_msix_enabled(const struct dm_pci_dev *d)
{
	return d->msix.nvec && (msix_ctrl(d) & DM_PCI_MSIX_CTRL_ENABLE);
}

int dm_pci_add_msix(struct dm_pci_dev *d, unsigned int nvec, int bar,
		    uint64_t table_off, uint64_t pba_off,
		    struct dm_error *err)
{
	uint8_t body[MSIX_CAP_LEN] = { DM_PCI_CAP_MSIX };
	uint8_t wmask[MSIX_CAP_LEN] = { 0 };
	uint64_t table_len = (uint64_t)nvec * MSIX_ENTRY_SIZE, size;
	unsigned int cap;

	if (d->msix.nvec)
		return dm_fail(err, "MSI-X added twice");
	if (!nvec || nvec > DM_PCI_MSIX_MAX)
		return dm_fail(err, "MSI-X: %u vectors (1-%d)", nvec,
			       DM_PCI_MSIX_MAX);
	if (bar < 0 || bar >= DM_PCI_NBARS ||
	    (d->bar[bar].type != DM_BAR_MEM32 &&
	     d->bar[bar].type != DM_BAR_MEM64))
		return dm_fail(err, "MSI-X: BAR %d is not a memory BAR", bar);
	size = d->bar[bar].size;
	/* The low three bits of the offset registers hold the BIR. */
	if ((table_off | pba_off) & 7 || table_off > size ||
	    table_len > size - table_off || pba_off > size ||
	    MSIX_PBA_SIZE > size - pba_off || size > (1ULL << 32) ||
	    pci_overlaps(table_off, table_len, pba_off, MSIX_PBA_SIZE))
		return dm_fail(err, "MSI-X: table at 0x%llx or PBA at 0x%llx "
			       "does not fit BAR %d", (unsigned long long)
			       table_off, (unsigned long long)pba_off, bar);

	/* Message control: table size N-1 (read-only), function mask and
	 * enable (the guest's). */
	body[2] = (uint8_t)(nvec - 1);
	body[3] = (uint8_t)((nvec - 1) >> 8);
	wmask[3] = (uint8_t)((DM_PCI_MSIX_CTRL_ENABLE |
			      DM_PCI_MSIX_CTRL_MASK) >> 8);
	for (int i = 0; i < 4; i++) {
		body[4 + i] = (uint8_t)(((uint32_t)table_off | bar) >> (8 * i));
		body[8 + i] = (uint8_t)(((uint32_t)pba_off | bar) >> (8 * i));
	}
	cap = dm_pci_add_cap(d, body, MSIX_CAP_LEN, wmask);
	if (!cap)
		return dm_fail(err, "MSI-X: no room in configuration space");
	d->msix.nvec = nvec;
	d->msix.bar = bar;
	d->msix.table_off = table_off;
	d->msix.pba_off = pba_off;
	d->msix.cap = (uint8_t)cap;
	pci_msix_reset(d);
	return 0;
}

void pci_msix_reset(struct dm_pci_dev *d)
{
	for (unsigned int i = 0; i < DM_PCI_MSIX_MAX; i++)
		d->msix.entry[i] = (struct dm_pci_msix_entry){
			.ctrl = DM_PCI_MSIX_VEC_MASKED,
		};
	d->msix.pending = 0;
}

static bool vec_masked(const struct dm_pci_dev *d, unsigned int vec)
{
	return (msix_ctrl(d) & DM_PCI_MSIX_CTRL_MASK) ||
	       (d->msix.entry[vec].ctrl & DM_PCI_MSIX_VEC_MASKED);
}

static void deliver(struct dm_pci_dev *d, unsigned int vec)
{
	dm_irq->msi(d->msix.entry[vec].addr, d->msix.entry[vec].data);
}

void dm_pci_msix_send(struct dm_pci_dev *d, unsigned int vec)
{
	pthread_mutex_lock(&d->lock);
	if (vec < d->msix.nvec && dm_pci_msix_enabled(d)) {
		if (vec_masked(d, vec))
			d->msix.pending |= 1ULL << vec;
		else
			deliver(d, vec);
	}
	pthread_mutex_unlock(&d->lock);
}

/* Sends each pending vector the guest has unmasked, and clears its bit. */
static void flush_pending(struct dm_pci_dev *d)
{
	if (!dm_pci_msix_enabled(d))
		return;
	for (unsigned int v = 0; v < d->msix.nvec; v++) {
		if (!(d->msix.pending & (1ULL << v)) || vec_masked(d, v))
			continue;
		d->msix.pending &= ~(1ULL << v);
		deliver(d, v);
	}
}

void pci_msix_ctrl_written(struct dm_pci_dev *d, uint16_t old)
{
	if ((old ^ msix_ctrl(d)) & DM_PCI_MSIX_CTRL_ENABLE)
		pci_intx_update(d);
	flush_pending(d);
}

bool pci_msix_claims(const struct dm_pci_dev *d, int bar, uint64_t off,
		     unsigned int size)
{
	return d->msix.nvec && bar == d->msix.bar &&
	       (pci_overlaps(off, size, d->msix.table_off,
			     (uint64_t)d->msix.nvec * MSIX_ENTRY_SIZE) ||
		pci_overlaps(off, size, d->msix.pba_off, MSIX_PBA_SIZE));
}

/* Dword @field (0, 4, 8, 12) of entry @e. */
static uint32_t entry_get(const struct dm_pci_msix_entry *e,
			  unsigned int field)
{
	switch (field) {
	case 0:
		return (uint32_t)e->addr;
	case 4:
		return (uint32_t)(e->addr >> 32);
	case 8:
		return e->data;
	default:
		return e->ctrl;
	}
}

static void entry_set(struct dm_pci_dev *d, unsigned int vec,
		      unsigned int field, uint32_t v)
{
	struct dm_pci_msix_entry *e = &d->msix.entry[vec];

	switch (field) {
	case 0:
		e->addr = (e->addr & ~0xffffffffULL) | v;
		break;
	case 4:
		e->addr = (e->addr & 0xffffffffULL) | ((uint64_t)v << 32);
		break;
	case 8:
		e->data = v;
		break;
	default:
		/* Only the mask bit is defined; the rest reads 0. */
		e->ctrl = v & DM_PCI_MSIX_VEC_MASKED;
		flush_pending(d);
		break;
	}
}

void pci_msix_bar_access(struct dm_pci_dev *d, uint64_t off,
			 unsigned int size, bool write, uint64_t *value)
{
	uint64_t table_len = (uint64_t)d->msix.nvec * MSIX_ENTRY_SIZE;
	uint64_t v = 0;

	if (!write)
		*value = 0;
	if ((size != 4 && size != 8) || off % size)
		return;
	if (off >= d->msix.table_off &&
	    off + size <= d->msix.table_off + table_len) {
		uint64_t t = off - d->msix.table_off;
		unsigned int vec = (unsigned int)(t / MSIX_ENTRY_SIZE);
		unsigned int field = (unsigned int)(t % MSIX_ENTRY_SIZE);

		for (unsigned int i = 0; i < size / 4; i++) {
			if (write)
				entry_set(d, vec, field + 4 * i,
					  (uint32_t)(*value >> (32 * i)));
			else
				v |= (uint64_t)entry_get(&d->msix.entry[vec],
							 field + 4 * i)
				     << (32 * i);
		}
	} else if (off >= d->msix.pba_off &&
		   off + size <= d->msix.pba_off + MSIX_PBA_SIZE) {
		/* Read-only: the function owns the pending bits. */
		v = d->msix.pending >> (8 * (off - d->msix.pba_off));
	}
	if (!write)
		*value = size == 8 ? v : (uint32_t)v;
}
