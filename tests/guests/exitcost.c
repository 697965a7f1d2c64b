/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * exitcost: what one exit of each kind costs, guest exit to guest resume,
 * in TSC ticks (emulated instructions in the test machine).  A benchmark:
 * it prints "GUEST-PERF:" lines for the machine run to collect and only
 * checks that each measurement ran, never how fast it was.
 *
 *   cpuid            CPUID leaf 0, handled in the hypervisor
 *   pio-hv           IN from the PIC's mask register 0x21 (hypervisor)
 *   pio-user         IN from the runner's port 0xe4 (the Service VM's
 *                    userspace)
 *   mmio-hv          a read of the IOAPIC's data window (decoded, served
 *                    by the vIOAPIC)
 *   mmio-user        a read of the runner's MMIO window
 *   tpr-xapic        a read of the xAPIC TPR (MMIO: decoded and served by
 *                    the vLAPIC, or read by the CPU with APIC
 *                    virtualization, without an exit)
 *   eoi-xapic        an xAPIC EOI write (MMIO; likewise)
 *   tpr-x2apic       an x2APIC TPR read (RDMSR)
 *   eoi-x2apic       an x2APIC EOI (WRMSR)
 *   timer            a TSC-deadline timer interrupt: arming WRMSR, the
 *                    preemption-timer exit, injection, handler, EOI, IRET;
 *                    per interrupt, with the deadline already due
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"

#define N		1000
#define TIMER_VEC	0x50
#define MSR_TSC_DEADLINE 0x6e0

static volatile u32 ticks_seen;

static void timer_irq(struct ex_regs *r)
{
	ticks_seen++;
	apic_eoi();
}

static void perf(const char *name, u64 total, u32 n)
{
	printf("GUEST-PERF: exit %s: %lu ticks/exit (%u exits, %lu ticks)\n",
	       name, total / n, n, total);
	report(total > 0, "%s measured", name);
}

static u64 time_cpuid(void)
{
	u64 t0 = rdtsc();

	for (u32 i = 0; i < N; i++)
		(void)cpuid(0);
	return rdtsc() - t0;
}

static u64 time_in(u16 port, bool dword)
{
	u64 t0 = rdtsc();

	for (u32 i = 0; i < N; i++) {
		if (dword)
			(void)inl(port);
		else
			(void)inb(port);
	}
	return rdtsc() - t0;
}

static u64 time_rdmsr(u32 msr)
{
	u64 t0 = rdtsc();

	for (u32 i = 0; i < N; i++)
		(void)rdmsr(msr);
	return rdtsc() - t0;
}

static u64 time_read(volatile u32 *p)
{
	u64 t0 = rdtsc();

	for (u32 i = 0; i < N; i++)
		(void)*p;
	return rdtsc() - t0;
}

/* EOIs with nothing in service: the exit and the write, no more. */
static u64 time_eoi(void)
{
	u64 t0 = rdtsc();

	for (u32 i = 0; i < N; i++)
		apic_eoi();
	return rdtsc() - t0;
}

static u64 time_timer(void)
{
	u64 t0;

	ticks_seen = 0;
	apic_write(APIC_LVTT, TIMER_VEC | APIC_TIMER_DEADLINE);
	irq_enable();
	t0 = rdtsc();
	for (u32 i = 0; i < N; i++) {
		u32 seen = ticks_seen;

		wrmsr(MSR_TSC_DEADLINE, 1);	/* due at once */
		while (ticks_seen == seen)
			pause();
	}
	t0 = rdtsc() - t0;
	irq_disable();
	report(ticks_seen == N, "timer: %u of %u interrupts", ticks_seen, N);
	return t0;
}

int main(int argc, char **argv)
{
	handle_irq(TIMER_VEC, timer_irq);
	apic_sw_enable();
	perf("cpuid", time_cpuid(), N);
	perf("pio-hv", time_in(0x21, false), N);
	perf("pio-user", time_in(TESTDEV_SERVED, true), N);
	/* IOREGSEL 1 (the version register), then IOWIN reads */
	*(volatile u32 *)IOAPIC_DEFAULT_BASE = 1;
	perf("mmio-hv", time_read((volatile u32 *)(IOAPIC_DEFAULT_BASE + 0x10)), N);
	perf("mmio-user", time_read((volatile u32 *)MMIO_WINDOW), N);
	perf("tpr-xapic", time_read((volatile u32 *)(APIC_DEFAULT_BASE + APIC_TASKPRI)), N);
	perf("eoi-xapic", time_eoi(), N);
	perf("timer-xapic", time_timer(), N);
	if (!enable_x2apic()) {
		perf("tpr-x2apic", time_rdmsr(MSR_X2APIC_BASE + (APIC_TASKPRI >> 4)), N);
		perf("eoi-x2apic", time_eoi(), N);
		perf("timer-x2apic", time_timer(), N);
	} else {
		report(false, "x2APIC mode");
	}
	return report_summary();
}
