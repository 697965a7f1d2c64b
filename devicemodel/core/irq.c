// SPDX-License-Identifier: BSD-3-Clause
/*
 * islet-dm: interrupts from devices to the VM, and doorbells from the VM
 * to devices (dm.h).  One indirection, so that the devices' pure logic
 * can be tested on the host with a recorder in place of the HSM.  A
 * failing interrupt ioctl is not reported to the device: it can only fail
 * when the VM is already gone.  A failing ioeventfd is: the device then
 * takes its doorbell writes as requests.
 */
#include <islet/hypercall.h>

#include "libislet.h"

#include "dm.h"

static void vm_gsi(unsigned int gsi, bool level)
{
	islet_vm_set_irqline(dm_vm.vm, gsi, level ? ISLET_IRQLINE_SET_HIGH :
			     ISLET_IRQLINE_SET_LOW);
}

static void vm_msi(uint64_t addr, uint32_t data)
{
	islet_vm_inject_msi(dm_vm.vm, addr, data);
}

static int vm_ioeventfd(int fd, uint64_t gpa, unsigned int len, bool assign)
{
	struct islet_ioeventfd_params p = {
		.fd = fd, .pio = false, .datamatch = false, .len = len,
		.addr = gpa,
	};

	return islet_vm_ioeventfd(dm_vm.vm, &p, assign);
}

static const struct dm_irq_ops vm_irq_ops = {
	.gsi = vm_gsi,
	.msi = vm_msi,
	.ioeventfd = vm_ioeventfd,
};

const struct dm_irq_ops *dm_irq = &vm_irq_ops;
