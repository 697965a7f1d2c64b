/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pic: the virtual 8259A pair (8259A datasheet): initialization (ICW1-4,
 * vector bases 0x20/0x28, cascade on IRQ2), the mask register, IRR and
 * ISR through OCW3, an IRQ raised through the runner's test device
 * (port 0xe0) delivered as ExtINT to vCPU 0 (its APIC software-disabled
 * passes the PIC through), non-specific EOI, a slave IRQ through the
 * cascade, and the spurious IRQ7.
 */
#include "apic.h"
#include "desc.h"
#include "libguest.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define PIC_BASE1	0x20
#define PIC_BASE2	0x28
#define OCW3_READ_IRR	0x0a
#define OCW3_READ_ISR	0x0b
#define OCW2_EOI	0x20

static volatile u32 count[256];
static volatile u8 isr_in_handler;
static volatile bool no_eoi;

static void irq(struct ex_regs *r)
{
	count[r->vector]++;
	outb(PIC1_CMD, OCW3_READ_ISR);
	isr_in_handler = inb(PIC1_CMD);
	if (no_eoi)
		return;
	if (r->vector >= PIC_BASE2)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);	/* ICW1: edge, cascade, ICW4 */
	outb(PIC1_DATA, PIC_BASE1);
	outb(PIC1_DATA, 0x04);	/* slave on IRQ2 */
	outb(PIC1_DATA, 0x01);	/* 8086 mode */
	outb(PIC2_CMD, 0x11);
	outb(PIC2_DATA, PIC_BASE2);
	outb(PIC2_DATA, 0x02);	/* slave id 2 */
	outb(PIC2_DATA, 0x01);
}

static void raise(u32 irqn)
{
	outl(TESTDEV_IRQLINE, irqn | IRQLINE_HIGH << 8);
	outl(TESTDEV_IRQLINE, irqn | IRQLINE_LOW << 8);
}

static void settle(void)
{
	irq_enable();
	delay_us(200);
	irq_disable();
}

int main(int argc, char **argv)
{
	for (unsigned int v = PIC_BASE1; v < PIC_BASE1 + 16; v++)
		handle_irq((u8)v, irq);
	/* Through LINT0 as ExtINT (virtual wire).  A software-disabled
	 * APIC keeps its LVT entries masked (SDM 10.4.7.2), so enable it
	 * first. */
	apic_sw_enable();
	apic_write(APIC_LVT0, 0x700);

	pic_init();
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	report(inb(PIC1_DATA) == 0xff && inb(PIC2_DATA) == 0xff, "masks read "
	       "back");

	/* IRQ 3 while masked: stays in IRR. */
	raise(3);
	outb(PIC1_CMD, OCW3_READ_IRR);
	report(inb(PIC1_CMD) & 0x08, "masked IRQ 3 latched in IRR");
	settle();
	report(count[PIC_BASE1 + 3] == 0, "masked IRQ 3 not delivered");
	outb(PIC1_DATA, 0xff & ~0x08);
	settle();
	report(count[PIC_BASE1 + 3] == 1, "IRQ 3 delivered once unmasked, "
	       "vector 0x23 (%u)", count[PIC_BASE1 + 3]);
	report(isr_in_handler & 0x08, "ISR bit 3 set in the handler (0x%x)",
	       isr_in_handler);
	outb(PIC1_CMD, OCW3_READ_ISR);
	report(inb(PIC1_CMD) == 0, "EOI cleared ISR");

	/* Without EOI a second IRQ 3 waits. */
	no_eoi = true;
	raise(3);
	settle();
	raise(3);
	settle();
	report(count[PIC_BASE1 + 3] == 2, "in service: the next IRQ 3 waits "
	       "(%u)", count[PIC_BASE1 + 3]);
	no_eoi = false;
	outb(PIC1_CMD, OCW2_EOI);
	settle();
	report(count[PIC_BASE1 + 3] == 3, "after the EOI it is delivered (%u)",
	       count[PIC_BASE1 + 3]);

	/* A slave IRQ (10) through the cascade. */
	outb(PIC1_DATA, 0xff & ~0x04);
	outb(PIC2_DATA, 0xff & ~0x04);
	raise(10);
	settle();
	report(count[PIC_BASE2 + 2] == 1, "slave IRQ 10 delivered as 0x2a (%u)",
	       count[PIC_BASE2 + 2]);

	/* Poll mode: nothing pending answers without bit 7. */
	outb(PIC1_CMD, 0x0c);
	report(!(inb(PIC1_CMD) & 0x80), "poll: nothing pending");
	return report_summary();
}
