/* The virtual LAPIC (hypervisor/core/vlapic.c): reset state, priorities,
 * EOI, the timer in its three modes against a test clock, xAPIC MMIO and
 * x2APIC MSRs, and the APIC bus (destinations, lowest priority, INIT,
 * SIPI, NMI, ExtINT).  Its neighbours are fakes (unit.mk renames the calls
 * for vlapic.o only): kicks, the IOAPIC's EOI and the PIC. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "vm.h"
#include "vlapic.h"

u64 unit_tsc;

#define NV	3

static struct vm vm;
static u32 kicks[NV];
static int eoi_vectors[8], nr_eois;
static int pic_vectors[4], nr_pic;

void fake_kick(struct vcpu *v);
void fake_kick(struct vcpu *v)
{
	kicks[v->id]++;
}

void fake_vioapic_eoi(struct vm *m, u8 vector);
void fake_vioapic_eoi(struct vm *m, u8 vector)
{
	if (nr_eois < 8)
		eoi_vectors[nr_eois++] = vector;
}

bool fake_vpic_intr_pending(struct vm *m);
bool fake_vpic_intr_pending(struct vm *m)
{
	return nr_pic > 0;
}

int fake_vpic_intack(struct vm *m);
int fake_vpic_intack(struct vm *m)
{
	return nr_pic ? pic_vectors[--nr_pic] : -1;
}

static struct vlapic *L(u32 i)
{
	return &vm.vcpus[i].vlapic;
}

static u32 reg(u32 i, u32 off)
{
	u64 v = 0;

	CU_ASSERT_EQUAL(vlapic_mmio(&vm.vcpus[i], off, 4, false, &v), 0);
	return (u32)v;
}

static void wr(u32 i, u32 off, u32 val)
{
	u64 v = val;

	CU_ASSERT_EQUAL(vlapic_mmio(&vm.vcpus[i], off, 4, true, &v), 0);
}

static bool irr_has(u32 i, u32 vec)
{
	return reg(i, APIC_IRR + (vec / 32) * 0x10) & (1U << (vec % 32));
}

static void setup(void)
{
	for (u32 i = 0; i < NV; i++) {
		struct vcpu *v = &vm.vcpus[i];
		u32 *page = v->vlapic.regs;

		if (!page)
			page = aligned_alloc(4096, 4096);
		memset(v, 0, sizeof(*v));
		v->vm = &vm;
		v->id = i;
		vlapic_reset(&v->vlapic, v, page);
	}
	vm.nr_vcpus = NV;
	memset(kicks, 0, sizeof(kicks));
	nr_eois = nr_pic = 0;
	unit_tsc = 1000000;
}

/* Software-enable every APIC (SVR bit 8, spurious vector 0xff). */
static void enable_all(void)
{
	for (u32 i = 0; i < NV; i++)
		wr(i, APIC_SVR, 0x1ff);
}

static void test_reset_state(void)
{
	setup();
	CU_ASSERT_EQUAL(reg(0, APIC_ID), 0);
	CU_ASSERT_EQUAL(reg(2, APIC_ID), 2U << 24);
	CU_ASSERT_EQUAL(reg(0, APIC_LVR) & 0xff, 0x14);
	CU_ASSERT_EQUAL((reg(0, APIC_LVR) >> 16) & 0xff, 6);
	CU_ASSERT_EQUAL(reg(1, APIC_SVR), 0xff);
	CU_ASSERT_EQUAL(reg(1, APIC_DFR), 0xffffffff);
	CU_ASSERT_EQUAL(reg(1, APIC_LVT_TIMER), APIC_LVT_MASKED);
	CU_ASSERT_EQUAL(reg(1, APIC_LVT_LINT0), APIC_LVT_MASKED);
	CU_ASSERT_EQUAL(reg(0, APIC_LVT_LINT0), APIC_DM_EXTINT << 8);
	CU_ASSERT_EQUAL(reg(0, APIC_TPR), 0);
	CU_ASSERT_EQUAL(L(0)->apic_base, 0xfee00900ULL);
	CU_ASSERT_EQUAL(L(1)->apic_base, 0xfee00800ULL);
	CU_ASSERT_FALSE(L(0)->wait_sipi);
	CU_ASSERT_TRUE(L(1)->wait_sipi);
	/* narrow reads see their part of the register */
	{
		u64 v = 0;

		CU_ASSERT_EQUAL(vlapic_mmio(&vm.vcpus[2], APIC_ID + 3, 1, false, &v), 0);
		CU_ASSERT_EQUAL(v, 2);
	}
}

static struct apic_msg fixed(u32 dest, u8 vec)
{
	return (struct apic_msg){ .dest = dest, .mode = APIC_DM_FIXED, .vector = vec };
}

static void test_disabled_drops(void)
{
	struct apic_msg m = fixed(1, 0x40);

	setup();
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 1);
	CU_ASSERT_FALSE(irr_has(1, 0x40));		/* software-disabled */
	wr(1, APIC_SVR, 0x1ff);
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 1);
	CU_ASSERT_TRUE(irr_has(1, 0x40));
	CU_ASSERT_EQUAL(kicks[1], 2);
	/* vectors 0-15 are illegal: receive error, no IRR */
	m.vector = 7;
	vlapic_deliver(&vm, &m);
	CU_ASSERT_FALSE(irr_has(1, 7));
	/* ESR shows errors once a write latched them, and a second write
	 * latches what came since: nothing (SDM 10.5.3) */
	CU_ASSERT_EQUAL(reg(1, APIC_ESR), 0);
	wr(1, APIC_ESR, 0);
	CU_ASSERT_EQUAL(reg(1, APIC_ESR), 1U << 6);
	wr(1, APIC_ESR, 0);
	CU_ASSERT_EQUAL(reg(1, APIC_ESR), 0);
	/* software disable masks the LVTs and keeps them masked */
	wr(1, APIC_LVT_LINT1, 0x30);
	CU_ASSERT_EQUAL(reg(1, APIC_LVT_LINT1), 0x30);
	wr(1, APIC_SVR, 0xff);
	CU_ASSERT_TRUE(reg(1, APIC_LVT_LINT1) & APIC_LVT_MASKED);
	wr(1, APIC_LVT_LINT1, 0x30);
	CU_ASSERT_TRUE(reg(1, APIC_LVT_LINT1) & APIC_LVT_MASKED);
}

static void test_priority_and_eoi(void)
{
	struct vlapic *l;
	struct apic_msg m;

	setup();
	enable_all();
	l = L(0);
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), -1);
	m = fixed(0, 0x51);
	vlapic_deliver(&vm, &m);
	m.vector = 0x92;
	vlapic_deliver(&vm, &m);
	m.vector = 0x55;
	vlapic_deliver(&vm, &m);
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), 0x92);
	/* TPR class 9 holds 0x92 back; class 8 does not */
	wr(0, APIC_TPR, 0x90);
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), -1);
	CU_ASSERT_EQUAL(reg(0, APIC_PPR), 0x90);
	wr(0, APIC_TPR, 0x8f);
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), 0x92);
	wr(0, APIC_TPR, 0);
	vlapic_accept_vector(l, 0x92);
	CU_ASSERT_FALSE(irr_has(0, 0x92));
	CU_ASSERT_TRUE(reg(0, APIC_ISR + 0x40) & (1U << (0x92 % 32)));
	CU_ASSERT_EQUAL(reg(0, APIC_PPR), 0x90);
	/* 0x55 and 0x51 wait behind the in-service 0x92 */
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), -1);
	/* a higher class may nest */
	m.vector = 0xa0;
	vlapic_deliver(&vm, &m);
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), 0xa0);
	vlapic_accept_vector(l, 0xa0);
	CU_ASSERT_EQUAL(reg(0, APIC_PPR), 0xa0);
	/* EOI ends the highest in service first */
	wr(0, APIC_EOI, 0);
	CU_ASSERT_EQUAL(reg(0, APIC_PPR), 0x90);
	wr(0, APIC_EOI, 0);
	CU_ASSERT_EQUAL(reg(0, APIC_PPR), 0);
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), 0x55);
	vlapic_accept_vector(l, 0x55);
	/* same class: 0x51 waits for 0x55's EOI */
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), -1);
	wr(0, APIC_EOI, 0);
	CU_ASSERT_EQUAL(vlapic_pending_vector(l), 0x51);
	CU_ASSERT_EQUAL(nr_eois, 0);	/* all edge-triggered */
	/* an EOI with nothing in service is harmless */
	vlapic_accept_vector(l, 0x51);
	wr(0, APIC_EOI, 0);
	wr(0, APIC_EOI, 0);
	CU_ASSERT_EQUAL(reg(0, APIC_PPR), 0);
}

static void test_level_eoi_reaches_ioapic(void)
{
	struct apic_msg m = fixed(1, 0x61);

	setup();
	enable_all();
	m.level = true;
	vlapic_deliver(&vm, &m);
	CU_ASSERT_TRUE(reg(1, APIC_TMR + 0x30) & (1U << 1));
	vlapic_accept_vector(L(1), 0x61);
	wr(1, APIC_EOI, 0);
	CU_ASSERT_EQUAL(nr_eois, 1);
	CU_ASSERT_EQUAL(eoi_vectors[0], 0x61);
	/* the same vector edge-triggered clears TMR: no IOAPIC EOI */
	m.level = false;
	vlapic_deliver(&vm, &m);
	CU_ASSERT_FALSE(reg(1, APIC_TMR + 0x30) & (1U << 1));
	vlapic_accept_vector(L(1), 0x61);
	wr(1, APIC_EOI, 0);
	CU_ASSERT_EQUAL(nr_eois, 1);
}

static void test_destinations(void)
{
	struct apic_msg m;

	setup();
	enable_all();
	/* physical */
	m = fixed(2, 0x30);
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 1);
	CU_ASSERT_TRUE(irr_has(2, 0x30));
	CU_ASSERT_FALSE(irr_has(0, 0x30));
	m = fixed(0xff, 0x31);
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), NV);
	m = fixed(5, 0x32);
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 0);
	/* logical flat: LDR bits */
	wr(0, APIC_LDR, 0x01000000);
	wr(1, APIC_LDR, 0x02000000);
	wr(2, APIC_LDR, 0x04000000);
	m = fixed(0x05, 0x33);
	m.logical = true;
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 2);
	CU_ASSERT_TRUE(irr_has(0, 0x33) && irr_has(2, 0x33));
	CU_ASSERT_FALSE(irr_has(1, 0x33));
	/* logical cluster: cluster 1, members 1 and 2 */
	for (u32 i = 0; i < NV; i++)
		wr(i, APIC_DFR, 0x0fffffff);
	CU_ASSERT_EQUAL(reg(0, APIC_DFR), 0x0fffffff);
	wr(0, APIC_LDR, 0x11000000);
	wr(1, APIC_LDR, 0x12000000);
	wr(2, APIC_LDR, 0x21000000);
	m = fixed(0x13, 0x34);
	m.logical = true;
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 2);
	CU_ASSERT_FALSE(irr_has(2, 0x34));
	/* lowest priority: one APIC, the one with the lowest PPR */
	for (u32 i = 0; i < NV; i++)
		wr(i, APIC_DFR, 0xffffffff);
	wr(0, APIC_LDR, 0x01000000);
	wr(1, APIC_LDR, 0x02000000);
	wr(2, APIC_LDR, 0x04000000);
	wr(0, APIC_TPR, 0x40);
	wr(2, APIC_TPR, 0x20);
	wr(1, APIC_TPR, 0x30);
	m = fixed(0x07, 0x35);
	m.logical = true;
	m.mode = APIC_DM_LOWEST;
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 1);
	CU_ASSERT_TRUE(irr_has(2, 0x35));
	CU_ASSERT_FALSE(irr_has(0, 0x35) || irr_has(1, 0x35));
	/* a globally disabled APIC takes nothing */
	CU_ASSERT_EQUAL(vlapic_msr_write(&vm.vcpus[2], 0x1b, 0xfee00000), 0);
	m = fixed(0xff, 0x36);
	CU_ASSERT_EQUAL(vlapic_deliver(&vm, &m), 2);
}

static void test_icr(void)
{
	setup();
	enable_all();
	/* fixed IPI to APIC 2 */
	wr(0, APIC_ICR2, 2U << 24);
	CU_ASSERT_EQUAL(reg(0, APIC_ICR2), 2U << 24);
	wr(0, APIC_ICR, 0x4041);
	CU_ASSERT_TRUE(irr_has(2, 0x41));
	CU_ASSERT_EQUAL(reg(0, APIC_ICR) & (1U << 12), 0);	/* idle */
	CU_ASSERT_EQUAL(kicks[2], 1);
	/* self: no kick of the sender's own CPU */
	wr(1, APIC_ICR, (1U << 18) | 0x42);
	CU_ASSERT_TRUE(irr_has(1, 0x42));
	CU_ASSERT_EQUAL(kicks[1], 0);
	CU_ASSERT_FALSE(irr_has(0, 0x42) || irr_has(2, 0x42));
	/* all but self */
	wr(1, APIC_ICR, (3U << 18) | 0x43);
	CU_ASSERT_TRUE(irr_has(0, 0x43) && irr_has(2, 0x43));
	CU_ASSERT_FALSE(irr_has(1, 0x43));
	/* all including self */
	wr(1, APIC_ICR, (2U << 18) | 0x44);
	CU_ASSERT_TRUE(irr_has(0, 0x44) && irr_has(1, 0x44) && irr_has(2, 0x44));
	/* an illegal vector is a send error */
	wr(0, APIC_ICR, 0x4005);
	wr(0, APIC_ESR, 0);
	CU_ASSERT_EQUAL(reg(0, APIC_ESR), 1U << 5);
	/* NMI, INIT, SIPI */
	wr(0, APIC_ICR2, 1U << 24);
	wr(0, APIC_ICR, 0x4400);
	CU_ASSERT_TRUE(L(1)->pending & VLAPIC_PEND_NMI);
	wr(0, APIC_ICR, 0x4500);
	CU_ASSERT_TRUE(L(1)->pending & VLAPIC_PEND_INIT);
	L(1)->pending = 0;
	wr(0, APIC_ICR, 0x8500);	/* INIT level de-assert: ignored */
	CU_ASSERT_EQUAL(L(1)->pending, 0);
	wr(0, APIC_ICR, 0x4698);
	CU_ASSERT_TRUE(L(1)->pending & VLAPIC_PEND_SIPI);
	CU_ASSERT_EQUAL(L(1)->sipi_vector, 0x98);
	/* SIPI and INIT reach even a software-disabled APIC */
	wr(2, APIC_SVR, 0xff);
	wr(0, APIC_ICR2, 2U << 24);
	wr(0, APIC_ICR, 0x4500);
	CU_ASSERT_TRUE(L(2)->pending & VLAPIC_PEND_INIT);
}

static void test_timer_oneshot(void)
{
	setup();
	enable_all();
	wr(0, APIC_TDCR, 0x3);			/* divide by 16 */
	wr(0, APIC_LVT_TIMER, 0xec);		/* one-shot, vector 0xec */
	wr(0, APIC_TMICT, 1000);
	CU_ASSERT_EQUAL(reg(0, APIC_TMICT), 1000);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, unit_tsc + 16000);
	unit_tsc += 1600;
	CU_ASSERT_EQUAL(reg(0, APIC_TMCCT), 900);
	CU_ASSERT_FALSE(vlapic_timer_check(L(0), unit_tsc));
	unit_tsc += 14399;
	CU_ASSERT_FALSE(vlapic_timer_check(L(0), unit_tsc));
	CU_ASSERT_FALSE(irr_has(0, 0xec));
	unit_tsc += 1;
	CU_ASSERT_TRUE(vlapic_timer_check(L(0), unit_tsc));
	CU_ASSERT_TRUE(irr_has(0, 0xec));
	CU_ASSERT_EQUAL(reg(0, APIC_TMCCT), 0);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, 0);	/* once */
	unit_tsc += 100000;
	CU_ASSERT_FALSE(vlapic_timer_check(L(0), unit_tsc));
	/* divide by 1 and the other encodings */
	wr(0, APIC_TDCR, 0xb);
	wr(0, APIC_TMICT, 10);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, unit_tsc + 10);
	wr(0, APIC_TDCR, 0x8);			/* 32 */
	wr(0, APIC_TMICT, 10);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, unit_tsc + 320);
	wr(0, APIC_TDCR, 0x0);			/* 2 */
	wr(0, APIC_TMICT, 10);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, unit_tsc + 20);
	/* writing 0 stops it */
	wr(0, APIC_TMICT, 0);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, 0);
	/* masked: counts, fires, raises nothing */
	wr(0, APIC_LVT_TIMER, APIC_LVT_MASKED | 0xed);
	wr(0, APIC_TMICT, 5);
	unit_tsc += 10;
	CU_ASSERT_TRUE(vlapic_timer_check(L(0), unit_tsc));
	CU_ASSERT_FALSE(irr_has(0, 0xed));
}

static void test_timer_periodic(void)
{
	setup();
	enable_all();
	wr(1, APIC_TDCR, 0xb);
	wr(1, APIC_LVT_TIMER, (1U << 17) | 0x40);
	wr(1, APIC_TMICT, 500);
	unit_tsc += 500;
	CU_ASSERT_TRUE(vlapic_timer_check(L(1), unit_tsc));
	CU_ASSERT_TRUE(irr_has(1, 0x40));
	CU_ASSERT_EQUAL(L(1)->timer_deadline, unit_tsc + 500);
	/* the period stays anchored: late by 200, the next is 300 away */
	unit_tsc += 700;
	CU_ASSERT_TRUE(vlapic_timer_check(L(1), unit_tsc));
	CU_ASSERT_EQUAL(L(1)->timer_deadline, unit_tsc + 300);
	CU_ASSERT_EQUAL(reg(1, APIC_TMCCT), 300);
	/* missed periods coalesce */
	unit_tsc += 300 + 5 * 500 + 1;
	CU_ASSERT_TRUE(vlapic_timer_check(L(1), unit_tsc));
	CU_ASSERT_EQUAL(L(1)->timer_deadline, unit_tsc + 499);
	/* a mode change disarms */
	wr(1, APIC_LVT_TIMER, 0x40);
	CU_ASSERT_EQUAL(L(1)->timer_deadline, 0);
	CU_ASSERT_EQUAL(reg(1, APIC_TMICT), 0);
}

static void test_timer_tsc_deadline(void)
{
	struct vcpu *v;
	u64 val = 1;

	setup();
	enable_all();
	v = &vm.vcpus[0];
	v->tsc_offset = (u64)-400000;		/* guest TSC = host - 400000 */
	/* outside TSC-deadline mode the MSR reads 0 and ignores writes */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x6e0, 12345), 0);
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x6e0, &val), 0);
	CU_ASSERT_EQUAL(val, 0);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, 0);
	wr(0, APIC_LVT_TIMER, (2U << 17) | 0xef);
	/* TMICT is ignored in TSC-deadline mode */
	wr(0, APIC_TMICT, 100);
	CU_ASSERT_EQUAL(reg(0, APIC_TMICT), 0);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, 0);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x6e0, 700000), 0);	/* guest */
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x6e0, &val), 0);
	CU_ASSERT_EQUAL(val, 700000);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, 1100000);	/* host */
	unit_tsc = 1099999;
	CU_ASSERT_FALSE(vlapic_timer_check(L(0), unit_tsc));
	unit_tsc = 1100000;
	CU_ASSERT_TRUE(vlapic_timer_check(L(0), unit_tsc));
	CU_ASSERT_TRUE(irr_has(0, 0xef));
	/* fired: the MSR reads 0 */
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x6e0, &val), 0);
	CU_ASSERT_EQUAL(val, 0);
	/* a deadline in the past fires at the next check; 0 disarms */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x6e0, 5), 0);
	CU_ASSERT_TRUE(vlapic_timer_check(L(0), unit_tsc));
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x6e0, 900000), 0);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x6e0, 0), 0);
	CU_ASSERT_EQUAL(L(0)->timer_deadline, 0);
}

static void test_x2apic(void)
{
	struct vcpu *v;
	u64 val;

	setup();
	v = &vm.vcpus[1];
	/* x2APIC MSRs #GP in xAPIC mode */
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x802, &val), -EINVAL);
	/* invalid transitions: x2APIC without enable, base moves, BSP bit */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfee00400), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfed00800), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfee00900), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfee00c00), 0);
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x1b, &val), 0);
	CU_ASSERT_EQUAL(val, 0xfee00c00);
	/* x2APIC: 32-bit id, derived LDR, MMIO page gone */
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x802, &val), 0);
	CU_ASSERT_EQUAL(val, 1);
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x80d, &val), 0);
	CU_ASSERT_EQUAL(val, 0x2);
	CU_ASSERT_EQUAL(reg(1, APIC_ID), 0xffffffff);
	/* read-only, write-only and absent registers #GP */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x802, 5), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x80d, 5), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x80b, &val), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x83f, &val), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x80e, &val), -EINVAL);	/* DFR */
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x831, &val), -EINVAL);	/* ICR2 */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x80b, 1), -EINVAL);	/* EOI != 0 */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x808, 0x100), -EINVAL);	/* TPR */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x808, 0x20), 0);
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x808, &val), 0);
	CU_ASSERT_EQUAL(val, 0x20);
	/* SVR enable, self IPI, ICR with a 32-bit destination */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x80f, 0x1ff), 0);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x83f, 0x55), 0);
	CU_ASSERT_TRUE(L(1)->regs[(APIC_IRR + 0x20) / 4] & (1U << (0x55 % 32)));
	wr(2, APIC_SVR, 0x1ff);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x830, (2ULL << 32) | 0x4066), 0);
	CU_ASSERT_TRUE(irr_has(2, 0x66));
	CU_ASSERT_EQUAL(vlapic_msr_read(v, 0x830, &val), 0);
	CU_ASSERT_EQUAL(val, (2ULL << 32) | 0x4066);
	/* x2APIC -> xAPIC directly is invalid; via disabled it works */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfee00800), -EINVAL);
	L(1)->wait_sipi = false;		/* a running AP */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfee00000), 0);
	CU_ASSERT_FALSE(L(1)->wait_sipi);	/* the APIC's reset, not the CPU's */
	/* disabled straight to x2APIC is invalid */
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfee00c00), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_msr_write(v, 0x1b, 0xfee00800), 0);
	CU_ASSERT_EQUAL(reg(1, APIC_ID), 1U << 24);
	CU_ASSERT_EQUAL(reg(1, APIC_SVR), 0xff);	/* reset by disabling */
}

static void test_extint_and_pic(void)
{
	setup();
	pic_vectors[0] = 0x28;
	pic_vectors[1] = 0x21;
	nr_pic = 2;
	vm_pic_intr_raised(&vm);
	CU_ASSERT_TRUE(L(0)->pending & VLAPIC_PEND_EXTINT);
	CU_ASSERT_EQUAL(kicks[0], 1);
	CU_ASSERT_EQUAL(vlapic_extint_vector(L(0)), 0x21);
	/* still asserted behind it: pending again */
	CU_ASSERT_TRUE(L(0)->pending & VLAPIC_PEND_EXTINT);
	CU_ASSERT_EQUAL(vlapic_extint_vector(L(0)), 0x28);
	CU_ASSERT_FALSE(L(0)->pending & VLAPIC_PEND_EXTINT);
	CU_ASSERT_EQUAL(vlapic_extint_vector(L(0)), -1);
	/* LINT0 masked: the PIC does not reach the BSP */
	wr(0, APIC_SVR, 0x1ff);
	wr(0, APIC_LVT_LINT0, APIC_LVT_MASKED | 0x700);
	nr_pic = 1;
	vm_pic_intr_raised(&vm);
	CU_ASSERT_FALSE(L(0)->pending & VLAPIC_PEND_EXTINT);
	/* unmasking LINT0 with INTR up delivers it */
	wr(0, APIC_LVT_LINT0, 0x700);
	CU_ASSERT_TRUE(L(0)->pending & VLAPIC_PEND_EXTINT);
	CU_ASSERT_TRUE(vlapic_accepts_pic(L(0)));
	/* a globally disabled APIC passes INTR through */
	CU_ASSERT_EQUAL(vlapic_msr_write(&vm.vcpus[0], 0x1b, 0xfee00100), 0);
	CU_ASSERT_TRUE(vlapic_accepts_pic(L(0)));
}

static void test_msi(void)
{
	setup();
	enable_all();
	CU_ASSERT_EQUAL(vlapic_deliver_msi(&vm, 0xfee02000, 0x4051), 0);
	CU_ASSERT_TRUE(irr_has(2, 0x51));
	CU_ASSERT_EQUAL(vlapic_deliver_msi(&vm, 0xfee09000, 0x51), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_deliver_msi(&vm, 0xfee00000, 0x500), -EINVAL);
	CU_ASSERT_EQUAL(vlapic_deliver_msi(&vm, 0xfee00000, 0x400), 0);
	CU_ASSERT_TRUE(L(0)->pending & VLAPIC_PEND_NMI);
}

/* What a CPU with APIC virtualization leaves to the vLAPIC: writes it
 * stored in the page (APIC-write exits), EOIs of level vectors, RVI/SVI,
 * the EOI-exit bitmap from TMR and the sync flags that say when. */
static void cpu_stores(u32 i, u32 off, u32 val)
{
	L(i)->regs[off / 4] = val;	/* as the CPU does before the exit */
	vlapic_apic_write(&vm.vcpus[i], off);
}

static void test_apicv_writes(void)
{
	struct vlapic *l;
	u64 level[4];

	setup();
	enable_all();
	l = L(0);
	/* reset asks for the mode and TMR to be synced; the sync is cleared
	 * by the vendor code, not here */
	CU_ASSERT_EQUAL(l->sync, VLAPIC_SYNC_MODE | VLAPIC_SYNC_TMR);
	CU_ASSERT_EQUAL(vlapic_mode(l), VLAPIC_MODE_XAPIC);
	l->sync = 0;
	/* ICR stored by the CPU: the IPI goes out, delivery status idle */
	cpu_stores(0, APIC_ICR2, 2U << 24 | 0xabcd);
	CU_ASSERT_EQUAL(l->regs[APIC_ICR2 / 4], 2U << 24);
	cpu_stores(0, APIC_ICR, 0x1000 | 0x4071);
	CU_ASSERT_TRUE(irr_has(2, 0x71));
	CU_ASSERT_EQUAL(reg(0, APIC_ICR), 0x4071);
	CU_ASSERT_EQUAL(kicks[2], 1);
	/* a read-only register keeps its value; an LVT loses what is not
	 * writable; the timer starts from a stored initial count */
	cpu_stores(0, APIC_ID, 7U << 24);
	CU_ASSERT_EQUAL(reg(0, APIC_ID), 0);
	cpu_stores(0, APIC_LVT_TIMER, 0xfff0ff40);
	CU_ASSERT_EQUAL(reg(0, APIC_LVT_TIMER), 0xfff0ff40 & 0x000700ff);
	cpu_stores(0, APIC_TMICT, 1000);
	CU_ASSERT_NOT_EQUAL(l->timer_deadline, 0);
	/* ESR: the stored value is replaced by the latched errors */
	wr(0, APIC_ICR, 0x4003);
	cpu_stores(0, APIC_ESR, 0);
	CU_ASSERT_EQUAL(reg(0, APIC_ESR), 1U << 5);
	/* an unaligned offset is not a register write */
	l->regs[APIC_TPR / 4] = 0x30;
	vlapic_apic_write(&vm.vcpus[0], APIC_TPR + 1);
	CU_ASSERT_EQUAL(l->regs[APIC_PPR / 4], 0);
	/* RVI | SVI << 8, and TMR as the EOI-exit bitmap */
	CU_ASSERT_EQUAL(vlapic_intr_status(L(2)), 0x71);
	{
		struct apic_msg m = fixed(2, 0x93);

		m.level = true;
		L(2)->sync = 0;
		vlapic_deliver(&vm, &m);
		CU_ASSERT_EQUAL(L(2)->sync, VLAPIC_SYNC_TMR);
		L(2)->sync = 0;
		vlapic_deliver(&vm, &m);	/* TMR unchanged: no sync */
		CU_ASSERT_EQUAL(L(2)->sync, 0);
	}
	vlapic_accept_vector(L(2), 0x93);
	CU_ASSERT_EQUAL(vlapic_intr_status(L(2)), 0x93 << 8 | 0x71);
	vlapic_level_vectors(L(2), level);
	CU_ASSERT_EQUAL(level[0], 0);
	CU_ASSERT_EQUAL(level[1], 0);
	CU_ASSERT_EQUAL(level[2], 1ULL << (0x93 - 128));
	CU_ASSERT_EQUAL(level[3], 0);
	/* the CPU did the EOI: the IOAPIC hears of a level vector only */
	L(2)->regs[(APIC_ISR + 0x40) / 4] = 0;
	vlapic_eoi_exit(&vm.vcpus[2], 0x93);
	vlapic_eoi_exit(&vm.vcpus[2], 0x71);
	CU_ASSERT_EQUAL(nr_eois, 1);
	CU_ASSERT_EQUAL(eoi_vectors[0], 0x93);
	/* a mode change asks for a sync */
	L(1)->sync = 0;
	CU_ASSERT_EQUAL(vlapic_msr_write(&vm.vcpus[1], 0x1b, 0xfee00c00), 0);
	CU_ASSERT_TRUE(L(1)->sync & VLAPIC_SYNC_MODE);
	CU_ASSERT_EQUAL(vlapic_mode(L(1)), VLAPIC_MODE_X2APIC);
	/* in x2APIC mode the page is not written through MMIO */
	cpu_stores(1, APIC_TPR, 0x40);
	CU_ASSERT_EQUAL(L(1)->regs[APIC_PPR / 4], 0);
}

static void test_cr8(void)
{
	setup();
	enable_all();
	CU_ASSERT_EQUAL(vlapic_set_cr8(L(0), 0x9), 0);
	CU_ASSERT_EQUAL(reg(0, APIC_TPR), 0x90);
	CU_ASSERT_EQUAL(reg(0, APIC_PPR), 0x90);
	wr(0, APIC_TPR, 0x5a);
	CU_ASSERT_EQUAL(vlapic_cr8(L(0)), 0x5);
	CU_ASSERT_EQUAL(vlapic_set_cr8(L(0), 0x10), -EINVAL);
	CU_ASSERT_EQUAL(reg(0, APIC_TPR), 0x5a);
}

static const struct unit_test tests[] = {
	{ "reset state", test_reset_state },
	{ "software-disabled APIC, illegal vectors, LVT masking", test_disabled_drops },
	{ "TPR/PPR, nesting, EOI order", test_priority_and_eoi },
	{ "level-triggered EOI reaches the IOAPIC", test_level_eoi_reaches_ioapic },
	{ "physical, logical flat/cluster, lowest priority", test_destinations },
	{ "ICR: fixed, shorthands, NMI, INIT, SIPI", test_icr },
	{ "timer one-shot, divider, mask", test_timer_oneshot },
	{ "timer periodic, coalescing, mode change", test_timer_periodic },
	{ "timer TSC-deadline with TSC offset", test_timer_tsc_deadline },
	{ "x2APIC switch and MSRs", test_x2apic },
	{ "ExtINT from the PIC via LINT0", test_extint_and_pic },
	{ "MSI decode", test_msi },
	{ "APIC virtualization: stored writes, EOI exits, RVI/SVI, TMR", test_apicv_writes },
	{ "CR8 is TPR[7:4]", test_cr8 },
};

int register_vlapic_tests(void)
{
	return UNIT_SUITE("core/vlapic", tests);
}
