/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nmi: NMIs to a vCPU (Intel SDM vol. 3, 6.7.1 and 10.6.1):
 *  - a self-addressed NMI IPI runs the NMI handler, with interrupts off;
 *  - an NMI sent from inside the NMI handler waits for its IRET (NMI
 *    blocking) and comes right after it, while the guest runs without
 *    an exit of its own that could carry it (the hypervisor's NMI
 *    window);
 *  - an NMI from the other vCPU wakes a HLT with interrupts off.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"
#include "smp.h"

static volatile u32 nmis;
static volatile u32 seen_inside = ~0U;	/* nmis when the nested one was sent */
static volatile bool send_nested;

static void nmi_handler(struct ex_regs *r)
{
	__atomic_add_fetch(&nmis, 1, __ATOMIC_SEQ_CST);
	if (send_nested) {
		send_nested = false;
		apic_icr_write(APIC_DM_NMI, apic_id());
		/* Blocked until the IRET: the handler is not entered again. */
		for (int i = 0; i < 1000; i++)
			pause();
		seen_inside = nmis;
	}
}

/* Waits without any exit: PAUSE and RDTSC do not leave the guest. */
static bool spin_for(u32 want)
{
	for (u32 i = 0; i < 100000 && nmis < want; i++)
		pause();
	return nmis >= want;
}

/* Late enough for the BSP to be in its HLT: it prints nothing between. */
static void nmi_bsp_later(void *arg)
{
	delay_us(20000);
	apic_icr_write(APIC_DM_NMI, 0);
}

int main(int argc, char **argv)
{
	bool woke, sent;

	handle_exception(NMI_VECTOR, nmi_handler);
	apic_sw_enable();
	irq_disable();

	apic_icr_write(APIC_DM_NMI, apic_id());
	report(spin_for(1) && nmis == 1, "self NMI with interrupts off (%u)",
	       nmis);

	send_nested = true;
	apic_icr_write(APIC_DM_NMI, apic_id());
	woke = spin_for(3);
	report(seen_inside == 2, "an NMI sent in the NMI handler is held "
	       "until its IRET (%u NMIs seen inside)", seen_inside);
	report(woke && nmis == 3, "and comes right after the IRET (%u)", nmis);

	if (smp_init(2) != 2) {
		report(false, "the second vCPU started");
		return report_summary();
	}
	on_cpu(1, apic_flat_setup, NULL);
	sent = on_cpu_async(1, nmi_bsp_later, NULL);
	__asm__ __volatile__("cli; hlt" : : : "memory");
	report(sent && nmis == 4, "an NMI from CPU 1 woke HLT with interrupts "
	       "off (%u)", nmis);
	report(cpu_wait_idle(1, 100000), "CPU 1 done");
	return report_summary();
}
