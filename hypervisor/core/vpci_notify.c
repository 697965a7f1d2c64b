/* The notification PCI function's configuration space: a type 0 header
 * with no BARs and no INTx pin, whose capability list holds one MSI
 * capability (64-bit address, one vector, no per-vector masking).  The
 * Service VM's islet_hsm module binds to it and requests its MSI; the
 * hypervisor signals pending I/O requests by delivering that MSI
 * (core/hsm_notify.c).  Pure logic: no port or APIC access, so the host
 * unit tests compile this file unchanged. */
#include <islet/hypercall.h>
#include <asm/apic.h>
#include "lib.h"
#include "vpci_notify.h"

/* Type 0 header offsets (PCI Local Bus 3.0, 6.1) */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		BIT(0)
#define  PCI_COMMAND_MEMORY	BIT(1)
#define  PCI_COMMAND_MASTER	BIT(2)
#define  PCI_COMMAND_INTX_DISABLE BIT(10)
#define PCI_STATUS		0x06
#define  PCI_STATUS_CAP_LIST	BIT(4)
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09	/* class code: 0x09-0x0b */
#define PCI_HEADER_TYPE		0x0e
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_CAP_ID_MSI		0x05

/* Everything a write may change, byte by byte; the rest is read-only
 * (BARs read 0 after any write, so sizing finds none). */
static const u8 wmask[VPCI_CFG_SIZE] = {
	[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER,
	[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8,
	/* Multiple Message Enable (bits 6:4) stays 0: one vector. */
	[VPCI_MSI_CAP + MSI_CTRL] = MSI_CTRL_ENABLE,
	/* the address is dword-aligned: bits 1:0 read 0 */
	[VPCI_MSI_CAP + MSI_ADDR_LO] = 0xfc,
	[VPCI_MSI_CAP + MSI_ADDR_LO + 1 ... VPCI_MSI_CAP + MSI_ADDR_HI + 3] = 0xff,
	/* 16-bit data; no extended message data, so 0x4e-0x4f read 0 */
	[VPCI_MSI_CAP + MSI_DATA ... VPCI_MSI_CAP + MSI_DATA + 1] = 0xff,
};

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static u32 get(const u8 *p, u8 size)
{
	u32 v = 0;

	for (u8 i = 0; i < size; i++)
		v |= (u32)p[i] << (8 * i);
	return v;
}

void vpci_notify_reset(struct vpci_notify *d, u8 dev)
{
	u8 *c = d->cfg;

	memset(d, 0, sizeof(*d));
	d->dev = dev;
	put16(c + PCI_VENDOR_ID, ISLET_NOTIFY_PCI_VENDOR);
	put16(c + PCI_DEVICE_ID, ISLET_NOTIFY_PCI_DEVICE);
	put16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = 1;
	c[PCI_CLASS_PROG] = (u8)ISLET_NOTIFY_PCI_CLASS;
	c[PCI_CLASS_PROG + 1] = (u8)(ISLET_NOTIFY_PCI_CLASS >> 8);
	c[PCI_CLASS_PROG + 2] = (u8)(ISLET_NOTIFY_PCI_CLASS >> 16);
	c[PCI_HEADER_TYPE] = 0;		/* type 0, single function */
	put16(c + PCI_SUBSYSTEM_VENDOR_ID, ISLET_NOTIFY_PCI_VENDOR);
	put16(c + PCI_SUBSYSTEM_ID, ISLET_NOTIFY_PCI_DEVICE);
	c[PCI_CAPABILITY_LIST] = VPCI_MSI_CAP;
	c[VPCI_MSI_CAP] = PCI_CAP_ID_MSI;
	c[VPCI_MSI_CAP + 1] = 0;	/* the last capability */
	put16(c + VPCI_MSI_CAP + MSI_CTRL, MSI_CTRL_64BIT);
	/* interrupt line and pin, BARs, the rest: 0 */
}

/* Function 0 and the 256 bytes of its header are all there is. */
static bool in_range(u32 func, u32 offset, u8 size)
{
	return func == 0 && offset < VPCI_CFG_SIZE && size <= VPCI_CFG_SIZE - offset;
}

u32 vpci_notify_cfg_read(struct vpci_notify *d, u32 func, u32 offset, u8 size)
{
	u32 v;

	if (!in_range(func, offset, size))
		return size == 4 ? 0xffffffffU : (1U << (8 * size)) - 1;
	spin_lock(&d->lock);
	v = get(d->cfg + offset, size);
	spin_unlock(&d->lock);
	return v;
}

void vpci_notify_cfg_write(struct vpci_notify *d, u32 func, u32 offset, u8 size,
			   u32 val)
{
	if (!in_range(func, offset, size))
		return;
	spin_lock(&d->lock);
	for (u8 i = 0; i < size; i++) {
		u8 m = wmask[offset + i], b = (u8)(val >> (8 * i));

		d->cfg[offset + i] = (u8)((d->cfg[offset + i] & ~m) | (b & m));
	}
	spin_unlock(&d->lock);
}

bool vpci_notify_port(struct vpci_notify *d, u32 cf8, u16 port, u8 size,
		      bool in, u32 *val)
{
	u32 offset;

	if (port < PCI_CONFIG_DATA || port + size > PCI_CONFIG_DATA + 4 ||
	    !(cf8 & CF8_ENABLE) || CF8_BUS(cf8) != 0 || CF8_DEV(cf8) != d->dev)
		return false;
	offset = CF8_REG(cf8) + (port - PCI_CONFIG_DATA);
	if (in)
		*val = vpci_notify_cfg_read(d, CF8_FUNC(cf8), offset, size);
	else
		vpci_notify_cfg_write(d, CF8_FUNC(cf8), offset, size, *val);
	return true;
}

#define MSI_ADDR_BASE_MASK	0xfff00000U
#define MSI_ADDR_BASE		0xfee00000U
#define MSI_ADDR_DEST(a)	(((a) >> 12) & 0xff)
#define MSI_ADDR_LOGICAL	BIT(2)
#define MSI_DATA_VECTOR(d)	((d) & 0xff)
#define MSI_DATA_MODE(d)	(((d) >> 8) & 7)

bool msi_to_ipi(u64 addr, u32 data, struct msi_ipi *ipi)
{
	u32 mode = MSI_DATA_MODE(data), vector = MSI_DATA_VECTOR(data);

	/* Anywhere else the message is a memory write, not an interrupt: a
	 * device model would store it; this one has nothing to store. */
	if ((addr >> 32) || ((u32)addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return false;
	/* SMI, NMI, INIT and ExtINT are no way to say "requests pending". */
	if (mode != ICR_MODE_FIXED && mode != ICR_MODE_LOWEST)
		return false;
	if (vector < 16)
		return false;
	/* Lowest priority goes as fixed: Linux targets one CPU anyway, and
	 * sending the IPI takes the physical APIC's arbitration out of play.
	 * The trigger mode (data bit 15) is ignored: an IPI is an edge. */
	ipi->dest = MSI_ADDR_DEST((u32)addr);
	ipi->low = vector | ICR_MODE_FIXED << 8 |
		   ((u32)addr & MSI_ADDR_LOGICAL ? ICR_LOGICAL : 0);
	return true;
}

bool vpci_notify_msi(struct vpci_notify *d, struct msi_ipi *ipi)
{
	const u8 *msi = d->cfg + VPCI_MSI_CAP;
	u32 cmd, ctrl, data;
	u64 addr;

	spin_lock(&d->lock);
	cmd = get(d->cfg + PCI_COMMAND, 2);
	ctrl = get(msi + MSI_CTRL, 2);
	addr = get(msi + MSI_ADDR_LO, 4) | (u64)get(msi + MSI_ADDR_HI, 4) << 32;
	data = get(msi + MSI_DATA, 2);
	spin_unlock(&d->lock);
	/* A message is a memory write: a device sends none without bus
	 * mastering, which the driver turns on and pci_disable_device() off. */
	if (!(ctrl & MSI_CTRL_ENABLE) || !(cmd & PCI_COMMAND_MASTER))
		return false;
	return msi_to_ipi(addr, data, ipi);
}
