/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dm: islet-dm's platform devices, seen from a guest started with
 * `islet-dm -E dm.elf -B <what>` (tests/dm/machine.sh).  <what>:
 *   uart      COM1 is a 16550A: scratch register, divisor latch, loopback
 *             (a byte sent comes back, MSR follows MCR), IIR priorities,
 *             and a THRE interrupt on IRQ 4 through the IOAPIC, gated by
 *             OUT2
 *   pmtimer   the ACPI PM timer (port 0x408) runs at 3.579545 MHz
 *   reset     first boot: leaves a mark in low memory and resets through
 *             port 0xcf9; second boot: finds the mark and passes
 *   poweroff  writes S5 to PM1a control (0x404): islet-dm ends with 0
 *   pwrbtn    enables the power button event, prints "dm: waiting for the
 *             power button" and waits for the SCI (GSI 9, level) that
 *             SIGUSR1 to islet-dm makes; PWRBTN_STS must be set, and
 *             clearing it must end the SCI
 *   spin      prints "dm: spinning" and halts with interrupts off, for
 *             islet-dm to be killed
 * Without --debugexit the exit port is nobody's, so only "poweroff" and
 * "spin" need none.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"

#define COM1		0x3f8
#define PM1A_EVT	0x400
#define PM1A_EN		0x402
#define PM1A_CNT	0x404
#define PWRBTN		0x0100
#define SCI_GSI		9
#define SCI_VEC		0x65
#define PM_TMR		0x408
#define RESET_CONTROL	0xcf9
#define IOAPIC		IOAPIC_DEFAULT_BASE
#define COM1_GSI	4
#define COM1_VEC	0x64
/* Below the kernel and the multiboot structures; not in the ELF image,
 * so a reset does not reload it. */
#define RESET_MARK_GPA	0x5000
#define RESET_MARK	0x7e5e7e5eU

static volatile u32 com1_irqs, scis;
static volatile u16 sci_sts;

static void ioapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)(IOAPIC) = reg;
	*(volatile u32 *)(IOAPIC + 0x10) = val;
}

static void com1_irq(struct ex_regs *r)
{
	com1_irqs++;
	/* Reading IIR acknowledges the THRE interrupt; disable it too. */
	inb(COM1 + 2);
	outb(COM1 + 1, 0);
	apic_eoi();
}

static void test_uart(void)
{
	u8 lsr, iir, msr, got, dll, dlm;

	outb(COM1 + 7, 0xa5);
	report(inb(COM1 + 7) == 0xa5, "scratch register keeps 0xa5");
	/* No printing while DLAB is set: THR is the divisor latch then. */
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x03);
	outb(COM1 + 1, 0x00);
	dll = inb(COM1 + 0);
	dlm = inb(COM1 + 1);
	outb(COM1 + 3, 0x03);		/* 8N1, DLAB off */
	report(dll == 0x03 && dlm == 0, "divisor latch 3 reads back (%u, %u)",
	       dll, dlm);
	report(inb(COM1 + 3) == 0x03, "LCR reads back 8N1");
	iir = inb(COM1 + 2);
	report((iir & 0x0f) == 0x01, "IIR: no interrupt pending (0x%x)", iir);
	lsr = inb(COM1 + 5);
	report((lsr & 0x61) == 0x60, "LSR: transmitter empty, no data (0x%x)",
	       lsr);

	/* Loopback: nothing printed while it is on. */
	outb(COM1 + 4, 0x10 | 0x0b);	/* LOOP | OUT2 | RTS | DTR */
	msr = inb(COM1 + 6);
	outb(COM1 + 0, 'Z');
	lsr = inb(COM1 + 5);
	got = inb(COM1 + 0);
	outb(COM1 + 4, 0x00);
	report((msr & 0xf0) == 0xb0, "loopback: MSR shows DCD, DSR, CTS "
	       "from OUT2, DTR, RTS (0x%x)", msr);
	report((lsr & 1) && got == 'Z', "loopback: the byte sent comes back "
	       "(LSR 0x%x, '%c')", lsr, got);
	report(!(inb(COM1 + 5) & 1), "loopback: receive buffer empty again");

	/* A THRE interrupt: IRQ 4, edge, to this CPU at COM1_VEC. */
	handle_irq(COM1_VEC, com1_irq);
	apic_sw_enable();
	ioapic_write(0x10 + 2 * COM1_GSI, COM1_VEC);
	ioapic_write(0x11 + 2 * COM1_GSI, apic_id() << 24);
	outb(COM1 + 1, 0x02);		/* ETBEI, OUT2 still clear */
	irq_enable();
	delay_us(2000);
	irq_disable();
	report(com1_irqs == 0, "THRE pending but OUT2 clear: no interrupt "
	       "(%u)", com1_irqs);
	iir = inb(COM1 + 2);		/* acknowledges it */
	report((iir & 0x0f) == 0x02, "IIR shows THRE (0x%x)", iir);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 4, 0x08);		/* OUT2 */
	outb(COM1 + 1, 0x02);		/* enabling it raises THRE again */
	irq_enable();
	wait_flag(&com1_irqs, 100000);
	irq_disable();
	report(com1_irqs == 1, "THRE interrupt on IRQ 4 with OUT2 set (%u)",
	       com1_irqs);
	report((inb(COM1 + 2) & 0x0f) == 0x01, "IIR: none pending after it");
	outb(COM1 + 4, 0x00);
}

static void test_pmtimer(void)
{
	u32 a, b;
	u64 t0, t1, us;

	a = inl(PM_TMR);
	t0 = rdtsc();
	delay_us(20000);
	b = inl(PM_TMR);
	t1 = rdtsc();
	us = (t1 - t0) * 1000 / tsc_khz();
	/* 3.579545 ticks per microsecond; the exits around the reads take
	 * some of it, so a wide margin. */
	report(b - a > 3 * us && b - a < 4 * us + 3580,
	       "PM timer: %u ticks in %lu us", b - a, us);
}

/* Level-triggered: the status is cleared before the EOI, or the SCI
 * comes again at once. */
static void sci_irq(struct ex_regs *r)
{
	sci_sts = inw(PM1A_EVT);
	outw(PM1A_EVT, sci_sts & PWRBTN);
	scis++;
	apic_eoi();
}

static void test_pwrbtn(void)
{
	handle_irq(SCI_VEC, sci_irq);
	apic_sw_enable();
	ioapic_write(0x10 + 2 * SCI_GSI, SCI_VEC | 1 << 15);	/* level */
	ioapic_write(0x11 + 2 * SCI_GSI, apic_id() << 24);
	outw(PM1A_EN, PWRBTN);
	report(inw(PM1A_EN) == PWRBTN, "PWRBTN_EN reads back");
	printf("dm: waiting for the power button\n");
	irq_enable();
	wait_flag(&scis, 30000000);
	delay_us(2000);		/* a stuck line would deliver again */
	irq_disable();
	report(scis == 1, "one SCI for one press (%u)", scis);
	report(sci_sts & PWRBTN, "PWRBTN_STS was set (0x%x)", sci_sts);
	report(!(inw(PM1A_EVT) & PWRBTN), "PWRBTN_STS clears");
}

static void test_reset(void)
{
	volatile u32 *mark = (volatile u32 *)RESET_MARK_GPA;

	if (*mark == RESET_MARK) {
		*mark = 0;
		report(true, "reset: the second boot found the first one's "
		       "mark");
		return;
	}
	*mark = RESET_MARK;
	printf("dm: resetting\n");
	outb(RESET_CONTROL, 0x06);
	delay_us(100000);
	report(false, "reset: still running 100 ms after the reset");
}

int main(int argc, char **argv)
{
	if (test_arg(argc, argv, "uart"))
		test_uart();
	if (test_arg(argc, argv, "pmtimer"))
		test_pmtimer();
	if (test_arg(argc, argv, "reset"))
		test_reset();
	if (test_arg(argc, argv, "pwrbtn"))
		test_pwrbtn();
	if (test_arg(argc, argv, "poweroff")) {
		printf("dm: powering off\n");
		outw(PM1A_CNT, 0x2000 | 5 << 10);
		delay_us(100000);
		report(false, "poweroff: still running 100 ms after S5");
	}
	if (test_arg(argc, argv, "spin")) {
		printf("dm: spinning\n");
		for (;;)
			__asm__ __volatile__("cli; hlt");
	}
	return report_summary();
}
