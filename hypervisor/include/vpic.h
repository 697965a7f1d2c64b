/* The virtual 8259A pair of a User VM (core/vpic.c): master at ports
 * 0x20-0x21, slave at 0xa0-0xa1 cascaded on the master's IR2, and the
 * edge/level control registers (ELCR) at 0x4d0-0x4d1 as PIIX/ICH chipsets
 * have them.  Its INTR output goes to the vLAPIC of vCPU 0 (LINT0 as
 * ExtINT, or the APIC disabled), which takes the vector with
 * vpic_intack() when it injects.
 *
 * Threads: port accesses come from the VM's vCPUs, line changes from the
 * Service VM's CPU (HC_SET_IRQLINE), the acknowledge from vCPU 0's CPU;
 * all of them under vpic.lock.
 */
#ifndef ISLET_VPIC_H
#define ISLET_VPIC_H

#include "types.h"
#include "spinlock.h"

struct vm;
struct vcpu;

#define VPIC_NR_IRQS	16
#define VPIC_CASCADE_IRQ 2	/* the master input the slave's INTR drives */

/* One 8259A.  IRQ numbers here are the chip's inputs IR0-IR7. */
struct i8259 {
	u8 pin;		/* input levels as the devices drive them */
	u8 irr_edge;	/* edge inputs: requests latched on a rise */
	u8 isr, imr;
	u8 elcr;	/* level-triggered inputs (ELCR) */
	u8 elcr_mask;	/* the ELCR bits that may be set */
	u8 base;	/* ICW2: vector of IR0 */
	u8 icw3;	/* master: inputs with a slave; slave: its id */
	u8 lowest;	/* the input with the lowest priority (rotation) */
	u8 icw_next;	/* I8259_ICW*: the ICW the chip waits for */
	bool icw4;	/* ICW1 said an ICW4 follows */
	bool single;	/* ICW1 SNGL: no cascade */
	bool aeoi;	/* ICW4 automatic EOI */
	bool rotate_aeoi; /* OCW2: rotate on automatic EOI */
	bool sfnm;	/* ICW4 special fully nested mode */
	bool smm;	/* OCW3 special mask mode */
	bool poll;	/* OCW3 poll: the next read acknowledges */
	bool read_isr;	/* OCW3: the command port reads ISR, else IRR */
};

enum { I8259_READY, I8259_ICW2, I8259_ICW3, I8259_ICW4 };

struct vpic {
	spinlock_t lock;
	struct i8259 chip[2];	/* master, slave */
	bool intr;		/* the master's INTR output, as last seen */
};

/* Power-on state, as a BIOS leaves the pair: initialized (vectors 0x08
 * and 0x70, slave on IR2), every input masked, ELCR all edge. */
void vpic_reset(struct vm *vm);

/* Port handler (struct io_handler) for 0x20-0x21, 0xa0-0xa1 and
 * 0x4d0-0x4d1; multi-byte accesses go byte by byte to consecutive ports.
 * 0, or -EINVAL for a port it does not serve. */
int vpic_pio(struct vcpu *vcpu, u16 port, u8 size, bool in, u32 *val);

/* Drive input @irq (0-15) as ISLET_IRQLINE_* @op says.  IRQ 2 is the
 * cascade, wired to the slave: a device line 2 does not reach the PIC
 * (it goes to IOAPIC pin 2 only). */
void vpic_set_line(struct vm *vm, u32 irq, u32 op);

/* Is the master's INTR output asserted?  And the acknowledge cycle: the
 * vector to inject, with ISR/IRR updated as INTA does (the spurious
 * vector of IR7 or IR15 when the request went away). */
bool vpic_intr_pending(struct vm *vm);
int vpic_intack(struct vm *vm);

#endif
