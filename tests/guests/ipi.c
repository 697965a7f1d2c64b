/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipi: fixed IPIs between the two vCPUs, both ways, physical and
 * logical (flat) destination, and the all-but-self and all-including-self
 * shorthands.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"
#include "smp.h"

#define VEC	0x50

static void send_to_bsp(void *arg)
{
	apic_icr_write(APIC_DM_FIXED | VEC, 0);
}

int main(int argc, char **argv)
{
	count_irqs(VEC);
	if (smp_init(2) != 2) {
		report(false, "the second vCPU started");
		return report_summary();
	}
	apic_flat_setup(NULL);
	report(on_cpu(1, apic_flat_setup, NULL), "CPU 1 set up");

	apic_icr_write(APIC_DM_FIXED | VEC, 1);
	report(wait_irqs(1, 1), "BSP -> CPU 1, physical: %u", irqs_counted(1));
	on_cpu(1, send_to_bsp, NULL);
	report(wait_irqs(0, 1), "CPU 1 -> BSP, physical: %u", irqs_counted(0));
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_LOGICAL | VEC, 2);
	report(wait_irqs(1, 2), "BSP -> CPU 1, logical (flat bit 1): %u",
	       irqs_counted(1));
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_ALLBUT | VEC, 0);
	report(wait_irqs(1, 3) && irqs_counted(0) == 1, "all-but-self: CPU 1 %u, BSP "
	       "%u", irqs_counted(1), irqs_counted(0));
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_ALLINC | VEC, 0);
	report(wait_irqs(1, 4) && wait_irqs(0, 2), "all-including-self: CPU "
	       "1 %u, BSP %u", irqs_counted(1), irqs_counted(0));
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_LOGICAL | VEC, 3);
	report(wait_irqs(1, 5) && wait_irqs(0, 3), "logical to both (bits "
	       "0-1): CPU 1 %u, BSP %u", irqs_counted(1), irqs_counted(0));
	return report_summary();
}
