/* The CPU a User VM sees (core/cpu_model.c): what CPUID says and which
 * MSRs exist, as policy tables, vendor neutral.  The Service VM does not go
 * through here: it sees the host CPU (arch/x86/vmx/exit.c).
 *
 * CPUID answers are the host's, filtered: features the hypervisor does
 * not virtualize are hidden, topology follows the VM's vCPUs (one thread
 * per core, x2APIC id = vCPU id), and the TSC frequency is stated (leaves
 * 0x15, 0x16, 0x40000010).  MSRs are refused (#GP) unless the policy
 * table lists them; those it lists are emulated here, or kept by the
 * vendor code in VMCS guest-state fields or in the CPU itself (see
 * vcpu_vendor.h).  doc/architecture.md, "User VM CPU model", has the
 * whole policy.
 *
 * Threads: everything runs on the vCPU's own CPU, except
 * cpu_model_vm_reset() (the management side, vCPUs stopped).
 */
#ifndef ISLET_CPU_MODEL_H
#define ISLET_CPU_MODEL_H

#include "types.h"

struct vm;
struct vcpu;
struct cpuid_regs;

/* Highest basic CPUID leaf a User VM sees (the host's if lower). */
#define CPU_MODEL_MAX_BASIC_LEAF	0x16

/* Variable-range MTRRs offered (MTRRcap.VCNT). */
#define CPU_MODEL_MTRR_VAR		8
#define CPU_MODEL_MTRR_FIXED		11

/* Per vCPU state of the MSRs emulated here.  The MTRRs are only stored:
 * the EPT maps guest RAM write-back whatever they say. */
struct cpu_model_state {
	u64 tsc_adjust;			/* IA32_TSC_ADJUST */
	u64 misc_enable;		/* IA32_MISC_ENABLE */
	u64 spec_ctrl;			/* IA32_SPEC_CTRL, also in the CPU */
	u64 mtrr_def_type;
	u64 mtrr_fixed[CPU_MODEL_MTRR_FIXED];	/* 0x250, 0x258-9, 0x268-f */
	u64 mtrr_var[2 * CPU_MODEL_MTRR_VAR];	/* PHYSBASEn, PHYSMASKn */
};

/* IA32_MISC_ENABLE as a User VM sees it after reset: fast strings on,
 * and branch trace and PEBS unavailable (DS is hidden). */
#define CPU_MODEL_MISC_ENABLE_RESET	(BIT(0) | BIT(11) | BIT(12))
/* IA32_MTRRCAP: 8 variable ranges, fixed ranges, write-combining. */
#define CPU_MODEL_MTRRCAP		(CPU_MODEL_MTRR_VAR | BIT(8) | BIT(10))
/* IA32_PAT after reset (SDM: WB, WT, UC-, UC, twice). */
#define CPU_MODEL_PAT_RESET		0x0007040600070406ULL

/* CPUID @leaf/@sub as vCPU @v sees it, into *@r. */
void cpu_model_cpuid(struct vcpu *v, u32 leaf, u32 sub, struct cpuid_regs *r);

/* RDMSR / WRMSR of @msr by vCPU @v: 0, or -EINVAL when the guest must get
 * #GP (the instruction is then not retired). */
int cpu_model_rdmsr(struct vcpu *v, u32 msr, u64 *val);
int cpu_model_wrmsr(struct vcpu *v, u32 msr, u64 val);

/* The VM was created or reset: its guest TSC starts again near 0 at the
 * first vCPU reset that follows (management side, vCPUs stopped). */
void cpu_model_vm_reset(struct vm *vm);
/* On the vCPU's CPU, once its VMCS is set up and whenever its initial
 * state is loaded: the MSRs' reset values, and the TSC offset the VM's
 * vCPUs share (chosen by the first of them, so the guest TSC starts near
 * 0 and is the same on all its vCPUs). */
void cpu_model_vcpu_reset(struct vcpu *v);

#endif
