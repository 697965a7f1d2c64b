/* hypervisor/core/vioapic.c: the User VM's IOAPIC, through its MMIO
 * window as a guest programs it and its input lines as HC_SET_IRQLINE
 * drives them; the messages it puts on the APIC bus are recorded by the
 * fake vlapic_deliver(). */
#include <string.h>
#include "unit.h"
#include "fake_irqchip.h"
#include "vioapic.h"
#include <islet/hypercall.h>

struct apic_msg fake_msgs[FAKE_MSGS];
u32 fake_nr_msgs;
u32 fake_accepts = 1;

u32 fake_vlapic_deliver(struct vm *vm, const struct apic_msg *m)
{
	fake_msgs[fake_nr_msgs++ % FAKE_MSGS] = *m;
	return fake_accepts;
}

void fake_msgs_clear(void)
{
	memset(fake_msgs, 0, sizeof(fake_msgs));
	fake_nr_msgs = 0;
	fake_accepts = 1;
}

static struct vm vm;
static struct vcpu *vc;

#define HIGH	ISLET_IRQLINE_SET_HIGH
#define LOW	ISLET_IRQLINE_SET_LOW
#define RISE	ISLET_IRQLINE_RAISING_PULSE
#define FALL	ISLET_IRQLINE_FALLING_PULSE

static void fresh(void)
{
	memset(&vm, 0, sizeof(vm));
	vc = &vm.vcpus[0];
	vc->vm = &vm;
	vm.nr_vcpus = 1;
	vioapic_reset(&vm);
	fake_msgs_clear();
}

static void mmio_write(u64 off, u8 size, u64 v)
{
	CU_ASSERT_EQUAL(vioapic_mmio(vc, off, size, true, &v), 0);
}

static u64 mmio_read(u64 off, u8 size)
{
	u64 v = 0xa5a5a5a5a5a5a5a5ULL;

	CU_ASSERT_EQUAL(vioapic_mmio(vc, off, size, false, &v), 0);
	return v;
}

static void reg_write(u32 idx, u32 v)
{
	mmio_write(IOAPIC_REGSEL, 4, idx);
	mmio_write(IOAPIC_WINDOW, 4, v);
}

static u32 reg_read(u32 idx)
{
	mmio_write(IOAPIC_REGSEL, 4, idx);
	return (u32)mmio_read(IOAPIC_WINDOW, 4);
}

/* As Linux does: the high half, then the low one. */
static void rte_write(u32 pin, u64 rte)
{
	reg_write(IOAPIC_REG_RTE + 2 * pin + 1, (u32)(rte >> 32));
	reg_write(IOAPIC_REG_RTE + 2 * pin, (u32)rte);
}

static u64 rte_read(u32 pin)
{
	return reg_read(IOAPIC_REG_RTE + 2 * pin) |
		(u64)reg_read(IOAPIC_REG_RTE + 2 * pin + 1) << 32;
}

static void line(u32 gsi, u32 op)
{
	vioapic_set_line(&vm, gsi, op);
}

static u64 rte(u8 vector, u32 mode, u8 dest, u64 flags)
{
	return vector | (u64)mode << RTE_DM_SHIFT | (u64)dest << 56 | flags;
}

static const struct apic_msg *last(void)
{
	return &fake_msgs[(fake_nr_msgs - 1) % FAKE_MSGS];
}

static void test_registers(void)
{
	fresh();
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_VER), 0x002f0020);
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_ID), 0);
	reg_write(IOAPIC_REG_ID, 0xffffffff);
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_ID), 0x0f000000);
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_ARB), 0x0f000000);
	reg_write(IOAPIC_REG_VER, 0);			/* read-only */
	reg_write(IOAPIC_REG_ARB, 0);
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_VER), 0x002f0020);
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_ARB), 0x0f000000);
	/* IOREGSEL holds 8 bits */
	mmio_write(IOAPIC_REGSEL, 4, 0x1234);
	CU_ASSERT_EQUAL(mmio_read(IOAPIC_REGSEL, 4), 0x34);
	mmio_write(IOAPIC_REGSEL, 1, 0x01);
	CU_ASSERT_EQUAL(mmio_read(IOAPIC_WINDOW, 4), 0x002f0020);
	CU_ASSERT_EQUAL(mmio_read(IOAPIC_WINDOW + 2, 1), 0x2f);
	/* no register past the last entry (47: 0x6e/0x6f) */
	CU_ASSERT_EQUAL(reg_read(0x70), 0);
	CU_ASSERT_EQUAL(reg_read(0x03), 0);
	reg_write(0x70, 0xffffffff);
	CU_ASSERT_EQUAL(reg_read(0x70), 0);
	/* every entry masked at power-on */
	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++)
		CU_ASSERT_EQUAL(rte_read(pin), RTE_MASKED);
	/* other offsets: 0, writes ignored */
	CU_ASSERT_EQUAL(mmio_read(0x20, 4), 0);
	CU_ASSERT_EQUAL(mmio_read(IOAPIC_EOI, 4), 0);
	mmio_write(0x20, 4, 0xffffffff);
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_ID), 0x0f000000);
}

static void test_rte_bits(void)
{
	fresh();
	/* delivery status, Remote IRR and bits 55:17 do not take writes */
	rte_write(47, ~0ULL);
	CU_ASSERT_EQUAL(rte_read(47), 0xff0000000001afffULL);
	rte_write(47, RTE_MASKED);
	CU_ASSERT_EQUAL(rte_read(47), RTE_MASKED);
	/* a part of IOWIN is read as such, not written */
	rte_write(3, rte(0x33, APIC_DM_FIXED, 0x12, RTE_MASKED));
	mmio_write(IOAPIC_REGSEL, 4, IOAPIC_REG_RTE + 6);
	CU_ASSERT_EQUAL(mmio_read(IOAPIC_WINDOW, 1), 0x33);
	CU_ASSERT_EQUAL(mmio_read(IOAPIC_WINDOW + 2, 2), 0x0001);
	mmio_write(IOAPIC_WINDOW, 1, 0x44);
	mmio_write(IOAPIC_WINDOW + 1, 1, 0x44);
	CU_ASSERT_EQUAL(rte_read(3), rte(0x33, APIC_DM_FIXED, 0x12, RTE_MASKED));
	/* Remote IRR survives writes of the entry's other bits ... */
	rte_write(5, rte(0x45, APIC_DM_FIXED, 0, RTE_LEVEL));
	line(5, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_TRUE(rte_read(5) & RTE_REMOTE_IRR);
	reg_write(IOAPIC_REG_RTE + 10, 0x45 | RTE_LEVEL | RTE_MASKED);
	CU_ASSERT_EQUAL(rte_read(5), 0x45 | RTE_LEVEL | RTE_MASKED | RTE_REMOTE_IRR);
	reg_write(IOAPIC_REG_RTE + 10, 0x46 | RTE_LEVEL);
	CU_ASSERT_EQUAL(rte_read(5), 0x46 | RTE_LEVEL | RTE_REMOTE_IRR);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);		/* not sent again */
	/* ... but not a switch to edge, which clears it */
	reg_write(IOAPIC_REG_RTE + 10, 0x46 | RTE_MASKED);
	CU_ASSERT_EQUAL(rte_read(5), 0x46 | RTE_MASKED);
	/* back to level: asserted, so sent again once unmasked */
	reg_write(IOAPIC_REG_RTE + 10, 0x46 | RTE_LEVEL);
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
	CU_ASSERT_EQUAL(rte_read(5), 0x46 | RTE_LEVEL | RTE_REMOTE_IRR);
	CU_ASSERT_FALSE(rte_read(5) & RTE_DELIVS);
}

static void test_edge(void)
{
	fresh();
	rte_write(4, rte(0x34, APIC_DM_FIXED, 1, 0));
	line(4, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_EQUAL(last()->vector, 0x34);
	CU_ASSERT_EQUAL(last()->dest, 1);
	CU_ASSERT_FALSE(last()->level);
	CU_ASSERT_FALSE(last()->logical);
	CU_ASSERT_EQUAL(last()->mode, APIC_DM_FIXED);
	CU_ASSERT_FALSE(rte_read(4) & RTE_REMOTE_IRR);
	line(4, HIGH);				/* no edge */
	line(4, LOW);				/* falling */
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	line(4, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
	line(4, LOW);
	line(4, RISE);
	CU_ASSERT_EQUAL(fake_nr_msgs, 3);
	CU_ASSERT_EQUAL(vm.vioapic.line, 0);	/* a pulse ends low */
	line(4, FALL);				/* low, then high: an edge */
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);
	CU_ASSERT_EQUAL(vm.vioapic.line, BIT(4));
	/* an EOI does nothing for an edge entry */
	vioapic_eoi(&vm, 0x34);
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);
	/* an edge while masked is lost, unmasking sends nothing */
	line(4, LOW);
	rte_write(4, rte(0x34, APIC_DM_FIXED, 1, RTE_MASKED));
	line(4, HIGH);
	rte_write(4, rte(0x34, APIC_DM_FIXED, 1, 0));
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);
	/* other pins are not affected */
	line(5, RISE);
	line(47, RISE);
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);
	line(48, RISE);				/* no such pin */
	CU_ASSERT_EQUAL(vm.vioapic.line, BIT(4));
}

static void test_level(void)
{
	fresh();
	rte_write(9, rte(0x39, APIC_DM_FIXED, 0, RTE_LEVEL));
	line(9, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_TRUE(last()->level);
	CU_ASSERT_EQUAL(last()->vector, 0x39);
	CU_ASSERT_TRUE(rte_read(9) & RTE_REMOTE_IRR);
	line(9, HIGH);
	line(9, RISE);				/* Remote IRR holds it */
	line(9, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	vioapic_eoi(&vm, 0x38);			/* another vector */
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_TRUE(rte_read(9) & RTE_REMOTE_IRR);
	vioapic_eoi(&vm, 0x39);			/* still asserted: again */
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
	CU_ASSERT_TRUE(rte_read(9) & RTE_REMOTE_IRR);
	line(9, LOW);
	vioapic_eoi(&vm, 0x39);			/* gone: nothing */
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
	CU_ASSERT_FALSE(rte_read(9) & RTE_REMOTE_IRR);
	line(9, HIGH);				/* asserted anew */
	CU_ASSERT_EQUAL(fake_nr_msgs, 3);
	/* a message nobody accepted still sets Remote IRR */
	line(9, LOW);
	vioapic_eoi(&vm, 0x39);
	fake_accepts = 0;
	line(9, RISE);
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);
	CU_ASSERT_TRUE(rte_read(9) & RTE_REMOTE_IRR);
	vioapic_eoi(&vm, 0x39);
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);	/* the pulse ended low */
}

static void test_mask_level(void)
{
	fresh();
	rte_write(20, rte(0x50, APIC_DM_FIXED, 0, RTE_LEVEL | RTE_MASKED));
	line(20, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 0);
	CU_ASSERT_FALSE(rte_read(20) & RTE_REMOTE_IRR);
	rte_write(20, rte(0x50, APIC_DM_FIXED, 0, RTE_LEVEL));
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_EQUAL(last()->vector, 0x50);
	/* masked while in service: the EOI clears Remote IRR, no message;
	 * unmasking sends it */
	rte_write(20, rte(0x50, APIC_DM_FIXED, 0, RTE_LEVEL | RTE_MASKED));
	vioapic_eoi(&vm, 0x50);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_FALSE(rte_read(20) & RTE_REMOTE_IRR);
	rte_write(20, rte(0x50, APIC_DM_FIXED, 0, RTE_LEVEL));
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
	/* deasserted while masked: unmasking sends nothing */
	rte_write(20, rte(0x50, APIC_DM_FIXED, 0, RTE_LEVEL | RTE_MASKED));
	vioapic_eoi(&vm, 0x50);
	line(20, LOW);
	rte_write(20, rte(0x50, APIC_DM_FIXED, 0, RTE_LEVEL));
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
}

static void test_polarity(void)
{
	fresh();
	/* active low, level: a low line is asserted */
	rte_write(16, rte(0x60, APIC_DM_FIXED, 0, RTE_LEVEL | RTE_ACTIVE_LOW));
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	line(16, HIGH);				/* deasserted */
	vioapic_eoi(&vm, 0x60);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	line(16, LOW);
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
	line(16, HIGH);
	vioapic_eoi(&vm, 0x60);
	line(16, FALL);				/* low, then high */
	CU_ASSERT_EQUAL(fake_nr_msgs, 3);
	vioapic_eoi(&vm, 0x60);
	CU_ASSERT_EQUAL(fake_nr_msgs, 3);
	/* active low, edge: the falling edge of the line */
	line(17, HIGH);
	rte_write(17, rte(0x61, APIC_DM_FIXED, 0, RTE_ACTIVE_LOW));
	CU_ASSERT_EQUAL(fake_nr_msgs, 3);
	line(17, LOW);
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);
	CU_ASSERT_EQUAL(last()->vector, 0x61);
	line(17, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);
	line(17, RISE);				/* high, then low */
	CU_ASSERT_EQUAL(fake_nr_msgs, 5);
}

static void test_messages(void)
{
	fresh();
	/* logical, lowest priority, level */
	rte_write(1, rte(0x71, APIC_DM_LOWEST, 0x0f,
			 RTE_DEST_LOGICAL | RTE_LEVEL));
	line(1, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);
	CU_ASSERT_EQUAL(last()->dest, 0x0f);
	CU_ASSERT_TRUE(last()->logical);
	CU_ASSERT_TRUE(last()->level);
	CU_ASSERT_EQUAL(last()->mode, APIC_DM_LOWEST);
	CU_ASSERT_EQUAL(last()->vector, 0x71);
	CU_ASSERT_EQUAL(last()->shorthand, 0);
	CU_ASSERT_FALSE(last()->x2dest);	/* 8-bit destinations */
	/* NMI marked level: sent edge-style, no Remote IRR */
	rte_write(2, rte(0, APIC_DM_NMI, 0x03, RTE_LEVEL));
	line(2, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 2);
	CU_ASSERT_EQUAL(last()->mode, APIC_DM_NMI);
	CU_ASSERT_FALSE(last()->level);
	CU_ASSERT_EQUAL(last()->dest, 3);
	CU_ASSERT_FALSE(rte_read(2) & RTE_REMOTE_IRR);
	/* ExtINT, SMI, INIT, physical broadcast */
	rte_write(0, rte(0, APIC_DM_EXTINT, 0xff, 0));
	line(0, RISE);
	CU_ASSERT_EQUAL(last()->mode, APIC_DM_EXTINT);
	CU_ASSERT_EQUAL(last()->dest, 0xff);
	CU_ASSERT_FALSE(last()->x2dest);
	rte_write(3, rte(0, APIC_DM_SMI, 0, 0));
	line(3, RISE);
	CU_ASSERT_EQUAL(last()->mode, APIC_DM_SMI);
	rte_write(6, rte(0, APIC_DM_INIT, 1, 0));
	line(6, RISE);
	CU_ASSERT_EQUAL(last()->mode, APIC_DM_INIT);
	CU_ASSERT_EQUAL(last()->dest, 1);
	CU_ASSERT_EQUAL(fake_nr_msgs, 5);
	/* the reserved modes (3, 6) send nothing */
	rte_write(7, rte(0x77, 3, 0, 0));
	rte_write(8, rte(0x78, APIC_DM_SIPI, 0, RTE_LEVEL));
	line(7, RISE);
	line(8, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 5);
	CU_ASSERT_FALSE(rte_read(8) & RTE_REMOTE_IRR);
}

static void test_eoi_register(void)
{
	fresh();
	/* two entries share a vector: one EOI serves both */
	rte_write(10, rte(0x80, APIC_DM_FIXED, 0, RTE_LEVEL));
	rte_write(11, rte(0x80, APIC_DM_FIXED, 1, RTE_LEVEL));
	rte_write(12, rte(0x81, APIC_DM_FIXED, 0, RTE_LEVEL));
	line(10, HIGH);
	line(11, HIGH);
	line(12, HIGH);
	CU_ASSERT_EQUAL(fake_nr_msgs, 3);
	line(11, LOW);
	mmio_write(IOAPIC_EOI, 4, 0x80);
	CU_ASSERT_EQUAL(fake_nr_msgs, 4);	/* 10 again, 11 gone */
	CU_ASSERT_EQUAL(last()->dest, 0);
	CU_ASSERT_TRUE(rte_read(10) & RTE_REMOTE_IRR);
	CU_ASSERT_FALSE(rte_read(11) & RTE_REMOTE_IRR);
	CU_ASSERT_TRUE(rte_read(12) & RTE_REMOTE_IRR);
	/* the register's low byte is the vector, as vioapic_eoi() */
	mmio_write(IOAPIC_EOI, 4, 0x181);
	CU_ASSERT_EQUAL(fake_nr_msgs, 5);
	CU_ASSERT_EQUAL(last()->vector, 0x81);
	line(10, LOW);
	line(12, LOW);
	vioapic_eoi(&vm, 0x80);
	vioapic_eoi(&vm, 0x81);
	CU_ASSERT_EQUAL(fake_nr_msgs, 5);
	CU_ASSERT_EQUAL(rte_read(10) & RTE_REMOTE_IRR, 0);
	CU_ASSERT_EQUAL(rte_read(12) & RTE_REMOTE_IRR, 0);
}

static void test_reset(void)
{
	fresh();
	reg_write(IOAPIC_REG_ID, 0x05000000);
	rte_write(9, rte(0x39, APIC_DM_FIXED, 0, RTE_LEVEL));
	line(9, HIGH);
	line(30, HIGH);
	vioapic_reset(&vm);
	CU_ASSERT_EQUAL(vm.vioapic.line, 0);
	CU_ASSERT_EQUAL(rte_read(9), RTE_MASKED);
	CU_ASSERT_EQUAL(reg_read(IOAPIC_REG_ID), 0);
	rte_write(9, rte(0x39, APIC_DM_FIXED, 0, RTE_LEVEL));
	CU_ASSERT_EQUAL(fake_nr_msgs, 1);	/* line low now */
}

int register_vioapic_tests(void)
{
	static const struct unit_test tests[] = {
		{ "ID, VER, ARB, IOREGSEL", test_registers },
		{ "RTE bits: read-only, reserved, Remote IRR", test_rte_bits },
		{ "edge: rising edges only", test_edge },
		{ "level: Remote IRR, EOI, re-delivery", test_level },
		{ "level: masked while asserted", test_mask_level },
		{ "polarity", test_polarity },
		{ "message fields", test_messages },
		{ "EOI register", test_eoi_register },
		{ "reset", test_reset },
	};

	return UNIT_SUITE("vioapic", tests);
}
