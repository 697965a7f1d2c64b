/* VMX operation: VMXON, the VMCS of a vCPU, and the run loop. */
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "vcpu_vendor.h"
#include "vmx.h"
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/percpu.h>
#include <asm/vmcs.h>

extern char vmx_exit_entry[];	/* vmx_entry.S */

__noreturn void vmcs_fail(const char *op, u32 field)
{
	u64 err = 0;

	/* The error number is only valid after VMfailValid (ZF). */
	asm volatile("vmread %1, %0" : "=r"(err) : "r"((u64)VMCS_INSTR_ERROR)
		     : "cc");
	panic("%s of VMCS field 0x%x failed (VM-instruction error %lu)\n",
	      op, field, err);
}

int vendor_cpu_enable(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();
	u32 *vmxon = page_alloc();
	u64 pa = (u64)vmxon;
	bool ok;

	if (!vmxon)
		return -ENOMEM;
	/* Loaders may leave CR0.NE clear; VMX operation requires it. */
	cr0 |= X86_CR0_NE;
	write_cr0(cr0);
	if ((cr0 & vmx_cfg.cr0_fixed0) != vmx_cfg.cr0_fixed0 ||
	    (cr0 & ~vmx_cfg.cr0_fixed1))
		return -EINVAL;
	cr4 |= X86_CR4_VMXE;
	if ((cr4 & ~vmx_cfg.cr4_fixed1) ||
	    (cr4 & vmx_cfg.cr4_fixed0) != vmx_cfg.cr4_fixed0)
		return -EINVAL;
	write_cr4(cr4);
	*vmxon = vmx_cfg.revision;
	asm volatile("vmxon %1" : "=@cca"(ok) : "m"(pa) : "cc", "memory");
	return ok ? 0 : -EIO;
}

void vendor_vm_flush(struct vm *vm)
{
	struct { u64 eptp, reserved; } desc = { vm->eptp, 0 };
	u64 type = (vmx_cfg.ept_cap & EPT_CAP_INVEPT_SINGLE) ? 1 : 2;

	if (!vm->eptp)
		return;		/* a User VM that never ran: nothing cached */
	asm volatile("invept %0, %1" :: "m"(desc), "r"(type) : "cc", "memory");
}

int vendor_vm_init(struct vm *vm)
{
	/* Write-back paging structures, 4-level walk. */
	vm->eptp = (u64)vm->ept.root | (3 << 3) | 6;
	vm->msr_bitmap = page_alloc();
	vm->io_bitmap[0] = page_alloc();
	vm->io_bitmap[1] = page_alloc();
	if (!vm->msr_bitmap || !vm->io_bitmap[0] || !vm->io_bitmap[1])
		return -ENOMEM;
	return 0;
}

static void write_segment(u32 sel_f, u32 base_f, u32 limit_f, u32 ar_f,
			  u16 sel, u64 base, u32 limit, u32 ar)
{
	__vmcs_write(sel_f, sel);
	__vmcs_write(base_f, base);
	__vmcs_write(limit_f, limit);
	__vmcs_write(ar_f, ar);
}

void vmx_setup_host_state(struct vcpu *vcpu)
{
	struct percpu *pc = &percpu[vcpu->pcpu];
	struct desc_ptr gdtr, idtr;

	sgdt(&gdtr);
	sidt(&idtr);
	vmcs_writenat(VMCS_HOST_CR0, read_cr0());
	vmcs_writenat(VMCS_HOST_CR3, read_cr3());
	vmcs_writenat(VMCS_HOST_CR4, read_cr4());
	vmcs_write16(VMCS_HOST_CS_SEL, GDT_CS);
	vmcs_write16(VMCS_HOST_SS_SEL, GDT_DS);
	vmcs_write16(VMCS_HOST_DS_SEL, GDT_DS);
	vmcs_write16(VMCS_HOST_ES_SEL, GDT_DS);
	vmcs_write16(VMCS_HOST_FS_SEL, GDT_DS);
	vmcs_write16(VMCS_HOST_GS_SEL, GDT_DS);
	vmcs_write16(VMCS_HOST_TR_SEL, GDT_TSS);
	vmcs_writenat(VMCS_HOST_FS_BASE, 0);
	vmcs_writenat(VMCS_HOST_GS_BASE, (u64)pc);
	vmcs_writenat(VMCS_HOST_TR_BASE, (u64)&pc->tss);
	vmcs_writenat(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_writenat(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write32(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_writenat(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_writenat(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write64(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_writenat(VMCS_HOST_RIP, (u64)vmx_exit_entry);
	/* HOST_RSP is written by vmx_enter on every entry. */
}

void vmx_setup_controls(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	vmcs_write32(VMCS_PIN_CONTROLS, vmx_cfg.pin);
	vmcs_write32(VMCS_PROC_CONTROLS, vmx_cfg.proc);
	vmcs_write32(VMCS_PROC_CONTROLS2, vmx_cfg.proc2);
	vmcs_write32(VMCS_EXIT_CONTROLS, vmx_cfg.exit);
	vmcs_write32(VMCS_ENTRY_CONTROLS, vmx_cfg.entry);
	vmcs_write32(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write64(VMCS_IO_BITMAP_A, (u64)vm->io_bitmap[0]);
	vmcs_write64(VMCS_IO_BITMAP_B, (u64)vm->io_bitmap[1]);
	vmcs_write64(VMCS_MSR_BITMAP, (u64)vm->msr_bitmap);
	vmcs_write64(VMCS_EPT_POINTER, vm->eptp);
	if (vmx_cfg.proc2 & PROC2_VPID)
		vmcs_write16(VMCS_VPID, 1 + vcpu->id);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	/* The guest may not clear CR0.NE nor see or clear CR4.VMXE: those
	 * bits exit on change and are shown as the guest wrote them. */
	vmcs_writenat(VMCS_CR0_MASK, X86_CR0_NE);
	vmcs_writenat(VMCS_CR4_MASK, X86_CR4_VMXE);
}

/* 32-bit flat protected mode with paging off (needs unrestricted guest),
 * which is what the Linux 32-bit boot protocol asks for. */
static void setup_guest_state(struct vcpu *vcpu, const struct vcpu_boot_state *st)
{
	const u32 code32 = 0xc09b, data32 = 0xc093;	/* G, D/B, P, S, type */

	write_segment(VMCS_GUEST_CS_SEL, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT,
		      VMCS_GUEST_CS_AR, 0x10, 0, 0xffffffff, code32);
	write_segment(VMCS_GUEST_DS_SEL, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT,
		      VMCS_GUEST_DS_AR, 0x18, 0, 0xffffffff, data32);
	write_segment(VMCS_GUEST_ES_SEL, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT,
		      VMCS_GUEST_ES_AR, 0x18, 0, 0xffffffff, data32);
	write_segment(VMCS_GUEST_SS_SEL, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT,
		      VMCS_GUEST_SS_AR, 0x18, 0, 0xffffffff, data32);
	write_segment(VMCS_GUEST_FS_SEL, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT,
		      VMCS_GUEST_FS_AR, 0x18, 0, 0xffffffff, data32);
	write_segment(VMCS_GUEST_GS_SEL, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT,
		      VMCS_GUEST_GS_AR, 0x18, 0, 0xffffffff, data32);
	/* A busy 32-bit TSS and an unusable LDT, as VM entry requires. */
	write_segment(VMCS_GUEST_TR_SEL, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT,
		      VMCS_GUEST_TR_AR, 0, 0, 0xff, 0x8b);
	write_segment(VMCS_GUEST_LDTR_SEL, VMCS_GUEST_LDTR_BASE,
		      VMCS_GUEST_LDTR_LIMIT, VMCS_GUEST_LDTR_AR, 0, 0, 0, BIT(16));
	vmcs_writenat(VMCS_GUEST_GDTR_BASE, st->gdt_base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, st->gdt_limit);
	vmcs_writenat(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0);

	vmcs_writenat(VMCS_GUEST_CR0, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	vmcs_writenat(VMCS_CR0_READ_SHADOW, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	vmcs_writenat(VMCS_GUEST_CR3, 0);
	vmcs_writenat(VMCS_GUEST_CR4, X86_CR4_VMXE);
	vmcs_writenat(VMCS_CR4_READ_SHADOW, 0);
	vmcs_write64(VMCS_GUEST_IA32_EFER, 0);
	vmcs_write64(VMCS_GUEST_IA32_PAT, 0x0007040600070406ULL);
	vmcs_writenat(VMCS_GUEST_DR7, 0x400);
	vmcs_writenat(VMCS_GUEST_RSP, 0);
	vmcs_writenat(VMCS_GUEST_RIP, st->rip);
	vmcs_writenat(VMCS_GUEST_RFLAGS, X86_RFLAGS_FIXED);
	vmcs_writenat(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_writenat(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_writenat(VMCS_GUEST_SYSENTER_EIP, 0);

	vcpu->regs.rsi = st->rsi;
}

int vendor_vcpu_init(struct vcpu *vcpu, const struct vcpu_boot_state *st)
{
	u64 pa;
	bool ok;

	vcpu->vmcs = page_alloc();
	if (!vcpu->vmcs)
		return -ENOMEM;
	*(u32 *)vcpu->vmcs = vmx_cfg.revision;
	pa = (u64)vcpu->vmcs;
	asm volatile("vmclear %1" : "=@cca"(ok) : "m"(pa) : "cc", "memory");
	if (ok)
		asm volatile("vmptrld %1" : "=@cca"(ok) : "m"(pa) : "cc", "memory");
	if (!ok)
		return -EIO;
	vmx_setup_controls(vcpu);
	vmx_setup_host_state(vcpu);
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	if (st->parked)
		vmx_set_reset_state(vcpu, 0, 0);	/* entered after its SIPI */
	else
		setup_guest_state(vcpu, st);
	vcpu->launched = false;
	return 0;
}

/* An exit that interrupted the delivery of an event (say, an EPT
 * violation on the guest's IDT) must re-deliver that event on entry. */
void vmx_requeue_interrupted_event(void)
{
	u32 info = vmcs_read32(VMCS_IDT_VECTORING_INFO);

	if (!(info & BIT(31)))
		return;
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info & 0x80000fff);
	if (info & BIT(11))
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERRCODE,
			     vmcs_read32(VMCS_IDT_VECTORING_ERRCODE));
	vmcs_write32(VMCS_ENTRY_INSTR_LEN, vmcs_read32(VMCS_EXIT_INSTR_LEN));
}

/* Before a Service VM vCPU enters the guest: a stop request whose NMI
 * found the CPU in the hypervisor, and NMIs to deliver.  An NMI waits
 * while the guest blocks NMIs or another event is being injected; the
 * frequent exits of the Service VM (LAPIC writes, I/O) retry it. */
static inline void service_vm_pre_entry(struct vcpu *vcpu)
{
	if (vcpu_must_stop(vcpu))
		vmx_handle_init(vcpu);
	if (__builtin_expect(__atomic_load_n(&vcpu->nmi_pending,
					     __ATOMIC_ACQUIRE), 0) &&
	    !(vmcs_read32(VMCS_ENTRY_INTR_INFO) & BIT(31)) &&
	    !(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) & (BIT(1) | BIT(3)))) {
		__atomic_store_n(&vcpu->nmi_pending, 0, __ATOMIC_RELEASE);
		vmcs_write32(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 2);
	}
}

void vendor_vcpu_run(struct vcpu *vcpu)
{
	do
		service_vm_pre_entry(vcpu);
	while (!vmx_enter_and_handle(vcpu));
}
