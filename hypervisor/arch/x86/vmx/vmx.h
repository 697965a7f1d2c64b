/* VMX internals shared by the files of arch/x86/vmx/. */
#ifndef ISLET_VMX_H
#define ISLET_VMX_H

#include "vm.h"
#include <asm/cpu.h>
#include <asm/vmcs.h>

/* Pin-based controls */
#define PIN_EXTINT_EXITING	BIT(0)
#define PIN_NMI_EXITING		BIT(3)
#define PIN_VIRTUAL_NMIS	BIT(5)
#define PIN_PREEMPT_TIMER	BIT(6)
/* Primary: exit as soon as the guest can take an interrupt */
#define PROC_INTR_WINDOW	BIT(2)
/* Primary processor-based controls */
#define PROC_TSC_OFFSETTING	BIT(3)
#define PROC_RDTSC_EXITING	BIT(12)
#define PROC_HLT_EXITING	BIT(7)
#define PROC_CR3_LOAD_EXITING	BIT(15)
#define PROC_CR3_STORE_EXITING	BIT(16)
#define PROC_CR8_LOAD_EXITING	BIT(19)
#define PROC_CR8_STORE_EXITING	BIT(20)
#define PROC_TPR_SHADOW		BIT(21)
#define PROC_NMI_WINDOW		BIT(22)	/* exit once the guest can take an NMI */
#define PROC_IO_BITMAPS		BIT(25)
#define PROC_MSR_BITMAPS	BIT(28)
#define PROC_SECONDARY		BIT(31)
/* Secondary */
#define PROC2_VAPIC_ACCESS	BIT(0)	/* virtualize APIC accesses */
#define PROC2_EPT		BIT(1)
#define PROC2_RDTSCP		BIT(3)
#define PROC2_VX2APIC		BIT(4)	/* virtualize x2APIC mode */
#define PROC2_VPID		BIT(5)
#define PROC2_UNRESTRICTED	BIT(7)
#define PROC2_APIC_REG_VIRT	BIT(8)
#define PROC2_VINTR_DELIVERY	BIT(9)
#define PROC2_INVPCID		BIT(12)
#define PROC2_XSAVES		BIT(20)
/* Exit controls */
#define EXIT_HOST_64		BIT(9)
#define EXIT_ACK_INTR		BIT(15)
#define EXIT_SAVE_PAT		BIT(18)
#define EXIT_LOAD_PAT		BIT(19)
#define EXIT_SAVE_EFER		BIT(20)
#define EXIT_LOAD_EFER		BIT(21)
/* Entry controls */
#define ENTRY_IA32E_GUEST	BIT(9)
#define ENTRY_LOAD_PAT		BIT(14)
#define ENTRY_LOAD_EFER		BIT(15)

/* EPT capabilities (IA32_VMX_EPT_VPID_CAP) */
#define EPT_CAP_WALK4		BIT(6)
#define EPT_CAP_WB		BIT(14)
#define EPT_CAP_2M		BIT(16)
#define EPT_CAP_INVEPT		BIT(20)
#define EPT_CAP_INVEPT_SINGLE	BIT(25)
#define EPT_CAP_INVEPT_ALL	BIT(26)

/* Exit reasons */
enum {
	EXIT_EXCEPTION_NMI = 0, EXIT_EXTINT = 1, EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3, EXIT_SIPI = 4, EXIT_INTR_WINDOW = 7, EXIT_NMI_WINDOW = 8,
	EXIT_CPUID = 10, EXIT_GETSEC = 11,
	EXIT_HLT = 12, EXIT_INVD = 13, EXIT_VMCALL = 18, EXIT_VMCLEAR = 19,
	EXIT_VMLAUNCH = 20, EXIT_VMPTRLD = 21, EXIT_VMPTRST = 22,
	EXIT_VMREAD = 23, EXIT_VMRESUME = 24, EXIT_VMWRITE = 25,
	EXIT_VMXOFF = 26, EXIT_VMXON = 27, EXIT_CR_ACCESS = 28,
	EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32,
	EXIT_ENTRY_FAIL_GUEST = 33, EXIT_ENTRY_FAIL_MSR = 34,
	EXIT_ENTRY_FAIL_MCE = 41, EXIT_APIC_ACCESS = 44, EXIT_EOI_INDUCED = 45,
	EXIT_EPT_VIOLATION = 48, EXIT_APIC_WRITE = 56,
	EXIT_EPT_MISCONFIG = 49, EXIT_INVEPT = 50, EXIT_INVVPID = 53,
	EXIT_PREEMPT_TIMER = 52, EXIT_WBINVD = 54, EXIT_XSETBV = 55, EXIT_VMFUNC = 59,
};

/* Exception vectors injected into guests */
#define VEC_UD	6
#define VEC_GP	13

/* The control values chosen by vmx_caps.c for this machine. */
struct vmx_config {
	u32 revision;
	u32 pin, proc, proc2, exit, entry;
	u32 user_pin, user_exit;	/* User VMs: + external-interrupt exits */
	u32 preempt_shift;	/* the preemption timer counts TSC >> this */
	bool apicv;		/* User VM APICs virtualized (apicv.c) */
	bool nmi_window;	/* User VMs: virtual NMIs, NMI-window exits */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_cap;
};
extern struct vmx_config vmx_cfg;

/* Enter the guest: returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME
 * failed (VMCS_INSTR_ERROR tells why).  vmx_entry.S */
int vmx_enter(struct guest_regs *regs, bool launched);

/* Exit handling (exit.c): 0 to resume, negative to stop the vCPU. */
int vmx_handle_exit(struct vcpu *vcpu, u32 reason);

/* vmx.c: VMCS set-up shared by Service VM and User VM vCPUs, and the
 * re-delivery of an event an exit interrupted. */
void vmx_setup_controls(struct vcpu *vcpu);
void vmx_setup_host_state(struct vcpu *vcpu);
void vmx_requeue_interrupted_event(void);

/* user_vmx.c */
int vmx_handle_extint(struct vcpu *vcpu);
int vmx_handle_intr_window(struct vcpu *vcpu);
int vmx_handle_nmi_window(struct vcpu *vcpu);
int vmx_handle_hlt(struct vcpu *vcpu);
int vmx_handle_preempt_timer(struct vcpu *vcpu);

/* apicv.c */
void vmx_apicv_setup(struct vcpu *v);
void vmx_apicv_pre_entry(struct vcpu *v);
int vmx_handle_apic_access(struct vcpu *v);
int vmx_handle_apic_write(struct vcpu *v);
int vmx_handle_eoi_induced(struct vcpu *v);

/* user_msr.c: the MSR bitmaps of User VMs (built once, shared: the
 * x2APIC one passes the APIC MSRs the CPU virtualizes), and the
 * clearing of the MSRs they pass through that the VMCS does not switch,
 * before a User VM vCPU first runs on this CPU. */
u8 *vmx_user_msr_bitmap(void);
u8 *vmx_user_msr_bitmap_x2apic(void);
void vmx_user_msrs_clear(void);

/* vcpu_reset.c */
void vmx_set_reset_state(struct vcpu *vcpu, u16 cs, u64 rip);
int vmx_handle_init(struct vcpu *vcpu);

void vmx_inject_exception(struct vcpu *vcpu, u8 vector, bool has_err, u32 err);
void vmx_skip_instruction(struct vcpu *vcpu);
void vmx_report(struct vcpu *vcpu, const char *why, u32 reason);


/* One VM entry and the exit that ends it, counted and handled: 0 to go
 * on, negative once the vCPU cannot (the cause is reported).  Inline: it
 * is the hot path of every exit. */
static inline int vmx_enter_and_handle(struct vcpu *vcpu)
{
	u32 reason;

	if (vmx_enter(&vcpu->regs, vcpu->launched)) {
		vmx_report(vcpu, "VM entry failed", ~0U);
		return -EIO;
	}
	vcpu->t_exit = rdtsc();
	vcpu->launched = true;
	reason = vmcs_read32(VMCS_EXIT_REASON);
	vcpu->exits_total++;
	if ((reason & 0xffff) < NR_EXIT_REASONS)
		vcpu->exits[reason & 0xffff]++;
	if (reason & BIT(31)) {
		vmx_report(vcpu, "VM entry failed", reason & 0xffff);
		return -EIO;
	}
	vmx_requeue_interrupted_event();
	return vmx_handle_exit(vcpu, reason & 0xffff);
}

#endif
