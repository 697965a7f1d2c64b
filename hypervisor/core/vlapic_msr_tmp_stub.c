/* TEMPORARY (branch wt-cpumodel): DELETE THIS FILE AT MERGE.
 *
 * Stand-ins for the vLAPIC's MSR entry points (vlapic.h), which the lead
 * writes in core/vlapic.c in parallel, so that the CPU model
 * (core/cpu_model.c) links and routes the APIC MSRs on this branch.  The
 * vLAPIC owns IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range;
 * until it exists, every access to them faults. */
#include "vlapic.h"

bool vlapic_owns_msr(u32 msr)
{
	return msr == 0x1b || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff);
}

int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	return -EINVAL;
}

int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	return -EINVAL;
}
