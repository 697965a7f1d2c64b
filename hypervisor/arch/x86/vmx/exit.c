/* VM-exit handlers, dispatched from a table indexed by the architectural
 * exit reason.  Reasons without a handler stop the vCPU with a report. */
#include "cpu_model.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "timer.h"
#include "vcpu_vendor.h"
#include "user_vm.h"
#include "vlapic.h"
#include "vmx.h"
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/percpu.h>
#include <asm/pio.h>
#include <asm/vmcs.h>
#include <islet/cpuid.h>

typedef int (*exit_handler_t)(struct vcpu *vcpu);

void vmx_skip_instruction(struct vcpu *vcpu)
{
	vendor_advance_rip(vcpu, vmcs_read32(VMCS_EXIT_INSTR_LEN));
}

void vmx_inject_exception(struct vcpu *vcpu, u8 vector, bool has_err, u32 err)
{
	/* type 3: hardware exception */
	vmcs_write32(VMCS_ENTRY_INTR_INFO, BIT(31) | (3 << 8) | vector |
		     (has_err ? BIT(11) : 0));
	if (has_err)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERRCODE, err);
}

static u64 guest_gpr(struct vcpu *vcpu, unsigned n)
{
	if (n == 4)
		return vmcs_readnat(VMCS_GUEST_RSP);
	return ((u64 *)&vcpu->regs)[n];
}

u64 vendor_gpr(struct vcpu *vcpu, unsigned n)
{
	return guest_gpr(vcpu, n & 15);
}

u64 vendor_seg_base(struct vcpu *vcpu, unsigned seg)
{
	switch (seg) {
	case 0: return vmcs_readnat(VMCS_GUEST_ES_BASE);
	case 1: return vmcs_readnat(VMCS_GUEST_CS_BASE);
	case 2: return vmcs_readnat(VMCS_GUEST_SS_BASE);
	case 3: return vmcs_readnat(VMCS_GUEST_DS_BASE);
	case 4: return vmcs_readnat(VMCS_GUEST_FS_BASE);
	default: return vmcs_readnat(VMCS_GUEST_GS_BASE);
	}
}

u64 vendor_rflags(struct vcpu *vcpu)
{
	return vmcs_readnat(VMCS_GUEST_RFLAGS);
}

void vendor_set_rflags(struct vcpu *vcpu, u64 rflags)
{
	vmcs_writenat(VMCS_GUEST_RFLAGS, rflags);
}

void vendor_set_gpr(struct vcpu *vcpu, unsigned n, u64 val)
{
	if ((n & 15) == 4)
		vmcs_writenat(VMCS_GUEST_RSP, val);
	else
		((u64 *)&vcpu->regs)[n & 15] = val;
}

/* Completing an instruction ends an STI or MOV SS interrupt shadow, as
 * on the CPU: otherwise "STI; HLT" would leave the woken vCPU unable to
 * take the interrupt that woke it until after the next instruction. */
void vendor_advance_rip(struct vcpu *vcpu, u64 len)
{
	u32 shadow = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);

	vmcs_writenat(VMCS_GUEST_RIP, vmcs_readnat(VMCS_GUEST_RIP) + len);
	if (shadow & 3)
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, shadow & ~3U);
}

void vendor_insn_ctx(struct vcpu *vcpu, struct vcpu_insn_ctx *ctx)
{
	u32 cs_ar = vmcs_read32(VMCS_GUEST_CS_AR);
	u64 efer = vmcs_read64(VMCS_GUEST_IA32_EFER);

	ctx->long_mode = (efer & EFER_LMA) && (cs_ar & BIT(13));
	ctx->def32 = cs_ar & BIT(14);
	ctx->cpl = (u8)((vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3);
	ctx->rip_linear = vmcs_readnat(VMCS_GUEST_RIP) +
		(ctx->long_mode ? 0 : vmcs_readnat(VMCS_GUEST_CS_BASE));
	ctx->paging = (struct guest_paging){
		.cr0 = vmcs_readnat(VMCS_GUEST_CR0),
		.cr3 = vmcs_readnat(VMCS_GUEST_CR3),
		.cr4 = vmcs_readnat(VMCS_GUEST_CR4),
		.efer = efer,
	};
}

/* CR2 is not part of the VMCS: while the vCPU runs on this CPU the CPU's
 * own CR2 is the guest's, and nothing in the hypervisor faults before the
 * entry. */
void vendor_inject_page_fault(struct vcpu *vcpu, u64 addr, u32 err)
{
	asm volatile("mov %0, %%cr2" :: "r"(addr) : "memory");
	vmx_inject_exception(vcpu, 14, true, err);
}

static u32 guest_cpl(void)
{
	return (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3;
}

static int handle_cpuid(struct vcpu *vcpu)
{
	u32 leaf = (u32)vcpu->regs.rax, sub = (u32)vcpu->regs.rcx;
	struct cpuid_regs r = { 0 };

	if (!vcpu->vm->privileged) {
		cpu_model_cpuid(vcpu, leaf, sub, &r);	/* the User VM policy */
	} else if ((leaf & 0xffffff00) == ISLET_CPUID_LEAF_SIGNATURE) {
		switch (leaf) {
		case ISLET_CPUID_LEAF_SIGNATURE:
			r.eax = ISLET_CPUID_MAX_LEAF;
			r.ebx = ISLET_CPUID_SIGNATURE_EBX;
			r.ecx = ISLET_CPUID_SIGNATURE_ECX;
			r.edx = ISLET_CPUID_SIGNATURE_EDX;
			break;
		case ISLET_CPUID_LEAF_FEATURES:
			r.eax = ISLET_CPUID_FEATURE_PRIVILEGED_VM;
			break;
		case ISLET_CPUID_LEAF_TSC_KHZ:
			r.eax = (u32)tsc_get_khz();
			break;
		}
	} else {
		cpuid_count(leaf, sub, &r);
		if (leaf == 1) {
			/* No nested VMX; say a hypervisor is present; OSXSAVE
			 * follows the guest's CR4, not the host's. */
			r.ecx &= ~BIT(5);
			r.ecx |= BIT(31);
			r.ecx &= ~BIT(27);
			if (vmcs_readnat(VMCS_CR4_READ_SHADOW) & X86_CR4_OSXSAVE)
				r.ecx |= BIT(27);
			/* No MONITOR/MWAIT: Linux then idles in HLT, and a
			 * waker sends an IPI.  A CPU idling in MWAIT is woken
			 * by a store to its monitored flags alone, and Bochs
			 * 2.7 can disarm a sleeping CPU's monitor without
			 * waking it (doc/architecture.md, "Idle"). */
			r.ecx &= ~BIT(3);
		} else if (leaf == 5) {
			r = (struct cpuid_regs){ 0 };	/* MWAIT's leaf */
		}
	}
	vcpu->regs.rax = r.eax;
	vcpu->regs.rbx = r.ebx;
	vcpu->regs.rcx = r.ecx;
	vcpu->regs.rdx = r.edx;
	vmx_skip_instruction(vcpu);
	return 0;
}

/* MOV to CR0/CR4 exits only when a masked bit (CR0.NE, CR4.VMXE) would
 * change; the guest sees what it wrote, the CPU keeps what VMX needs. */
static int guest_write_cr0(struct vcpu *vcpu, u64 val)
{
	u64 efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	u64 old = vmcs_readnat(VMCS_GUEST_CR0);

	if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE))) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	/* Paging turned on with EFER.LME set enters long mode: the CPU does
	 * that itself when the write does not exit; here it is ours to do. */
	if ((val & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME)) {
		vmcs_write64(VMCS_GUEST_IA32_EFER, efer | EFER_LMA);
		vmcs_write32(VMCS_ENTRY_CONTROLS,
			     vmcs_read32(VMCS_ENTRY_CONTROLS) | ENTRY_IA32E_GUEST);
	} else if (!(val & X86_CR0_PG) && (old & X86_CR0_PG)) {
		vmcs_write64(VMCS_GUEST_IA32_EFER, efer & ~EFER_LMA);
		vmcs_write32(VMCS_ENTRY_CONTROLS,
			     vmcs_read32(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
	}
	vmcs_writenat(VMCS_CR0_READ_SHADOW, val);
	vmcs_writenat(VMCS_GUEST_CR0, val | X86_CR0_NE);
	return 0;
}

static int guest_write_cr4(struct vcpu *vcpu, u64 val)
{
	if (val & X86_CR4_VMXE || (val & ~vmx_cfg.cr4_fixed1)) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	vmcs_writenat(VMCS_CR4_READ_SHADOW, val);
	vmcs_writenat(VMCS_GUEST_CR4, val | X86_CR4_VMXE);
	return 0;
}

/* A User VM's CR8 without APIC virtualization (vmx_caps.c): the vLAPIC's
 * task priority, never the physical one. */
static int user_cr8_access(struct vcpu *vcpu, bool write, unsigned gpr)
{
	if (vcpu->vm->privileged)
		return -EOPNOTSUPP;	/* its CR8 accesses do not exit */
	if (!write)
		vendor_set_gpr(vcpu, gpr, vlapic_cr8(&vcpu->vlapic));
	else if (vlapic_set_cr8(&vcpu->vlapic, guest_gpr(vcpu, gpr))) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_cr_access(struct vcpu *vcpu)
{
	u64 q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned cr = q & 0xf, type = (q >> 4) & 3, gpr = (q >> 8) & 0xf;
	u64 shadow0 = vmcs_readnat(VMCS_CR0_READ_SHADOW);
	int ret;

	if (cr == 8 && type < 2)
		return user_cr8_access(vcpu, type == 0, gpr);
	switch (type) {
	case 0:	/* MOV to CR */
		if (cr == 0)
			ret = guest_write_cr0(vcpu, guest_gpr(vcpu, gpr));
		else if (cr == 4)
			ret = guest_write_cr4(vcpu, guest_gpr(vcpu, gpr));
		else
			return -EOPNOTSUPP;
		break;
	case 2:	/* CLTS */
		ret = guest_write_cr0(vcpu, shadow0 & ~BIT(3));
		break;
	case 3:	/* LMSW: low four bits, and it cannot clear PE */
		ret = guest_write_cr0(vcpu, (shadow0 & ~0xeULL) | ((q >> 16) & 0xf));
		break;
	default:	/* MOV from CR0/CR4 never exits (read shadows) */
		return -EOPNOTSUPP;
	}
	if (!ret && !(vmcs_read32(VMCS_ENTRY_INTR_INFO) & BIT(31)))
		vmx_skip_instruction(vcpu);
	return ret;
}

static bool is_vmx_msr(u32 msr)
{
	return msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_VMFUNC;
}

/* A User VM's MSR access: the CPU model's policy says what it reads or
 * does, or that it faults (#GP, the instruction not retired). */
static int user_msr_access(struct vcpu *vcpu, bool write)
{
	u32 msr = (u32)vcpu->regs.rcx;
	u64 v = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;

	if (write ? cpu_model_wrmsr(vcpu, msr, v) : cpu_model_rdmsr(vcpu, msr, &v)) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	if (!write) {
		vcpu->regs.rax = (u32)v;
		vcpu->regs.rdx = v >> 32;
	}
	vmx_skip_instruction(vcpu);
	return 0;
}

/* The Service VM: only the MSRs the bitmap traps (VMX capabilities,
 * feature control) and those outside the bitmap's ranges get here.  VMX
 * is hidden from guests, so its MSRs fault as on a CPU without it. */
static int handle_rdmsr(struct vcpu *vcpu)
{
	u32 msr = (u32)vcpu->regs.rcx;
	u64 v;

	if (!vcpu->vm->privileged)
		return user_msr_access(vcpu, false);
	if (msr == MSR_IA32_FEATURE_CONTROL) {
		v = rdmsr(msr) & ~(FEATURE_CONTROL_VMX_IN_SMX |
				   FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	} else if (is_vmx_msr(msr) || rdmsr_safe(msr, &v)) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	vcpu->regs.rax = (u32)v;
	vcpu->regs.rdx = v >> 32;
	vmx_skip_instruction(vcpu);
	return 0;
}

static int handle_wrmsr(struct vcpu *vcpu)
{
	u32 msr = (u32)vcpu->regs.rcx;
	u64 v = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;

	if (!vcpu->vm->privileged)
		return user_msr_access(vcpu, true);
	if (msr == MSR_X2APIC_ICR) {
		int ret = service_vm_icr_write(vcpu, v);

		if (!ret)
			vmx_skip_instruction(vcpu);
		return ret;
	}
	/* Moving the APIC page or switching its mode would take it out of
	 * the hypervisor's filter (or put it over hypervisor memory). */
	if (msr == MSR_IA32_APIC_BASE && v != rdmsr(MSR_IA32_APIC_BASE)) {
		pr_info("%s: refused IA32_APIC_BASE change to 0x%lx\n",
			vcpu->vm->name, v);
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}

	if (msr == MSR_IA32_FEATURE_CONTROL || is_vmx_msr(msr) ||
	    wrmsr_safe(msr, v)) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	vmx_skip_instruction(vcpu);
	return 0;
}

/* XSETBV always exits.  Validate XCR0 as the CPU would (x87 on, AVX needs
 * SSE, AVX-512 states all or none and with AVX, only supported bits) and
 * load it: the hypervisor itself uses no extended state. */
static int handle_xsetbv(struct vcpu *vcpu)
{
	u64 v = (vcpu->regs.rdx << 32) | (u32)vcpu->regs.rax;
	struct cpuid_regs r;
	u64 supported;

	cpuid_count(0xd, 0, &r);
	supported = ((u64)r.edx << 32) | r.eax;
	if ((u32)vcpu->regs.rcx != 0 || !(v & BIT(0)) || (v & ~supported) ||
	    ((v & BIT(2)) && !(v & BIT(1))) ||
	    (((v >> 3) & 3) != 0 && ((v >> 3) & 3) != 3) ||
	    ((v & 0xe0) && ((v & 0xe0) != 0xe0 || !(v & BIT(2))))) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	write_xcr(0, v);
	vmx_skip_instruction(vcpu);
	return 0;
}

static const struct io_handler *find_io_handler(const struct vm *vm, u16 port,
						u8 size)
{
	for (u32 i = 0; i < vm->nr_io; i++) {
		const struct io_handler *h = &vm->io[i];

		if (port >= h->base && port + size <= h->base + h->len)
			return h;
	}
	return NULL;
}

/* A port access hit the I/O bitmap.  A registered handler serves it; the
 * Service VM owns the ports, so an access that only overlaps a trapped
 * port (a dword at 0xcf8 covers the reset port 0xcf9) goes to the
 * hardware. */
static int handle_io(struct vcpu *vcpu)
{
	u64 q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	u8 size = (q & 7) + 1;
	bool in = q & BIT(3);
	u16 port = (u16)(q >> 16);
	struct vm *vm = vcpu->vm;
	const struct io_handler *h = find_io_handler(vm, port, size);
	u32 val = (u32)vcpu->regs.rax;

	if (q & BIT(4))		/* string I/O is never trapped on purpose */
		return -EOPNOTSUPP;
	if (h) {
		int ret = h->handle(vcpu, port, size, in, &val);

		if (ret)
			return ret;
	} else if (!vm->privileged) {
		/* A User VM's port: the device model's.  Abandoned for a
		 * stop request, it is not retired. */
		int ret = user_vcpu_pio(vcpu, port, size, in, &val);

		if (ret)
			return ret < 0 ? ret : 0;
	} else if (vm->privileged) {
		if (in)
			val = pio_read(port, size);
		else
			pio_write(port, size, val);
	}
	if (in) {
		u64 mask = size == 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;

		/* a 32-bit result zeroes the upper half, like the CPU */
		vcpu->regs.rax = size == 4 ? val :
			(vcpu->regs.rax & ~mask) | (val & mask);
	}
	vmx_skip_instruction(vcpu);
	return 0;
}

/* The Service VM touched guest-physical memory its EPT does not map.  In
 * the hypervisor's range that is refused: reported, and the page is backed
 * by a scratch page so the access completes without reaching hypervisor
 * memory.  Above the mapped space it is MMIO (say a 64-bit BAR), which the
 * Service VM owns: map it on demand. */
static int handle_ept_violation(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	u64 gpa = vmcs_read64(VMCS_GUEST_PHYS_ADDR);
	u64 q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	u64 page = ALIGN_DOWN(gpa, PAGE_SIZE);
	u64 need = (q & BIT(0) ? PT_R : 0) | (q & BIT(1) ? PT_W : 0) |
		   (q & BIT(2) ? PT_X : 0);
	u64 hpa, attr;
	int ret;

	if (!vm->privileged) {
		/* Unmapped: emulated MMIO.  Mapped without the right the
		 * access needs: the VM broke its own memory map. */
		if (!pt_lookup(&vm->ept, gpa, &hpa, &attr))
			return -EFAULT;
		ret = user_vcpu_mmio(vcpu, gpa);
		return ret < 0 ? ret : 0;
	}
	if (page == vm->apic_page && (q & BIT(1)))
		return service_vm_apic_write(vcpu, gpa);
	spin_lock(&vm->ept_lock);
	if (!pt_lookup(&vm->ept, gpa, &hpa, &attr)) {
		/* Mapped meanwhile by another vCPU, or mapped without the
		 * right (a fetch from the scratch page): stop there. */
		ret = (attr & need) == need ? 0 : -EFAULT;
	} else if (gpa >= hv_base() && gpa < hv_base() + hv_size()) {
		pr_info("refused Service VM %s of hypervisor memory at GPA 0x%lx (RIP 0x%lx); the access goes to a scratch page\n",
			(q & BIT(1)) ? "write" : (q & BIT(2)) ? "fetch" : "read",
			gpa, vmcs_readnat(VMCS_GUEST_RIP));
		ret = pt_map(&vm->ept, page, (u64)vm->scratch, PAGE_SIZE,
			     PT_R | PT_W);
	} else if (gpa >= vm->phys_top && gpa < BIT(48)) {
		ret = pt_map(&vm->ept, ALIGN_DOWN(gpa, 2 * MiB),
			     ALIGN_DOWN(gpa, 2 * MiB), 2 * MiB, PT_RWX | PT_UC);
	} else {
		ret = -EFAULT;
	}
	spin_unlock(&vm->ept_lock);
	if (!ret)
		vendor_vm_flush(vm);
	return ret;
}

static int handle_triple_fault(struct vcpu *vcpu)
{
	if (!vcpu->vm->privileged)
		return -EFAULT;
	/* As on bare metal, where a triple fault resets the machine. */
	service_vm_platform_event(vcpu, "triple-faulted: resetting the platform");
	platform_reset();
	return -EFAULT;		/* only if no reset method worked */
}

static int handle_vmcall(struct vcpu *vcpu)
{
	if (!vcpu->vm->privileged) {
		vmx_inject_exception(vcpu, VEC_UD, false, 0);
		return 0;
	}
	if (guest_cpl() != 0) {
		vmx_inject_exception(vcpu, VEC_GP, true, 0);
		return 0;
	}
	vcpu->regs.rax = (u64)hypercall_dispatch(vcpu, vcpu->regs.r8,
						 vcpu->regs.rdi, vcpu->regs.rsi);
	vmx_skip_instruction(vcpu);
	return 0;
}

/* An IRET to the next instruction, for what it does besides returning:
 * it ends the blocking of NMIs that an NMI (or an NMI VM exit) began. */
static void nmi_unblock(void)
{
	u64 tmp;

	asm volatile("movq %%rsp, %0\n\t"
		     "pushq %1\n\t"
		     "pushq %0\n\t"
		     "pushfq\n\t"
		     "pushq %2\n\t"
		     "leaq 1f(%%rip), %0\n\t"
		     "pushq %0\n\t"
		     "iretq\n"
		     "1:"
		     : "=&r"(tmp) : "i"(GDT_DS), "i"(GDT_CS) : "memory");
}

/* Only NMIs exit here (the exception bitmap is empty).  For the Service
 * VM: the hypervisor's stop request, or one of its own NMIs, delivered
 * before the next entry.  A User VM owns no NMI source: dropped. */
static int handle_nmi(struct vcpu *vcpu)
{
	u32 info = vmcs_read32(VMCS_EXIT_INTR_INFO);

	if (((info >> 8) & 7) != 2)
		return -EOPNOTSUPP;
	/* An NMI exit leaves NMIs blocked on this CPU until an IRET: without
	 * one, no later NMI (the next kick) would ever reach it. */
	nmi_unblock();
	if (vcpu->vm->privileged && !vcpu_must_stop(vcpu))
		__atomic_store_n(&vcpu->nmi_pending, 1, __ATOMIC_RELEASE);
	return 0;
}

static int handle_invd(struct vcpu *vcpu)
{
	wbinvd();	/* never drop dirty lines that may be ours */
	vmx_skip_instruction(vcpu);
	return 0;
}

static int inject_ud(struct vcpu *vcpu)
{
	vmx_inject_exception(vcpu, VEC_UD, false, 0);
	return 0;
}

static const exit_handler_t exit_handlers[NR_EXIT_REASONS] = {
	[EXIT_EXCEPTION_NMI]	= handle_nmi,
	[EXIT_EXTINT]		= vmx_handle_extint,
	[EXIT_TRIPLE_FAULT]	= handle_triple_fault,
	[EXIT_INTR_WINDOW]	= vmx_handle_intr_window,
	[EXIT_NMI_WINDOW]	= vmx_handle_nmi_window,
	[EXIT_INIT]		= vmx_handle_init,
	[EXIT_CPUID]		= handle_cpuid,
	[EXIT_HLT]		= vmx_handle_hlt,
	[EXIT_GETSEC]		= inject_ud,
	[EXIT_INVD]		= handle_invd,
	[EXIT_VMCALL]		= handle_vmcall,
	[EXIT_VMCLEAR]		= inject_ud,
	[EXIT_VMLAUNCH]		= inject_ud,
	[EXIT_VMPTRLD]		= inject_ud,
	[EXIT_VMPTRST]		= inject_ud,
	[EXIT_VMREAD]		= inject_ud,
	[EXIT_VMRESUME]		= inject_ud,
	[EXIT_VMWRITE]		= inject_ud,
	[EXIT_VMXOFF]		= inject_ud,
	[EXIT_VMXON]		= inject_ud,
	[EXIT_CR_ACCESS]	= handle_cr_access,
	[EXIT_IO]		= handle_io,
	[EXIT_RDMSR]		= handle_rdmsr,
	[EXIT_WRMSR]		= handle_wrmsr,
	[EXIT_EPT_VIOLATION]	= handle_ept_violation,
	[EXIT_INVEPT]		= inject_ud,
	[EXIT_INVVPID]		= inject_ud,
	[EXIT_XSETBV]		= handle_xsetbv,
	[EXIT_PREEMPT_TIMER]	= vmx_handle_preempt_timer,
	[EXIT_APIC_ACCESS]	= vmx_handle_apic_access,
	[EXIT_EOI_INDUCED]	= vmx_handle_eoi_induced,
	[EXIT_APIC_WRITE]	= vmx_handle_apic_write,
	[EXIT_VMFUNC]		= inject_ud,
};

int vmx_handle_exit(struct vcpu *vcpu, u32 reason)
{
	exit_handler_t h = reason < NR_EXIT_REASONS ? exit_handlers[reason] : NULL;
	int ret;

	if (!h) {
		vmx_report(vcpu, "unhandled VM exit", reason);
		return -EOPNOTSUPP;
	}
	ret = h(vcpu);
	if (ret)
		vmx_report(vcpu, "VM exit handling failed", reason);
	return ret;
}
