/* Physical local APIC access for the hypervisor's own IPIs and for the
 * Service VM's filtered xAPIC writes. */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/msr.h>

u64 apic_mmio_base(void)
{
	return rdmsr(MSR_IA32_APIC_BASE) & 0x000ffffffffff000ULL;
}

bool apic_is_x2apic(void)
{
	return rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC;
}

static volatile u32 *apic_reg(u32 offset)
{
	return (volatile u32 *)(apic_mmio_base() + offset);
}

u32 apic_id(void)
{
	if (apic_is_x2apic())
		return (u32)rdmsr(0x802);
	return *apic_reg(APIC_REG_ID) >> 24;
}

void apic_mmio_write(u32 offset, u32 val)
{
	*apic_reg(offset & 0xff0) = val;
}

void apic_send_ipi(u32 dest, u32 low)
{
	if (apic_is_x2apic()) {
		wrmsr(MSR_X2APIC_ICR, ((u64)dest << 32) | low);
		return;
	}
	*apic_reg(APIC_REG_ICR_HIGH) = dest << 24;
	*apic_reg(APIC_REG_ICR_LOW) = low;
	for (unsigned i = 0; i < 1000000 && (*apic_reg(APIC_REG_ICR_LOW) & ICR_PENDING); i++)
		cpu_relax();
}

void apic_eoi(void)
{
	if (apic_is_x2apic())
		wrmsr(0x80b, 0);
	else
		*apic_reg(APIC_REG_EOI) = 0;
}

void apic_sw_enable(void)
{
	/* Spurious vector 0xff, APIC enabled; accept every priority. */
	if (apic_is_x2apic()) {
		wrmsr(0x808, 0);
		wrmsr(0x80f, 0x1ff);
	} else {
		*apic_reg(APIC_REG_TPR) = 0;
		*apic_reg(APIC_REG_SVR) = 0x1ff;
	}
}
