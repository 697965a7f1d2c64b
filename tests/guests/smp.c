/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * smp: a 2-vCPU VM's AP starts by INIT-SIPI-SIPI through the xAPIC ICR
 * (the framework's trampoline at 0x8000, real mode to long mode), reports
 * its APIC id, and runs functions the BSP gives it.
 */
#include "apic.h"
#include "libguest.h"
#include "smp.h"

static volatile u32 ran_on[MAX_CPUS], apic_ids[MAX_CPUS];

static void whoami(void *arg)
{
	u32 me = smp_id();

	apic_ids[me] = apic_id();
	ran_on[me] += (u32)(u64)arg;
	printf("CPU %u: APIC id %u\n", me, apic_ids[me]);
}

int main(int argc, char **argv)
{
	u32 want = cpus_announced(), n;

	report(want == 2, "CPUID.1:EBX[23:16] announces %u logical CPUs", want);
	if (want < 2)
		want = 2;
	report(apic_id() == 0, "the BSP's APIC id is 0 (%u)", apic_id());
	report(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_BSP, "IA32_APIC_BASE.BSP "
	       "set on the BSP");
	n = smp_init(want);
	if (!report(n == want, "%u of %u vCPUs run after INIT-SIPI-SIPI", n,
		    want))
		return report_summary();
	whoami((void *)1);
	for (u32 cpu = 1; cpu < n; cpu++) {
		report(on_cpu(cpu, whoami, (void *)1), "CPU %u runs a function",
		       cpu);
		report(apic_ids[cpu] == cpu, "CPU %u: APIC id %u", cpu,
		       apic_ids[cpu]);
		report(on_cpu(cpu, whoami, (void *)2) && ran_on[cpu] == 3,
		       "CPU %u runs a second one (%u)", cpu, ran_on[cpu]);
	}
	report(apic_ids[0] == 0, "CPU 0: APIC id %u", apic_ids[0]);
	return report_summary();
}
