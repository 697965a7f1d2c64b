/* The virtual IOAPIC of User VMs (see vioapic.h).
 *
 * An input is asserted when its line level differs from the entry's
 * polarity bit (active low inverts).  Edge-triggered entries send one
 * message on each asserting edge seen while unmasked; an edge while
 * masked is lost, as on the 82093AA.  Level-triggered entries send while
 * asserted, unmasked and Remote IRR clear, and set Remote IRR; the EOI
 * (broadcast by the vLAPIC or written to the EOI register) clears it, and
 * the entry sends again if its input is still asserted.  Unmasking an
 * asserted level entry, or any RTE write that leaves it deliverable,
 * sends too.  Setting an entry to edge clears its Remote IRR, which
 * guests use to recover a stuck entry on IOAPICs without an EOI register.
 *
 * Messages are built under the lock and sent after it is dropped, so the
 * vLAPIC may call vioapic_eoi() from any context without lock ordering
 * concerns.  Remote IRR is set when the message is built (as ACRN does),
 * whether or not a vCPU accepts it.
 */
#include "lib.h"
#include "vm.h"
#include "vioapic.h"
#include "vlapic.h"
#include <islet/hypercall.h>

#define IOAPIC_ID_MASK		0x0f000000U
#define RTE_REG_END		(IOAPIC_REG_RTE + 2 * VIOAPIC_PINS)

/* Messages to send once the lock is dropped (at most one per entry). */
struct outbox {
	u32 n;
	struct apic_msg msg[VIOAPIC_PINS];
};

static u32 rte_mode(u64 rte)
{
	return (rte >> RTE_DM_SHIFT) & 7;
}

static bool asserted(const struct vioapic *a, u32 pin)
{
	bool high = a->line & BIT(pin);

	return high != !!(a->rte[pin] & RTE_ACTIVE_LOW);
}

/* Build entry @pin's message.  Only fixed and lowest-priority messages
 * are level-triggered on the bus (the others have no EOI); the reserved
 * delivery modes send nothing. */
static void send(struct vioapic *a, u32 pin, struct outbox *o)
{
	u64 rte = a->rte[pin];
	u32 mode = rte_mode(rte);
	bool level = (rte & RTE_LEVEL) &&
		(mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST);

	if (mode == 3 || mode == APIC_DM_SIPI)
		return;
	if (level)
		a->rte[pin] |= RTE_REMOTE_IRR;
	o->msg[o->n++] = (struct apic_msg){
		.dest = (u32)(rte >> RTE_DEST_SHIFT),
		.logical = rte & RTE_DEST_LOGICAL,
		.level = level,
		.mode = (u8)mode,
		.vector = (u8)(rte & RTE_VECTOR),
		/* an 8-bit 0xff destination is a broadcast to x2APICs too */
	};
}

/* A level entry: send if it may. */
static void level_check(struct vioapic *a, u32 pin, struct outbox *o)
{
	u64 rte = a->rte[pin];

	if ((rte & RTE_LEVEL) && !(rte & (RTE_MASKED | RTE_REMOTE_IRR)) &&
	    asserted(a, pin))
		send(a, pin, o);
}

static void drive(struct vioapic *a, u32 pin, bool high, struct outbox *o)
{
	bool was = asserted(a, pin);

	a->line = high ? a->line | BIT(pin) : a->line & ~BIT(pin);
	if (a->rte[pin] & RTE_LEVEL)
		level_check(a, pin, o);
	else if (!was && asserted(a, pin) && !(a->rte[pin] & RTE_MASKED))
		send(a, pin, o);
}

static void flush(struct vm *vm, const struct outbox *o)
{
	for (u32 i = 0; i < o->n; i++)
		vlapic_deliver(vm, &o->msg[i]);
}

static void eoi_locked(struct vioapic *a, u8 vector, struct outbox *o)
{
	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 rte = a->rte[pin];

		if ((rte & RTE_VECTOR) != vector || !(rte & RTE_REMOTE_IRR))
			continue;
		a->rte[pin] = rte & ~RTE_REMOTE_IRR;
		level_check(a, pin, o);
	}
}

static u32 reg_read(const struct vioapic *a, u32 idx)
{
	u32 pin = (idx - IOAPIC_REG_RTE) / 2;

	switch (idx) {
	case IOAPIC_REG_ID:
		return a->id;
	case IOAPIC_REG_VER:
		return VIOAPIC_VERSION | (VIOAPIC_PINS - 1) << 16;
	case IOAPIC_REG_ARB:
		return a->id;	/* loaded from the ID */
	}
	if (idx < IOAPIC_REG_RTE || idx >= RTE_REG_END)
		return 0;
	return (idx & 1) ? (u32)(a->rte[pin] >> 32) : (u32)a->rte[pin];
}

static void reg_write(struct vioapic *a, u32 idx, u32 val, struct outbox *o)
{
	u32 pin = (idx - IOAPIC_REG_RTE) / 2;
	u64 rte, mask;

	if (idx == IOAPIC_REG_ID) {
		a->id = val & IOAPIC_ID_MASK;
		return;
	}
	if (idx < IOAPIC_REG_RTE || idx >= RTE_REG_END)
		return;		/* VER, ARB: read-only */
	mask = (idx & 1) ? RTE_WRITABLE & ~0xffffffffULL :
		RTE_WRITABLE & 0xffffffffULL;
	rte = (a->rte[pin] & ~mask) |
		(((idx & 1) ? (u64)val << 32 : val) & mask);
	if (!(rte & RTE_LEVEL))
		rte &= ~RTE_REMOTE_IRR;
	a->rte[pin] = rte;
	level_check(a, pin, o);
}

int vioapic_mmio(struct vcpu *vcpu, u64 offset, u8 size, bool write,
		 u64 *val)
{
	struct vioapic *a = &vcpu->vm->vioapic;
	struct outbox o;
	u64 r = 0;

	o.n = 0;
	spin_lock(&a->lock);
	if (offset < IOAPIC_REGSEL + 4) {
		if (write && offset == IOAPIC_REGSEL)
			a->regsel = (u32)*val & 0xff;
		r = a->regsel >> (8 * offset);
	} else if (offset >= IOAPIC_WINDOW && offset < IOAPIC_WINDOW + 4) {
		/* only a dword write reaches a register: a part of one
		 * would leave an entry half-written */
		if (write && offset == IOAPIC_WINDOW && size == 4)
			reg_write(a, a->regsel, (u32)*val, &o);
		r = reg_read(a, a->regsel) >> (8 * (offset - IOAPIC_WINDOW));
	} else if (offset == IOAPIC_EOI && write) {
		eoi_locked(a, (u8)*val, &o);
	}
	spin_unlock(&a->lock);
	if (!write)
		*val = size < 8 ? r & ((1ULL << (8 * size)) - 1) : r;
	flush(vcpu->vm, &o);
	return 0;
}

void vioapic_set_line(struct vm *vm, u32 gsi, u32 op)
{
	struct vioapic *a = &vm->vioapic;
	struct outbox o;

	if (gsi >= VIOAPIC_PINS)
		return;
	o.n = 0;
	spin_lock(&a->lock);
	switch (op) {
	case ISLET_IRQLINE_SET_HIGH:
		drive(a, gsi, true, &o);
		break;
	case ISLET_IRQLINE_SET_LOW:
		drive(a, gsi, false, &o);
		break;
	case ISLET_IRQLINE_RAISING_PULSE:
		drive(a, gsi, true, &o);
		drive(a, gsi, false, &o);
		break;
	case ISLET_IRQLINE_FALLING_PULSE:
		drive(a, gsi, false, &o);
		drive(a, gsi, true, &o);
		break;
	}
	spin_unlock(&a->lock);
	flush(vm, &o);
}

void vioapic_eoi(struct vm *vm, u8 vector)
{
	struct vioapic *a = &vm->vioapic;
	struct outbox o;

	o.n = 0;
	spin_lock(&a->lock);
	eoi_locked(a, vector, &o);
	spin_unlock(&a->lock);
	flush(vm, &o);
}

void vioapic_reset(struct vm *vm)
{
	struct vioapic *a = &vm->vioapic;

	spin_lock(&a->lock);
	a->regsel = 0;
	a->id = 0;
	a->line = 0;
	for (u32 pin = 0; pin < VIOAPIC_PINS; pin++)
		a->rte[pin] = RTE_MASKED;
	spin_unlock(&a->lock);
}
