/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCI bus's own view of a function, shared by pci.c (the bus, config
 * space, INTx), pci_bar.c (BARs) and pci_msix.c (MSI-X).  Device types
 * use pci.h only: what is here is the bus's bookkeeping, which a device
 * type has no business changing.
 */
#ifndef DM_PCI_INT_H
#define DM_PCI_INT_H

#include <stddef.h>

#include "pci.h"

/* What io.c hands the BAR accessors: the function and which BAR. */
struct pci_bar_ctx {
	struct dm_pci_dev *d;
	int idx;
	uint64_t base;		/* where it is registered, while it is */
};

struct pci_func {
	struct dm_pci_dev dev;
	struct pci_bar_ctx bar_ctx[DM_PCI_NBARS];
	/* The power-on image a VM reset returns to: config space as init
	 * left it, and the addresses the bus gave the BARs. */
	uint8_t cfg_init[DM_PCI_CFG_SIZE];
	uint64_t bar_init[DM_PCI_NBARS];
	bool intx_driven;	/* this function holds its GSI high */
	unsigned int intx_gsi;	/* which, while it does */
};

static inline struct pci_func *pci_func_of(struct dm_pci_dev *d)
{
	return (struct pci_func *)((char *)d - offsetof(struct pci_func, dev));
}

/* Whether [@a, @a + @alen) and [@b, @b + @blen) share a byte. */
static inline bool pci_overlaps(uint64_t a, uint64_t alen, uint64_t b,
				uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* pci.c: recomputes the INTx line after a change of the device's level,
 * COMMAND or MSI-X enable; under the device's lock. */
void pci_intx_update(struct dm_pci_dev *d);

/* pci_bar.c */
void pci_bar_alloc_reset(void);
/* A guest write of @size bytes at @reg in 0x10..0x27 (within a dword);
 * @v is the value at @reg's byte lane 0. */
void pci_bar_cfg_write(struct dm_pci_dev *d, unsigned int reg,
		       unsigned int size, uint32_t v);
/* Registers or unregisters each BAR's range as COMMAND and its address
 * now say. */
void pci_bars_update(struct dm_pci_dev *d);
void pci_bars_unregister(struct dm_pci_dev *d);

/* pci_msix.c */
/* True when [@off, @off + @size) of BAR @bar touches the table or PBA. */
bool pci_msix_claims(const struct dm_pci_dev *d, int bar, uint64_t off,
		     unsigned int size);
void pci_msix_bar_access(struct dm_pci_dev *d, uint64_t off,
			 unsigned int size, bool write, uint64_t *value);
/* After the guest wrote the message control word (@old: before). */
void pci_msix_ctrl_written(struct dm_pci_dev *d, uint16_t old);
void pci_msix_reset(struct dm_pci_dev *d);

#endif /* DM_PCI_INT_H */
