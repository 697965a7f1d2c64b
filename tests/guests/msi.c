/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msi: MSIs injected by the device model (the runner's test device:
 * 0xe8 latches the address, 0xec the data and injects) arrive with their
 * vector at the vCPU the destination names (APIC id), physical and
 * logical.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"
#include "smp.h"

#define VEC	0x61

static volatile u32 got[MAX_CPUS];

static void msi_handler(struct ex_regs *r)
{
	__atomic_add_fetch(&got[smp_id()], 1, __ATOMIC_RELAXED);
	apic_eoi();
}

static void cpu_setup(void *arg)
{
	apic_sw_enable();
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, 1U << (24 + smp_id()));
	irq_enable();
}

static void inject(u32 dest, bool logical, u32 vector)
{
	outl(TESTDEV_MSI_ADDR, 0xfee00000U | dest << 12 | (logical ? 4 : 0));
	outl(TESTDEV_MSI_DATA, vector);
}

static bool wait_count(u32 cpu, u32 want)
{
	u64 end = rdtsc() + 100 * tsc_khz();

	while (got[cpu] < want && rdtsc() < end)
		pause();
	return got[cpu] == want;
}

int main(int argc, char **argv)
{
	u32 n;

	handle_irq(VEC, msi_handler);
	n = smp_init(2);
	cpu_setup(NULL);
	inject(0, false, VEC);
	report(wait_count(0, 1), "MSI to APIC id 0 arrives on CPU 0 (%u)",
	       got[0]);
	if (!report(n == 2 && on_cpu(1, cpu_setup, NULL), "CPU 1 started"))
		return report_summary();
	inject(1, false, VEC);
	report(wait_count(1, 1) && got[0] == 1, "MSI to APIC id 1 arrives on "
	       "CPU 1 only (%u, %u)", got[1], got[0]);
	inject(2, true, VEC);
	report(wait_count(1, 2) && got[0] == 1, "logical MSI to bit 1: CPU 1 "
	       "(%u)", got[1]);
	inject(3, true, VEC);
	report(wait_count(1, 3) && wait_count(0, 2), "logical MSI to bits "
	       "0-1: both (%u, %u)", got[0], got[1]);
	return report_summary();
}
