/* hypervisor/core/vpic.c: the User VM's 8259A pair, driven through its
 * ports as a guest does and through its input lines as HC_SET_IRQLINE
 * does; vpic_intack() plays the CPU's INTA cycle. */
#include <string.h>
#include "unit.h"
#include "fake_irqchip.h"
#include "vpic.h"
#include <islet/hypercall.h>

u32 fake_pic_raised;

void fake_vm_pic_intr_raised(struct vm *vm)
{
	fake_pic_raised++;
}

static struct vm vm;
static struct vcpu *vc;

#define HIGH	ISLET_IRQLINE_SET_HIGH
#define LOW	ISLET_IRQLINE_SET_LOW
#define PULSE	ISLET_IRQLINE_RAISING_PULSE

static void outb(u16 port, u8 v)
{
	u32 x = v;

	CU_ASSERT_EQUAL(vpic_pio(vc, port, 1, false, &x), 0);
}

static u8 inb(u16 port)
{
	u32 x = 0x5a5a5a5a;

	CU_ASSERT_EQUAL(vpic_pio(vc, port, 1, true, &x), 0);
	return (u8)x;
}

static void line(u32 irq, u32 op)
{
	vpic_set_line(&vm, irq, op);
}

static bool pending(void)
{
	return vpic_intr_pending(&vm);
}

static int ack(void)
{
	return vpic_intack(&vm);
}

/* OCW3 read selection, then the command port. */
static u8 irr(u16 cmd)
{
	outb(cmd, 0x0a);
	return inb(cmd);
}

static u8 isr(u16 cmd)
{
	outb(cmd, 0x0b);
	return inb(cmd);
}

static void fresh(void)
{
	memset(&vm, 0, sizeof(vm));
	vc = &vm.vcpus[0];
	vc->vm = &vm;
	vm.nr_vcpus = 1;
	vpic_reset(&vm);
	fake_pic_raised = 0;
}

/* Linux's sequence: edge, cascade, ICW4 @icw4, everything unmasked. */
static void setup(u8 icw4)
{
	fresh();
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, icw4);
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, icw4);
	outb(0x21, 0x00);
	outb(0xa1, 0x00);
}

static void test_power_on(void)
{
	fresh();
	CU_ASSERT_EQUAL(inb(0x21), 0xff);
	CU_ASSERT_EQUAL(inb(0xa1), 0xff);
	CU_ASSERT_EQUAL(inb(0x4d0), 0);
	CU_ASSERT_EQUAL(inb(0x4d1), 0);
	line(1, HIGH);
	CU_ASSERT_FALSE(pending());		/* masked */
	CU_ASSERT_EQUAL(fake_pic_raised, 0);
	CU_ASSERT_EQUAL(irr(0x20), 0x02);	/* but requested */
	outb(0x21, 0xfd);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(fake_pic_raised, 1);
	CU_ASSERT_EQUAL(ack(), 0x09);		/* BIOS vectors */
	line(12, PULSE);
	outb(0xa1, 0xef);
	outb(0x20, 0x20);
	CU_ASSERT_FALSE(pending());		/* IR2 masked */
	outb(0x21, 0xf9);
	CU_ASSERT_EQUAL(ack(), 0x74);		/* slave on IR2 */
}

static void test_init_icw4(void)
{
	fresh();
	outb(0x20, 0x11);
	CU_ASSERT_EQUAL(inb(0x21), 0x00);	/* ICW1 clears IMR */
	outb(0x21, 0x47);			/* ICW2: low bits ignored */
	outb(0x21, 0x04);			/* ICW3 */
	outb(0x21, 0x01);			/* ICW4 */
	outb(0x21, 0xf7);			/* OCW1 now */
	CU_ASSERT_EQUAL(inb(0x21), 0xf7);
	line(3, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x43);
	CU_ASSERT_EQUAL(isr(0x20), 0x08);	/* not AEOI */
	/* a new ICW1 clears ISR, IMR and the latched requests */
	line(3, PULSE);
	outb(0x21, 0xff);
	outb(0x20, 0x11);
	CU_ASSERT_EQUAL(isr(0x20), 0);
	CU_ASSERT_EQUAL(irr(0x20), 0);
	CU_ASSERT_EQUAL(inb(0x21), 0);
}

static void test_init_no_icw4(void)
{
	setup(0x03);				/* AEOI */
	line(4, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x24);
	CU_ASSERT_EQUAL(isr(0x20), 0);
	/* without ICW4 its functions are all cleared: no AEOI */
	outb(0x20, 0x10);
	outb(0x21, 0x30);
	outb(0x21, 0x04);
	outb(0x21, 0xef);			/* OCW1, not ICW4 */
	CU_ASSERT_EQUAL(inb(0x21), 0xef);
	line(4, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x34);
	CU_ASSERT_EQUAL(isr(0x20), 0x10);
}

static void test_init_single(void)
{
	fresh();
	outb(0x20, 0x13);			/* single, ICW4: no ICW3 */
	outb(0x21, 0x50);
	outb(0x21, 0x01);			/* ICW4 */
	outb(0x21, 0xaa);
	CU_ASSERT_EQUAL(inb(0x21), 0xaa);
	outb(0x20, 0x12);			/* single, no ICW4 */
	outb(0x21, 0x60);
	outb(0x21, 0x00);			/* OCW1 at once */
	CU_ASSERT_EQUAL(inb(0x21), 0x00);
	/* no cascade: the master answers IR2 itself, the slave stays
	 * untouched */
	outb(0xa1, 0x00);
	line(10, PULSE);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(ack(), 0x62);
	CU_ASSERT_EQUAL(isr(0x20), 0x04);
	CU_ASSERT_EQUAL(isr(0xa0), 0x00);
}

static void test_mask(void)
{
	setup(0x01);
	outb(0x21, 0x10);
	line(4, PULSE);
	CU_ASSERT_FALSE(pending());
	CU_ASSERT_EQUAL(irr(0x20), 0x10);	/* latched while masked */
	CU_ASSERT_EQUAL(fake_pic_raised, 0);
	outb(0x21, 0x00);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(fake_pic_raised, 1);
	CU_ASSERT_EQUAL(ack(), 0x24);
	CU_ASSERT_EQUAL(irr(0x20), 0);		/* INTA clears an edge */
	/* masking the slave's input on the master hides the slave */
	outb(0x20, 0x20);
	outb(0x21, 0x04);
	line(9, PULSE);
	CU_ASSERT_FALSE(pending());
	outb(0x21, 0x00);
	CU_ASSERT_EQUAL(ack(), 0x29);
}

static void test_priority(void)
{
	setup(0x01);
	line(5, PULSE);
	line(3, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x23);
	CU_ASSERT_FALSE(pending());		/* 5 waits for 3 */
	line(1, PULSE);
	CU_ASSERT_TRUE(pending());		/* 1 nests over 3 */
	CU_ASSERT_EQUAL(ack(), 0x21);
	CU_ASSERT_EQUAL(isr(0x20), 0x0a);
	outb(0x20, 0x20);			/* non-specific: ends 1 */
	CU_ASSERT_EQUAL(isr(0x20), 0x08);
	CU_ASSERT_FALSE(pending());
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x25);
	/* the slave's inputs rank at IR2: between 1 and 3 */
	outb(0x20, 0x20);
	line(3, PULSE);
	line(14, PULSE);
	line(1, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x21);
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x2e);
	CU_ASSERT_FALSE(pending());		/* 3 below the slave */
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x23);
}

static void test_specific_eoi(void)
{
	setup(0x01);
	line(3, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x23);
	line(1, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x21);
	outb(0x20, 0x63);			/* specific EOI of 3 */
	CU_ASSERT_EQUAL(isr(0x20), 0x02);
	outb(0x20, 0x40);			/* no operation */
	CU_ASSERT_EQUAL(isr(0x20), 0x02);
	outb(0x20, 0x61);
	CU_ASSERT_EQUAL(isr(0x20), 0x00);
	outb(0x20, 0x20);			/* nothing in service: harmless */
	CU_ASSERT_EQUAL(isr(0x20), 0x00);
}

static void test_rotation(void)
{
	setup(0x01);
	/* set priority: IR4 lowest, so IR5 highest */
	outb(0x20, 0xc4);
	line(3, PULSE);
	line(6, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x26);
	CU_ASSERT_FALSE(pending());		/* 3 ranks below 6 now */
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x23);
	outb(0x20, 0x20);
	outb(0x20, 0xc7);			/* back to IR0 highest */
	/* rotate on non-specific EOI: the level served goes last */
	line(0, PULSE);
	line(1, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x20);
	outb(0x20, 0xa0);
	line(0, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x21);
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x20);
	/* rotate on specific EOI: the level named goes last */
	outb(0x20, 0xc7);
	outb(0x20, 0xe0);			/* ends 0, IR0 lowest */
	CU_ASSERT_EQUAL(isr(0x20), 0);
	line(0, PULSE);
	line(1, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x21);
	outb(0x20, 0x61);
	CU_ASSERT_EQUAL(ack(), 0x20);
	outb(0x20, 0x60);
	outb(0x20, 0xc7);
	line(3, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x23);
	outb(0x20, 0xe5);			/* ends 5 (not in service) */
	CU_ASSERT_EQUAL(isr(0x20), 0x08);	/* 3 still in service */
	line(5, PULSE);
	line(6, PULSE);
	outb(0x20, 0x63);
	CU_ASSERT_EQUAL(ack(), 0x26);		/* 6 now above 5 */
}

static void test_aeoi(void)
{
	setup(0x03);
	line(3, PULSE);
	line(5, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x23);
	CU_ASSERT_EQUAL(isr(0x20), 0);
	CU_ASSERT_TRUE(pending());		/* nothing blocks 5 */
	CU_ASSERT_EQUAL(ack(), 0x25);
	/* rotate in AEOI mode: each level served goes last */
	outb(0x20, 0x80);
	line(0, PULSE);
	line(1, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x20);
	line(0, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x21);
	CU_ASSERT_EQUAL(ack(), 0x20);
	/* cleared, IR0 first again: serving 0 no longer moves it */
	outb(0x20, 0x00);
	outb(0x20, 0xc7);
	line(1, PULSE);
	line(0, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x20);
	line(0, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x20);
	CU_ASSERT_EQUAL(ack(), 0x21);
}

static void test_level_edge(void)
{
	setup(0x01);
	outb(0x4d0, 0xff);
	outb(0x4d1, 0xff);
	CU_ASSERT_EQUAL(inb(0x4d0), 0xf8);	/* IRQ 0, 1, 2 edge */
	CU_ASSERT_EQUAL(inb(0x4d1), 0xde);	/* IRQ 8, 13 edge */
	outb(0x4d0, 0x20);			/* IRQ 5 level */
	outb(0x4d1, 0x00);
	CU_ASSERT_EQUAL(inb(0x4d0), 0x20);

	/* level: requests while high, again after EOI */
	line(5, HIGH);
	CU_ASSERT_EQUAL(ack(), 0x25);
	CU_ASSERT_EQUAL(irr(0x20), 0x20);	/* still requesting */
	CU_ASSERT_FALSE(pending());		/* in service */
	outb(0x20, 0x20);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(ack(), 0x25);
	line(5, LOW);
	CU_ASSERT_EQUAL(irr(0x20), 0x00);
	outb(0x20, 0x20);
	CU_ASSERT_FALSE(pending());
	line(5, PULSE);				/* nothing stays */
	CU_ASSERT_FALSE(pending());

	/* edge: a held line requests once */
	line(4, HIGH);
	CU_ASSERT_EQUAL(ack(), 0x24);
	outb(0x20, 0x20);
	CU_ASSERT_FALSE(pending());
	line(4, HIGH);				/* no new edge */
	CU_ASSERT_FALSE(pending());
	line(4, LOW);
	line(4, HIGH);
	CU_ASSERT_EQUAL(ack(), 0x24);
	outb(0x20, 0x20);
	/* a latched edge survives the line going down */
	line(6, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x26);
	outb(0x20, 0x20);

	/* switching a line to level drops its latch; to edge needs an
	 * edge */
	line(7, PULSE);
	outb(0x4d0, 0xa0);
	CU_ASSERT_FALSE(pending());
	line(7, HIGH);
	CU_ASSERT_EQUAL(ack(), 0x27);
	outb(0x20, 0x20);
	outb(0x4d0, 0x20);
	CU_ASSERT_FALSE(pending());
	line(7, LOW);
	/* an edge latched, the input made level and edge again: gone */
	line(6, PULSE);
	outb(0x4d0, 0x60);
	outb(0x4d0, 0x20);
	CU_ASSERT_FALSE(pending());
	CU_ASSERT_EQUAL(irr(0x20), 0);
}

static void test_cascade(void)
{
	setup(0x01);
	line(10, PULSE);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(fake_pic_raised, 1);
	CU_ASSERT_EQUAL(ack(), 0x2a);
	CU_ASSERT_EQUAL(isr(0x20), 0x04);
	CU_ASSERT_EQUAL(isr(0xa0), 0x04);
	/* the slave's higher input waits for the master's EOI */
	line(9, PULSE);
	CU_ASSERT_FALSE(pending());
	outb(0xa0, 0x20);
	CU_ASSERT_FALSE(pending());		/* master IR2 in service */
	outb(0x20, 0x20);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(ack(), 0x29);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CU_ASSERT_FALSE(pending());
	/* a lower slave input waits for the slave's EOI, then comes */
	line(12, PULSE);
	line(11, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x2b);
	outb(0x20, 0x20);
	CU_ASSERT_FALSE(pending());
	outb(0xa0, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x2c);
	/* the slave in AEOI keeps a second request: not lost */
	setup(0x03);
	line(9, PULSE);
	line(11, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x29);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(ack(), 0x2b);
	CU_ASSERT_FALSE(pending());
	/* a master whose ICW3 names no slave on IR2 answers it itself */
	setup(0x01);
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x00);
	outb(0x21, 0x01);
	line(9, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x22);
	CU_ASSERT_EQUAL(isr(0xa0), 0x00);
	/* device line 2 is the cascade: not a PIC input */
	line(2, HIGH);
	CU_ASSERT_FALSE(pending());
}

static void test_sfnm(void)
{
	/* fully nested: a higher slave input waits for the master's EOI */
	setup(0x01);
	line(11, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x2b);
	outb(0xa0, 0x20);			/* slave done, master not */
	line(9, PULSE);
	CU_ASSERT_FALSE(pending());
	/* special fully nested (master ICW4 0x11): it comes at once */
	setup(0x01);
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x11);
	line(11, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x2b);
	line(9, PULSE);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(ack(), 0x29);
	CU_ASSERT_EQUAL(isr(0xa0), 0x0a);
	/* the master's lower inputs stay blocked by IR2 */
	line(5, PULSE);
	CU_ASSERT_FALSE(pending());
	/* and a lower slave input by the slave's own ISR */
	line(12, PULSE);
	CU_ASSERT_FALSE(pending());
	/* a master level above IR2 in service still blocks the slave */
	outb(0xa0, 0x20);
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x2c);		/* 12 */
	outb(0xa0, 0x20);
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x25);		/* 5 */
	outb(0x20, 0x20);
	line(1, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x21);
	line(9, PULSE);
	CU_ASSERT_FALSE(pending());
	outb(0x20, 0x20);
	CU_ASSERT_EQUAL(ack(), 0x29);
}

static void test_special_mask(void)
{
	setup(0x01);
	line(3, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x23);
	line(5, PULSE);
	CU_ASSERT_FALSE(pending());
	outb(0x20, 0x68);			/* ESMM | SMM: set */
	outb(0x21, 0x08);			/* mask the level served */
	CU_ASSERT_TRUE(pending());		/* lower level enabled */
	CU_ASSERT_EQUAL(ack(), 0x25);
	outb(0x20, 0x48);			/* ESMM, SMM clear: reset */
	outb(0x20, 0x65);
	CU_ASSERT_EQUAL(isr(0x20), 0x08);
	line(6, PULSE);
	CU_ASSERT_FALSE(pending());		/* 3 blocks again */
	outb(0x20, 0x28);			/* without ESMM: no change */
	CU_ASSERT_FALSE(pending());
}

static void test_spurious(void)
{
	setup(0x01);
	/* a level request that went away: IR7, nothing in service */
	outb(0x4d0, 0x20);
	line(5, HIGH);
	CU_ASSERT_TRUE(pending());
	line(5, LOW);
	CU_ASSERT_FALSE(pending());
	CU_ASSERT_EQUAL(ack(), 0x27);
	CU_ASSERT_EQUAL(isr(0x20), 0);
	/* an edge masked after it was raised */
	line(4, PULSE);
	outb(0x21, 0x10);
	CU_ASSERT_EQUAL(ack(), 0x27);
	CU_ASSERT_EQUAL(isr(0x20), 0);
	outb(0x21, 0x00);
	CU_ASSERT_EQUAL(ack(), 0x24);
	outb(0x20, 0x20);
	/* the slave's request went away after the master latched IR2: the
	 * slave's IR7 vector, IR2 in service on the master only */
	outb(0x4d1, 0x02);			/* IRQ 9 level */
	line(9, HIGH);
	line(9, LOW);
	CU_ASSERT_TRUE(pending());
	CU_ASSERT_EQUAL(ack(), 0x2f);
	CU_ASSERT_EQUAL(isr(0x20), 0x04);
	CU_ASSERT_EQUAL(isr(0xa0), 0x00);
	outb(0x20, 0x20);
	CU_ASSERT_FALSE(pending());
}

static void test_ocw3_poll(void)
{
	setup(0x01);
	line(3, PULSE);
	line(6, PULSE);
	CU_ASSERT_EQUAL(inb(0x20), 0x48);	/* IRR after init */
	outb(0x20, 0x0b);
	CU_ASSERT_EQUAL(inb(0x20), 0x00);	/* ISR */
	CU_ASSERT_EQUAL(inb(0x20), 0x00);	/* the choice sticks */
	outb(0x20, 0x08);			/* RR clear: no change */
	CU_ASSERT_EQUAL(inb(0x20), 0x00);
	outb(0x20, 0x0a);
	CU_ASSERT_EQUAL(inb(0x20), 0x48);
	CU_ASSERT_EQUAL(inb(0x21), 0x00);	/* IMR on the data port */
	/* poll: the read acknowledges */
	outb(0x20, 0x0c);
	CU_ASSERT_EQUAL(inb(0x20), 0x83);
	CU_ASSERT_EQUAL(isr(0x20), 0x08);
	CU_ASSERT_EQUAL(irr(0x20), 0x40);
	outb(0x20, 0x0c);
	CU_ASSERT_EQUAL(inb(0x20), 0x00);	/* 6 blocked by 3 */
	CU_ASSERT_EQUAL(inb(0x20), 0x40);	/* one read only: IRR */
	outb(0x20, 0x20);
	outb(0x20, 0x0c);
	CU_ASSERT_EQUAL(inb(0x21), 0x86);	/* either port */
	outb(0x20, 0x20);
	/* an OCW3 without P cancels a poll not yet read */
	line(5, PULSE);
	outb(0x20, 0x0c);
	outb(0x20, 0x0a);
	CU_ASSERT_EQUAL(inb(0x20), 0x20);	/* IRR, not acknowledged */
	CU_ASSERT_EQUAL(isr(0x20), 0x00);
	CU_ASSERT_EQUAL(ack(), 0x25);
	outb(0x20, 0x20);
	/* polling the master finds IR2; then the slave */
	line(13, PULSE);
	outb(0x20, 0x0c);
	CU_ASSERT_EQUAL(inb(0x20), 0x82);
	outb(0xa0, 0x0c);
	CU_ASSERT_EQUAL(inb(0xa0), 0x85);
	CU_ASSERT_EQUAL(isr(0xa0), 0x20);
}

static void test_notify(void)
{
	setup(0x01);
	line(5, PULSE);
	CU_ASSERT_EQUAL(fake_pic_raised, 1);
	line(3, PULSE);				/* INTR already high */
	CU_ASSERT_EQUAL(fake_pic_raised, 1);
	CU_ASSERT_EQUAL(ack(), 0x23);		/* no call from INTA */
	CU_ASSERT_EQUAL(fake_pic_raised, 1);
	CU_ASSERT_FALSE(pending());
	outb(0x20, 0x20);			/* EOI lets 5 through */
	CU_ASSERT_EQUAL(fake_pic_raised, 2);
	CU_ASSERT_EQUAL(ack(), 0x25);
}

static void test_ports(void)
{
	u32 x;

	setup(0x01);
	/* a word at 0x4d0 is both ELCRs */
	x = 0x0220;
	CU_ASSERT_EQUAL(vpic_pio(vc, 0x4d0, 2, false, &x), 0);
	CU_ASSERT_EQUAL(inb(0x4d0), 0x20);
	CU_ASSERT_EQUAL(inb(0x4d1), 0x02);
	x = 0;
	CU_ASSERT_EQUAL(vpic_pio(vc, 0x4d0, 2, true, &x), 0);
	CU_ASSERT_EQUAL(x, 0x0220);
	/* a word at 0x20: OCW3 to the command port, OCW1 to the data */
	x = 0x550b;
	CU_ASSERT_EQUAL(vpic_pio(vc, 0x20, 2, false, &x), 0);
	CU_ASSERT_EQUAL(inb(0x21), 0x55);
	line(3, PULSE);
	outb(0x21, 0);
	ack();
	CU_ASSERT_EQUAL(inb(0x20), 0x08);	/* ISR selected */
	x = 0;
	CU_ASSERT_EQUAL(vpic_pio(vc, 0x40, 1, true, &x), -EINVAL);
}

static void test_reset(void)
{
	setup(0x03);
	outb(0x4d0, 0x20);
	line(5, HIGH);
	line(3, PULSE);
	CU_ASSERT_TRUE(pending());
	vpic_reset(&vm);
	CU_ASSERT_FALSE(pending());
	CU_ASSERT_EQUAL(inb(0x21), 0xff);
	CU_ASSERT_EQUAL(inb(0x4d0), 0);
	CU_ASSERT_EQUAL(irr(0x20), 0);		/* lines low, latches gone */
	outb(0x21, 0x00);
	line(3, PULSE);
	CU_ASSERT_EQUAL(ack(), 0x0b);
	CU_ASSERT_EQUAL(isr(0x20), 0x08);	/* no AEOI any more */
}

int register_vpic_tests(void)
{
	static const struct unit_test tests[] = {
		{ "power-on state", test_power_on },
		{ "ICW1-4", test_init_icw4 },
		{ "ICW1 without ICW4", test_init_no_icw4 },
		{ "single mode: no ICW3, no cascade", test_init_single },
		{ "masking", test_mask },
		{ "priority and nesting", test_priority },
		{ "specific EOI", test_specific_eoi },
		{ "rotation and set priority", test_rotation },
		{ "automatic EOI", test_aeoi },
		{ "edge and level per ELCR", test_level_edge },
		{ "cascade on IR2", test_cascade },
		{ "special fully nested mode", test_sfnm },
		{ "special mask mode", test_special_mask },
		{ "spurious IRQ 7 and 15", test_spurious },
		{ "OCW3 reads and poll", test_ocw3_poll },
		{ "INTR notification", test_notify },
		{ "word accesses, foreign port", test_ports },
		{ "reset", test_reset },
	};

	return UNIT_SUITE("vpic", tests);
}
