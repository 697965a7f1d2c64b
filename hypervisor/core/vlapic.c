/* The virtual local APIC of User VM vCPUs (see vlapic.h). */
#include "lib.h"
#include "vm.h"
#include "vlapic.h"

void vlapic_reset(struct vlapic *l, struct vcpu *v, u32 *page)
{
	memset(l, 0, sizeof(*l));
	memset(page, 0, PAGE_SIZE);
	l->regs = page;
	l->vcpu = v;
	l->apic_base = VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE_BIT |
		(v->id == 0 ? APIC_BASE_BSP_BIT : 0);
	l->regs[APIC_ID / 4] = v->id << 24;
	/* version 0x14 (integrated), 6 LVT entries (max LVT 5), EOI
	 * broadcast suppression not offered */
	l->regs[APIC_LVR / 4] = 0x14 | (5 << 16);
	l->regs[APIC_DFR / 4] = 0xffffffff;
	l->regs[APIC_SVR / 4] = 0xff;
	for (u32 r = APIC_LVT_TIMER; r <= APIC_LVT_ERROR; r += 0x10)
		l->regs[r / 4] = APIC_LVT_MASKED;
	l->regs[APIC_LVT_CMCI / 4] = APIC_LVT_MASKED;
	/* The BSP's LINT0 as a BIOS leaves it: ExtINT, so the PIC's INTR
	 * reaches it. */
	if (v->id == 0)
		l->regs[APIC_LVT_LINT0 / 4] = APIC_DM_EXTINT << 8;
}
