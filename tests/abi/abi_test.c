/*
 * The Islet ABI headers against upstream Linux's <linux/acrn.h>, field by
 * field, plus the parts of the ABI upstream does not cover (hypercall ids,
 * hypercall-only structures, CPUID leaves, the I/O request page) against the
 * values the ABI documents.
 *
 * Usage: abi-test [path of the upstream acrn.h, for the completeness check]
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include <linux/acrn.h>

#include <islet/cpuid.h>
#include <islet/hsm.h>
#include <islet/hypercall.h>
#include <islet/ioreq.h>
#include <islet/types.h>

#include "check.h"
#include "views.h"

static const char *upstream_header = "/usr/include/linux/acrn.h";

/* ---- Structures with an upstream twin --------------------------------- */

static void test_vm_creation(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_vm_creation, \
			struct acrn_vm_creation, f)
	LAYOUT_BEGIN(&l, struct islet_vm_creation, struct acrn_vm_creation);
	F(vmid);
	F(reserved0);
	F(vcpu_num);
	F(reserved1);
	F(uuid);
	F(vm_flag);
	F(ioreq_buf);
	F(cpu_affinity);
	LAYOUT_END(&l);
#undef F
}

static void test_gp_regs(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_gp_regs, struct acrn_gp_regs, f)
	LAYOUT_BEGIN(&l, struct islet_gp_regs, struct acrn_gp_regs);
	F(rax);
	F(rcx);
	F(rdx);
	F(rbx);
	F(rsp);
	F(rbp);
	F(rsi);
	F(rdi);
	F(r8);
	F(r9);
	F(r10);
	F(r11);
	F(r12);
	F(r13);
	F(r14);
	F(r15);
	LAYOUT_END(&l);
#undef F
}

static void test_descriptor_ptr(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_descriptor_ptr, \
			struct acrn_descriptor_ptr, f)
	LAYOUT_BEGIN(&l, struct islet_descriptor_ptr, struct acrn_descriptor_ptr);
	F(limit);
	F(base);
	F(reserved);
	LAYOUT_END(&l);
#undef F
}

static void test_regs(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_regs, struct acrn_regs, f)
	LAYOUT_BEGIN(&l, struct islet_regs, struct acrn_regs);
	F(gprs);
	F(gdt);
	F(idt);
	F(rip);
	F(cs_base);
	F(cr0);
	F(cr4);
	F(cr3);
	F(ia32_efer);
	F(rflags);
	F(reserved_64);
	F(cs_ar);
	F(cs_limit);
	F(reserved_32);
	F(cs_sel);
	F(ss_sel);
	F(ds_sel);
	F(es_sel);
	F(fs_sel);
	F(gs_sel);
	F(ldt_sel);
	F(tr_sel);
	PAD_FIELD(&l, struct islet_regs, pad0);
	LAYOUT_END(&l);
#undef F
}

static void test_vcpu_regs(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_vcpu_regs, struct acrn_vcpu_regs, f)
	LAYOUT_BEGIN(&l, struct islet_vcpu_regs, struct acrn_vcpu_regs);
	F(vcpu_id);
	F(reserved);
	F(vcpu_regs);
	F(vcpu_regs.gprs.rdi);
	F(vcpu_regs.idt.base);
	F(vcpu_regs.tr_sel);
	LAYOUT_END(&l);
#undef F
}

static void test_msi_entry(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_msi_entry, struct acrn_msi_entry, f)
	LAYOUT_BEGIN(&l, struct islet_msi_entry, struct acrn_msi_entry);
	F(msi_addr);
	F(msi_data);
	LAYOUT_END(&l);
#undef F
}

static void test_ioreq_notify(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_ioreq_notify, \
			struct acrn_ioreq_notify, f)
	LAYOUT_BEGIN(&l, struct islet_ioreq_notify, struct acrn_ioreq_notify);
	F(vmid);
	F(reserved);
	F(vcpu);
	LAYOUT_END(&l);
#undef F
}

static void test_vm_memmap(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_vm_memmap, struct acrn_vm_memmap, f)
	LAYOUT_BEGIN(&l, struct islet_vm_memmap, struct acrn_vm_memmap);
	F(type);
	F(attr);
	F(user_vm_pa);
	F(service_vm_pa);
	F(vma_base);
	F(len);
	LAYOUT_END(&l);
#undef F
}

static void test_ptdev_irq(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_ptdev_irq, struct acrn_ptdev_irq, f)
	LAYOUT_BEGIN(&l, struct islet_ptdev_irq, struct acrn_ptdev_irq);
	F(type);
	F(virt_bdf);
	F(phys_bdf);
	F(intx);
	F(intx.virt_pin);
	F(intx.phys_pin);
	F(intx.is_pic_pin);
	LAYOUT_END(&l);
#undef F
}

static void test_pcidev(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_pcidev, struct acrn_pcidev, f)
	LAYOUT_BEGIN(&l, struct islet_pcidev, struct acrn_pcidev);
	F(type);
	F(virt_bdf);
	F(phys_bdf);
	F(intr_line);
	F(intr_pin);
	PAD_FIELD(&l, struct islet_pcidev, pad0);
	F(bar);
	LAYOUT_END(&l);
#undef F
}

static void test_mmiodev(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_mmiodev, struct acrn_mmiodev, f)
	LAYOUT_BEGIN(&l, struct islet_mmiodev, struct acrn_mmiodev);
	F(name);
	F(res);
	F(res[0].user_vm_pa);
	F(res[0].service_vm_pa);
	F(res[0].size);
	F(res[0].mem_type);
	F(res[1].user_vm_pa);
	F(res[1].service_vm_pa);
	F(res[1].size);
	F(res[1].mem_type);
	F(res[2].user_vm_pa);
	F(res[2].service_vm_pa);
	F(res[2].size);
	F(res[2].mem_type);
	LAYOUT_END(&l);
#undef F
}

static void test_vdev(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_vdev, struct acrn_vdev, f)
	LAYOUT_BEGIN(&l, struct islet_vdev, struct acrn_vdev);
	F(id);
	F(id.value);
	F(id.fields.vendor);
	F(id.fields.device);
	F(id.fields.legacy_id);
	F(slot);
	F(io_addr);
	F(io_size);
	F(args);
	LAYOUT_END(&l);
#undef F
}

static void test_ioeventfd(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_ioeventfd, struct acrn_ioeventfd, f)
	LAYOUT_BEGIN(&l, struct islet_ioeventfd, struct acrn_ioeventfd);
	F(fd);
	F(flags);
	F(addr);
	F(len);
	F(reserved);
	F(data);
	LAYOUT_END(&l);
#undef F
}

static void test_irqfd(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_irqfd, struct acrn_irqfd, f)
	LAYOUT_BEGIN(&l, struct islet_irqfd, struct acrn_irqfd);
	F(fd);
	F(flags);
	F(msi);
	F(msi.msi_addr);
	F(msi.msi_data);
	LAYOUT_END(&l);
#undef F
	/* upstream's fd is signed (__s32), as ours must be */
	struct islet_irqfd irqfd = { .fd = -1 };
	EXPECT(irqfd.fd < 0, 1);
}

static void test_acpi_generic_address(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_acpi_generic_address, \
			struct acrn_acpi_generic_address, f)
	LAYOUT_BEGIN(&l, struct islet_acpi_generic_address,
		     struct acrn_acpi_generic_address);
	F(space_id);
	F(bit_width);
	F(bit_offset);
	F(access_size);
	F(address);
	LAYOUT_END(&l);
#undef F
}

static void test_cstate_data(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_cstate_data, \
			struct acrn_cstate_data, f)
	LAYOUT_BEGIN(&l, struct islet_cstate_data, struct acrn_cstate_data);
	F(cx_reg);
	F(type);
	PAD_FIELD(&l, struct islet_cstate_data, pad0);
	F(latency);
	PAD_FIELD(&l, struct islet_cstate_data, pad1);
	F(power);
	LAYOUT_END(&l);
#undef F
}

static void test_pstate_data(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_pstate_data, \
			struct acrn_pstate_data, f)
	LAYOUT_BEGIN(&l, struct islet_pstate_data, struct acrn_pstate_data);
	F(core_frequency);
	F(power);
	F(transition_latency);
	F(bus_master_latency);
	F(control);
	F(status);
	LAYOUT_END(&l);
#undef F
}

/* ---- The I/O request page ---------------------------------------------- */

static void test_pio_request(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_pio_request, \
			struct acrn_pio_request, f)
	LAYOUT_BEGIN(&l, struct islet_pio_request, struct acrn_pio_request);
	F(direction);
	F(reserved);
	F(address);
	F(size);
	F(value);
	PAD_FIELD(&l, struct islet_pio_request, pad0);
	LAYOUT_END(&l);
#undef F
}

static void test_mmio_request(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_mmio_request, \
			struct acrn_mmio_request, f)
	LAYOUT_BEGIN(&l, struct islet_mmio_request, struct acrn_mmio_request);
	F(direction);
	F(reserved);
	F(address);
	F(size);
	F(value);
	LAYOUT_END(&l);
#undef F
}

static void test_pci_request(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_pci_request, \
			struct acrn_pci_request, f)
	LAYOUT_BEGIN(&l, struct islet_pci_request, struct acrn_pci_request);
	F(direction);
	F(reserved);
	F(size);
	F(value);
	F(bus);
	F(dev);
	F(func);
	F(reg);
	PAD_FIELD(&l, struct islet_pci_request, pad0);
	LAYOUT_END(&l);
#undef F
	/* A PORTIO request turns into a PCICFG one in place. */
	EXPECT(offsetof(struct islet_pci_request, size),
	       offsetof(struct islet_pio_request, size));
	EXPECT(offsetof(struct islet_pci_request, value),
	       offsetof(struct islet_pio_request, value));
}

static void test_io_request(void)
{
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_io_request, struct acrn_io_request, f)
	LAYOUT_BEGIN(&l, struct islet_io_request, struct acrn_io_request);
	F(type);
	F(completion_polling);
	F(reserved0);
	F(reqs);
	F(reqs.pio_request);
	F(reqs.pci_request);
	F(reqs.mmio_request);
	F(reqs.data);
	F(reqs.pio_request.value);
	F(reqs.mmio_request.value);
	F(reqs.pci_request.reg);
	F(reserved1);
	F(kernel_handled);
	F(processed);
	PAD_FIELD(&l, struct islet_io_request, pad0);
	LAYOUT_END(&l);
#undef F
}

/* The offsets every party hard-codes in its head. */
static void test_io_request_offsets(void)
{
	EXPECT(offsetof(struct islet_io_request, type), 0);
	EXPECT(offsetof(struct islet_io_request, completion_polling), 4);
	EXPECT(offsetof(struct islet_io_request, reqs), 64);
	EXPECT(offsetof(struct islet_io_request, reserved1), 128);
	EXPECT(offsetof(struct islet_io_request, kernel_handled), 132);
	EXPECT(offsetof(struct islet_io_request, processed), 136);
	EXPECT(sizeof(struct islet_io_request), 256);
	EXPECT(__alignof__(struct islet_io_request), 256);
	EXPECT(ISLET_IO_REQUEST_SIZE, 256);
}

static void test_io_request_buffer(void)
{
	static struct islet_io_request_buffer page;
	struct layout l;
#define F(f) SAME_FIELD(&l, struct islet_io_request_buffer, \
			struct acrn_io_request_buffer, f)
	LAYOUT_BEGIN(&l, struct islet_io_request_buffer,
		     struct acrn_io_request_buffer);
	F(req_slot);
	F(reserved);
	LAYOUT_END(&l);
#undef F
	EXPECT(sizeof(page), 4096);
	EXPECT(ISLET_IO_REQUEST_MAX, 16);
	EXPECT(ISLET_IO_REQUEST_MAX * ISLET_IO_REQUEST_SIZE,
	       ISLET_IO_REQUEST_PAGE_SIZE);
	for (int i = 0; i < ISLET_IO_REQUEST_MAX; i++) {
		const char *slot = (const char *)&page.req_slot[i];
		const char *state = (const char *)&page.req_slot[i].processed;

		report(slot - (const char *)&page == i * 256, __FILE__,
		       __LINE__, "slot %d at byte %td, must be %d", i,
		       slot - (const char *)&page, i * 256);
		report(state - (const char *)&page == i * 256 + 136, __FILE__,
		       __LINE__, "state of slot %d at byte %td, must be %d",
		       i, state - (const char *)&page, i * 256 + 136);
	}
}

static void test_ioreq_values(void)
{
	EXPECT(ISLET_IOREQ_STATE_PENDING, 0);
	EXPECT(ISLET_IOREQ_STATE_COMPLETE, 1);
	EXPECT(ISLET_IOREQ_STATE_PROCESSING, 2);
	EXPECT(ISLET_IOREQ_STATE_FREE, 3);
	EXPECT(ISLET_IOREQ_TYPE_WP, 3);
	SAME_NUMBER(ISLET_IO_REQUEST_MAX, ACRN_IO_REQUEST_MAX);
	SAME_NUMBER(ISLET_IOREQ_STATE_PENDING, ACRN_IOREQ_STATE_PENDING);
	SAME_NUMBER(ISLET_IOREQ_STATE_COMPLETE, ACRN_IOREQ_STATE_COMPLETE);
	SAME_NUMBER(ISLET_IOREQ_STATE_PROCESSING, ACRN_IOREQ_STATE_PROCESSING);
	SAME_NUMBER(ISLET_IOREQ_STATE_FREE, ACRN_IOREQ_STATE_FREE);
	SAME_NUMBER(ISLET_IOREQ_TYPE_PORTIO, ACRN_IOREQ_TYPE_PORTIO);
	SAME_NUMBER(ISLET_IOREQ_TYPE_MMIO, ACRN_IOREQ_TYPE_MMIO);
	SAME_NUMBER(ISLET_IOREQ_TYPE_PCICFG, ACRN_IOREQ_TYPE_PCICFG);
	SAME_NUMBER(ISLET_IOREQ_DIR_READ, ACRN_IOREQ_DIR_READ);
	SAME_NUMBER(ISLET_IOREQ_DIR_WRITE, ACRN_IOREQ_DIR_WRITE);
}

/* ---- Constants and ioctl numbers --------------------------------------- */

static void test_constants(void)
{
	SAME_NUMBER(ISLET_MEM_ACCESS_RIGHT_MASK, ACRN_MEM_ACCESS_RIGHT_MASK);
	SAME_NUMBER(ISLET_MEM_ACCESS_READ, ACRN_MEM_ACCESS_READ);
	SAME_NUMBER(ISLET_MEM_ACCESS_WRITE, ACRN_MEM_ACCESS_WRITE);
	SAME_NUMBER(ISLET_MEM_ACCESS_EXEC, ACRN_MEM_ACCESS_EXEC);
	SAME_NUMBER(ISLET_MEM_ACCESS_RWX, ACRN_MEM_ACCESS_RWX);
	SAME_NUMBER(ISLET_MEM_TYPE_MASK, ACRN_MEM_TYPE_MASK);
	SAME_NUMBER(ISLET_MEM_TYPE_WB, ACRN_MEM_TYPE_WB);
	SAME_NUMBER(ISLET_MEM_TYPE_WT, ACRN_MEM_TYPE_WT);
	SAME_NUMBER(ISLET_MEM_TYPE_UC, ACRN_MEM_TYPE_UC);
	SAME_NUMBER(ISLET_MEM_TYPE_WC, ACRN_MEM_TYPE_WC);
	SAME_NUMBER(ISLET_MEM_TYPE_WP, ACRN_MEM_TYPE_WP);
	SAME_NUMBER(ISLET_MEMMAP_RAM, ACRN_MEMMAP_RAM);
	SAME_NUMBER(ISLET_MEMMAP_MMIO, ACRN_MEMMAP_MMIO);
	SAME_NUMBER(ISLET_PTDEV_IRQ_INTX, ACRN_PTDEV_IRQ_INTX);
	SAME_NUMBER(ISLET_PTDEV_IRQ_MSI, ACRN_PTDEV_IRQ_MSI);
	SAME_NUMBER(ISLET_PTDEV_IRQ_MSIX, ACRN_PTDEV_IRQ_MSIX);
	SAME_NUMBER(ISLET_PTDEV_QUIRK_ASSIGN, ACRN_PTDEV_QUIRK_ASSIGN);
	SAME_NUMBER(ISLET_MMIODEV_RES_NUM, ACRN_MMIODEV_RES_NUM);
	SAME_NUMBER(ISLET_PCI_NUM_BARS, ACRN_PCI_NUM_BARS);
	SAME_NUMBER(ISLET_IOEVENTFD_FLAG_PIO, ACRN_IOEVENTFD_FLAG_PIO);
	SAME_NUMBER(ISLET_IOEVENTFD_FLAG_DATAMATCH,
		    ACRN_IOEVENTFD_FLAG_DATAMATCH);
	SAME_NUMBER(ISLET_IOEVENTFD_FLAG_DEASSIGN, ACRN_IOEVENTFD_FLAG_DEASSIGN);
	SAME_NUMBER(ISLET_IRQFD_FLAG_DEASSIGN, ACRN_IRQFD_FLAG_DEASSIGN);
	SAME_NUMBER(ISLET_PMCMD_TYPE_MASK, PMCMD_TYPE_MASK);
	SAME_NUMBER(ISLET_PMCMD_GET_PX_CNT, ACRN_PMCMD_GET_PX_CNT);
	SAME_NUMBER(ISLET_PMCMD_GET_PX_DATA, ACRN_PMCMD_GET_PX_DATA);
	SAME_NUMBER(ISLET_PMCMD_GET_CX_CNT, ACRN_PMCMD_GET_CX_CNT);
	SAME_NUMBER(ISLET_PMCMD_GET_CX_DATA, ACRN_PMCMD_GET_CX_DATA);
	SAME_NUMBER(ISLET_IOCTL_TYPE, ACRN_IOCTL_TYPE);
}

/* Stringified here, before the arguments are expanded to _IOW(...). */
#define CHECK_IOCTL(ours, theirs)					\
	check_number(#ours, ours, #theirs, theirs, __FILE__, __LINE__);

static void test_ioctl_numbers(void)
{
	ABI_IOCTLS(CHECK_IOCTL)
}

/* <islet/hsm.h> alone, in strict C11 (userspace.c), yields the same
 * numbers as beside <linux/acrn.h>. */
#define IOCTL_ENTRY(ours, theirs)	{ #ours, ours },

static void test_ioctl_numbers_alone(void)
{
	static const struct abi_number here[] = { ABI_IOCTLS(IOCTL_ENTRY) };
	unsigned int n = sizeof(here) / sizeof(here[0]);

	EXPECT(abi_ioctls_userspace_len, n);
	for (unsigned int i = 0; i < n && i < abi_ioctls_userspace_len; i++) {
		const struct abi_number *u = &abi_ioctls_userspace[i];

		report(strcmp(u->name, here[i].name) == 0 &&
		       u->value == here[i].value, __FILE__, __LINE__,
		       "%s: %#lx here, %s: %#lx in userspace.c", here[i].name,
		       here[i].value, u->name, u->value);
	}
}

/* ---- Hypercalls --------------------------------------------------------- */

static void test_hypercall_ids(void)
{
	static const unsigned long ids[] = {
		HC_GET_API_VERSION, HC_SERVICE_VM_OFFLINE_CPU,
		HC_SET_CALLBACK_VECTOR, HC_CREATE_VM, HC_DESTROY_VM,
		HC_START_VM, HC_PAUSE_VM, HC_CREATE_VCPU, HC_RESET_VM,
		HC_SET_VCPU_REGS, HC_INJECT_MSI, HC_VM_INTR_MONITOR,
		HC_SET_IRQLINE, HC_SET_IOREQ_BUFFER, HC_NOTIFY_REQUEST_FINISH,
		HC_ASYNCIO_ASSIGN, HC_ASYNCIO_DEASSIGN, HC_VM_GPA2HPA,
		HC_VM_SET_MEMORY_REGIONS, HC_VM_WRITE_PROTECT_PAGE,
		HC_SETUP_SBUF, HC_SET_PTDEV_INTR_INFO, HC_RESET_PTDEV_INTR_INFO,
		HC_ASSIGN_PCIDEV, HC_DEASSIGN_PCIDEV, HC_ASSIGN_MMIODEV,
		HC_DEASSIGN_MMIODEV, HC_CREATE_VDEV, HC_DESTROY_VDEV,
		HC_SETUP_HV_NPK_LOG, HC_PROFILING_OPS, HC_GET_HW_INFO,
		HC_PM_GET_CPU_STATE,
	};
	unsigned int n = sizeof(ids) / sizeof(ids[0]);

	EXPECT(HC_GET_API_VERSION, 0x80000000UL);
	EXPECT(HC_SERVICE_VM_OFFLINE_CPU, 0x80000001UL);
	EXPECT(HC_SET_CALLBACK_VECTOR, 0x80000002UL);
	EXPECT(HC_CREATE_VM, 0x80000010UL);
	EXPECT(HC_DESTROY_VM, 0x80000011UL);
	EXPECT(HC_START_VM, 0x80000012UL);
	EXPECT(HC_PAUSE_VM, 0x80000013UL);
	EXPECT(HC_CREATE_VCPU, 0x80000014UL);
	EXPECT(HC_RESET_VM, 0x80000015UL);
	EXPECT(HC_SET_VCPU_REGS, 0x80000016UL);
	EXPECT(HC_INJECT_MSI, 0x80000023UL);
	EXPECT(HC_VM_INTR_MONITOR, 0x80000024UL);
	EXPECT(HC_SET_IRQLINE, 0x80000025UL);
	EXPECT(HC_SET_IOREQ_BUFFER, 0x80000030UL);
	EXPECT(HC_NOTIFY_REQUEST_FINISH, 0x80000031UL);
	EXPECT(HC_ASYNCIO_ASSIGN, 0x80000032UL);
	EXPECT(HC_ASYNCIO_DEASSIGN, 0x80000033UL);
	EXPECT(HC_VM_GPA2HPA, 0x80000041UL);
	EXPECT(HC_VM_SET_MEMORY_REGIONS, 0x80000042UL);
	EXPECT(HC_VM_WRITE_PROTECT_PAGE, 0x80000043UL);
	EXPECT(HC_SETUP_SBUF, 0x80000044UL);
	EXPECT(HC_SET_PTDEV_INTR_INFO, 0x80000053UL);
	EXPECT(HC_RESET_PTDEV_INTR_INFO, 0x80000054UL);
	EXPECT(HC_ASSIGN_PCIDEV, 0x80000055UL);
	EXPECT(HC_DEASSIGN_PCIDEV, 0x80000056UL);
	EXPECT(HC_ASSIGN_MMIODEV, 0x80000057UL);
	EXPECT(HC_DEASSIGN_MMIODEV, 0x80000058UL);
	EXPECT(HC_CREATE_VDEV, 0x80000059UL);
	EXPECT(HC_DESTROY_VDEV, 0x8000005AUL);
	EXPECT(HC_SETUP_HV_NPK_LOG, 0x80000061UL);
	EXPECT(HC_PROFILING_OPS, 0x80000062UL);
	EXPECT(HC_GET_HW_INFO, 0x80000063UL);
	EXPECT(HC_PM_GET_CPU_STATE, 0x80000080UL);

	/* Each id is HC_ID() of its index, and no two share an index. */
	for (unsigned int i = 0; i < n; i++) {
		report(HC_ID(HC_INDEX(ids[i])) == ids[i], __FILE__, __LINE__,
		       "id %#lx is not HC_ID(HC_INDEX(id))", ids[i]);
		for (unsigned int j = i + 1; j < n; j++)
			report(HC_INDEX(ids[i]) != HC_INDEX(ids[j]), __FILE__,
			       __LINE__, "ids %#lx and %#lx share an index",
			       ids[i], ids[j]);
	}
}

static void test_api_version(void)
{
	struct layout l;

	EXPECT(ISLET_API_VERSION_MAJOR, 1);
	EXPECT(ISLET_API_VERSION_MINOR, 0);
	LAYOUT_BEGIN_OWN(&l, struct hc_api_version);
	OWN_FIELD(&l, struct hc_api_version, major_version, 0);
	OWN_FIELD(&l, struct hc_api_version, minor_version, 4);
	LAYOUT_END(&l);
	EXPECT(sizeof(struct hc_api_version), 8);
}

static void test_memory_regions(void)
{
	struct layout l;

	EXPECT(MR_ADD, 0);
	EXPECT(MR_MODIFY, 3);
	EXPECT(MR_DEL, 2);

	LAYOUT_BEGIN_OWN(&l, struct vm_memory_region);
	OWN_FIELD(&l, struct vm_memory_region, type, 0);
	OWN_FIELD(&l, struct vm_memory_region, prot, 4);
	OWN_FIELD(&l, struct vm_memory_region, gpa, 8);
	OWN_FIELD(&l, struct vm_memory_region, service_vm_gpa, 16);
	OWN_FIELD(&l, struct vm_memory_region, size, 24);
	LAYOUT_END(&l);
	EXPECT(sizeof(struct vm_memory_region), 32);

	LAYOUT_BEGIN_OWN(&l, struct vm_memory_region_batch);
	OWN_FIELD(&l, struct vm_memory_region_batch, vmid, 0);
	OWN_FIELD(&l, struct vm_memory_region_batch, reserved0, 2);
	OWN_FIELD(&l, struct vm_memory_region_batch, regions_num, 8);
	OWN_FIELD(&l, struct vm_memory_region_batch, reserved1, 12);
	OWN_FIELD(&l, struct vm_memory_region_batch, regions_gpa, 16);
	LAYOUT_END(&l);
	EXPECT(sizeof(struct vm_memory_region_batch), 24);

	LAYOUT_BEGIN_OWN(&l, struct vm_gpa2hpa);
	OWN_FIELD(&l, struct vm_gpa2hpa, gpa, 0);
	OWN_FIELD(&l, struct vm_gpa2hpa, hpa, 8);
	LAYOUT_END(&l);

	LAYOUT_BEGIN_OWN(&l, struct islet_set_ioreq_buffer);
	OWN_FIELD(&l, struct islet_set_ioreq_buffer, ioreq_buf, 0);
	LAYOUT_END(&l);
}

static void test_irqline(void)
{
	struct islet_irqline_ops ops = {
		.gsi = 5, .op = ISLET_IRQLINE_RAISING_PULSE
	};
	struct layout l;
	uint64_t raw;

	LAYOUT_BEGIN_OWN(&l, struct islet_irqline_ops);
	OWN_FIELD(&l, struct islet_irqline_ops, gsi, 0);
	OWN_FIELD(&l, struct islet_irqline_ops, op, 4);
	LAYOUT_END(&l);

	/* The by-value argument is the structure's 8 bytes. */
	memcpy(&raw, &ops, sizeof(raw));
	EXPECT(raw, ISLET_IRQLINE(5, ISLET_IRQLINE_RAISING_PULSE));
	EXPECT(ISLET_IRQLINE(0xffffffffU, ISLET_IRQLINE_FALLING_PULSE),
	       0x3ffffffffULL);
	EXPECT(ISLET_IRQLINE_SET_HIGH, 0);
	EXPECT(ISLET_IRQLINE_SET_LOW, 1);
}

static void test_pm_command(void)
{
	uint32_t cmd = (3U << ISLET_PMCMD_VMID_SHIFT) |
		       (1U << ISLET_PMCMD_VCPUID_SHIFT) |
		       (2U << ISLET_PMCMD_STATE_NUM_SHIFT) |
		       ISLET_PMCMD_GET_CX_DATA;

	EXPECT((cmd & ISLET_PMCMD_VMID_MASK) >> ISLET_PMCMD_VMID_SHIFT, 3);
	EXPECT((cmd & ISLET_PMCMD_VCPUID_MASK) >> ISLET_PMCMD_VCPUID_SHIFT, 1);
	EXPECT((cmd & ISLET_PMCMD_STATE_NUM_MASK) >>
	       ISLET_PMCMD_STATE_NUM_SHIFT, 2);
	EXPECT(cmd & ISLET_PMCMD_TYPE_MASK, ISLET_PMCMD_GET_CX_DATA);
	EXPECT(ISLET_PMCMD_VMID_MASK | ISLET_PMCMD_VCPUID_MASK |
	       ISLET_PMCMD_STATE_NUM_MASK | ISLET_PMCMD_TYPE_MASK, 0xffffffffU);
}

/* ---- CPUID -------------------------------------------------------------- */

static void test_cpuid(void)
{
	const uint32_t regs[3] = {
		ISLET_CPUID_SIGNATURE_EBX, ISLET_CPUID_SIGNATURE_ECX,
		ISLET_CPUID_SIGNATURE_EDX,
	};
	char sig[13] = { 0 };

	memcpy(sig, regs, 12);
	report(strcmp(sig, "ACRNACRNACRN") == 0, __FILE__, __LINE__,
	       "EBX:ECX:EDX spell \"%s\", must spell \"ACRNACRNACRN\"", sig);
	report(strcmp(ISLET_CPUID_SIGNATURE, "ACRNACRNACRN") == 0, __FILE__,
	       __LINE__, "ISLET_CPUID_SIGNATURE is \"%s\"",
	       ISLET_CPUID_SIGNATURE);
	EXPECT(ISLET_CPUID_LEAF_SIGNATURE, 0x40000000U);
	EXPECT(ISLET_CPUID_LEAF_FEATURES, 0x40000001U);
	EXPECT(ISLET_CPUID_LEAF_TSC_KHZ, 0x40000010U);
	EXPECT(ISLET_CPUID_MAX_LEAF, 0x40000010U);
	EXPECT(ISLET_CPUID_FEATURE_PRIVILEGED_VM, 1);
}

/* ---- The three compilation settings agree -------------------------------- */

static void compare_views(const char *what, const struct abi_view *v,
			  unsigned int n)
{
	static const struct abi_view here[] = { ABI_STRUCTS(ABI_VIEW_ENTRY) };
	unsigned int len = sizeof(here) / sizeof(here[0]);

	report(n == len, __FILE__, __LINE__, "%s lists %u structures, not %u",
	       what, n, len);
	for (unsigned int i = 0; i < n && i < len; i++)
		report(strcmp(v[i].name, here[i].name) == 0 &&
		       v[i].size == here[i].size && v[i].align == here[i].align,
		       __FILE__, __LINE__,
		       "%s: %s size %lu align %lu; hosted: %s size %lu align %lu",
		       what, v[i].name, v[i].size, v[i].align, here[i].name,
		       here[i].size, here[i].align);
}

static void test_freestanding_view(void)
{
	compare_views("freestanding.c", abi_view_freestanding,
		      abi_view_freestanding_len);
}

static void test_userspace_view(void)
{
	compare_views("userspace.c", abi_view_userspace,
		      abi_view_userspace_len);
}

/* ---- Nothing upstream defines is left unchecked ------------------------ */

static void want_checked(const char *name, unsigned int lineno)
{
	report(upstream_checked(name), __FILE__, __LINE__,
	       "%s (line %u of %s) has no Islet twin checked by this test",
	       name, lineno, upstream_header);
}

/* The identifier at s, copied to buf. */
static const char *ident(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	while (n + 1 < size && (s[n] == '_' || (s[n] >= 'A' && s[n] <= 'Z') ||
				(s[n] >= 'a' && s[n] <= 'z') ||
				(s[n] >= '0' && s[n] <= '9'))) {
		buf[n] = s[n];
		n++;
	}
	buf[n] = '\0';
	return buf;
}

static void test_upstream_complete(void)
{
	FILE *f = fopen(upstream_header, "r");
	char line[512], name[128], full[160];
	unsigned int lineno = 0, found = 0;

	report(f != NULL, __FILE__, __LINE__, "cannot open %s",
	       upstream_header);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *s = line;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "#define", 7) == 0) {
			s += 7;
			while (*s == ' ' || *s == '\t')
				s++;
			ident(s, name, sizeof(name));
			if (strncmp(name, "ACRN_", 5) != 0 &&
			    strncmp(name, "PMCMD_", 6) != 0)
				continue;
			want_checked(name, lineno);
			found++;
		} else if (s == line && strncmp(s, "struct acrn_", 12) == 0 &&
			   strchr(s, '{')) {
			ident(s + 7, name, sizeof(name));
			snprintf(full, sizeof(full), "struct %s", name);
			want_checked(full, lineno);
			found++;
		} else if (strncmp(s, "ACRN_", 5) == 0) {
			/* an enumerator */
			want_checked(ident(s, name, sizeof(name)), lineno);
			found++;
		}
	}
	fclose(f);
	report(found > 50, __FILE__, __LINE__,
	       "only %u definitions found in %s: not the header expected?",
	       found, upstream_header);
}

/* ---- Runner ------------------------------------------------------------- */

struct test {
	const char *name;
	CU_TestFunc fn;
};

struct suite {
	const char *name;
	const struct test *tests;
};

static const struct test upstream_tests[] = {
	{ "acrn_vm_creation", test_vm_creation },
	{ "acrn_gp_regs", test_gp_regs },
	{ "acrn_descriptor_ptr", test_descriptor_ptr },
	{ "acrn_regs", test_regs },
	{ "acrn_vcpu_regs", test_vcpu_regs },
	{ "acrn_msi_entry", test_msi_entry },
	{ "acrn_ioreq_notify", test_ioreq_notify },
	{ "acrn_vm_memmap", test_vm_memmap },
	{ "acrn_ptdev_irq", test_ptdev_irq },
	{ "acrn_pcidev", test_pcidev },
	{ "acrn_mmiodev", test_mmiodev },
	{ "acrn_vdev", test_vdev },
	{ "acrn_ioeventfd", test_ioeventfd },
	{ "acrn_irqfd", test_irqfd },
	{ "acrn_acpi_generic_address", test_acpi_generic_address },
	{ "acrn_cstate_data", test_cstate_data },
	{ "acrn_pstate_data", test_pstate_data },
	{ "constants", test_constants },
	{ "ioctl numbers", test_ioctl_numbers },
	{ "ioctl numbers from islet/hsm.h alone", test_ioctl_numbers_alone },
	{ NULL, NULL }
};

static const struct test ioreq_tests[] = {
	{ "acrn_pio_request", test_pio_request },
	{ "acrn_mmio_request", test_mmio_request },
	{ "acrn_pci_request", test_pci_request },
	{ "acrn_io_request", test_io_request },
	{ "slot offsets", test_io_request_offsets },
	{ "page of 16 slots", test_io_request_buffer },
	{ "states, types, directions", test_ioreq_values },
	{ NULL, NULL }
};

static const struct test hypercall_tests[] = {
	{ "ids", test_hypercall_ids },
	{ "hc_api_version", test_api_version },
	{ "memory regions", test_memory_regions },
	{ "irqline by value", test_irqline },
	{ "PM command word", test_pm_command },
	{ "CPUID leaves", test_cpuid },
	{ NULL, NULL }
};

static const struct test build_tests[] = {
	{ "freestanding view", test_freestanding_view },
	{ "userspace view", test_userspace_view },
	{ "every upstream name checked", test_upstream_complete },
	{ NULL, NULL }
};

static const struct suite suites[] = {
	{ "upstream <linux/acrn.h>", upstream_tests },
	{ "I/O request page", ioreq_tests },
	{ "hypercalls and CPUID", hypercall_tests },
	{ "compilation settings", build_tests },
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	unsigned int failures;

	if (argc > 1)
		upstream_header = argv[1];
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (const struct suite *s = suites; s->name; s++) {
		CU_pSuite cs = CU_add_suite(s->name, NULL, NULL);

		if (!cs)
			goto fail;
		for (const struct test *t = s->tests; t->name; t++)
			if (!CU_add_test(cs, t->name, t->fn))
				goto fail;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
fail:
	fprintf(stderr, "abi-test: CUnit error: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 2;
}
