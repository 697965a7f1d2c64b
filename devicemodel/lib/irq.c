// SPDX-License-Identifier: BSD-3-Clause
/*
 * libislet: interrupts, ioeventfd and irqfd (libislet.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "libislet.h"
#include "libislet_int.h"

int islet_vm_set_irqline(struct islet_vm *vm, uint32_t gsi, uint32_t op)
{
	uint64_t line = ISLET_IRQLINE(gsi, op);

	/* SET_IRQLINE's argument is the value itself, not a pointer. */
	return ioctl(vm->fd, ISLET_IOCTL_SET_IRQLINE, (unsigned long)line) < 0 ?
	       -errno : 0;
}

int islet_vm_inject_msi(struct islet_vm *vm, uint64_t addr, uint64_t data)
{
	struct islet_msi_entry m = { .msi_addr = addr, .msi_data = data };

	return islet_ioctl(vm, ISLET_IOCTL_INJECT_MSI, &m);
}

int islet_vm_ioeventfd(struct islet_vm *vm,
		       const struct islet_ioeventfd_params *p, bool assign)
{
	struct islet_ioeventfd e;

	memset(&e, 0, sizeof(e));
	e.fd = (uint32_t)p->fd;
	e.flags = (p->pio ? ISLET_IOEVENTFD_FLAG_PIO : 0) |
		  (p->datamatch ? ISLET_IOEVENTFD_FLAG_DATAMATCH : 0) |
		  (assign ? 0 : ISLET_IOEVENTFD_FLAG_DEASSIGN);
	e.addr = p->addr;
	e.len = p->len;
	e.data = p->data;
	return islet_ioctl(vm, ISLET_IOCTL_IOEVENTFD, &e);
}

int islet_vm_irqfd(struct islet_vm *vm, int fd, uint64_t addr,
		   uint64_t data, bool assign)
{
	struct islet_irqfd f;

	memset(&f, 0, sizeof(f));
	f.fd = fd;
	f.flags = assign ? 0 : ISLET_IRQFD_FLAG_DEASSIGN;
	f.msi.msi_addr = addr;
	f.msi.msi_data = data;
	return islet_ioctl(vm, ISLET_IOCTL_IRQFD, &f);
}
