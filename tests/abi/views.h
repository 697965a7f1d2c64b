/*
 * What each translation unit of the ABI test sees of the Islet headers.
 *
 * The headers are compiled in three settings (freestanding.c: the
 * hypervisor's, without any C library; userspace.c: strict ISO C11 without
 * <linux/acrn.h>; abi_test.c: beside <linux/acrn.h>).  Each records the size
 * and alignment of every ABI structure in a table, and abi_test.c checks that
 * the three tables agree.  This header only uses the core language, so it
 * compiles in all three.
 */
#ifndef ABI_TEST_VIEWS_H
#define ABI_TEST_VIEWS_H

struct abi_view {
	const char *name;
	unsigned long size;
	unsigned long align;
};

/* Every structure of include/islet/, in one list. */
#define ABI_STRUCTS(X)					\
	X(struct hc_api_version)			\
	X(struct islet_vm_creation)			\
	X(struct islet_gp_regs)				\
	X(struct islet_descriptor_ptr)			\
	X(struct islet_regs)				\
	X(struct islet_vcpu_regs)			\
	X(struct islet_msi_entry)			\
	X(struct islet_irqline_ops)			\
	X(struct islet_set_ioreq_buffer)		\
	X(struct vm_memory_region)			\
	X(struct vm_memory_region_batch)		\
	X(struct vm_gpa2hpa)				\
	X(struct islet_ptdev_intx)			\
	X(struct islet_ptdev_irq)			\
	X(struct islet_pcidev)				\
	X(struct islet_mmio_res)			\
	X(struct islet_mmiodev)				\
	X(struct islet_vdev)				\
	X(struct islet_acpi_generic_address)		\
	X(struct islet_cstate_data)			\
	X(struct islet_pstate_data)			\
	X(struct islet_pio_request)			\
	X(struct islet_mmio_request)			\
	X(struct islet_pci_request)			\
	X(struct islet_io_request)			\
	X(struct islet_io_request_buffer)		\
	X(struct islet_vm_memmap)			\
	X(struct islet_ioreq_notify)			\
	X(struct islet_ioeventfd)			\
	X(struct islet_irqfd)

#define ABI_VIEW_ENTRY(type)	{ #type, sizeof(type), __alignof__(type) },

extern const struct abi_view abi_view_freestanding[];
extern const unsigned int abi_view_freestanding_len;
extern const struct abi_view abi_view_userspace[];
extern const unsigned int abi_view_userspace_len;

/* The ioctl numbers as userspace.c computes them, from <islet/hsm.h>
 * alone. */
struct abi_number {
	const char *name;
	unsigned long value;
};
extern const struct abi_number abi_ioctls_userspace[];
extern const unsigned int abi_ioctls_userspace_len;

/* Every ioctl: ours, and upstream's twin. */
#define ABI_IOCTLS(X)								\
	X(ISLET_IOCTL_CREATE_VM, ACRN_IOCTL_CREATE_VM)				\
	X(ISLET_IOCTL_DESTROY_VM, ACRN_IOCTL_DESTROY_VM)			\
	X(ISLET_IOCTL_START_VM, ACRN_IOCTL_START_VM)				\
	X(ISLET_IOCTL_PAUSE_VM, ACRN_IOCTL_PAUSE_VM)				\
	X(ISLET_IOCTL_RESET_VM, ACRN_IOCTL_RESET_VM)				\
	X(ISLET_IOCTL_SET_VCPU_REGS, ACRN_IOCTL_SET_VCPU_REGS)			\
	X(ISLET_IOCTL_INJECT_MSI, ACRN_IOCTL_INJECT_MSI)			\
	X(ISLET_IOCTL_VM_INTR_MONITOR, ACRN_IOCTL_VM_INTR_MONITOR)		\
	X(ISLET_IOCTL_SET_IRQLINE, ACRN_IOCTL_SET_IRQLINE)			\
	X(ISLET_IOCTL_NOTIFY_REQUEST_FINISH, ACRN_IOCTL_NOTIFY_REQUEST_FINISH)	\
	X(ISLET_IOCTL_CREATE_IOREQ_CLIENT, ACRN_IOCTL_CREATE_IOREQ_CLIENT)	\
	X(ISLET_IOCTL_ATTACH_IOREQ_CLIENT, ACRN_IOCTL_ATTACH_IOREQ_CLIENT)	\
	X(ISLET_IOCTL_DESTROY_IOREQ_CLIENT, ACRN_IOCTL_DESTROY_IOREQ_CLIENT)	\
	X(ISLET_IOCTL_CLEAR_VM_IOREQ, ACRN_IOCTL_CLEAR_VM_IOREQ)		\
	X(ISLET_IOCTL_SET_MEMSEG, ACRN_IOCTL_SET_MEMSEG)			\
	X(ISLET_IOCTL_UNSET_MEMSEG, ACRN_IOCTL_UNSET_MEMSEG)			\
	X(ISLET_IOCTL_SET_PTDEV_INTR, ACRN_IOCTL_SET_PTDEV_INTR)		\
	X(ISLET_IOCTL_RESET_PTDEV_INTR, ACRN_IOCTL_RESET_PTDEV_INTR)		\
	X(ISLET_IOCTL_ASSIGN_PCIDEV, ACRN_IOCTL_ASSIGN_PCIDEV)			\
	X(ISLET_IOCTL_DEASSIGN_PCIDEV, ACRN_IOCTL_DEASSIGN_PCIDEV)		\
	X(ISLET_IOCTL_ASSIGN_MMIODEV, ACRN_IOCTL_ASSIGN_MMIODEV)		\
	X(ISLET_IOCTL_DEASSIGN_MMIODEV, ACRN_IOCTL_DEASSIGN_MMIODEV)		\
	X(ISLET_IOCTL_CREATE_VDEV, ACRN_IOCTL_CREATE_VDEV)			\
	X(ISLET_IOCTL_DESTROY_VDEV, ACRN_IOCTL_DESTROY_VDEV)			\
	X(ISLET_IOCTL_PM_GET_CPU_STATE, ACRN_IOCTL_PM_GET_CPU_STATE)		\
	X(ISLET_IOCTL_IOEVENTFD, ACRN_IOCTL_IOEVENTFD)				\
	X(ISLET_IOCTL_IRQFD, ACRN_IOCTL_IRQFD)

#endif /* ABI_TEST_VIEWS_H */
