/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * islet-dm's PCI bus 0 (hw/pci.c): configuration space, BARs, the
 * capability list, MSI-X and INTx of emulated functions.
 *
 * A device type is a const struct dm_pci_ops that registers itself with
 * DM_PCI_DEVICE() (a linker set, as bhyve's PCI_EMUL_SET): -s 3,virtio-blk
 * finds the ops whose name is "virtio-blk".  Its init() fills in the
 * identity registers, asks for BARs and adds capabilities through the
 * helpers below; the bus does everything generic: config reads and
 * writes through the write mask, BAR sizing and moves (the range is
 * registered with dm_io_register() while decoding is on), the MSI-X table
 * and PBA, and the INTx line.
 *
 * The guest reaches configuration space through 0xcf8/0xcfc (the HSM
 * hands islet-dm PCICFG requests) and through ECAM (MMIO at
 * DM_PCI_ECAM_BASE, the MCFG table's).
 *
 * Addresses the bus gives BARs (and the DSDT's root bridge _CRS):
 *   ports  DM_PCI_IO_BASE .. DM_PCI_IO_LIMIT
 *   MMIO   DM_PCI_MMIO_BASE .. + DM_PCI_MMIO_SIZE (32-bit BARs, and
 *          64-bit ones too: the hole has room enough)
 * INTx: pin INTA..INTD (1..4) of slot s is GSI DM_PCI_INTX_GSI(s, pin),
 * the DSDT's _PRT; level-triggered, active high.
 */
#ifndef DM_PCI_H
#define DM_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dm.h"

#define DM_PCI_MMIO_BASE	DM_LOWMEM_TOP	/* where the PCI hole starts */
#define DM_PCI_MMIO_SIZE	0x20000000ULL	/* 512 MiB */
#define DM_PCI_ECAM_BASE	0xe0000000ULL
#define DM_PCI_ECAM_SIZE	0x00100000ULL	/* bus 0 only */
#define DM_PCI_IO_BASE		0x2000U
#define DM_PCI_IO_LIMIT		0xffffU
#define DM_PCI_INTX_GSI_BASE	16U	/* the IOAPIC's pins above the ISA IRQs */
#define DM_PCI_INTX_NGSI	32U
#define DM_PCI_INTX_GSI(slot, pin)	\
	(DM_PCI_INTX_GSI_BASE + ((slot) + (pin) - 1U) % DM_PCI_INTX_NGSI)

#define DM_PCI_CFG_SIZE		256	/* ECAM offsets above read 0 */
#define DM_PCI_NBARS		6
#define DM_PCI_MSIX_MAX		64

/* Registers of the type 0 header (offsets in configuration space). */
#define DM_PCIR_VENDOR		0x00
#define DM_PCIR_DEVICE		0x02
#define DM_PCIR_COMMAND		0x04
#define DM_PCIR_STATUS		0x06
#define DM_PCIR_REVID		0x08
#define DM_PCIR_CLASS		0x09	/* 3 bytes: prog-if, sub, base */
#define DM_PCIR_CACHELINE	0x0c
#define DM_PCIR_LATENCY		0x0d
#define DM_PCIR_HDRTYPE		0x0e
#define DM_PCIR_BAR(i)		(0x10 + 4 * (i))
#define DM_PCIR_SUBVEND		0x2c
#define DM_PCIR_SUBDEV		0x2e
#define DM_PCIR_ROM		0x30
#define DM_PCIR_CAP_PTR		0x34
#define DM_PCIR_INTLINE		0x3c
#define DM_PCIR_INTPIN		0x3d
#define DM_PCI_CAP_START	0x40	/* the first capability goes here */

#define DM_PCI_CMD_IO		0x0001
#define DM_PCI_CMD_MEM		0x0002
#define DM_PCI_CMD_MASTER	0x0004
#define DM_PCI_CMD_INTX_DISABLE	0x0400
#define DM_PCI_STS_INTX		0x0008
#define DM_PCI_STS_CAP_LIST	0x0010
#define DM_PCI_HDR_MULTIFUNC	0x80

#define DM_PCI_CAP_MSIX		0x11
#define DM_PCI_CAP_VENDOR	0x09
#define DM_PCI_MSIX_CTRL_ENABLE	0x8000	/* in the message control word */
#define DM_PCI_MSIX_CTRL_MASK	0x4000	/* the function mask */
#define DM_PCI_MSIX_VEC_MASKED	0x1	/* in an entry's vector control */

enum dm_pci_bar_type { DM_BAR_NONE, DM_BAR_IO, DM_BAR_MEM32, DM_BAR_MEM64 };

struct dm_pci_bar {
	enum dm_pci_bar_type type;
	uint64_t size;		/* a power of two */
	uint64_t addr;		/* as the guest programmed it */
	bool registered;	/* its range is in io.c's table */
};

struct dm_pci_msix_entry {
	uint64_t addr;
	uint32_t data;
	uint32_t ctrl;		/* bit 0: masked */
};

struct dm_pci_dev;

/* A device type.  Callbacks run on vCPU threads (config and BAR
 * accesses) under the device's lock, except init, reset and deinit (main
 * thread, while no vCPU runs: before the VM starts, between a reset's
 * stop and restart, after it stopped).  Optional ones may be NULL. */
struct dm_pci_ops {
	const char *name;	/* the -s driver name */
	/* Set up from the -s conf string (may be empty); -1 with @err. */
	int (*init)(struct dm_pci_dev *d, const char *conf,
		    struct dm_error *err);
	void (*deinit)(struct dm_pci_dev *d);
	/* Back to power-on state (a VM reset); config space is reset by the
	 * bus. */
	void (*reset)(struct dm_pci_dev *d);
	/* Accesses to a BAR of the device's (not the MSI-X table/PBA): @off
	 * is the offset in the BAR. */
	void (*bar_read)(struct dm_pci_dev *d, int bar, uint64_t off,
			 unsigned int size, uint64_t *value);
	void (*bar_write)(struct dm_pci_dev *d, int bar, uint64_t off,
			  unsigned int size, uint64_t value);
	/* After the guest wrote configuration space (COMMAND, a capability
	 * of the device's own): @off and @size of the write. */
	void (*cfg_written)(struct dm_pci_dev *d, unsigned int off,
			    unsigned int size);
};

#define DM_PCI_DEVICE(ops)						\
	static const struct dm_pci_ops *const dm_pci_set_##ops		\
	__attribute__((used, section("dm_pci_devices"))) = &(ops)

struct dm_pci_dev {
	const struct dm_pci_ops *ops;
	uint8_t slot, func;
	pthread_mutex_t lock;	/* recursive: callbacks may call helpers */
	uint8_t cfg[DM_PCI_CFG_SIZE];
	uint8_t wmask[DM_PCI_CFG_SIZE];	/* bits the guest may write */
	uint8_t w1c[DM_PCI_CFG_SIZE];	/* bits a 1 clears (STATUS) */
	unsigned int cap_next;	/* where the next capability goes */
	unsigned int cap_last;	/* the last one (0: none), to link the next */
	struct dm_pci_bar bar[DM_PCI_NBARS];
	struct {
		unsigned int nvec;	/* 0: no MSI-X */
		int bar;
		uint64_t table_off, pba_off;
		uint8_t cap;		/* its offset in config space */
		struct dm_pci_msix_entry entry[DM_PCI_MSIX_MAX];
		uint64_t pending;	/* the PBA */
	} msix;
	bool intx_level;
	void *priv;		/* the device type's */
};

/* ---- For device types (from init, or from their callbacks) ---- */

void dm_pci_set_ids(struct dm_pci_dev *d, uint16_t vendor, uint16_t device,
		    uint32_t class_code, uint8_t revision,
		    uint16_t subsys_vendor, uint16_t subsys_id);
/* BAR @idx (a MEM64 takes @idx + 1 too) of @size bytes, a power of two
 * (smaller than 4 for ports or 4096 for MMIO: rounded up to that); given
 * a naturally aligned address from the windows above, which the guest
 * may change.  0, or -1 with @err. */
int dm_pci_add_bar(struct dm_pci_dev *d, int idx, enum dm_pci_bar_type type,
		   uint64_t size, struct dm_error *err);
/* Appends a capability: @len bytes of @body from its ID on (the bus
 * fills in the next pointer); @wmask, if not NULL, is the write mask of
 * those bytes.  The capability's offset, or 0 when there is no room. */
unsigned int dm_pci_add_cap(struct dm_pci_dev *d, const uint8_t *body,
			    unsigned int len, const uint8_t *wmask);
/* An MSI-X capability with @nvec vectors whose table is at @table_off
 * and PBA at @pba_off in BAR @bar (which the device added, and whose
 * other accesses still go to its bar_read/bar_write).  0, or -1. */
int dm_pci_add_msix(struct dm_pci_dev *d, unsigned int nvec, int bar,
		    uint64_t table_off, uint64_t pba_off,
		    struct dm_error *err);
bool dm_pci_msix_enabled(const struct dm_pci_dev *d);
/* Sends vector @vec (a no-op for a vector out of range); when it or the
 * function is masked, sets its pending bit instead, and the unmask sends
 * it.  With MSI-X off it does nothing: the device uses INTx. */
void dm_pci_msix_send(struct dm_pci_dev *d, unsigned int vec);
/* Drives the INTx line (level); masked by COMMAND.INTX_DISABLE and
 * reflected in STATUS.INTX. */
void dm_pci_intx(struct dm_pci_dev *d, bool level);

/* Little-endian config space accessors for device types. */
void dm_pci_cfg_set8(struct dm_pci_dev *d, unsigned int off, uint8_t v);
void dm_pci_cfg_set16(struct dm_pci_dev *d, unsigned int off, uint16_t v);
void dm_pci_cfg_set32(struct dm_pci_dev *d, unsigned int off, uint32_t v);
uint32_t dm_pci_cfg_get(const struct dm_pci_dev *d, unsigned int off,
			unsigned int size);

/* ---- For the core ---- */

/* The device types linked in: their ops by name, or NULL. */
const struct dm_pci_ops *dm_pci_find_type(const char *name);
/* hostbridge at 0:0, the LPC bridge at 31:0 (unless -s places them),
 * then every -s device.  0, or -1 with @err naming the slot. */
int dm_pci_init(const struct dm_config *cfg, struct dm_error *err);
void dm_pci_deinit(void);
void dm_pci_reset(void);
/* A configuration access (PCICFG request or ECAM): bus 0 only; absent
 * functions read all-ones and ignore writes. */
void dm_pci_cfg_access(unsigned int bus, unsigned int slot,
		       unsigned int func, unsigned int reg, unsigned int size,
		       bool write, uint32_t *value);
/* The function at 0:@slot.@func, or NULL (tests, ACPI). */
struct dm_pci_dev *dm_pci_get(unsigned int slot, unsigned int func);

#endif /* DM_PCI_H */
