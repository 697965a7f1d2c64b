/* SPDX-License-Identifier: BSD-3-Clause */
/* Local APIC access in xAPIC or x2APIC mode (apic.h).  The accessors
 * follow the mode this CPU last set through enable_x2apic() and
 * reset_to_xapic(), as Linux does, instead of reading IA32_APIC_BASE each
 * time: that RDMSR exits, and would be most of what exitcost measures of
 * an EOI.  x2apic_mode() asks the CPU. */
#include "apic.h"
#include "desc.h"
#include "internal.h"
#include "smp.h"

static volatile u32 *xapic_reg(u32 reg)
{
	return (volatile u32 *)(APIC_DEFAULT_BASE + reg);
}

bool x2apic_mode(void)
{
	return (rdmsr(MSR_IA32_APIC_BASE) & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

u32 apic_read(u32 reg)
{
	if (this_cpu()->x2apic)
		return (u32)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *xapic_reg(reg);
}

void apic_write(u32 reg, u32 val)
{
	if (this_cpu()->x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), val);
	else
		*xapic_reg(reg) = val;
}

void apic_icr_write(u32 icr_low, u32 dest)
{
	if (this_cpu()->x2apic) {
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4),
		      (u64)dest << 32 | icr_low);
		return;
	}
	*xapic_reg(APIC_ICR2) = dest << 24;
	*xapic_reg(APIC_ICR) = icr_low;
	for (int i = 0; i < 100000 && (*xapic_reg(APIC_ICR) & APIC_ICR_BUSY); i++)
		pause();
}

u32 apic_id(void)
{
	if (this_cpu()->x2apic)
		return (u32)rdmsr(MSR_X2APIC_BASE + (APIC_ID >> 4));
	return *xapic_reg(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_sw_enable(void)
{
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | 0xff);
}

int enable_x2apic(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);
	int err = wrmsr_safe(MSR_IA32_APIC_BASE, base | APIC_BASE_EN |
			     APIC_BASE_EXTD);

	if (!err)
		this_cpu()->x2apic = true;
	return err;
}

int reset_to_xapic(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);
	int err;

	err = wrmsr_safe(MSR_IA32_APIC_BASE,
			 base & ~(APIC_BASE_EN | APIC_BASE_EXTD));
	if (err)
		return err;
	this_cpu()->x2apic = false;
	return wrmsr_safe(MSR_IA32_APIC_BASE,
			  (base & ~APIC_BASE_EXTD) | APIC_BASE_EN);
}

bool apic_vector_set(u32 base, u8 vector)
{
	return apic_read(base + (vector / 32) * 0x10) & (1U << (vector % 32));
}

void apic_flat_setup(void *unused)
{
	apic_sw_enable();
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, 1U << (24 + smp_id()));
	irq_enable();
}

/* Interrupts counted per CPU (count_irqs). */
static volatile u32 irq_counts[MAX_CPUS];

static void count_handler(struct ex_regs *r)
{
	__atomic_add_fetch(&irq_counts[smp_id()], 1, __ATOMIC_RELAXED);
	apic_eoi();
}

void count_irqs(u8 vector)
{
	handle_irq(vector, count_handler);
}

u32 irqs_counted(u32 cpu)
{
	return irq_counts[cpu];
}

bool wait_irqs(u32 cpu, u32 want)
{
	u64 end = rdtsc() + 100 * tsc_khz();

	while (irq_counts[cpu] < want && rdtsc() < end)
		pause();
	return irq_counts[cpu] == want;
}
