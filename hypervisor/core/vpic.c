/* The virtual 8259A pair of User VMs (see vpic.h).
 *
 * Model of one chip: each input has a level (pin).  An edge-triggered
 * input latches a request (irr_edge) on a rising edge, kept until the
 * acknowledge even if the line drops, so a pulse is never lost; a
 * level-triggered input (ELCR) requests exactly while its line is high.
 * ICW1's LTIM bit is ignored: as on PIIX/ICH chipsets the ELCR decides.
 * The master's IR2 is the slave's INTR output, edge-sensed like any
 * other master input (the ELCR forces IR2 edge).
 *
 * Priority: 8 levels in a circle, the highest just after `lowest`
 * (rotation moves `lowest`).  A request reaches INTR when it is unmasked
 * and of higher priority than every in-service level, except that in
 * special mask mode the ISR blocks nothing and in special fully nested
 * mode an in-service IR2 does not block the slave's further requests.
 */
#include "lib.h"
#include "vm.h"
#include "vpic.h"
#include "vlapic.h"
#include <islet/hypercall.h>

#define MASTER	0
#define SLAVE	1

/* ICW1 (command port, D4 set) */
#define ICW1_IC4	BIT(0)
#define ICW1_SNGL	BIT(1)
#define ICW1_INIT	BIT(4)
/* ICW4 */
#define ICW4_AEOI	BIT(1)
#define ICW4_SFNM	BIT(4)
/* OCW3 (command port, D4 clear, D3 set) */
#define OCW3_SEL	BIT(3)
#define OCW3_RIS	BIT(0)
#define OCW3_RR		BIT(1)
#define OCW3_P		BIT(2)
#define OCW3_SMM	BIT(5)
#define OCW3_ESMM	BIT(6)

/* ELCR: the timer, keyboard, cascade, RTC and FPU inputs are always edge */
#define ELCR_MASK_MASTER	0xf8	/* not IRQ 0, 1, 2 */
#define ELCR_MASK_SLAVE		0xde	/* not IRQ 8, 13 */

static u8 chip_irr(const struct i8259 *c)
{
	return (u8)((c->irr_edge & ~c->elcr) | (c->pin & c->elcr));
}

/* Priority rank of input @irq: 0 is the highest. */
static u32 rank(const struct i8259 *c, u32 irq)
{
	return (irq - c->lowest - 1) & 7;
}

/* The input of highest priority among @bits, or -1. */
static int highest(const struct i8259 *c, u8 bits)
{
	for (u32 i = 0; i < 8; i++) {
		u32 irq = (c->lowest + 1 + i) & 7;

		if (bits & BIT(irq))
			return (int)irq;
	}
	return -1;
}

/* The input the chip's INTR output requests now, or -1 (INTR low). */
static int chip_output(const struct i8259 *c, bool master)
{
	int irq = highest(c, chip_irr(c) & ~c->imr);
	int cur = highest(c, c->smm ? 0 : c->isr);

	if (irq < 0)
		return -1;
	if (cur < 0 || rank(c, (u32)irq) < rank(c, (u32)cur))
		return irq;
	if (master && c->sfnm && irq == VPIC_CASCADE_IRQ &&
	    cur == VPIC_CASCADE_IRQ)
		return irq;
	return -1;
}

static void set_pin(struct i8259 *c, u32 irq, bool high)
{
	u8 b = (u8)BIT(irq);

	if (high && !(c->pin & b) && !(c->elcr & b))
		c->irr_edge |= b;
	c->pin = high ? c->pin | b : c->pin & (u8)~b;
}

/* Is the slave on the master's IR2 as far as the master knows (cascade
 * mode, ICW3 names IR2)?  Else the master answers IR2 itself. */
static bool cascaded(const struct i8259 *m)
{
	return !m->single && (m->icw3 & BIT(VPIC_CASCADE_IRQ));
}

/* Propagate the slave's output to the master's IR2 and recompute INTR;
 * true when INTR rose. */
static bool update(struct vpic *p)
{
	bool out;

	set_pin(&p->chip[MASTER], VPIC_CASCADE_IRQ,
		chip_output(&p->chip[SLAVE], false) >= 0);
	out = chip_output(&p->chip[MASTER], true) >= 0;
	if (out && !p->intr) {
		p->intr = true;
		return true;
	}
	p->intr = out;
	return false;
}

/* The INTA cycle of one chip for input @irq. */
static void chip_ack(struct vpic *p, u32 which, u32 irq)
{
	struct i8259 *c = &p->chip[which];

	if (!c->aeoi)
		c->isr |= (u8)BIT(irq);
	else if (c->rotate_aeoi)
		c->lowest = (u8)irq;
	c->irr_edge &= (u8)~BIT(irq);
	/* The slave's INTR is sensed again from low after the cycle, so a
	 * request the slave still holds is latched anew by update(). */
	if (which == MASTER && irq == VPIC_CASCADE_IRQ)
		c->pin &= (u8)~BIT(VPIC_CASCADE_IRQ);
}

/* ICW1: start the initialization sequence.  Edge sense, masks, ISR,
 * priorities and modes go back to their initial values; level inputs
 * still request. */
static void write_icw1(struct i8259 *c, u8 v)
{
	c->icw4 = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->irr_edge = 0;
	c->imr = 0;
	c->isr = 0;
	c->lowest = 7;
	c->aeoi = c->rotate_aeoi = c->sfnm = false;
	c->smm = c->poll = c->read_isr = false;
	c->icw_next = I8259_ICW2;
}

/* OCW2: EOI and rotation; R (7), SL (6), EOI (5), level in bits 2:0. */
static void write_ocw2(struct i8259 *c, u8 v)
{
	u32 level = v & 7;
	int irq = highest(c, c->isr);

	switch (v >> 5) {
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		if (irq < 0)
			return;
		c->isr &= (u8)~BIT(irq);
		if (v >> 5 == 5)
			c->lowest = (u8)irq;
		return;
	case 3:		/* specific EOI */
	case 7:		/* rotate on specific EOI */
		c->isr &= (u8)~BIT(level);
		if (v >> 5 == 7)
			c->lowest = (u8)level;
		return;
	case 4:		/* set rotate in automatic EOI mode */
	case 0:		/* clear it */
		c->rotate_aeoi = v >> 5 == 4;
		return;
	case 6:		/* set priority: @level becomes the lowest */
		c->lowest = (u8)level;
		return;
	default:	/* 2: no operation */
		return;
	}
}

static void write_ocw3(struct i8259 *c, u8 v)
{
	if (v & OCW3_ESMM)
		c->smm = v & OCW3_SMM;
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	c->poll = v & OCW3_P;
}

/* Data port: the next ICW of an initialization sequence, else OCW1. */
static void write_data(struct i8259 *c, u8 v)
{
	switch (c->icw_next) {
	case I8259_ICW2:
		c->base = v & 0xf8;
		if (!c->single)
			c->icw_next = I8259_ICW3;
		else
			c->icw_next = c->icw4 ? I8259_ICW4 : I8259_READY;
		return;
	case I8259_ICW3:
		c->icw3 = v;
		c->icw_next = c->icw4 ? I8259_ICW4 : I8259_READY;
		return;
	case I8259_ICW4:
		/* uPM (8086 mode) is assumed: an 8080-mode INTA sequence
		 * has no meaning for a vCPU.  Buffered mode: no effect. */
		c->aeoi = v & ICW4_AEOI;
		c->sfnm = v & ICW4_SFNM;
		c->icw_next = I8259_READY;
		return;
	default:
		c->imr = v;
		return;
	}
}

/* A poll command's read: acknowledges the highest request like INTA;
 * bit 7 says whether there was one, bits 2:0 which. */
static u8 poll_read(struct vpic *p, u32 which)
{
	int irq = chip_output(&p->chip[which], which == MASTER);

	p->chip[which].poll = false;
	if (irq < 0)
		return 0;
	chip_ack(p, which, (u32)irq);
	return (u8)(0x80 | irq);
}

static int port_access(struct vpic *p, u16 port, bool in, u8 *v)
{
	u32 which = port == 0x20 || port == 0x21 || port == 0x4d0 ?
		MASTER : SLAVE;
	struct i8259 *c = &p->chip[which];

	switch (port) {
	case 0x4d0:
	case 0x4d1:
		if (in) {
			*v = c->elcr;
		} else {
			c->elcr = *v & c->elcr_mask;
			/* latches of inputs now level are meaningless */
			c->irr_edge &= (u8)~c->elcr;
		}
		return 0;
	case 0x20:
	case 0xa0:
		if (in)
			*v = c->poll ? poll_read(p, which) :
				c->read_isr ? c->isr : chip_irr(c);
		else if (*v & ICW1_INIT)
			write_icw1(c, *v);
		else if (*v & OCW3_SEL)
			write_ocw3(c, *v);
		else
			write_ocw2(c, *v);
		return 0;
	case 0x21:
	case 0xa1:
		if (in)
			*v = c->poll ? poll_read(p, which) : c->imr;
		else
			write_data(c, *v);
		return 0;
	default:
		return -EINVAL;
	}
}

int vpic_pio(struct vcpu *vcpu, u16 port, u8 size, bool in, u32 *val)
{
	struct vpic *p = &vcpu->vm->vpic;
	u32 out = 0;
	bool rose;
	int ret = 0;

	spin_lock(&p->lock);
	for (u32 i = 0; i < size && !ret; i++) {
		u8 b = (u8)(*val >> (8 * i));

		ret = port_access(p, (u16)(port + i), in, &b);
		out |= (u32)b << (8 * i);
	}
	rose = update(p);
	spin_unlock(&p->lock);
	if (in && !ret)
		*val = out;
	if (rose)
		vm_pic_intr_raised(vcpu->vm);
	return ret;
}

void vpic_set_line(struct vm *vm, u32 irq, u32 op)
{
	struct vpic *p = &vm->vpic;
	struct i8259 *c;
	bool rose;

	if (irq >= VPIC_NR_IRQS || irq == VPIC_CASCADE_IRQ)
		return;
	c = &p->chip[irq / 8];
	spin_lock(&p->lock);
	switch (op) {
	case ISLET_IRQLINE_SET_HIGH:
		set_pin(c, irq % 8, true);
		break;
	case ISLET_IRQLINE_SET_LOW:
		set_pin(c, irq % 8, false);
		break;
	case ISLET_IRQLINE_RAISING_PULSE:
		set_pin(c, irq % 8, true);
		set_pin(c, irq % 8, false);
		break;
	case ISLET_IRQLINE_FALLING_PULSE:
		set_pin(c, irq % 8, false);
		set_pin(c, irq % 8, true);
		break;
	}
	rose = update(p);
	spin_unlock(&p->lock);
	if (rose)
		vm_pic_intr_raised(vm);
}

bool vpic_intr_pending(struct vm *vm)
{
	struct vpic *p = &vm->vpic;
	bool ret;

	spin_lock(&p->lock);
	ret = chip_output(&p->chip[MASTER], true) >= 0;
	spin_unlock(&p->lock);
	return ret;
}

/* No notification here: the caller is the CPU that injects, and it looks
 * at vpic_intr_pending() again before its next entry. */
int vpic_intack(struct vm *vm)
{
	struct vpic *p = &vm->vpic;
	struct i8259 *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int irq, sirq, vec;

	spin_lock(&p->lock);
	irq = chip_output(m, true);
	if (irq < 0) {
		/* the request went away: IR7, spurious, ISR untouched */
		vec = m->base + 7;
	} else if (irq == VPIC_CASCADE_IRQ && cascaded(m)) {
		sirq = chip_output(s, false);
		if (sirq < 0) {
			vec = s->base + 7;	/* the slave's spurious IR7 */
		} else {
			chip_ack(p, SLAVE, (u32)sirq);
			vec = s->base + sirq;
		}
		chip_ack(p, MASTER, (u32)irq);
	} else {
		chip_ack(p, MASTER, (u32)irq);
		vec = m->base + irq;
	}
	update(p);
	spin_unlock(&p->lock);
	return vec;
}

void vpic_reset(struct vm *vm)
{
	struct vpic *p = &vm->vpic;
	static const struct i8259 power_on[2] = {
		[MASTER] = { .imr = 0xff, .base = 0x08, .icw3 = BIT(2),
			     .lowest = 7, .icw4 = true,
			     .elcr_mask = ELCR_MASK_MASTER },
		[SLAVE] = { .imr = 0xff, .base = 0x70, .icw3 = 2,
			    .lowest = 7, .icw4 = true,
			    .elcr_mask = ELCR_MASK_SLAVE },
	};

	spin_lock(&p->lock);
	p->chip[MASTER] = power_on[MASTER];
	p->chip[SLAVE] = power_on[SLAVE];
	p->intr = false;
	spin_unlock(&p->lock);
}
