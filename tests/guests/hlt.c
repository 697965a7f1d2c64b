/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hlt: HLT sleeps until an interrupt: the APIC timer (one-shot) and a
 * self-IPI each wake it, and the handler ran before HLT returned.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"

#define TIMER_VEC	0x40
#define IPI_VEC		0x41

static volatile u32 fired[256];

static void count_irq(struct ex_regs *r)
{
	fired[r->vector]++;
	apic_eoi();
}

int main(int argc, char **argv)
{
	u64 t0, t1, ticks = tsc_khz();	/* 1 ms of timer at divide 1 */

	handle_irq(TIMER_VEC, count_irq);
	handle_irq(IPI_VEC, count_irq);
	apic_sw_enable();

	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	apic_write(APIC_LVTT, TIMER_VEC | APIC_TIMER_ONESHOT);
	t0 = rdtsc();
	apic_write(APIC_TMICT, (u32)ticks);
	safe_halt();
	t1 = rdtsc();
	irq_disable();
	report(fired[TIMER_VEC] == 1, "HLT woken by the APIC timer (%u "
	       "interrupts)", fired[TIMER_VEC]);
	report(t1 - t0 >= ticks, "HLT slept at least the timer's %lu ticks "
	       "(%lu)", ticks, t1 - t0);

	apic_icr_write(APIC_DEST_SELF | APIC_DM_FIXED | IPI_VEC, 0);
	safe_halt();
	irq_disable();
	report(fired[IPI_VEC] == 1, "HLT woken by a self-IPI pending before "
	       "STI; HLT (%u)", fired[IPI_VEC]);

	/* Twice in a row: the wake-up state is not sticky. */
	apic_write(APIC_TMICT, (u32)ticks);
	safe_halt();
	irq_disable();
	report(fired[TIMER_VEC] == 2, "a second HLT waits for the next timer "
	       "interrupt (%u)", fired[TIMER_VEC]);
	return report_summary();
}
