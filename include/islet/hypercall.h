/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Islet ABI: hypercalls from the Service VM to the hypervisor.
 *
 * Calling convention (ACRN's):
 *
 *   vmcall            the instruction; issued at CPL 0 by the Service VM
 *   R8                hypercall id, HC_ID(index)
 *   RDI               first argument
 *   RSI               second argument
 *   RAX  (returned)   0 on success or a negative errno (Linux numbering)
 *
 * Every other register is preserved.  A vmcall from any VM other than the
 * Service VM raises #UD in that VM; one from CPL > 0 raises #GP(0); an id
 * that is not listed below returns -ENOTTY.
 *
 * Arguments that are structures are passed as the Service VM guest-physical
 * address of the structure (the Service VM is identity-mapped, so this is
 * also its host-physical address).  The hypervisor copies the structure in
 * before looking at it, validates every field, and copies results back out;
 * it never keeps a pointer into Service VM memory across calls.
 *
 * Two kinds of filler appear in the structures of this directory:
 *   reservedN  named by the ABI; must be zero, and a non-zero value is
 *              refused with -EINVAL.
 *   padN       padding the compiler inserts implicitly in the upstream
 *              headers, spelled out here so that no byte of any structure
 *              is unnamed.  Senders should zero it; receivers ignore it
 *              (a program built against upstream <linux/acrn.h> cannot
 *              name it, so refusing it would break such programs); data
 *              Islet writes back always has it zeroed.
 *
 * Naming: a structure or constant that also exists in Linux's uapi
 * <linux/acrn.h> keeps the upstream spelling with the acrn_/ACRN_ prefix
 * replaced by islet_/ISLET_ (struct islet_vm_creation is struct
 * acrn_vm_creation, same fields, same names, same layout: tests/abi proves
 * it), so both headers can be included in one translation unit.  Names that
 * exist only at the hypercall level, never in a Linux header, keep ACRN's
 * hypervisor spelling: HC_*, struct hc_api_version, struct vm_memory_region,
 * struct vm_memory_region_batch, struct vm_gpa2hpa, MR_*.
 *
 * Arguments of each hypercall (VM ids are the ones CREATE_VM returned):
 *
 *   HC_GET_API_VERSION          RDI: GPA of struct hc_api_version (out)
 *   HC_SERVICE_VM_OFFLINE_CPU   RDI: local APIC id of a CPU the Service VM
 *                                    has taken offline and gives up
 *   HC_SET_CALLBACK_VECTOR      RDI: vector of the upcall interrupt
 *   HC_CREATE_VM                RDI: GPA of struct islet_vm_creation (in/out)
 *   HC_DESTROY_VM, HC_START_VM, HC_PAUSE_VM, HC_RESET_VM
 *                               RDI: VM id
 *   HC_CREATE_VCPU              ACRN legacy, not used by the HSM: the vCPUs
 *                                    come from CREATE_VM's cpu_affinity
 *   HC_SET_VCPU_REGS            RDI: VM id, RSI: GPA of struct islet_vcpu_regs
 *   HC_INJECT_MSI               RDI: VM id, RSI: GPA of struct islet_msi_entry
 *   HC_VM_INTR_MONITOR          RDI: VM id, RSI: GPA of a 4 KiB page
 *   HC_SET_IRQLINE              RDI: VM id, RSI: struct islet_irqline_ops
 *                                    by value (ISLET_IRQLINE())
 *   HC_SET_IOREQ_BUFFER         RDI: VM id, RSI: GPA of
 *                                    struct islet_set_ioreq_buffer
 *   HC_NOTIFY_REQUEST_FINISH    RDI: VM id, RSI: vCPU id (the slot index)
 *   HC_ASYNCIO_ASSIGN, HC_ASYNCIO_DEASSIGN
 *                               RDI: VM id, RSI: GPA of an ACRN asyncio
 *                                    descriptor (no layout defined here yet)
 *   HC_VM_GPA2HPA               RDI: VM id, RSI: GPA of struct vm_gpa2hpa
 *   HC_VM_SET_MEMORY_REGIONS    RDI: GPA of struct vm_memory_region_batch
 *   HC_VM_WRITE_PROTECT_PAGE    RDI: VM id, RSI: GPA of an ACRN write-protect
 *                                    descriptor (no layout defined here yet)
 *   HC_SETUP_SBUF               RDI: GPA of an ACRN shared-buffer descriptor
 *                                    (no layout defined here yet)
 *   HC_SET_PTDEV_INTR_INFO, HC_RESET_PTDEV_INTR_INFO
 *                               RDI: VM id, RSI: GPA of struct islet_ptdev_irq
 *   HC_ASSIGN_PCIDEV, HC_DEASSIGN_PCIDEV
 *                               RDI: VM id, RSI: GPA of struct islet_pcidev
 *   HC_ASSIGN_MMIODEV, HC_DEASSIGN_MMIODEV
 *                               RDI: VM id, RSI: GPA of struct islet_mmiodev
 *   HC_CREATE_VDEV, HC_DESTROY_VDEV
 *                               RDI: VM id, RSI: GPA of struct islet_vdev
 *   HC_SETUP_HV_NPK_LOG, HC_PROFILING_OPS, HC_GET_HW_INFO
 *                               debug interfaces of ACRN (no layout here)
 *   HC_PM_GET_CPU_STATE         RDI: command (ISLET_PMCMD_*), RSI: GPA of the
 *                                    result (uint64_t count,
 *                                    struct islet_pstate_data or
 *                                    struct islet_cstate_data)
 */
#ifndef ISLET_ABI_HYPERCALL_H
#define ISLET_ABI_HYPERCALL_H

#include <islet/types.h>

/* ---- Hypercall ids ---------------------------------------------------- */

/* Bits 31:24 of every id are 0x80; bits 7:0 are the index below. */
#define HC_ID(idx)			((0x80UL << 24) | (idx))
#define HC_INDEX(id)			((id) & 0xffUL)

/* General */
#define HC_GET_API_VERSION		HC_ID(0x00UL)
#define HC_SERVICE_VM_OFFLINE_CPU	HC_ID(0x01UL)
#define HC_SET_CALLBACK_VECTOR		HC_ID(0x02UL)

/* VM life cycle */
#define HC_CREATE_VM			HC_ID(0x10UL)
#define HC_DESTROY_VM			HC_ID(0x11UL)
#define HC_START_VM			HC_ID(0x12UL)
#define HC_PAUSE_VM			HC_ID(0x13UL)
#define HC_CREATE_VCPU			HC_ID(0x14UL)
#define HC_RESET_VM			HC_ID(0x15UL)
#define HC_SET_VCPU_REGS		HC_ID(0x16UL)

/* Interrupts */
#define HC_INJECT_MSI			HC_ID(0x23UL)
#define HC_VM_INTR_MONITOR		HC_ID(0x24UL)
#define HC_SET_IRQLINE			HC_ID(0x25UL)

/* I/O requests */
#define HC_SET_IOREQ_BUFFER		HC_ID(0x30UL)
#define HC_NOTIFY_REQUEST_FINISH	HC_ID(0x31UL)
#define HC_ASYNCIO_ASSIGN		HC_ID(0x32UL)
#define HC_ASYNCIO_DEASSIGN		HC_ID(0x33UL)

/* Guest memory */
#define HC_VM_GPA2HPA			HC_ID(0x41UL)
#define HC_VM_SET_MEMORY_REGIONS	HC_ID(0x42UL)
#define HC_VM_WRITE_PROTECT_PAGE	HC_ID(0x43UL)
#define HC_SETUP_SBUF			HC_ID(0x44UL)

/* PCI and other devices */
#define HC_SET_PTDEV_INTR_INFO		HC_ID(0x53UL)
#define HC_RESET_PTDEV_INTR_INFO	HC_ID(0x54UL)
#define HC_ASSIGN_PCIDEV		HC_ID(0x55UL)
#define HC_DEASSIGN_PCIDEV		HC_ID(0x56UL)
#define HC_ASSIGN_MMIODEV		HC_ID(0x57UL)
#define HC_DEASSIGN_MMIODEV		HC_ID(0x58UL)
#define HC_CREATE_VDEV			HC_ID(0x59UL)
#define HC_DESTROY_VDEV			HC_ID(0x5AUL)

/* Debug */
#define HC_SETUP_HV_NPK_LOG		HC_ID(0x61UL)
#define HC_PROFILING_OPS		HC_ID(0x62UL)
#define HC_GET_HW_INFO			HC_ID(0x63UL)

/* Power management */
#define HC_PM_GET_CPU_STATE		HC_ID(0x80UL)

/* ---- HC_GET_API_VERSION ----------------------------------------------- */

/* The version Islet reports; the Service VM refuses a major it does not
 * know, and accepts any minor (minors only add). */
#define ISLET_API_VERSION_MAJOR		1U
#define ISLET_API_VERSION_MINOR		0U

struct hc_api_version {
	uint32_t major_version;
	uint32_t minor_version;
};
ISLET_ABI_SIZE(struct hc_api_version, 8);
ISLET_ABI_OFFSET(struct hc_api_version, minor_version, 4);

/* ---- HC_CREATE_VM ----------------------------------------------------- */

/* Bits of islet_vm_creation.vm_flag (ACRN's GUEST_FLAG_* values).  The
 * hypervisor refuses bits it does not implement. */
#define ISLET_VM_FLAG_LAPIC_PASSTHROUGH		(1ULL << 1)
#define ISLET_VM_FLAG_IO_COMPLETION_POLLING	(1ULL << 2)
#define ISLET_VM_FLAG_RT			(1ULL << 4)

/*
 * In: uuid, vm_flag, ioreq_buf, cpu_affinity.  Out: vmid, vcpu_num.
 * cpu_affinity is a bitmap of physical CPUs (bit n = CPU n), one vCPU per
 * set bit, in increasing order.  ioreq_buf is the device model's address of
 * its I/O request page: it means something to the HSM only, which pins that
 * page and gives its physical address to the hypervisor with
 * HC_SET_IOREQ_BUFFER; the hypervisor ignores the field.
 */
struct islet_vm_creation {
	uint16_t vmid;
	uint16_t reserved0;
	uint16_t vcpu_num;
	uint16_t reserved1;
	uint8_t uuid[16];
	uint64_t vm_flag;
	uint64_t ioreq_buf;
	uint64_t cpu_affinity;
};
ISLET_ABI_SIZE(struct islet_vm_creation, 48);
ISLET_ABI_OFFSET(struct islet_vm_creation, vcpu_num, 4);
ISLET_ABI_OFFSET(struct islet_vm_creation, uuid, 8);
ISLET_ABI_OFFSET(struct islet_vm_creation, vm_flag, 24);
ISLET_ABI_OFFSET(struct islet_vm_creation, ioreq_buf, 32);
ISLET_ABI_OFFSET(struct islet_vm_creation, cpu_affinity, 40);

/* ---- HC_SET_VCPU_REGS ------------------------------------------------- */

/* General-purpose registers, in the order of the VMX exit-qualification
 * register encoding (0 = RAX ... 15 = R15). */
struct islet_gp_regs {
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rbx;
	uint64_t rsp;
	uint64_t rbp;
	uint64_t rsi;
	uint64_t rdi;
	uint64_t r8;
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15;
};
ISLET_ABI_SIZE(struct islet_gp_regs, 128);
ISLET_ABI_OFFSET(struct islet_gp_regs, r8, 64);
ISLET_ABI_OFFSET(struct islet_gp_regs, r15, 120);

/* A GDTR/IDTR image as SGDT stores it, padded to 16 bytes (packed: base is
 * at byte 2). */
struct islet_descriptor_ptr {
	uint16_t limit;
	uint64_t base;
	uint16_t reserved[3];
} ISLET_ABI_PACKED;
ISLET_ABI_SIZE(struct islet_descriptor_ptr, 16);
ISLET_ABI_OFFSET(struct islet_descriptor_ptr, base, 2);
ISLET_ABI_OFFSET(struct islet_descriptor_ptr, reserved, 10);

/*
 * The initial state of a vCPU.  Only CS carries base, limit and access
 * rights (cs_ar in the VMX access-rights format); the other segments are
 * given by selector alone, and the hypervisor loads flat segments for them.
 */
struct islet_regs {
	struct islet_gp_regs gprs;
	struct islet_descriptor_ptr gdt;
	struct islet_descriptor_ptr idt;

	uint64_t rip;
	uint64_t cs_base;
	uint64_t cr0;
	uint64_t cr4;
	uint64_t cr3;
	uint64_t ia32_efer;
	uint64_t rflags;
	uint64_t reserved_64[4];

	uint32_t cs_ar;
	uint32_t cs_limit;
	uint32_t reserved_32[3];

	uint16_t cs_sel;
	uint16_t ss_sel;
	uint16_t ds_sel;
	uint16_t es_sel;
	uint16_t fs_sel;
	uint16_t gs_sel;
	uint16_t ldt_sel;
	uint16_t tr_sel;
	uint32_t pad0;		/* implicit tail padding upstream */
};
ISLET_ABI_SIZE(struct islet_regs, 288);
ISLET_ABI_OFFSET(struct islet_regs, gdt, 128);
ISLET_ABI_OFFSET(struct islet_regs, idt, 144);
ISLET_ABI_OFFSET(struct islet_regs, rip, 160);
ISLET_ABI_OFFSET(struct islet_regs, cs_base, 168);
ISLET_ABI_OFFSET(struct islet_regs, cr0, 176);
ISLET_ABI_OFFSET(struct islet_regs, cr4, 184);
ISLET_ABI_OFFSET(struct islet_regs, cr3, 192);
ISLET_ABI_OFFSET(struct islet_regs, ia32_efer, 200);
ISLET_ABI_OFFSET(struct islet_regs, rflags, 208);
ISLET_ABI_OFFSET(struct islet_regs, reserved_64, 216);
ISLET_ABI_OFFSET(struct islet_regs, cs_ar, 248);
ISLET_ABI_OFFSET(struct islet_regs, cs_limit, 252);
ISLET_ABI_OFFSET(struct islet_regs, reserved_32, 256);
ISLET_ABI_OFFSET(struct islet_regs, cs_sel, 268);
ISLET_ABI_OFFSET(struct islet_regs, tr_sel, 282);
ISLET_ABI_OFFSET(struct islet_regs, pad0, 284);

struct islet_vcpu_regs {
	uint16_t vcpu_id;
	uint16_t reserved[3];
	struct islet_regs vcpu_regs;
};
ISLET_ABI_SIZE(struct islet_vcpu_regs, 296);
ISLET_ABI_OFFSET(struct islet_vcpu_regs, reserved, 2);
ISLET_ABI_OFFSET(struct islet_vcpu_regs, vcpu_regs, 8);

/* ---- HC_INJECT_MSI, HC_SET_IRQLINE ------------------------------------ */

/* An MSI as a device would write it: address (destination in bits 19:12)
 * and data (vector in bits 7:0). */
struct islet_msi_entry {
	uint64_t msi_addr;
	uint64_t msi_data;
};
ISLET_ABI_SIZE(struct islet_msi_entry, 16);
ISLET_ABI_OFFSET(struct islet_msi_entry, msi_data, 8);

/* What HC_SET_IRQLINE does to a virtual IOAPIC/PIC input (a GSI). */
#define ISLET_IRQLINE_SET_HIGH		0U
#define ISLET_IRQLINE_SET_LOW		1U
#define ISLET_IRQLINE_RAISING_PULSE	2U
#define ISLET_IRQLINE_FALLING_PULSE	3U

/*
 * Passed by value, not by address: RSI (and the ioctl argument of
 * ISLET_IOCTL_SET_IRQLINE) holds the 8 bytes of this structure, i.e. the
 * GSI in bits 31:0 and the operation in bits 63:32.
 */
struct islet_irqline_ops {
	uint32_t gsi;
	uint32_t op;
};
ISLET_ABI_SIZE(struct islet_irqline_ops, 8);
ISLET_ABI_OFFSET(struct islet_irqline_ops, op, 4);

#define ISLET_IRQLINE(gsi, op) \
	(((uint64_t)(op) << 32) | (uint64_t)(uint32_t)(gsi))

/* ---- HC_SET_IOREQ_BUFFER ---------------------------------------------- */

/* Holds the physical address of the VM's I/O request page (islet/ioreq.h),
 * 4 KiB aligned, pinned by the HSM for the life of the VM. */
struct islet_set_ioreq_buffer {
	uint64_t ioreq_buf;
};
ISLET_ABI_SIZE(struct islet_set_ioreq_buffer, 8);

/* ---- Guest memory ----------------------------------------------------- */

/* Attributes of a mapping: access rights in bits 2:0, memory type in bits
 * 10:6 (one of the ISLET_MEM_TYPE_* values).  Used by vm_memory_region.prot
 * and islet_vm_memmap.attr alike. */
#define ISLET_MEM_ACCESS_READ		0x00000001U
#define ISLET_MEM_ACCESS_WRITE		0x00000002U
#define ISLET_MEM_ACCESS_EXEC		0x00000004U
#define ISLET_MEM_ACCESS_RWX		(ISLET_MEM_ACCESS_READ | \
					 ISLET_MEM_ACCESS_WRITE | \
					 ISLET_MEM_ACCESS_EXEC)
#define ISLET_MEM_ACCESS_RIGHT_MASK	0x00000007U

#define ISLET_MEM_TYPE_WB		0x00000040U
#define ISLET_MEM_TYPE_WT		0x00000080U
#define ISLET_MEM_TYPE_UC		0x00000100U
#define ISLET_MEM_TYPE_WC		0x00000200U
#define ISLET_MEM_TYPE_WP		0x00000400U
#define ISLET_MEM_TYPE_MASK		0x000007C0U

/* vm_memory_region.type.  The values are ACRN's; 1 is unused there. */
#define MR_ADD		0U
#define MR_DEL		2U
#define MR_MODIFY	3U

/* One EPT operation: map (or unmap, or change the attributes of) size bytes
 * of User VM guest-physical space at gpa onto Service VM memory at
 * service_vm_gpa.  gpa, service_vm_gpa and size are 4 KiB aligned. */
struct vm_memory_region {
	uint32_t type;
	uint32_t prot;
	uint64_t gpa;
	uint64_t service_vm_gpa;
	uint64_t size;
};
ISLET_ABI_SIZE(struct vm_memory_region, 32);
ISLET_ABI_OFFSET(struct vm_memory_region, prot, 4);
ISLET_ABI_OFFSET(struct vm_memory_region, gpa, 8);
ISLET_ABI_OFFSET(struct vm_memory_region, service_vm_gpa, 16);
ISLET_ABI_OFFSET(struct vm_memory_region, size, 24);

/* The argument of HC_VM_SET_MEMORY_REGIONS: regions_num operations in a
 * physically contiguous array at Service VM GPA regions_gpa, applied in
 * order. */
struct vm_memory_region_batch {
	uint16_t vmid;
	uint16_t reserved0[3];
	uint32_t regions_num;
	uint32_t reserved1;
	uint64_t regions_gpa;
};
ISLET_ABI_SIZE(struct vm_memory_region_batch, 24);
ISLET_ABI_OFFSET(struct vm_memory_region_batch, reserved0, 2);
ISLET_ABI_OFFSET(struct vm_memory_region_batch, regions_num, 8);
ISLET_ABI_OFFSET(struct vm_memory_region_batch, reserved1, 12);
ISLET_ABI_OFFSET(struct vm_memory_region_batch, regions_gpa, 16);

/* HC_VM_GPA2HPA: in gpa (a User VM address), out hpa. */
struct vm_gpa2hpa {
	uint64_t gpa;
	uint64_t hpa;
};
ISLET_ABI_SIZE(struct vm_gpa2hpa, 16);
ISLET_ABI_OFFSET(struct vm_gpa2hpa, hpa, 8);

/* ---- Pass-through and hypervisor-emulated devices --------------------- */

/* islet_ptdev_irq.type */
#define ISLET_PTDEV_IRQ_INTX		0U
#define ISLET_PTDEV_IRQ_MSI		1U
#define ISLET_PTDEV_IRQ_MSIX		2U

/* Route a pass-through device's interrupt to the VM.  BDFs are encoded
 * bus << 8 | device << 3 | function. */
struct islet_ptdev_intx {
	uint32_t virt_pin;
	uint32_t phys_pin;
	uint32_t is_pic_pin;	/* 1: virt_pin is a PIC input, 0: IOAPIC */
};

struct islet_ptdev_irq {
	uint32_t type;
	uint16_t virt_bdf;
	uint16_t phys_bdf;
	struct islet_ptdev_intx intx;
};
ISLET_ABI_SIZE(struct islet_ptdev_irq, 20);
ISLET_ABI_OFFSET(struct islet_ptdev_irq, virt_bdf, 4);
ISLET_ABI_OFFSET(struct islet_ptdev_irq, phys_bdf, 6);
ISLET_ABI_OFFSET(struct islet_ptdev_irq, intx, 8);
ISLET_ABI_OFFSET(struct islet_ptdev_irq, intx.is_pic_pin, 16);

/* islet_pcidev.type */
#define ISLET_PTDEV_QUIRK_ASSIGN	(1U << 0)

#define ISLET_PCI_NUM_BARS		6

/* Give a physical PCI function to a VM at a virtual BDF. */
struct islet_pcidev {
	uint32_t type;
	uint16_t virt_bdf;
	uint16_t phys_bdf;
	uint8_t intr_line;
	uint8_t intr_pin;
	uint8_t pad0[2];	/* implicit padding upstream */
	uint32_t bar[ISLET_PCI_NUM_BARS];
};
ISLET_ABI_SIZE(struct islet_pcidev, 36);
ISLET_ABI_OFFSET(struct islet_pcidev, intr_line, 8);
ISLET_ABI_OFFSET(struct islet_pcidev, intr_pin, 9);
ISLET_ABI_OFFSET(struct islet_pcidev, pad0, 10);
ISLET_ABI_OFFSET(struct islet_pcidev, bar, 12);

#define ISLET_MMIODEV_RES_NUM		3

/* One MMIO range of a device given to a VM. */
struct islet_mmio_res {
	uint64_t user_vm_pa;
	uint64_t service_vm_pa;
	uint64_t size;
	uint64_t mem_type;
};

/* Give a platform (non-PCI) MMIO device to a VM; name is for logs. */
struct islet_mmiodev {
	uint8_t name[8];
	struct islet_mmio_res res[ISLET_MMIODEV_RES_NUM];
};
ISLET_ABI_SIZE(struct islet_mmio_res, 32);
ISLET_ABI_SIZE(struct islet_mmiodev, 104);
ISLET_ABI_OFFSET(struct islet_mmiodev, res, 8);
ISLET_ABI_OFFSET(struct islet_mmiodev, res[2].mem_type, 96);

/*
 * Create (or destroy) a device emulated inside the hypervisor.  id.value's
 * low 32 bits are the PCI vendor and device id; for a legacy device the
 * high 32 bits (id.fields.legacy_id) name it instead.  slot is the virtual
 * BDF of a PCI device, or the index of a legacy one.
 */
struct islet_vdev {
	union {
		uint64_t value;
		struct {
			uint16_t vendor;
			uint16_t device;
			uint32_t legacy_id;
		} fields;
	} id;
	uint64_t slot;
	uint32_t io_addr[ISLET_PCI_NUM_BARS];
	uint32_t io_size[ISLET_PCI_NUM_BARS];
	uint8_t args[128];
};
ISLET_ABI_SIZE(struct islet_vdev, 192);
ISLET_ABI_OFFSET(struct islet_vdev, id.fields.legacy_id, 4);
ISLET_ABI_OFFSET(struct islet_vdev, slot, 8);
ISLET_ABI_OFFSET(struct islet_vdev, io_addr, 16);
ISLET_ABI_OFFSET(struct islet_vdev, io_size, 40);
ISLET_ABI_OFFSET(struct islet_vdev, args, 64);

/* ---- HC_PM_GET_CPU_STATE ---------------------------------------------- */

/*
 * The command word (also the uint64_t that ISLET_IOCTL_PM_GET_CPU_STATE
 * points to):
 *
 *   bits 31:24  VM id
 *   bits 23:16  vCPU id
 *   bits 15:8   state number (P-state 0..n-1, or C-state entry 1..n)
 *   bits  7:0   request, ISLET_PMCMD_GET_*
 *
 * GET_PX_CNT and GET_CX_CNT return a uint64_t count; GET_PX_DATA returns a
 * struct islet_pstate_data (48 bytes) and GET_CX_DATA a struct
 * islet_cstate_data (32 bytes).  Note that the ioctl writes the result over
 * its argument, which is therefore larger than the 8 bytes its number
 * encodes.
 */
#define ISLET_PMCMD_VMID_MASK		0xff000000U
#define ISLET_PMCMD_VCPUID_MASK		0x00ff0000U
#define ISLET_PMCMD_STATE_NUM_MASK	0x0000ff00U
#define ISLET_PMCMD_TYPE_MASK		0x000000ffU
#define ISLET_PMCMD_VMID_SHIFT		24
#define ISLET_PMCMD_VCPUID_SHIFT	16
#define ISLET_PMCMD_STATE_NUM_SHIFT	8

#define ISLET_PMCMD_GET_PX_CNT		0U
#define ISLET_PMCMD_GET_PX_DATA		1U
#define ISLET_PMCMD_GET_CX_CNT		2U
#define ISLET_PMCMD_GET_CX_DATA		3U

/* An ACPI Generic Address Structure, without its leading type byte. */
struct islet_acpi_generic_address {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} ISLET_ABI_PACKED;
ISLET_ABI_SIZE(struct islet_acpi_generic_address, 12);
ISLET_ABI_OFFSET(struct islet_acpi_generic_address, address, 4);

/* One _CST entry. */
struct islet_cstate_data {
	struct islet_acpi_generic_address cx_reg;
	uint8_t type;
	uint8_t pad0[3];	/* implicit padding upstream */
	uint32_t latency;	/* microseconds */
	uint32_t pad1;		/* implicit padding upstream */
	uint64_t power;		/* milliwatts */
};
ISLET_ABI_SIZE(struct islet_cstate_data, 32);
ISLET_ABI_OFFSET(struct islet_cstate_data, type, 12);
ISLET_ABI_OFFSET(struct islet_cstate_data, latency, 16);
ISLET_ABI_OFFSET(struct islet_cstate_data, power, 24);

/* One _PSS entry. */
struct islet_pstate_data {
	uint64_t core_frequency;	/* MHz */
	uint64_t power;			/* milliwatts */
	uint64_t transition_latency;	/* microseconds */
	uint64_t bus_master_latency;	/* microseconds */
	uint64_t control;
	uint64_t status;
};
ISLET_ABI_SIZE(struct islet_pstate_data, 48);
ISLET_ABI_OFFSET(struct islet_pstate_data, status, 40);

/* ---- The notification device ------------------------------------------ */

/*
 * How the hypervisor tells the Service VM that I/O requests are pending on
 * a stock kernel (no ACRN callback vector): it presents one virtual PCI
 * function on bus 0 of the Service VM, with these ids and an MSI
 * capability; the HSM binds it and requests its MSI, and the hypervisor
 * signals pending requests by delivering that MSI.  The ids are Islet's
 * own (not PCI-SIG assigned).  See doc/hsm.md.
 */
#define ISLET_NOTIFY_PCI_VENDOR		0x49e7U
#define ISLET_NOTIFY_PCI_DEVICE		0x0001U
#define ISLET_NOTIFY_PCI_CLASS		0x088000U	/* system peripheral */

/* ---- A User VM that stopped ------------------------------------------- */

/*
 * When a User VM cannot go on (a triple fault, or an exit the hypervisor
 * cannot handle), the hypervisor stops all its vCPUs and reports it the
 * way ACRN does: in the slot of the vCPU that stopped, a port write of
 * SLP_EN | SLP_TYP(S5) to the VM's PM1a control register, i.e. the guest
 * asked to power off.  A device model that emulates ACPI power-off needs
 * nothing more; the reason is in the hypervisor's log.  The VM stays
 * stopped until the device model resets or destroys it.
 */
#define ISLET_VM_PM1A_CNT_PORT		0x404U
#define ISLET_VM_PM1A_SLP_EN		0x2000U
#define ISLET_VM_PM1A_SLP_TYP_S5	(5U << 10)

#endif /* ISLET_ABI_HYPERCALL_H */
