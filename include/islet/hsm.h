/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Islet ABI: the ioctl interface of /dev/acrn_hsm (islet_hsm.ko).
 *
 * The interface is upstream Linux's <linux/acrn.h>: ioctl type 0xA2, the
 * same numbers, the same structure layouts.  Every open() of the device is
 * one VM; every ioctl acts on that VM; the last close() destroys it.
 *
 * Names.  Upstream's names are kept with acrn_/ACRN_ replaced by
 * islet_/ISLET_: struct islet_vm_creation is struct acrn_vm_creation and
 * ISLET_IOCTL_CREATE_VM is ACRN_IOCTL_CREATE_VM, with the same field names.
 * Code written for upstream ports by that one substitution, or keeps using
 * <linux/acrn.h> unchanged: tests/abi compiles both headers in one
 * translation unit and checks every field offset and size and every ioctl
 * number equal.  The structures the HSM hands to the hypervisor unchanged
 * (VM creation, vCPU registers, MSI, device assignment) are defined in
 * <islet/hypercall.h>, included here; this file adds what only the ioctl
 * layer knows.
 *
 * Where it compiles.  The structures compile everywhere, the freestanding
 * hypervisor included.  The ISLET_IOCTL_* numbers need _IOW() and friends
 * from <linux/ioctl.h>, which exists in the kernel and in hosted userspace
 * but not in the hypervisor's freestanding build; so they are defined only
 * when __KERNEL__ is set or the compiler is hosted (__STDC_HOSTED__ is 1,
 * i.e. no -ffreestanding).  No project-specific macro is needed.
 *
 * Reserved fields (reservedN) must be zero and are refused with -EINVAL;
 * padN fields are ignored (see <islet/hypercall.h>).
 */
#ifndef ISLET_ABI_HSM_H
#define ISLET_ABI_HSM_H

#include <islet/types.h>
#include <islet/hypercall.h>
#include <islet/ioreq.h>

/* ---- SET_MEMSEG / UNSET_MEMSEG ---------------------------------------- */

/* islet_vm_memmap.type */
#define ISLET_MEMMAP_RAM		0
#define ISLET_MEMMAP_MMIO		1

/*
 * Map len bytes at User VM guest-physical user_vm_pa.  For RAM, vma_base is
 * the device model's virtual address of the memory backing it (the HSM pins
 * those pages); for MMIO, service_vm_pa is the Service VM physical address
 * of the range.  attr is ISLET_MEM_ACCESS_* | ISLET_MEM_TYPE_*.
 */
struct islet_vm_memmap {
	uint32_t type;
	uint32_t attr;
	uint64_t user_vm_pa;
	union {
		uint64_t service_vm_pa;
		uint64_t vma_base;
	};
	uint64_t len;
};
ISLET_ABI_SIZE(struct islet_vm_memmap, 32);
ISLET_ABI_OFFSET(struct islet_vm_memmap, attr, 4);
ISLET_ABI_OFFSET(struct islet_vm_memmap, user_vm_pa, 8);
ISLET_ABI_OFFSET(struct islet_vm_memmap, service_vm_pa, 16);
ISLET_ABI_OFFSET(struct islet_vm_memmap, vma_base, 16);
ISLET_ABI_OFFSET(struct islet_vm_memmap, len, 24);

/* ---- NOTIFY_REQUEST_FINISH -------------------------------------------- */

/* The device model has finished the request in slot vcpu (islet/ioreq.h).
 * vmid is informative: the VM is the one of the file descriptor. */
struct islet_ioreq_notify {
	uint16_t vmid;
	uint16_t reserved;
	uint32_t vcpu;
};
ISLET_ABI_SIZE(struct islet_ioreq_notify, 8);
ISLET_ABI_OFFSET(struct islet_ioreq_notify, reserved, 2);
ISLET_ABI_OFFSET(struct islet_ioreq_notify, vcpu, 4);

/* ---- IOEVENTFD --------------------------------------------------------- */

#define ISLET_IOEVENTFD_FLAG_PIO	0x01
#define ISLET_IOEVENTFD_FLAG_DATAMATCH	0x02
#define ISLET_IOEVENTFD_FLAG_DEASSIGN	0x04

/*
 * Signal the eventfd fd, in the kernel and without waking the device model,
 * when the guest writes len bytes at addr (a port with FLAG_PIO, else a
 * guest-physical MMIO address), optionally only when the value written is
 * data (FLAG_DATAMATCH).  With FLAG_DEASSIGN the matching ioeventfd is
 * removed instead.
 */
struct islet_ioeventfd {
	uint32_t fd;
	uint32_t flags;
	uint64_t addr;
	uint32_t len;
	uint32_t reserved;
	uint64_t data;
};
ISLET_ABI_SIZE(struct islet_ioeventfd, 32);
ISLET_ABI_OFFSET(struct islet_ioeventfd, flags, 4);
ISLET_ABI_OFFSET(struct islet_ioeventfd, addr, 8);
ISLET_ABI_OFFSET(struct islet_ioeventfd, len, 16);
ISLET_ABI_OFFSET(struct islet_ioeventfd, reserved, 20);
ISLET_ABI_OFFSET(struct islet_ioeventfd, data, 24);

/* ---- IRQFD ------------------------------------------------------------- */

#define ISLET_IRQFD_FLAG_DEASSIGN	0x01

/* Inject msi into the VM each time the eventfd fd is signalled; with
 * FLAG_DEASSIGN, stop doing so. */
struct islet_irqfd {
	int32_t fd;
	uint32_t flags;
	struct islet_msi_entry msi;
};
ISLET_ABI_SIZE(struct islet_irqfd, 24);
ISLET_ABI_OFFSET(struct islet_irqfd, flags, 4);
ISLET_ABI_OFFSET(struct islet_irqfd, msi, 8);

/* ---- ioctl numbers ----------------------------------------------------- */

#define ISLET_IOCTL_TYPE		0xA2

#if defined(__KERNEL__) || __STDC_HOSTED__
#include <linux/ioctl.h>

/* VM life cycle */
#define ISLET_IOCTL_CREATE_VM \
	_IOWR(ISLET_IOCTL_TYPE, 0x10, struct islet_vm_creation)
#define ISLET_IOCTL_DESTROY_VM		_IO(ISLET_IOCTL_TYPE, 0x11)
#define ISLET_IOCTL_START_VM		_IO(ISLET_IOCTL_TYPE, 0x12)
#define ISLET_IOCTL_PAUSE_VM		_IO(ISLET_IOCTL_TYPE, 0x13)
#define ISLET_IOCTL_RESET_VM		_IO(ISLET_IOCTL_TYPE, 0x15)
#define ISLET_IOCTL_SET_VCPU_REGS \
	_IOW(ISLET_IOCTL_TYPE, 0x16, struct islet_vcpu_regs)

/* Interrupts.  VM_INTR_MONITOR's argument is the address of a page and is
 * encoded with upstream's type, unsigned long; SET_IRQLINE's argument is
 * the value ISLET_IRQLINE(gsi, op) itself, not a pointer to it. */
#define ISLET_IOCTL_INJECT_MSI \
	_IOW(ISLET_IOCTL_TYPE, 0x23, struct islet_msi_entry)
#define ISLET_IOCTL_VM_INTR_MONITOR \
	_IOW(ISLET_IOCTL_TYPE, 0x24, unsigned long)
#define ISLET_IOCTL_SET_IRQLINE \
	_IOW(ISLET_IOCTL_TYPE, 0x25, uint64_t)

/* I/O requests */
#define ISLET_IOCTL_NOTIFY_REQUEST_FINISH \
	_IOW(ISLET_IOCTL_TYPE, 0x31, struct islet_ioreq_notify)
#define ISLET_IOCTL_CREATE_IOREQ_CLIENT	_IO(ISLET_IOCTL_TYPE, 0x32)
#define ISLET_IOCTL_ATTACH_IOREQ_CLIENT	_IO(ISLET_IOCTL_TYPE, 0x33)
#define ISLET_IOCTL_DESTROY_IOREQ_CLIENT _IO(ISLET_IOCTL_TYPE, 0x34)
#define ISLET_IOCTL_CLEAR_VM_IOREQ	_IO(ISLET_IOCTL_TYPE, 0x35)

/* Guest memory */
#define ISLET_IOCTL_SET_MEMSEG \
	_IOW(ISLET_IOCTL_TYPE, 0x41, struct islet_vm_memmap)
#define ISLET_IOCTL_UNSET_MEMSEG \
	_IOW(ISLET_IOCTL_TYPE, 0x42, struct islet_vm_memmap)

/* Devices */
#define ISLET_IOCTL_SET_PTDEV_INTR \
	_IOW(ISLET_IOCTL_TYPE, 0x53, struct islet_ptdev_irq)
#define ISLET_IOCTL_RESET_PTDEV_INTR \
	_IOW(ISLET_IOCTL_TYPE, 0x54, struct islet_ptdev_irq)
#define ISLET_IOCTL_ASSIGN_PCIDEV \
	_IOW(ISLET_IOCTL_TYPE, 0x55, struct islet_pcidev)
#define ISLET_IOCTL_DEASSIGN_PCIDEV \
	_IOW(ISLET_IOCTL_TYPE, 0x56, struct islet_pcidev)
#define ISLET_IOCTL_ASSIGN_MMIODEV \
	_IOW(ISLET_IOCTL_TYPE, 0x57, struct islet_mmiodev)
#define ISLET_IOCTL_DEASSIGN_MMIODEV \
	_IOW(ISLET_IOCTL_TYPE, 0x58, struct islet_mmiodev)
#define ISLET_IOCTL_CREATE_VDEV \
	_IOW(ISLET_IOCTL_TYPE, 0x59, struct islet_vdev)
#define ISLET_IOCTL_DESTROY_VDEV \
	_IOW(ISLET_IOCTL_TYPE, 0x5A, struct islet_vdev)

/* Power management: the argument points to the command word (see
 * ISLET_PMCMD_* in islet/hypercall.h), which the result overwrites. */
#define ISLET_IOCTL_PM_GET_CPU_STATE \
	_IOWR(ISLET_IOCTL_TYPE, 0x60, uint64_t)

/* In-kernel shortcuts */
#define ISLET_IOCTL_IOEVENTFD \
	_IOW(ISLET_IOCTL_TYPE, 0x70, struct islet_ioeventfd)
#define ISLET_IOCTL_IRQFD \
	_IOW(ISLET_IOCTL_TYPE, 0x71, struct islet_irqfd)

/*
 * Islet's extensions, numbers 0xE0 and up (upstream uses none of them).
 *
 * ATTACH_IOREQ_VCPU: like ATTACH_IOREQ_CLIENT, but returns only once slot
 * @arg (a vCPU index, the value itself) holds a request for the default
 * client (PROCESSING, kernel_handled 0), so that a device model can serve
 * each vCPU's slot from a thread of its own without the others waking.
 * ENODEV: no client, or it or the VM went away while waiting; EINVAL: no
 * VM with a request page, or @arg is not one of its vCPUs.
 */
#define ISLET_IOCTL_ATTACH_IOREQ_VCPU	_IO(ISLET_IOCTL_TYPE, 0xE0)

#endif /* __KERNEL__ || __STDC_HOSTED__ */

#endif /* ISLET_ABI_HSM_H */
