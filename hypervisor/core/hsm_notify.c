/* How the hypervisor tells the Service VM that I/O requests are pending.
 *
 * The Service VM runs a stock kernel without CONFIG_ACRN_GUEST, so there
 * is no ACRN callback vector to inject.  Instead the hypervisor presents
 * one virtual PCI function on bus 0 (core/vpci_notify.c), which Linux
 * enumerates like any other; the islet_hsm module binds to it and
 * requests its MSI, and hsm_notify_raise() delivers that MSI.
 *
 * Only configuration mechanism #1 (ports 0xcf8/0xcfc) is emulated, not
 * ECAM (MMCONFIG): Bochs has no MCFG table, so Linux uses type 1 there;
 * and on hardware with an MCFG, x86 Linux still reads and writes offsets
 * below 256 of segment 0 through type 1 when type 1 works (raw_pci_read()
 * and raw_pci_write() use raw_pci_ops, mechanism #1, for domain 0 and
 * reg < 256, and MMCONFIG only for the rest), and 256 bytes are all this
 * function has.
 *
 * The Service VM keeps the real 0xcf8/0xcfc: every access goes to the
 * hardware as before except CONFIG_DATA accesses whose CONFIG_ADDRESS
 * selects the emulated device.  CONFIG_ADDRESS is kept per vCPU: Linux
 * holds pci_config_lock around each 0xcf8 write and its 0xcfc access on
 * one CPU, so the pair always comes from the same vCPU. */
#include "printk.h"
#include "user_vm.h"
#include "vpci_notify.h"
#include <asm/apic.h>
#include <asm/pio.h>

static struct vpci_notify notify_fn;
/* Set once before the Service VM starts; NULL if there is no device. */
static struct vm *notify_vm;
/* Each Service VM vCPU's last dword written to CONFIG_ADDRESS; only its
 * own CPU touches its entry. */
static u32 vcpu_cf8[VM_MAX_VCPUS];

/* 0xcf8-0xcff.  Registered after the reset handler of 0xcf9, so a byte
 * write there still reaches it (the first handler containing an access
 * wins); wider accesses overlapping 0xcf9 land here and go to the
 * hardware as they did before. */
static int pci_cfg_io(struct vcpu *vcpu, u16 port, u8 size, bool in, u32 *val)
{
	u32 *cf8 = &vcpu_cf8[vcpu->id];

	if (port == PCI_CONFIG_ADDRESS && size == 4 && !in)
		*cf8 = *val;	/* and on to the hardware: reads see it there */
	else if (vpci_notify_port(&notify_fn, *cf8, port, size, in, val))
		return 0;
	if (in)
		*val = pio_read(port, size);
	else
		pio_write(port, size, *val);
	return 0;
}

/* A device number on bus 0 that no hardware answers at (function 0's
 * vendor id reads all-ones, or 0 on some broken boards, which Linux takes
 * as empty too), from 31 down: chipsets fill bus 0 from the bottom.
 * Device 0 is the host bridge.  Returns 0 if none is free. */
static u8 free_device(void)
{
	u32 saved = inl(PCI_CONFIG_ADDRESS);
	u8 dev;

	for (dev = 31; dev > 0; dev--) {
		u16 vendor;

		outl(PCI_CONFIG_ADDRESS, CF8_ADDR(dev, 0, 0));
		vendor = (u16)inl(PCI_CONFIG_DATA);
		if (vendor == 0xffff || vendor == 0)
			break;
	}
	outl(PCI_CONFIG_ADDRESS, saved);
	return dev;
}

int hsm_notify_init(struct vm *service_vm)
{
	u8 dev = free_device();
	int ret;

	if (!dev) {
		pr_err("no free PCI device on bus 0: no HSM notification device\n");
		return -ENODEV;
	}
	vpci_notify_reset(&notify_fn, dev);
	ret = vm_register_io(service_vm, PCI_CONFIG_ADDRESS, 8, pci_cfg_io);
	if (ret) {
		pr_err("cannot trap PCI config ports (%d): no HSM notification device\n", ret);
		return ret;
	}
	notify_vm = service_vm;
	pr_info("notify PCI 00:%02x.0\n", dev);
	return 0;
}

/* On a User VM's CPU, in VMX root mode, possibly on several CPUs at once:
 * no printing.  The Service VM's LAPIC is the physical one, so the MSI
 * becomes a real IPI that the Service VM acknowledges and EOIs itself.  It
 * goes through the Service VM's IPI filter: the Service VM chose the
 * destination, and must not reach a CPU it gave up (which every User VM
 * CPU is) this way either; the filter sends as written while no CPU is
 * given up, else one physical IPI per destination CPU still the Service
 * VM's (same vector, same CPUs). */
void hsm_notify_raise(void)
{
	struct vm *vm = notify_vm;
	struct msi_ipi ipi;

	if (!vm || !vpci_notify_msi(&notify_fn, &ipi))
		return;
	/* The sender only matters to shorthands, which an MSI has none of. */
	service_vm_icr_write(&vm->vcpus[0], (u64)ipi.dest << 32 | ipi.low);
}
