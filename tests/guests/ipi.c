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

static volatile u32 got[MAX_CPUS];

static void ipi_handler(struct ex_regs *r)
{
	__atomic_add_fetch(&got[smp_id()], 1, __ATOMIC_RELAXED);
	apic_eoi();
}

static void ap_setup(void *arg)
{
	apic_sw_enable();
	/* Flat logical model, one bit per CPU. */
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, 1U << (24 + smp_id()));
	irq_enable();
}

static void send_to_bsp(void *arg)
{
	apic_icr_write(APIC_DM_FIXED | VEC, 0);
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
	handle_irq(VEC, ipi_handler);
	if (smp_init(2) != 2) {
		report(false, "the second vCPU started");
		return report_summary();
	}
	ap_setup(NULL);
	report(on_cpu(1, ap_setup, NULL), "CPU 1 set up");

	apic_icr_write(APIC_DM_FIXED | VEC, 1);
	report(wait_count(1, 1), "BSP -> CPU 1, physical: %u", got[1]);
	on_cpu(1, send_to_bsp, NULL);
	report(wait_count(0, 1), "CPU 1 -> BSP, physical: %u", got[0]);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_LOGICAL | VEC, 2);
	report(wait_count(1, 2), "BSP -> CPU 1, logical (flat bit 1): %u",
	       got[1]);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_ALLBUT | VEC, 0);
	report(wait_count(1, 3) && got[0] == 1, "all-but-self: CPU 1 %u, BSP "
	       "%u", got[1], got[0]);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_ALLINC | VEC, 0);
	report(wait_count(1, 4) && wait_count(0, 2), "all-including-self: CPU "
	       "1 %u, BSP %u", got[1], got[0]);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_LOGICAL | VEC, 3);
	report(wait_count(1, 5) && wait_count(0, 3), "logical to both (bits "
	       "0-1): CPU 1 %u, BSP %u", got[1], got[0]);
	return report_summary();
}
