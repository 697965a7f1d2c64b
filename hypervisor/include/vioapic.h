/* The virtual IOAPIC of a User VM (core/vioapic.c): 48 inputs (GSI
 * 0-47, as ACRN's), version 0x20 (with the EOI register), MMIO at
 * 0xfec00000, delivering through the VM's APIC bus (vlapic_deliver()).
 *
 * Threads: MMIO from the VM's vCPUs, line changes from the Service VM's
 * CPU (HC_SET_IRQLINE), EOIs from the vCPU that ends a level-triggered
 * interrupt; all under vioapic.lock, with the messages sent after it is
 * dropped.
 */
#ifndef ISLET_VIOAPIC_H
#define ISLET_VIOAPIC_H

#include "types.h"
#include "spinlock.h"

struct vm;
struct vcpu;

#define VIOAPIC_BASE		0xfec00000ULL
#define VIOAPIC_SIZE		0x1000ULL
#define VIOAPIC_PINS		48
#define VIOAPIC_VERSION		0x20

/* Memory-mapped registers (offsets in the page) */
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10
#define IOAPIC_EOI		0x40
/* Indirect registers (IOREGSEL) */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_RTE		0x10	/* entry n: 0x10 + 2n, high +1 */

/* Redirection table entry */
#define RTE_VECTOR		0xffULL
#define RTE_DM_SHIFT		8	/* APIC_DM_*, 3 bits */
#define RTE_DEST_LOGICAL	BIT(11)
#define RTE_DELIVS		BIT(12)	/* read-only, always 0 here */
#define RTE_ACTIVE_LOW		BIT(13)
#define RTE_REMOTE_IRR		BIT(14)	/* read-only */
#define RTE_LEVEL		BIT(15)
#define RTE_MASKED		BIT(16)
#define RTE_DEST_SHIFT		56
/* What the guest can change: bits 55:17 are reserved (read as 0). */
#define RTE_WRITABLE		(0xff00000000000000ULL | RTE_MASKED | \
				 RTE_LEVEL | RTE_ACTIVE_LOW | \
				 RTE_DEST_LOGICAL | 0x7ffULL)

struct vioapic {
	spinlock_t lock;
	u32 regsel;		/* IOREGSEL */
	u32 id;			/* the ID register (ID in bits 27:24) */
	u64 line;		/* input levels as the devices drive them */
	u64 rte[VIOAPIC_PINS];
};

/* Power-on state: every entry masked, every line low, ID 0. */
void vioapic_reset(struct vm *vm);

/* MMIO handler (struct mmio_handler) for [VIOAPIC_BASE, + VIOAPIC_SIZE):
 * IOREGSEL, IOWIN and the EOI register; other offsets read as 0 and
 * ignore writes.  Always 0. */
int vioapic_mmio(struct vcpu *vcpu, u64 offset, u8 size, bool write,
		 u64 *val);

/* Drive input @gsi (0-47) as ISLET_IRQLINE_* @op says.  An active-low
 * entry sees the inverted level.  Edge entries deliver on the asserting
 * edge, level entries while asserted (once per EOI). */
void vioapic_set_line(struct vm *vm, u32 gsi, u32 op);

/* End of a level-triggered interrupt of @vector (a vLAPIC EOI of a vector
 * whose TMR bit is set, or the guest's write to the EOI register): clear
 * Remote IRR of the entries with that vector and deliver again those
 * still asserted. */
void vioapic_eoi(struct vm *vm, u8 vector);

#endif
