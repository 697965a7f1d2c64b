/* Can this CPU run Islet?  Checks VMX, the firmware lock, EPT with the
 * features the Service VM needs, and picks the VMCS control values from
 * the capability MSRs (the TRUE_* ones, so that default-1 controls such
 * as CR3-load exiting can be cleared). */
#include "printk.h"
#include "vcpu_vendor.h"
#include "vmx.h"
#include <asm/cpu.h>
#include <asm/msr.h>

struct vmx_config vmx_cfg;

/* Bits that must be 1 come from the low half, bits allowed to be 1 from
 * the high half.  Required features missing from the allowed set fail. */
static int adjust(u32 msr, u32 required, u32 optional, u32 *out)
{
	u64 cap = rdmsr(msr);
	u32 must = (u32)cap, may = (u32)(cap >> 32);

	if ((required & may) != required)
		return -EOPNOTSUPP;
	*out = (required | (optional & may) | must) & may;
	return 0;
}

/* The controls @msr allows to be 1 (its high half). */
static u32 allowed1(u32 msr)
{
	return (u32)(rdmsr(msr) >> 32);
}

/* User VM local APICs: virtualized by the CPU when it has the whole set
 * apicv.c uses, else emulated, with CR8 accesses exiting to the vLAPIC's
 * TPR (without TPR shadow and CR8 exits a guest's MOV to CR8 would reach
 * the physical APIC). */
static int pick_apic_mode(const struct vendor_options *opt, u32 proc_msr,
			  char *why, size_t len)
{
	const u32 need2 = PROC2_VAPIC_ACCESS | PROC2_VX2APIC |
		PROC2_APIC_REG_VIRT | PROC2_VINTR_DELIVERY;
	u32 proc_may = allowed1(proc_msr);
	u32 proc2_may = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2);
	bool has = (proc_may & PROC_TPR_SHADOW) && (proc2_may & need2) == need2;

	vmx_cfg.apicv = has && opt->apicv;
	if (vmx_cfg.apicv) {
		pr_info("vmx: User VM local APICs virtualized by the CPU (APIC-register virtualization, virtual-interrupt delivery)\n");
		return 0;
	}
	if ((proc_may & (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING)) !=
	    (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING)) {
		snprintf(why, len, "VMX has neither APIC virtualization nor CR8 exits");
		return -EOPNOTSUPP;
	}
	pr_info("vmx: User VM local APICs emulated (%s)\n", has ? "apicv=off" :
		"the CPU lacks APIC-register virtualization or virtual-interrupt delivery");
	return 0;
}

int vendor_check(const struct vendor_options *opt, char *why, size_t len)
{
	struct cpuid_regs r;
	u64 fc, basic;
	bool true_ctls;
	u32 pin_msr, proc_msr, exit_msr, entry_msr;

	cpuid_count(1, 0, &r);
	if (!(r.ecx & BIT(5))) {
		snprintf(why, len, "the CPU does not support VMX (CPUID.1:ECX.VMX is clear)");
		return -ENODEV;
	}
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCKED) &&
	    !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		snprintf(why, len, "VMX is disabled by the firmware (IA32_FEATURE_CONTROL 0x%lx is locked with VMX off): enable VT-x in the firmware setup", fc);
		return -EPERM;
	}
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCKED |
		      FEATURE_CONTROL_VMX_OUTSIDE_SMX);

	basic = rdmsr(MSR_IA32_VMX_BASIC);
	vmx_cfg.revision = (u32)basic & 0x7fffffff;
	true_ctls = basic & BIT(55);
	pin_msr = true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS;
	proc_msr = true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS;
	exit_msr = true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS;
	entry_msr = true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS;
	if (((basic >> 50) & 0xf) != 6) {
		snprintf(why, len, "VMCS memory type is not write-back");
		return -EOPNOTSUPP;
	}
	/* NMIs exit: the hypervisor stops a vCPU with one (vcpu_start.c). */
	if (adjust(pin_msr, PIN_NMI_EXITING, 0, &vmx_cfg.pin) ||
	    adjust(proc_msr, PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY,
		   0, &vmx_cfg.proc) ||
	    adjust(exit_msr, EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		   EXIT_SAVE_PAT | EXIT_LOAD_PAT, 0, &vmx_cfg.exit) ||
	    adjust(entry_msr, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, 0, &vmx_cfg.entry)) {
		snprintf(why, len, "VMX lacks I/O or MSR bitmaps, secondary controls or EFER/PAT switching");
		return -EOPNOTSUPP;
	}
	/* User VM CPUs are kicked out of the guest by an IPI; their guest
	 * TSC is offset (core/cpu_model.c), RDTSC does not exit. */
	if (adjust(pin_msr, PIN_EXTINT_EXITING | PIN_NMI_EXITING, 0,
		   &vmx_cfg.user_pin) ||
	    adjust(exit_msr, EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		   EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_ACK_INTR, 0,
		   &vmx_cfg.user_exit) ||
	    (~allowed1(proc_msr) & (PROC_INTR_WINDOW | PROC_TSC_OFFSETTING)) ||
	    (vmx_cfg.proc & PROC_RDTSC_EXITING)) {
		snprintf(why, len, "VMX lacks external-interrupt exiting, interrupt acknowledgement on exit, interrupt-window exiting or TSC offsetting without RDTSC exits");
		return -EOPNOTSUPP;
	}
	/* An NMI for a User VM that the guest blocks (in its NMI handler)
	 * is injected at the NMI window, where the CPU has it; else at the
	 * next exit. */
	if ((allowed1(pin_msr) & PIN_VIRTUAL_NMIS) &&
	    (allowed1(proc_msr) & PROC_NMI_WINDOW)) {
		vmx_cfg.user_pin |= PIN_VIRTUAL_NMIS;
		vmx_cfg.nmi_window = true;
	}
	/* User VM timers fire from the VMX preemption timer (user_vmx.c);
	 * it is enabled per entry, so only its availability is checked. */
	if (!(allowed1(pin_msr) & PIN_PREEMPT_TIMER)) {
		snprintf(why, len, "VMX lacks the preemption timer");
		return -EOPNOTSUPP;
	}
	vmx_cfg.preempt_shift = rdmsr(MSR_IA32_VMX_MISC) & 0x1f;
	if (pick_apic_mode(opt, proc_msr, why, len))
		return -EOPNOTSUPP;
	if (vmx_cfg.proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING |
			    PROC_HLT_EXITING)) {
		snprintf(why, len, "VMX cannot run the Service VM without CR3 or HLT exits");
		return -EOPNOTSUPP;
	}
	if (adjust(MSR_IA32_VMX_PROCBASED_CTLS2, PROC2_EPT | PROC2_UNRESTRICTED,
		   PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES | PROC2_VPID,
		   &vmx_cfg.proc2)) {
		snprintf(why, len, "EPT or unrestricted guest is not supported");
		return -EOPNOTSUPP;
	}
	vmx_cfg.ept_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if ((vmx_cfg.ept_cap & (EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M |
				EPT_CAP_INVEPT)) !=
	    (EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_INVEPT) ||
	    !(vmx_cfg.ept_cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL))) {
		snprintf(why, len, "EPT lacks 4-level walks, write-back, 2 MiB pages or INVEPT (cap 0x%lx)",
			 vmx_cfg.ept_cap);
		return -EOPNOTSUPP;
	}
	/* VPID needs INVVPID, which this hypervisor does not issue yet: one
	 * VM per CPU, so VPID 1 is never reused by another guest. */
	vmx_cfg.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vmx_cfg.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vmx_cfg.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmx_cfg.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	return 0;
}
