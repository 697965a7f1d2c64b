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

static void inject(u32 dest, bool logical, u32 vector)
{
	outl(TESTDEV_MSI_ADDR, 0xfee00000U | dest << 12 | (logical ? 4 : 0));
	outl(TESTDEV_MSI_DATA, vector);
}

int main(int argc, char **argv)
{
	u32 n;

	count_irqs(VEC);
	n = smp_init(2);
	apic_flat_setup(NULL);
	inject(0, false, VEC);
	report(wait_irqs(0, 1), "MSI to APIC id 0 arrives on CPU 0 (%u)",
	       irqs_counted(0));
	if (!report(n == 2 && on_cpu(1, apic_flat_setup, NULL), "CPU 1 started"))
		return report_summary();
	inject(1, false, VEC);
	report(wait_irqs(1, 1) && irqs_counted(0) == 1, "MSI to APIC id 1 arrives on "
	       "CPU 1 only (%u, %u)", irqs_counted(1), irqs_counted(0));
	inject(2, true, VEC);
	report(wait_irqs(1, 2) && irqs_counted(0) == 1, "logical MSI to bit 1: CPU 1 "
	       "(%u)", irqs_counted(1));
	inject(3, true, VEC);
	report(wait_irqs(1, 3) && wait_irqs(0, 2), "logical MSI to bits "
	       "0-1: both (%u, %u)", irqs_counted(0), irqs_counted(1));
	return report_summary();
}
