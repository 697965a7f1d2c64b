/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * apic: the virtual local APIC (Intel SDM vol. 3, ch. 10 "APIC"): reset
 * values, ID and version, TPR/PPR and CR8, self-IPIs through the ICR with ISR,
 * IRR and EOI, the priority order of two pending vectors, the timer
 * (one-shot, periodic, TSC-deadline; its rate against the TSC; masked)
 * and, with the "x2apic" argument, the same in x2APIC mode through MSRs
 * after the mode switch.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"

#define TIMER_VEC	0x40
#define LOW_VEC		0x51	/* priority class 5 */
#define HIGH_VEC	0x91	/* priority class 9 */

static volatile u32 count[256];
static volatile u32 order[8], norder;
static volatile u32 isr_seen;
static volatile u64 timer_tsc;	/* the TSC at the last timer interrupt */

static void irq(struct ex_regs *r)
{
	if (r->vector == TIMER_VEC)
		timer_tsc = rdtsc();
	count[r->vector]++;
	if (norder < ARRAY_SIZE(order))
		order[norder++] = (u32)r->vector;
	isr_seen = apic_vector_set(APIC_ISR, (u8)r->vector);
	apic_eoi();
}

static void check_reset(void)
{
	u32 ver = apic_read(APIC_LVR);

	report_prefix_push("reset");
	report(apic_id() == 0, "APIC id 0 on vCPU 0 (%u)", apic_id());
	report((ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15, "version 0x%x is "
	       "an integrated APIC", ver & 0xff);
	report(((ver >> 16) & 0xff) >= 5, "max LVT entry %u", (ver >> 16) & 0xff);
	report(apic_read(APIC_TASKPRI) == 0, "TPR 0");
	report((apic_read(APIC_LVTT) & APIC_LVT_MASKED) &&
	       (apic_read(APIC_LVT1) & APIC_LVT_MASKED) &&
	       (apic_read(APIC_LVTERR) & APIC_LVT_MASKED), "LVT entries masked");
	/* The BSP's LINT0 is masked, or ExtINT (virtual wire, as a BIOS
	 * and KVM leave it so that the 8259 reaches the CPU). */
	report((apic_read(APIC_LVT0) & APIC_LVT_MASKED) ||
	       apic_read(APIC_LVT0) == 0x700, "LINT0 masked or virtual wire "
	       "(0x%x)", apic_read(APIC_LVT0));
	report(apic_read(APIC_TMICT) == 0 && apic_read(APIC_TMCCT) == 0,
	       "timer counts 0");
	report(x2apic_mode() || apic_read(APIC_DFR) == 0xffffffff, "DFR");
	report(rdmsr(MSR_IA32_APIC_BASE) == (APIC_DEFAULT_BASE | APIC_BASE_EN |
	       APIC_BASE_BSP | (x2apic_mode() ? APIC_BASE_EXTD : 0)),
	       "IA32_APIC_BASE 0x%lx", rdmsr(MSR_IA32_APIC_BASE));
	report_prefix_pop();
}

static void check_tpr(void)
{
	report_prefix_push("tpr");
	apic_write(APIC_TASKPRI, 0x70);
	report(apic_read(APIC_TASKPRI) == 0x70, "TPR reads back 0x70");
	report(apic_read(APIC_PROCPRI) == 0x70, "PPR follows TPR with no ISR "
	       "bit (0x%x)", apic_read(APIC_PROCPRI));
	/* A vector of class 5 waits while TPR is class 7. */
	count[LOW_VEC] = 0;
	apic_icr_write(APIC_DEST_SELF | LOW_VEC, 0);
	irq_enable();
	delay_us(100);
	irq_disable();
	report(count[LOW_VEC] == 0 && apic_vector_set(APIC_IRR, LOW_VEC),
	       "an IPI below TPR stays pending in IRR");
	apic_write(APIC_TASKPRI, 0);
	irq_enable();
	delay_us(100);
	irq_disable();
	report(count[LOW_VEC] == 1, "it is delivered once TPR drops");
	report(isr_seen, "its ISR bit was set in the handler");
	report(!apic_vector_set(APIC_ISR, LOW_VEC), "EOI cleared the ISR bit");
	report(apic_read(APIC_PROCPRI) == 0, "PPR 0 again");
	report_prefix_pop();
}

/* CR8 is the TPR's class (SDM 10.8.6.1), in both directions, and it
 * gates delivery like the TPR.  A hypervisor that lets MOV to CR8 reach
 * the physical APIC fails each of these. */
static void check_cr8(void)
{
	report_prefix_push("cr8");
	write_cr8(7);
	report(apic_read(APIC_TASKPRI) == 0x70, "CR8 7 is TPR 0x70 (0x%x)",
	       apic_read(APIC_TASKPRI));
	report(apic_read(APIC_PROCPRI) == 0x70, "and PPR 0x70");
	count[LOW_VEC] = 0;
	apic_icr_write(APIC_DEST_SELF | LOW_VEC, 0);
	irq_enable();
	delay_us(100);
	irq_disable();
	report(count[LOW_VEC] == 0, "an IPI below CR8's class waits");
	write_cr8(0);
	irq_enable();
	delay_us(100);
	irq_disable();
	report(count[LOW_VEC] == 1, "and comes once CR8 drops");
	apic_write(APIC_TASKPRI, 0x3a);
	report(read_cr8() == 3, "TPR 0x3a reads as CR8 3 (%lu)", read_cr8());
	report(write_cr8_safe(0x10) == 13 && apic_read(APIC_TASKPRI) == 0x3a,
	       "a reserved CR8 bit is #GP and changes nothing");
	apic_write(APIC_TASKPRI, 0);
	report_prefix_pop();
}

static void check_priority(void)
{
	report_prefix_push("priority");
	norder = 0;
	apic_icr_write(APIC_DEST_SELF | LOW_VEC, 0);
	apic_icr_write(APIC_DEST_SELF | HIGH_VEC, 0);
	report(apic_vector_set(APIC_IRR, LOW_VEC) &&
	       apic_vector_set(APIC_IRR, HIGH_VEC), "two vectors pending");
	irq_enable();
	delay_us(100);
	irq_disable();
	report(norder == 2 && order[0] == HIGH_VEC && order[1] == LOW_VEC,
	       "the higher vector first (0x%x, 0x%x)", order[0], order[1]);
	report_prefix_pop();
}

/* Waits up to @us for @n timer interrupts; returns the TSC when the n-th
 * came, taken in its handler (0: it did not). */
static u64 wait_timer(u32 n, u64 us)
{
	u64 end = rdtsc() + us * tsc_khz() / 1000;

	irq_enable();
	while (count[TIMER_VEC] < n && rdtsc() < end)
		pause();
	irq_disable();
	return count[TIMER_VEC] >= n ? timer_tsc : 0;
}

static void check_timer(void)
{
	u64 period = tsc_khz();		/* 1 ms at divide 1 */
	u64 t0, t1;
	u32 cur;

	report_prefix_push("timer");
	apic_write(APIC_TDCR, 0xb);	/* divide by 1 */
	report(apic_read(APIC_TDCR) == 0xb, "divide configuration reads back");

	count[TIMER_VEC] = 0;
	apic_write(APIC_LVTT, TIMER_VEC | APIC_TIMER_ONESHOT);
	t0 = rdtsc();
	apic_write(APIC_TMICT, (u32)period);
	cur = apic_read(APIC_TMCCT);
	/* Reports print over the serial port, which takes longer than the
	 * timer: wait first, report after. */
	t1 = wait_timer(1, 20000);
	report(cur > 0 && cur <= period, "one-shot: current count counts down "
	       "(%u of %lu)", cur, period);
	report(t1, "one-shot fired");
	report(t1 - t0 >= period && t1 - t0 < period * 2, "one-shot after "
	       "%lu TSC ticks (initial count %lu)", t1 - t0, period);
	delay_us(3000);
	report(count[TIMER_VEC] == 1 && apic_read(APIC_TMCCT) == 0,
	       "one-shot fires once and stops at 0");

	/* Divide by 2: twice as long. */
	count[TIMER_VEC] = 0;
	apic_write(APIC_TDCR, 0x0);
	t0 = rdtsc();
	apic_write(APIC_TMICT, (u32)period / 2);
	t1 = wait_timer(1, 20000);
	report(t1 && t1 - t0 >= period && t1 - t0 < period * 2,
	       "divide by 2: %lu ticks for an initial count of %lu", t1 - t0,
	       period / 2);
	apic_write(APIC_TDCR, 0xb);

	count[TIMER_VEC] = 0;
	apic_write(APIC_LVTT, TIMER_VEC | APIC_TIMER_PERIODIC);
	t0 = rdtsc();
	apic_write(APIC_TMICT, (u32)period);
	t1 = wait_timer(5, 50000);
	apic_write(APIC_TMICT, 0);
	report(t1, "periodic: 5 interrupts");
	report(t1 - t0 >= 5 * period && t1 - t0 < 6 * period, "periodic: 5 in "
	       "%lu ticks (period %lu)", t1 - t0, period);

	count[TIMER_VEC] = 0;
	apic_write(APIC_LVTT, TIMER_VEC | APIC_TIMER_ONESHOT | APIC_LVT_MASKED);
	apic_write(APIC_TMICT, (u32)period / 10);
	wait_timer(1, 2000);
	report(count[TIMER_VEC] == 0, "masked: no interrupt");
	report(apic_read(APIC_TMCCT) == 0, "masked: the count still ran out");
	apic_write(APIC_TMICT, 0);

	if (!(cpuid(1).c & BIT(24))) {
		report_skip("TSC deadline: not offered");
	} else {
		u64 dl;

		count[TIMER_VEC] = 0;
		apic_write(APIC_LVTT, TIMER_VEC | APIC_TIMER_DEADLINE);
		dl = rdtsc() + period;
		wrmsr(MSR_IA32_TSC_DEADLINE, dl);
		t1 = wait_timer(1, 20000);
		report(t1 >= dl && t1 < dl + period, "TSC deadline fired "
		       "%ld ticks after the deadline", (long)(t1 - dl));
		report(rdmsr(MSR_IA32_TSC_DEADLINE) == 0, "the deadline MSR "
		       "reads 0 after firing");
		wrmsr(MSR_IA32_TSC_DEADLINE, rdtsc() + period);
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
		wait_timer(2, 3000);
		report(count[TIMER_VEC] == 1, "writing 0 disarms the deadline");
	}
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	report_prefix_pop();
}

static void run_all(void)
{
	check_reset();
	apic_sw_enable();
	report(apic_read(APIC_SPIV) == (APIC_SPIV_ENABLE | 0xff), "SVR enabled "
	       "with spurious vector 0xff");
	check_tpr();
	check_cr8();
	check_priority();
	check_timer();
}

int main(int argc, char **argv)
{
	handle_irq(TIMER_VEC, irq);
	handle_irq(LOW_VEC, irq);
	handle_irq(HIGH_VEC, irq);

	if (!test_arg(argc, argv, "x2apic")) {
		report_prefix_push("xapic");
		report(!x2apic_mode(), "xAPIC mode at reset");
		run_all();
		return report_summary();
	}
	report_prefix_push("x2apic");
	if (!(cpuid(1).c & BIT(21))) {
		report(false, "x2APIC offered by CPUID");
		return report_summary();
	}
	report(enable_x2apic() == 0 && x2apic_mode(), "switch to x2APIC mode");
	report(rdmsr(MSR_X2APIC_BASE + (APIC_ID >> 4)) == 0, "x2APIC id 0 by "
	       "MSR 0x802");
	report(rdmsr_safe(MSR_X2APIC_BASE + (APIC_ICR2 >> 4), &(u64){0}) == 13,
	       "no ICR2 in x2APIC mode (#GP)");
	/* The self-IPI register, x2APIC only. */
	apic_sw_enable();
	count[LOW_VEC] = 0;
	wrmsr(MSR_X2APIC_BASE + (APIC_SELF_IPI >> 4), LOW_VEC);
	irq_enable();
	delay_us(100);
	irq_disable();
	report(count[LOW_VEC] == 1, "SELF IPI register");
	run_all();
	report(reset_to_xapic() == 0 && !x2apic_mode(), "back to xAPIC by way "
	       "of disabled");
	report(wrmsr_safe(MSR_IA32_APIC_BASE, APIC_DEFAULT_BASE | APIC_BASE_BSP |
			  APIC_BASE_EXTD) == 13,
	       "x2APIC without enable is an invalid state (#GP)");
	return report_summary();
}
