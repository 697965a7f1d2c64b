/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local APIC access for the guest tests, xAPIC (MMIO at 0xfee00000) or
 * x2APIC (MSRs 0x800 + offset / 16), whichever mode the APIC is in:
 * apic_read/apic_write take the xAPIC register offset either way.
 */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include "libguest.h"

#define APIC_DEFAULT_BASE	0xfee00000UL
#define IOAPIC_DEFAULT_BASE	0xfec00000UL	/* IOREGSEL; IOWIN at +0x10 */

#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_ARBPRI	0x90
#define APIC_PROCPRI	0xa0
#define APIC_EOI	0xb0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SPIV	0xf0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_LVTCMCI	0x2f0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVTTHMR	0x330
#define APIC_LVTPC	0x340
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0	/* x2APIC only */

#define APIC_SPIV_ENABLE	BIT(8)
#define APIC_LVT_MASKED		BIT(16)
#define APIC_LVT_PENDING	BIT(12)
#define APIC_LVT_LEVEL		BIT(15)
#define APIC_TIMER_ONESHOT	(0U << 17)
#define APIC_TIMER_PERIODIC	(1U << 17)
#define APIC_TIMER_DEADLINE	(2U << 17)

/* ICR low dword */
#define APIC_DM_FIXED		0x000
#define APIC_DM_LOWEST		0x100
#define APIC_DM_NMI		0x400
#define APIC_DM_INIT		0x500
#define APIC_DM_STARTUP		0x600
#define APIC_DEST_LOGICAL	0x800
#define APIC_ICR_BUSY		0x1000
#define APIC_INT_ASSERT		0x4000
#define APIC_INT_LEVEL		0x8000
#define APIC_DEST_SELF		0x40000
#define APIC_DEST_ALLINC	0x80000
#define APIC_DEST_ALLBUT	0xc0000

bool x2apic_mode(void);
u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 val);
/* Sends @icr_low to @dest (APIC id), in either mode; waits for the xAPIC
 * delivery-status bit to clear. */
void apic_icr_write(u32 icr_low, u32 dest);
u32 apic_id(void);
void apic_eoi(void);
/* Software-enables the APIC (SVR bit 8, spurious vector 0xff). */
void apic_sw_enable(void);
/* This CPU: APIC software-enabled, flat logical model with LDR bit
 * (24 + CPU index), interrupts on.  on_cpu()'s signature. */
void apic_flat_setup(void *unused);
/* Count the interrupts of @vector per CPU (the handler EOIs); how many
 * @cpu took; wait up to 100 ms for @cpu to have taken @want, true if it
 * has exactly that many. */
void count_irqs(u8 vector);
u32 irqs_counted(u32 cpu);
bool wait_irqs(u32 cpu, u32 want);
/* IA32_APIC_BASE: xAPIC -> x2APIC; 0 or the #GP vector. */
int enable_x2apic(void);
/* x2APIC -> disabled -> xAPIC (the architectural path back). */
int reset_to_xapic(void);
/* Is @vector set in the 256-bit register array at @base (ISR/IRR/TMR)? */
bool apic_vector_set(u32 base, u8 vector);

#endif /* GUEST_APIC_H */
