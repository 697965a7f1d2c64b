/* The notification PCI function the hypervisor presents to the Service VM:
 * its configuration space, the type 1 mechanism's view of it, and what its
 * MSI would deliver.  Pure logic (core/vpci_notify.c, unit-tested on the
 * host); the ports and the APIC are core/hsm_notify.c's. */
#ifndef ISLET_VPCI_NOTIFY_H
#define ISLET_VPCI_NOTIFY_H

#include "types.h"
#include "spinlock.h"

/* PCI configuration mechanism #1 */
#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define  CF8_ENABLE		BIT(31)
#define  CF8_BUS(a)		(((a) >> 16) & 0xff)
#define  CF8_DEV(a)		(((a) >> 11) & 0x1f)
#define  CF8_FUNC(a)		(((a) >> 8) & 7)
/* Register: bits 7:2, plus bits 27:24 as offset bits 11:8 (AMD's
 * extended configuration space through 0xcf8, which Linux uses there). */
#define  CF8_REG(a)		(((a) & 0xfc) | (((a) >> 16) & 0xf00))
#define CF8_ADDR(dev, func, reg) \
	(CF8_ENABLE | (u32)(dev) << 11 | (u32)(func) << 8 | ((u32)(reg) & 0xfc))

#define VPCI_CFG_SIZE		256
/* Where the MSI capability sits, and its registers (64-bit address, no
 * per-vector masking). */
#define VPCI_MSI_CAP		0x40
#define  MSI_CTRL		2
#define   MSI_CTRL_ENABLE	BIT(0)
#define   MSI_CTRL_64BIT	BIT(7)
#define  MSI_ADDR_LO		4
#define  MSI_ADDR_HI		8
#define  MSI_DATA		12

struct vpci_notify {
	/* Config writes (Service VM vCPUs) against reads of the MSI
	 * registers by hsm_notify_raise() (User VM CPUs): address and data
	 * are only used as one consistent pair. */
	spinlock_t lock;
	u8 dev;				/* device number on bus 0 */
	u8 cfg[VPCI_CFG_SIZE];
};

/* The function as after a reset, at bus 0, device @dev, function 0. */
void vpci_notify_reset(struct vpci_notify *d, u8 dev);

/* A configuration access of @size (1, 2 or 4) bytes at @offset of
 * function @func of the device; it must not cross a dword.  Other
 * functions and offsets past the header's 256 bytes read all-ones and
 * ignore writes, as a master abort does. */
u32 vpci_notify_cfg_read(struct vpci_notify *d, u32 func, u32 offset, u8 size);
void vpci_notify_cfg_write(struct vpci_notify *d, u32 func, u32 offset, u8 size,
			   u32 val);

/* An access to the CONFIG_DATA ports (0xcfc-0xcff) with @cf8 the vCPU's
 * CONFIG_ADDRESS: true if it addresses this device, which then served it
 * (*val set for a read); false if it belongs to the hardware.
 * CONFIG_ADDRESS itself (0xcf8) always belongs to the hardware. */
bool vpci_notify_port(struct vpci_notify *d, u32 cf8, u16 port, u8 size,
		      bool in, u32 *val);

/* An MSI as the local APIC's ICR would send it: @dest the destination
 * (bits 63:32 of an x2APIC ICR), @low the ICR's low word. */
struct msi_ipi {
	u32 dest;
	u32 low;
};

/* Decode an MSI (Intel SDM vol. 3, 11.11): the address must be in the
 * interrupt range 0xfeexxxxx; destination id bits 19:12, destination mode
 * bit 2; data: vector 7:0, delivery mode 10:8.  Fixed and lowest-priority
 * are sent as fixed; false for other delivery modes and vectors below 16,
 * which no device may use for a normal interrupt. */
bool msi_to_ipi(u64 addr, u32 data, struct msi_ipi *ipi);

/* What the device's MSI would deliver now: false if MSI or bus mastering
 * is off, or the message is not one msi_to_ipi() sends. */
bool vpci_notify_msi(struct vpci_notify *d, struct msi_ipi *ipi);

#endif
