/* User VM vCPUs in VMX: their VMCS, their initial state, and their run
 * loop on a CPU the Service VM gave up.
 *
 * A User VM owns no device: every port access exits (all-ones bitmap,
 * shared by all User VMs), and so does every external interrupt, which is
 * how the management side kicks the CPU out of the guest
 * (core/user_vm.c).  MSRs exit except the few the CPU model passes
 * through (user_msr.c); the guest TSC is the host's plus an offset, so
 * RDTSC and RDTSCP do not exit (core/cpu_model.c). */
#include "cpu_model.h"
#include "lib.h"
#include "printk.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include "vmx.h"
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr.h>
#include <asm/vmcs.h>

#define RFLAGS_IF	BIT(9)
#define INTR_TYPE_EXT	(0U << 8)

static u8 all_ones_io[2][PAGE_SIZE] __aligned(PAGE_SIZE);

void vendor_user_cpu_init(void)
{
	/* After the INIT that took the CPU from the Service VM the local
	 * APIC may be software-disabled, and then drops fixed IPIs. */
	apic_sw_enable();
	/* Written by each such CPU alike, before its first VM entry. */
	memset(all_ones_io, 0xff, sizeof(all_ones_io));
}

static void invept_all(const struct vm *vm)
{
	struct { u64 eptp, reserved; } desc = { vm->eptp, 0 };
	u64 type = (vmx_cfg.ept_cap & EPT_CAP_INVEPT_ALL) ? 2 : 1;

	asm volatile("invept %0, %1" :: "m"(desc), "r"(type) : "cc", "memory");
}

static void segment(u32 sel_f, u16 sel, u64 base, u32 limit, u32 ar)
{
	/* The fields of one segment are consecutive in each field group. */
	u32 i = (sel_f - VMCS_GUEST_ES_SEL) / 2;

	__vmcs_write(sel_f, sel);
	__vmcs_write(VMCS_GUEST_ES_BASE + 2 * i, base);
	__vmcs_write(VMCS_GUEST_ES_LIMIT + 2 * i, limit);
	__vmcs_write(VMCS_GUEST_ES_AR + 2 * i, ar);
}

/* The state HC_SET_VCPU_REGS gave (checked there), or the reset vector. */
static void load_init_state(struct vcpu *v)
{
	const struct islet_regs *r = &v->init_regs;
	bool pe = r->cr0 & X86_CR0_PE;
	u64 efer = r->ia32_efer;
	u32 entry = vmcs_read32(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST;
	static const u32 data_sel[] = {
		VMCS_GUEST_ES_SEL, VMCS_GUEST_SS_SEL, VMCS_GUEST_DS_SEL,
		VMCS_GUEST_FS_SEL, VMCS_GUEST_GS_SEL,
	};
	const u16 sels[] = { r->es_sel, r->ss_sel, r->ds_sel, r->fs_sel, r->gs_sel };

	vmx_set_reset_state(v, 0xf000, 0xfff0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write32(VMCS_PROC_CONTROLS, vmcs_read32(VMCS_PROC_CONTROLS) &
		     ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW));
	/* Without a state from the device model, vCPUs other than the
	 * first wait for INIT-SIPI from the guest. */
	v->vlapic.wait_sipi = !v->regs_set && v->id != 0;
	if (!v->regs_set) {
		/* Where a CPU starts after reset: F000:FFF0, CS base
		 * 0xffff0000. */
		vmcs_writenat(VMCS_GUEST_CS_BASE, 0xffff0000);
		vmcs_write32(VMCS_ENTRY_CONTROLS, entry);
		return;
	}
	segment(VMCS_GUEST_CS_SEL, r->cs_sel, r->cs_base, r->cs_limit, r->cs_ar);
	/* Other segments by selector only (the ABI): flat 4 GiB data in
	 * protected mode, selector * 16 in real mode. */
	for (u32 i = 0; i < ARRAY_SIZE(data_sel); i++) {
		if (pe)
			segment(data_sel[i], sels[i], 0, 0xffffffff, 0xc093);
		else
			segment(data_sel[i], sels[i], (u64)sels[i] << 4, 0xffff, 0x93);
	}
	segment(VMCS_GUEST_TR_SEL, r->tr_sel, 0, 0xff, 0x8b);
	segment(VMCS_GUEST_LDTR_SEL, r->ldt_sel, 0, 0, BIT(16));
	vmcs_writenat(VMCS_GUEST_GDTR_BASE, r->gdt.base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, r->gdt.limit);
	vmcs_writenat(VMCS_GUEST_IDTR_BASE, r->idt.base);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, r->idt.limit);
	vmcs_writenat(VMCS_CR0_READ_SHADOW, r->cr0);
	vmcs_writenat(VMCS_GUEST_CR0, r->cr0 | X86_CR0_NE);
	vmcs_writenat(VMCS_CR4_READ_SHADOW, r->cr4);
	vmcs_writenat(VMCS_GUEST_CR4, r->cr4 | X86_CR4_VMXE);
	vmcs_writenat(VMCS_GUEST_CR3, r->cr3);
	if ((efer & EFER_LME) && (r->cr0 & X86_CR0_PG)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_GUEST;
	} else {
		efer &= ~EFER_LMA;
	}
	vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
	vmcs_write32(VMCS_ENTRY_CONTROLS, entry);
	vmcs_writenat(VMCS_GUEST_RFLAGS, r->rflags | X86_RFLAGS_FIXED);
	vmcs_writenat(VMCS_GUEST_RIP, r->rip);
	vmcs_writenat(VMCS_GUEST_RSP, r->gprs.rsp);
	memcpy(&v->regs, &r->gprs, sizeof(v->regs));
}

/* First run on this CPU since the VM was created: a fresh VMCS. */
static int setup_vmcs(struct vcpu *v)
{
	struct vm *vm = v->vm;
	u64 pa = (u64)v->vmcs;
	bool ok;

	vm->eptp = (u64)vm->ept.root | (3 << 3) | 6;
	vm->msr_bitmap = vmx_user_msr_bitmap();
	vm->io_bitmap[0] = all_ones_io[0];
	vm->io_bitmap[1] = all_ones_io[1];
	memset(v->vmcs, 0, PAGE_SIZE);
	*(u32 *)v->vmcs = vmx_cfg.revision;
	asm volatile("vmclear %1" : "=@cca"(ok) : "m"(pa) : "cc", "memory");
	if (ok)
		asm volatile("vmptrld %1" : "=@cca"(ok) : "m"(pa) : "cc", "memory");
	if (!ok)
		return -EIO;
	vmx_setup_controls(v);
	/* HLT exits: Bochs does not end a guest's HLT with IF clear for an
	 * external interrupt, whatever the exiting controls, so a kick
	 * would not reach a halted vCPU; the hypervisor halts it instead.
	 * TSC offsetting: the offset is set at each reset of the vCPU
	 * (cpu_model_vcpu_reset), before its first entry. */
	vmcs_write32(VMCS_PROC_CONTROLS, vmx_cfg.proc | PROC_HLT_EXITING |
		     PROC_TSC_OFFSETTING | (vmx_cfg.apicv ? PROC_TPR_SHADOW :
		     PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING));
	vmcs_write64(VMCS_TSC_OFFSET, 0);
	vmcs_write32(VMCS_PIN_CONTROLS, vmx_cfg.user_pin);
	vmcs_write32(VMCS_EXIT_CONTROLS, vmx_cfg.user_exit);
	vmx_setup_host_state(v);
	if (vmx_cfg.apicv)
		vmx_apicv_setup(v);
	/* The pass-through MSRs the VMCS does not switch still hold what
	 * the last guest on this CPU left there. */
	vmx_user_msrs_clear();
	/* The EPT root may be a page a destroyed VM used. */
	invept_all(vm);
	v->launched = false;
	__atomic_store_n(&v->vmcs_ready, true, __ATOMIC_RELEASE);
	return 0;
}

#define INTR_TYPE_NMI	(2U << 8)

static void set_proc(u32 set, u32 clear)
{
	u32 proc = vmcs_read32(VMCS_PROC_CONTROLS);
	u32 want = (proc | set) & ~clear;

	if (want != proc)
		vmcs_write32(VMCS_PROC_CONTROLS, want);
}

static void inject(u32 info)
{
	vmcs_write32(VMCS_ENTRY_INTR_INFO, BIT(31) | info);
}

/*
 * Before entry: deliver what the virtual LAPIC holds, in the order the CPU
 * takes it: an NMI (unless NMIs are blocked), then the PIC's ExtINT, then
 * the highest fixed vector above the processor priority, the last two only
 * with RFLAGS.IF set and no STI/MOV-SS shadow; otherwise ask for an exit
 * at the interrupt window.  One event per entry: anything left is seen at
 * the next exit.  With APIC virtualization the CPU delivers the fixed
 * vectors itself (apicv.c), and only NMI and ExtINT are injected here.
 */
static void inject_pending(struct vcpu *v)
{
	struct vlapic *l = &v->vlapic;
	u32 pend = __atomic_load_n(&l->pending, __ATOMIC_ACQUIRE);
	u32 block;
	int vec;

	if (vmcs_read32(VMCS_ENTRY_INTR_INFO) & BIT(31))
		return;		/* an exception or re-queued event goes first */
	block = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	if (pend & VLAPIC_PEND_NMI) {
		if (!(block & (BIT(0) | BIT(1) | BIT(3)))) {
			__atomic_and_fetch(&l->pending, ~VLAPIC_PEND_NMI,
					   __ATOMIC_SEQ_CST);
			set_proc(0, PROC_NMI_WINDOW);
			inject(INTR_TYPE_NMI | 2);
			return;
		}
		/* Blocked (in the guest's NMI handler, or a shadow): exit
		 * as soon as it ends, rather than at some later exit. */
		if (vmx_cfg.nmi_window)
			set_proc(PROC_NMI_WINDOW, 0);
	}
	if (!(pend & VLAPIC_PEND_EXTINT) &&
	    (vmx_cfg.apicv || vlapic_pending_vector(l) < 0)) {
		set_proc(0, PROC_INTR_WINDOW);
		return;
	}
	if (!(vmcs_readnat(VMCS_GUEST_RFLAGS) & RFLAGS_IF) || (block & 3)) {
		set_proc(PROC_INTR_WINDOW, 0);
		return;
	}
	vec = vlapic_extint_vector(l);
	if (vec < 0) {
		if (vmx_cfg.apicv)
			return;
		vec = vlapic_pending_vector(l);
		if (vec < 0)
			return;
		vlapic_accept_vector(l, (u32)vec);
	}
	inject(INTR_TYPE_EXT | (u32)vec);
	set_proc(0, PROC_INTR_WINDOW);
}

/* The vLAPIC timer fires from this CPU: check it, and arm the preemption
 * timer for what remains (the pin control only changes when needed). */
static void arm_timer(struct vcpu *v)
{
	struct vlapic *l = &v->vlapic;
	u32 pin = vmcs_read32(VMCS_PIN_CONTROLS), want = pin & ~PIN_PREEMPT_TIMER;

	if (l->timer_deadline) {
		u64 now = rdtsc(), left;

		vlapic_timer_check(l, now);
		if (l->timer_deadline) {
			left = l->timer_deadline > now ?
				(l->timer_deadline - now) >> vmx_cfg.preempt_shift : 0;
			vmcs_write32(VMCS_PREEMPTION_TIMER,
				     left > 0xffffffffULL ? 0xffffffffU : (u32)left);
			want |= PIN_PREEMPT_TIMER;
		}
	}
	if (want != pin)
		vmcs_write32(VMCS_PIN_CONTROLS, want);
}

/* INIT and SIPI from the VM's own vCPUs (or held since reset): after an
 * INIT the vCPU waits in the hypervisor; a SIPI then starts it in real
 * mode at vector * 4 KiB.  Returns true while it must keep waiting. */
static bool init_sipi(struct vcpu *v)
{
	struct vlapic *l = &v->vlapic;
	u32 pend = __atomic_load_n(&l->pending, __ATOMIC_ACQUIRE);

	if (pend & VLAPIC_PEND_INIT) {
		__atomic_and_fetch(&l->pending, ~(VLAPIC_PEND_INIT | VLAPIC_PEND_SIPI),
				   __ATOMIC_SEQ_CST);
		/* INIT resets the CPU but keeps the APIC's state, apart from
		 * what is in flight to it. */
		vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
		set_proc(0, PROC_INTR_WINDOW | PROC_NMI_WINDOW);
		l->wait_sipi = true;
		return true;
	}
	if (!l->wait_sipi)
		return false;
	if (pend & VLAPIC_PEND_SIPI) {
		__atomic_and_fetch(&l->pending, ~VLAPIC_PEND_SIPI, __ATOMIC_SEQ_CST);
		vendor_vcpu_sipi(v, __atomic_load_n(&l->sipi_vector, __ATOMIC_RELAXED));
		vmcs_write32(VMCS_ENTRY_CONTROLS,
			     vmcs_read32(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
		l->wait_sipi = false;
		return false;
	}
	return true;
}

void vendor_user_vcpu_run(struct vcpu *v)
{
	struct vlapic *l = &v->vlapic;
	u64 pa = (u64)v->vmcs;
	bool ok;

	if (!v->vmcs_ready) {
		if (setup_vmcs(v)) {
			pr_err("%s: cannot set up the VMCS of vCPU %u\n",
			       v->vm->name, v->id);
			user_vcpu_failed(v);
			return;
		}
		__atomic_or_fetch(&v->run_req, USER_REQ_RESET, __ATOMIC_SEQ_CST);
	} else {
		asm volatile("vmptrld %1" : "=@cca"(ok) : "m"(pa) : "cc", "memory");
		if (!ok) {
			pr_err("%s: VMPTRLD of vCPU %u failed\n", v->vm->name, v->id);
			user_vcpu_failed(v);
			return;
		}
	}
	if (__atomic_fetch_and(&v->run_req, ~USER_REQ_RESET, __ATOMIC_SEQ_CST) &
	    USER_REQ_RESET) {
		load_init_state(v);
		cpu_model_vcpu_reset(v);
	}
	while (user_vcpu_pre_entry(v)) {
		if (__builtin_expect(l->pending & (VLAPIC_PEND_INIT | VLAPIC_PEND_SIPI), 0) ||
		    l->wait_sipi) {
			if (init_sipi(v)) {
				cpu_relax();
				continue;
			}
		}
		arm_timer(v);
		inject_pending(v);
		if (vmx_cfg.apicv)
			vmx_apicv_pre_entry(v);
		if (v->t_done) {
			v->io_hv_ticks += rdtsc() - v->t_done;
			v->t_done = 0;
		}
		if (vmx_enter_and_handle(v)) {
			user_vcpu_failed(v);
			return;
		}
	}
}

void vendor_user_vcpu_release(struct vcpu *v)
{
	u64 pa = (u64)v->vmcs;

	asm volatile("vmclear %0" :: "m"(pa) : "cc", "memory");
	invept_all(v->vm);
}

/* External interrupts exit only in User VMs: a kick, or an interrupt
 * left armed on this CPU; acknowledged by the exit, ended here. */
int vmx_handle_extint(struct vcpu *vcpu)
{
	apic_eoi();
	return 0;
}

/* A User VM's HLT: the vCPU sleeps in the hypervisor until an injected
 * interrupt can wake it (IF set), or a stop request comes. */
int vmx_handle_hlt(struct vcpu *vcpu)
{
	if (vcpu->vm->privileged)
		return -EOPNOTSUPP;	/* its HLT does not exit */
	vmx_skip_instruction(vcpu);
	user_vcpu_halt(vcpu, vmcs_readnat(VMCS_GUEST_RFLAGS) & RFLAGS_IF);
	return 0;
}

/* The vLAPIC timer's deadline came: it fires before the next entry. */
int vmx_handle_preempt_timer(struct vcpu *vcpu)
{
	return 0;
}

/* The window is open: what waited for it is injected before the entry. */
int vmx_handle_nmi_window(struct vcpu *vcpu)
{
	set_proc(0, PROC_NMI_WINDOW);
	return 0;
}

int vmx_handle_intr_window(struct vcpu *vcpu)
{
	set_proc(0, PROC_INTR_WINDOW);
	return 0;
}
