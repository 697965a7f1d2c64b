/* Which vCPUs an IPI addresses.  Pure logic (unit-tested on the host). */
#include <asm/apic.h>
#include <asm/ipi.h>

bool ipi_selects(const struct vcpu *self, const struct vcpu *t, u64 icr,
		 u32 dest, bool x2apic)
{
	switch (ICR_SHORTHAND(icr)) {
	case ICR_SELF:
		return t == self;
	case ICR_ALL:
		return true;
	case ICR_ALL_BUT_SELF:
		return t != self;
	}
	if (!(icr & ICR_LOGICAL))
		return t->apic_id == dest || dest == (x2apic ? 0xffffffffU : 0xffU);
	if (x2apic) {
		/* All ones is a broadcast in logical mode too (SDM 10.12.9).
		 * Else the logical x2APIC ID is id[19:4] << 16 | BIT(id[3:0]):
		 * the cluster in 31:16, one bit per CPU in 15:0. */
		return dest == 0xffffffffU ||
		       ((dest >> 16) == ((t->apic_id >> 4) & 0xffff) &&
			(dest & BIT(t->apic_id & 15)));
	}
	if ((t->apic_dfr >> 28) == 0xf)		/* flat model */
		return (dest & (t->apic_ldr >> 24)) != 0;
	/* Cluster model: all ones "guarantees a match on all clusters and
	 * selects all APICs in each cluster" (SDM 10.6.2.2). */
	return (dest == 0xff || (dest >> 4) == (t->apic_ldr >> 28)) &&
	       (dest & (t->apic_ldr >> 24) & 0xf);
}
