/* The physical local APIC, in xAPIC (MMIO) or x2APIC (MSR) mode. */
#ifndef ISLET_ASM_APIC_H
#define ISLET_ASM_APIC_H

#include "types.h"

#define MSR_IA32_APIC_BASE	0x1b
#define  APIC_BASE_X2APIC	BIT(10)
#define  APIC_BASE_ENABLE	BIT(11)
#define MSR_X2APIC_ICR		0x830

#define APIC_REG_ID		0x20
#define APIC_REG_TPR		0x80
#define APIC_REG_EOI		0xb0
#define APIC_REG_SVR		0xf0
#define APIC_REG_ICR_LOW	0x300
#define APIC_REG_ICR_HIGH	0x310

/* ICR fields */
/* The vector that kicks a CPU running a User VM (user_vm.c). */
#define USER_KICK_VECTOR	0xf2

#define ICR_VECTOR(icr)		((u32)(icr) & 0xff)
#define ICR_MODE(icr)		(((u32)(icr) >> 8) & 7)
#define  ICR_MODE_FIXED		0
#define  ICR_MODE_LOWEST		1
#define  ICR_MODE_SMI		2
#define  ICR_MODE_NMI		4
#define  ICR_MODE_INIT		5
#define  ICR_MODE_SIPI		6
#define ICR_LOGICAL		BIT(11)
#define ICR_PENDING		BIT(12)
#define ICR_ASSERT		BIT(14)
#define ICR_LEVEL		BIT(15)
#define ICR_SHORTHAND(icr)	(((u32)(icr) >> 18) & 3)
#define  ICR_DEST_FIELD		0
#define  ICR_SELF		1
#define  ICR_ALL		2
#define  ICR_ALL_BUT_SELF	3

u64 apic_mmio_base(void);	/* physical base of the xAPIC page */
bool apic_is_x2apic(void);
u32 apic_id(void);
/* Write a register of this CPU's xAPIC page (offset within the page). */
void apic_mmio_write(u32 offset, u32 val);
/* Send an IPI: @dest is a physical APIC id, @low the ICR low word. */
void apic_send_ipi(u32 dest, u32 low);
/* End the interrupt in service; software-enable this CPU's local APIC. */
void apic_eoi(void);
void apic_sw_enable(void);

#endif
