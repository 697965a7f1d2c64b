/* IPI destinations (arch/x86/ipi_dest.c). */
#ifndef ISLET_ASM_IPI_H
#define ISLET_ASM_IPI_H

#include "vm.h"

/* Whether vCPU @t is among the destinations of an IPI sent by @self with
 * @icr (x2APIC layout: destination @dest = bits 63:32; an xAPIC
 * destination is the 8-bit value).  Follows the SDM (vol. 3, 11.6.2):
 * shorthands, physical (with broadcast), and logical destinations in
 * x2APIC cluster mode or, in xAPIC mode, through the LDR and DFR the guest
 * wrote (t->apic_ldr, t->apic_dfr: flat or cluster model). */
bool ipi_selects(const struct vcpu *self, const struct vcpu *t, u64 icr,
		 u32 dest, bool x2apic);

#endif
