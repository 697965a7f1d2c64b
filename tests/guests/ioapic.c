/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ioapic: the virtual IOAPIC at 0xfec00000 (82093AA datasheet): ID,
 * version and the number of redirection entries; an RTE written and read
 * back; edge-triggered GSIs raised through the runner's test device
 * (port 0xe0 -> SET_IRQLINE); level-triggered with Remote IRR set until
 * the EOI and the line re-delivered while still asserted; masking.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"

#define IOAPIC_BASE	IOAPIC_DEFAULT_BASE
#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPIC_EOI	0x40
#define IOAPIC_ID	0x00
#define IOAPIC_VER	0x01
#define RTE_LO(n)	(0x10 + 2 * (n))
#define RTE_HI(n)	(0x11 + 2 * (n))
#define RTE_LEVEL	BIT(15)
#define RTE_REMOTE_IRR	BIT(14)
#define RTE_MASKED	BIT(16)

#define GSI_EDGE	20
#define GSI_LEVEL	21
#define VEC_EDGE	0x60
#define VEC_LEVEL	0x61

static volatile u32 count[256];
static volatile bool lower_in_handler;
static volatile u32 lower_after;	/* lower the level line at this count */

static u32 ioapic_read(u32 reg)
{
	*(volatile u32 *)(IOAPIC_BASE + IOREGSEL) = reg;
	return *(volatile u32 *)(IOAPIC_BASE + IOWIN);
}

static void ioapic_write(u32 reg, u32 val)
{
	*(volatile u32 *)(IOAPIC_BASE + IOREGSEL) = reg;
	*(volatile u32 *)(IOAPIC_BASE + IOWIN) = val;
}

static void set_line(u32 gsi, u32 op)
{
	outl(TESTDEV_IRQLINE, gsi | op << 8);
}

static void irq(struct ex_regs *r)
{
	count[r->vector]++;
	if (r->vector == VEC_LEVEL && (lower_in_handler ||
	    (lower_after && count[VEC_LEVEL] >= lower_after)))
		set_line(GSI_LEVEL, IRQLINE_LOW);
	apic_eoi();
}

static void settle(void)
{
	irq_enable();
	delay_us(200);
	irq_disable();
}

int main(int argc, char **argv)
{
	u32 ver = ioapic_read(IOAPIC_VER);
	u32 lo;

	handle_irq(VEC_EDGE, irq);
	handle_irq(VEC_LEVEL, irq);
	apic_sw_enable();

	report((ver & 0xff) == 0x20 || (ver & 0xff) == 0x11, "version 0x%x",
	       ver & 0xff);
	report(((ver >> 16) & 0xff) == 47, "48 pins (max redirection entry %u)",
	       (ver >> 16) & 0xff);
	ioapic_write(IOAPIC_ID, 0x05000000);
	report((ioapic_read(IOAPIC_ID) >> 24 & 0xf) == 5, "ID writable");
	report(ioapic_read(RTE_LO(GSI_EDGE)) & RTE_MASKED, "RTEs masked at "
	       "reset");

	ioapic_write(RTE_HI(GSI_EDGE), 0);
	ioapic_write(RTE_LO(GSI_EDGE), VEC_EDGE);
	report(ioapic_read(RTE_LO(GSI_EDGE)) == VEC_EDGE, "RTE reads back "
	       "(0x%x)", ioapic_read(RTE_LO(GSI_EDGE)));

	/* Edge */
	set_line(GSI_EDGE, IRQLINE_HIGH);
	settle();
	report(count[VEC_EDGE] == 1, "edge: rising edge delivered (%u)",
	       count[VEC_EDGE]);
	settle();
	report(count[VEC_EDGE] == 1, "edge: a held line is not delivered again");
	set_line(GSI_EDGE, IRQLINE_LOW);
	set_line(GSI_EDGE, IRQLINE_RAISING_PULSE);
	settle();
	report(count[VEC_EDGE] == 2, "edge: a pulse is one interrupt (%u)",
	       count[VEC_EDGE]);

	/* Masking */
	ioapic_write(RTE_LO(GSI_EDGE), VEC_EDGE | RTE_MASKED);
	set_line(GSI_EDGE, IRQLINE_RAISING_PULSE);
	settle();
	report(count[VEC_EDGE] == 2, "masked: nothing delivered");
	ioapic_write(RTE_LO(GSI_EDGE), VEC_EDGE);
	settle();
	report(count[VEC_EDGE] == 2, "an edge while masked is lost on unmask");

	/* Level: Remote IRR from delivery to EOI. */
	ioapic_write(RTE_HI(GSI_LEVEL), 0);
	ioapic_write(RTE_LO(GSI_LEVEL), VEC_LEVEL | RTE_LEVEL);
	lower_in_handler = true;
	set_line(GSI_LEVEL, IRQLINE_HIGH);
	settle();
	report(count[VEC_LEVEL] == 1, "level: delivered once (%u)",
	       count[VEC_LEVEL]);
	lo = ioapic_read(RTE_LO(GSI_LEVEL));
	report(!(lo & RTE_REMOTE_IRR), "level: Remote IRR clear after the EOI "
	       "(0x%x)", lo);
	/* Held high across the EOI: delivered again, once per EOI. */
	lower_in_handler = false;
	irq_disable();
	set_line(GSI_LEVEL, IRQLINE_HIGH);
	delay_us(50);
	lo = ioapic_read(RTE_LO(GSI_LEVEL));
	report(lo & RTE_REMOTE_IRR, "level: Remote IRR set while the vector is "
	       "in service or pending (0x%x)", lo);
	/* A line held high re-interrupts after every EOI: with nothing
	 * between IRET and the next delivery the CPU would make no other
	 * progress (as on hardware), so the handler lowers it at its
	 * fourth interrupt (the third of this burst). */
	lower_after = 4;
	irq_enable();
	delay_us(200);
	irq_disable();
	lower_after = 0;
	set_line(GSI_LEVEL, IRQLINE_LOW);
	report(count[VEC_LEVEL] == 4, "level: a line held high is re-delivered "
	       "after each EOI (%u)", count[VEC_LEVEL]);
	settle();
	count[VEC_LEVEL] = 0;
	settle();
	report(count[VEC_LEVEL] <= 1, "level: quiet once the line is low");

	/* The IOAPIC's own EOI register (version 0x20) clears Remote IRR. */
	ioapic_write(RTE_LO(GSI_LEVEL), VEC_LEVEL | RTE_LEVEL | RTE_MASKED);
	return report_summary();
}
