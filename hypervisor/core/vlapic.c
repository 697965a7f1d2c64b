/* The virtual local APIC of User VM vCPUs (see vlapic.h): registers,
 * priorities, EOI, the timer, and the APIC bus that carries IPIs, MSIs and
 * IOAPIC messages to the VM's vCPUs.
 *
 * The register page is the architectural xAPIC layout.  IRR and TMR
 * words are written by other CPUs (atomically); every other register only
 * by the vCPU's own CPU, in its exits. */
#include "lib.h"
#include "user_vm.h"
#include "vioapic.h"
#include "vlapic.h"
#include "vm.h"
#include "vpic.h"
#include <asm/cpu.h>

#define REG(l, off)	((l)->regs[(off) / 4])

#define TIMER_ONESHOT	0
#define TIMER_PERIODIC	1
#define TIMER_TSCDL	2

#define ESR_SEND_ILLEGAL	BIT(5)
#define ESR_RECV_ILLEGAL	BIT(6)
#define ESR_ILLEGAL_REG		BIT(7)

/* Writable bits of each LVT register (vector, mode, mask, and per entry
 * the trigger fields and the timer mode). */
static u32 lvt_writable(u32 off)
{
	switch (off) {
	case APIC_LVT_TIMER:
		return 0x000700ff;	/* vector, mask, mode [18:17] */
	case APIC_LVT_LINT0:
	case APIC_LVT_LINT1:
		return 0x0001a7ff;	/* vector, mode, polarity, trigger, mask */
	case APIC_LVT_ERROR:
		return 0x000100ff;
	default:			/* thermal, PMC, CMCI */
		return 0x000107ff;
	}
}

static bool hw_enabled(const struct vlapic *l)
{
	return l->apic_base & APIC_BASE_ENABLE_BIT;
}

static bool sw_enabled(const struct vlapic *l)
{
	return hw_enabled(l) && (REG(l, APIC_SVR) & APIC_SVR_ENABLE);
}

static bool x2apic(const struct vlapic *l)
{
	return l->apic_base & APIC_BASE_X2APIC_BIT;
}

static u32 *vec_word(struct vlapic *l, u32 base, u32 vec)
{
	return &l->regs[(base + (vec / 32) * 0x10) / 4];
}

/* The highest vector set in the 256-bit register at @base, or -1. */
static int highest(const struct vlapic *l, u32 base)
{
	for (int i = 7; i >= 0; i--) {
		u32 w = __atomic_load_n(&l->regs[(base + (u32)i * 0x10) / 4],
					__ATOMIC_ACQUIRE);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

/* PPR: the TPR if its class is at least the highest in-service class,
 * else that class (SDM 10.8.3.1). */
static void update_ppr(struct vlapic *l)
{
	u32 tpr = REG(l, APIC_TPR) & 0xff;
	int isrv = highest(l, APIC_ISR);

	if (isrv < 0 || (tpr & 0xf0) >= ((u32)isrv & 0xf0))
		REG(l, APIC_PPR) = tpr;
	else
		REG(l, APIC_PPR) = (u32)isrv & 0xf0;
}

static u32 timer_mode(const struct vlapic *l)
{
	return (REG(l, APIC_LVT_TIMER) >> 17) & 3;
}

static u32 timer_divisor(const struct vlapic *l)
{
	u32 d = REG(l, APIC_TDCR);
	u32 v = (d & 3) | ((d >> 1) & 4);

	return v == 7 ? 1 : 2U << v;
}

/* ---- Receiving ---------------------------------------------------------- */

/* Kick the vCPU's CPU if it runs the guest, so it looks at what arrived
 * before its next entry (user_vm.c).  A vCPU sending to itself is in
 * its exit handler already. */
static void notify(struct vlapic *l, const struct vcpu *src)
{
	if (l->vcpu != src)
		user_vcpu_kick_irq(l->vcpu);
}

/* A fixed interrupt for this APIC: TMR then IRR, so the owner never sees
 * the IRR bit with a stale trigger mode. */
static void accept_fixed(struct vlapic *l, u32 vec, bool level)
{
	u32 bit = BIT(vec % 32), old;

	if (vec < 16) {
		__atomic_or_fetch(&l->esr_pending, ESR_RECV_ILLEGAL,
				  __ATOMIC_RELAXED);
		return;
	}
	if (!sw_enabled(l))
		return;		/* dropped, as a software-disabled APIC does */
	if (level)
		old = __atomic_fetch_or(vec_word(l, APIC_TMR, vec), bit, __ATOMIC_SEQ_CST);
	else
		old = __atomic_fetch_and(vec_word(l, APIC_TMR, vec), ~bit, __ATOMIC_SEQ_CST);
	/* The CPU's EOI-exit bitmap follows TMR (virtual-interrupt
	 * delivery): a level vector's EOI must reach the IOAPIC. */
	if (!(old & bit) != !level)
		__atomic_or_fetch(&l->sync, VLAPIC_SYNC_TMR, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(vec_word(l, APIC_IRR, vec), bit, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&l->irq_gen, 1, __ATOMIC_SEQ_CST);
}

static void accept(struct vlapic *l, const struct apic_msg *m,
		   const struct vcpu *src)
{
	switch (m->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		accept_fixed(l, m->vector, m->level);
		break;
	case APIC_DM_NMI:
		__atomic_or_fetch(&l->pending, VLAPIC_PEND_NMI, __ATOMIC_SEQ_CST);
		break;
	case APIC_DM_INIT:
		__atomic_or_fetch(&l->pending, VLAPIC_PEND_INIT, __ATOMIC_SEQ_CST);
		break;
	case APIC_DM_SIPI:
		__atomic_store_n(&l->sipi_vector, m->vector, __ATOMIC_RELAXED);
		__atomic_or_fetch(&l->pending, VLAPIC_PEND_SIPI, __ATOMIC_SEQ_CST);
		break;
	case APIC_DM_EXTINT:
		__atomic_or_fetch(&l->pending, VLAPIC_PEND_EXTINT, __ATOMIC_SEQ_CST);
		break;
	default:		/* SMI: there is no SMM */
		return;
	}
	notify(l, src);
}

/* Logical destination match: flat or cluster model in xAPIC mode, the
 * cluster form of x2APIC mode (SDM 10.6.2.2, 10.12.10.2). */
static bool logical_match(const struct vlapic *l, u32 dest)
{
	u32 ldr = REG(l, APIC_LDR);

	if (x2apic(l))
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	if ((REG(l, APIC_DFR) >> 28) == 0xf)
		return (ldr >> 24) & dest;
	return (dest >> 4) == (ldr >> 28) && (dest & (ldr >> 24) & 0xf);
}

static bool dest_match(const struct vlapic *l, const struct apic_msg *m,
		       const struct vcpu *src)
{
	u32 id = l->vcpu->id;

	switch (m->shorthand) {
	case 1:
		return l->vcpu == src;
	case 2:
		return true;
	case 3:
		return l->vcpu != src;
	}
	if (m->logical)
		return logical_match(l, m->dest);
	if (m->x2dest)
		return m->dest == 0xffffffff || m->dest == id;
	return (m->dest & 0xff) == 0xff || (m->dest & 0xff) == id;
}

static u32 deliver(struct vm *vm, const struct apic_msg *m,
		   const struct vcpu *src)
{
	struct vlapic *lowest = NULL;
	u32 n = 0;

	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vlapic *l = &vm->vcpus[i].vlapic;

		if (!l->regs || !hw_enabled(l) || !dest_match(l, m, src))
			continue;
		/* Lowest priority: the matching APIC with the lowest PPR
		 * (SDM 10.6.2.4), the first of equals. */
		if (m->mode == APIC_DM_LOWEST && !m->shorthand) {
			if (!lowest || (REG(l, APIC_PPR) & 0xf0) <
			    (REG(lowest, APIC_PPR) & 0xf0))
				lowest = l;
			continue;
		}
		accept(l, m, src);
		n++;
	}
	if (lowest) {
		accept(lowest, m, src);
		n++;
	}
	return n;
}

u32 vlapic_deliver(struct vm *vm, const struct apic_msg *m)
{
	return deliver(vm, m, NULL);
}

/* An MSI (SDM 10.11): address 0xfee, destination [19:12], redirection
 * hint [3] with destination mode [2]; data: vector, delivery mode,
 * trigger [15].  Fixed, lowest priority and NMI are what devices send. */
int vlapic_deliver_msi(struct vm *vm, u64 addr, u64 data)
{
	struct apic_msg m = {
		.dest = (u32)(addr >> 12) & 0xff,
		.logical = addr & BIT(2),
		.level = data & BIT(15),
		.mode = (data >> 8) & 7,
		.vector = data & 0xff,
	};

	if ((addr >> 20) != 0xfee || (data >> 16) ||
	    (m.mode != APIC_DM_FIXED && m.mode != APIC_DM_LOWEST &&
	     m.mode != APIC_DM_NMI) ||
	    (m.mode != APIC_DM_NMI && m.vector < 16))
		return -EINVAL;
	return deliver(vm, &m, NULL) ? 0 : -EINVAL;
}

/* ---- The vCPU's side ---------------------------------------------------- */

int vlapic_pending_vector(struct vlapic *l)
{
	int irr;

	if (!sw_enabled(l))
		return -1;
	irr = highest(l, APIC_IRR);
	if (irr < 0)
		return -1;
	update_ppr(l);
	return ((u32)irr & 0xf0) > (REG(l, APIC_PPR) & 0xf0) ? irr : -1;
}

void vlapic_accept_vector(struct vlapic *l, u32 vec)
{
	__atomic_and_fetch(vec_word(l, APIC_IRR, vec), ~BIT(vec % 32),
			   __ATOMIC_SEQ_CST);
	*vec_word(l, APIC_ISR, vec) |= BIT(vec % 32);
	update_ppr(l);
	__atomic_add_fetch(&l->irq_gen, 1, __ATOMIC_SEQ_CST);
}

static void eoi(struct vlapic *l)
{
	int vec = highest(l, APIC_ISR);

	if (vec < 0)
		return;
	*vec_word(l, APIC_ISR, (u32)vec) &= ~BIT(vec % 32);
	update_ppr(l);
	__atomic_add_fetch(&l->irq_gen, 1, __ATOMIC_SEQ_CST);
	/* No EOI-broadcast suppression: a level-triggered vector's EOI
	 * reaches the IOAPIC. */
	if (*vec_word(l, APIC_TMR, (u32)vec) & BIT(vec % 32))
		vioapic_eoi(l->vcpu->vm, (u8)vec);
}

bool vlapic_accepts_pic(const struct vlapic *l)
{
	u32 lint0 = REG(l, APIC_LVT_LINT0);

	if (!hw_enabled(l))
		return true;
	return !(lint0 & APIC_LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT;
}

void vm_pic_intr_raised(struct vm *vm)
{
	struct vlapic *bsp = &vm->vcpus[0].vlapic;

	if (vm->nr_vcpus && bsp->regs && vlapic_accepts_pic(bsp)) {
		__atomic_or_fetch(&bsp->pending, VLAPIC_PEND_EXTINT,
				  __ATOMIC_SEQ_CST);
		notify(bsp, NULL);
	}
}

int vlapic_extint_vector(struct vlapic *l)
{
	struct vm *vm = l->vcpu->vm;
	int vec = -1;

	if (!(__atomic_load_n(&l->pending, __ATOMIC_ACQUIRE) & VLAPIC_PEND_EXTINT))
		return -1;
	__atomic_and_fetch(&l->pending, ~VLAPIC_PEND_EXTINT, __ATOMIC_SEQ_CST);
	if (vpic_intr_pending(vm)) {
		vec = vpic_intack(vm);
		/* Another request behind this one raises INTR again. */
		if (vpic_intr_pending(vm))
			__atomic_or_fetch(&l->pending, VLAPIC_PEND_EXTINT,
					  __ATOMIC_SEQ_CST);
	}
	return vec;
}

/* ---- Timer -------------------------------------------------------------- */

static void timer_stop(struct vlapic *l)
{
	l->timer_deadline = 0;
	l->timer_period = 0;
}

static void timer_start(struct vlapic *l, u32 count)
{
	u64 ticks = (u64)count * timer_divisor(l);

	if (!count || timer_mode(l) == TIMER_TSCDL) {
		timer_stop(l);
		return;
	}
	l->timer_deadline = rdtsc() + ticks;
	l->timer_period = timer_mode(l) == TIMER_PERIODIC ? ticks : 0;
}

static u32 timer_current(const struct vlapic *l)
{
	u64 now = rdtsc();

	if (timer_mode(l) == TIMER_TSCDL || !l->timer_deadline ||
	    now >= l->timer_deadline)
		return 0;
	return (u32)((l->timer_deadline - now) / timer_divisor(l));
}

bool vlapic_timer_check(struct vlapic *l, u64 now)
{
	u32 lvt = REG(l, APIC_LVT_TIMER);

	if (!l->timer_deadline || now < l->timer_deadline)
		return false;
	if (l->timer_period) {
		/* Periods missed while the guest could not take them
		 * coalesce into one interrupt. */
		u64 missed = (now - l->timer_deadline) / l->timer_period + 1;

		l->timer_deadline += missed * l->timer_period;
	} else {
		l->timer_deadline = 0;
		if (timer_mode(l) == TIMER_TSCDL)
			l->tsc_deadline = 0;
		else
			REG(l, APIC_TMCCT) = 0;
	}
	if (!(lvt & APIC_LVT_MASKED))
		accept_fixed(l, lvt & 0xff, false);
	return true;
}

static void write_tsc_deadline(struct vlapic *l, u64 guest_tsc)
{
	u64 host;

	if (timer_mode(l) != TIMER_TSCDL)
		return;		/* ignored outside TSC-deadline mode */
	l->tsc_deadline = guest_tsc;
	if (!guest_tsc) {
		timer_stop(l);
		return;
	}
	host = guest_tsc - l->vcpu->tsc_offset;
	/* A deadline in the past fires at once. */
	l->timer_deadline = host ? host : 1;
	l->timer_period = 0;
}

/* ---- Register writes (both modes) --------------------------------------- */

static void send_icr(struct vlapic *l, u32 low, u32 dest)
{
	struct apic_msg m = {
		.dest = dest,
		.logical = low & BIT(11),
		.level = low & BIT(15),
		.mode = (low >> 8) & 7,
		.vector = low & 0xff,
		.shorthand = (low >> 18) & 3,
		.x2dest = x2apic(l),
	};

	/* INIT level de-assert is a no-op on everything since the P4. */
	if (m.mode == APIC_DM_INIT && !(low & BIT(14)) && (low & BIT(15)))
		return;
	if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST) &&
	    m.vector < 16) {
		__atomic_or_fetch(&l->esr_pending, ESR_SEND_ILLEGAL,
				  __ATOMIC_RELAXED);
		return;
	}
	/* Lowest priority with a shorthand is invalid; treat as fixed. */
	if (m.mode == APIC_DM_LOWEST && m.shorthand)
		m.mode = APIC_DM_FIXED;
	deliver(l->vcpu->vm, &m, l->vcpu);
}

static void write_svr(struct vlapic *l, u32 val)
{
	REG(l, APIC_SVR) = val & 0x11ff;
	if (!(val & APIC_SVR_ENABLE)) {
		/* Software disable masks every LVT entry (SDM 10.4.7.2). */
		for (u32 r = APIC_LVT_TIMER; r <= APIC_LVT_ERROR; r += 0x10)
			REG(l, r) |= APIC_LVT_MASKED;
		REG(l, APIC_LVT_CMCI) |= APIC_LVT_MASKED;
	}
}

static void write_lvt(struct vlapic *l, u32 off, u32 val)
{
	u32 old_mode = timer_mode(l);

	val &= lvt_writable(off);
	if (!(REG(l, APIC_SVR) & APIC_SVR_ENABLE))
		val |= APIC_LVT_MASKED;
	/* The read-only bits (delivery status, remote IRR) stay 0 here:
	 * delivery is immediate and LINT inputs carry no level state.  The
	 * register may hold anything before (the CPU's stored write). */
	REG(l, off) = val;
	if (off == APIC_LVT_TIMER && timer_mode(l) != old_mode) {
		/* A mode change disarms the timer. */
		timer_stop(l);
		l->tsc_deadline = 0;
		REG(l, APIC_TMICT) = 0;
	}
	if (off == APIC_LVT_LINT0 && l->vcpu->id == 0 && vlapic_accepts_pic(l))
		vm_pic_intr_raised(l->vcpu->vm);
}

/* The registers both modes write the same way.  false: not one of them. */
static bool write_common(struct vlapic *l, u32 off, u32 val)
{
	switch (off) {
	case APIC_TPR:
		REG(l, APIC_TPR) = val & 0xff;
		update_ppr(l);
		return true;
	case APIC_EOI:
		eoi(l);
		return true;
	case APIC_SVR:
		write_svr(l, val);
		return true;
	case APIC_ESR:
		/* A write latches the errors seen since the last write into
		 * the register, which reads then give (SDM 10.5.3). */
		REG(l, APIC_ESR) = __atomic_exchange_n(&l->esr_pending, 0,
						       __ATOMIC_SEQ_CST);
		return true;
	case APIC_LVT_CMCI:
	case APIC_LVT_TIMER:
	case APIC_LVT_THERMAL:
	case APIC_LVT_PMC:
	case APIC_LVT_LINT0:
	case APIC_LVT_LINT1:
	case APIC_LVT_ERROR:
		write_lvt(l, off, val);
		return true;
	case APIC_TMICT:
		if (timer_mode(l) == TIMER_TSCDL)
			return true;
		REG(l, APIC_TMICT) = val;
		timer_start(l, val);
		return true;
	case APIC_TDCR:
		REG(l, APIC_TDCR) = val & 0xb;
		return true;
	}
	return false;
}

static u32 read_reg(struct vlapic *l, u32 off)
{
	switch (off) {
	case APIC_TMCCT:
		return timer_current(l);
	case APIC_PPR:
		update_ppr(l);
		return REG(l, APIC_PPR);
	case APIC_EOI:
	case APIC_SELF_IPI:
		return 0;
	}
	return __atomic_load_n(&REG(l, off), __ATOMIC_ACQUIRE);
}

/* ---- xAPIC MMIO ---------------------------------------------------------- */

/* A 32-bit write of a register of the xAPIC page. */
static void xapic_write(struct vlapic *l, u32 off, u32 val)
{
	if (write_common(l, off, val))
		return;
	switch (off) {
	case APIC_LDR:
		REG(l, APIC_LDR) = val & 0xff000000;
		break;
	case APIC_DFR:
		REG(l, APIC_DFR) = (val & 0xf0000000) | 0x0fffffff;
		break;
	case APIC_ICR2:
		REG(l, APIC_ICR2) = val & 0xff000000;
		break;
	case APIC_ICR:
		REG(l, APIC_ICR) = val & ~BIT(12);	/* idle at once */
		send_icr(l, val, REG(l, APIC_ICR2) >> 24);
		break;
	case APIC_ID:
		/* Read-only here (the APIC id is the vCPU id); with APIC
		 * virtualization the CPU has stored the value already. */
		REG(l, APIC_ID) = l->vcpu->id << 24;
		break;
	default:		/* read-only or reserved */
		break;
	}
}

int vlapic_mmio(struct vcpu *v, u64 offset, u8 size, bool write, u64 *val)
{
	struct vlapic *l = &v->vlapic;
	u32 off = (u32)offset & ~0xfU, shift = 8 * ((u32)offset & 3);

	/* Globally disabled or in x2APIC mode, the page is not there:
	 * reads float, writes go nowhere. */
	if (!hw_enabled(l) || x2apic(l)) {
		if (!write)
			*val = ~0ULL;
		return 0;
	}
	if (!write) {
		/* Registers are 32 bits on 16-byte boundaries; narrower
		 * reads within the first dword return their part. */
		*val = (offset & 0xc) ? 0 : read_reg(l, off) >> shift;
		return 0;
	}
	if (size != 4 || (offset & 0xf))
		return 0;	/* undefined: ignored */
	xapic_write(l, off, (u32)*val);
	return 0;
}

void vlapic_apic_write(struct vcpu *v, u32 offset)
{
	struct vlapic *l = &v->vlapic;
	u32 off = offset & 0xff0;

	/* Only 32-bit writes at a register's start are virtualized; the
	 * CPU makes every other write an APIC-access exit instead. */
	if (hw_enabled(l) && !x2apic(l) && !(offset & 0xf))
		xapic_write(l, off, REG(l, off));
}

void vlapic_eoi_exit(struct vcpu *v, u8 vec)
{
	struct vlapic *l = &v->vlapic;

	/* The CPU has taken the vector out of ISR and updated the PPR;
	 * what is left is the IOAPIC's part, as in eoi(). */
	if (*vec_word(l, APIC_TMR, vec) & BIT(vec % 32))
		vioapic_eoi(v->vm, vec);
}

u16 vlapic_intr_status(const struct vlapic *l)
{
	int irr = highest(l, APIC_IRR), isr = highest(l, APIC_ISR);

	return (u16)((irr < 0 ? 0 : (u32)irr) | (isr < 0 ? 0 : (u32)isr << 8));
}

void vlapic_level_vectors(const struct vlapic *l, u64 out[4])
{
	for (u32 i = 0; i < 4; i++)
		out[i] = __atomic_load_n(&l->regs[(APIC_TMR + 0x20 * i) / 4],
					 __ATOMIC_ACQUIRE) |
			(u64)__atomic_load_n(&l->regs[(APIC_TMR + 0x20 * i + 0x10) / 4],
					     __ATOMIC_ACQUIRE) << 32;
}

enum vlapic_mode vlapic_mode(const struct vlapic *l)
{
	if (!hw_enabled(l))
		return VLAPIC_MODE_OFF;
	return x2apic(l) ? VLAPIC_MODE_X2APIC : VLAPIC_MODE_XAPIC;
}

/* CR8 is TPR[7:4] (SDM 10.8.6.1); its bits 63:4 are reserved (#GP). */
u64 vlapic_cr8(const struct vlapic *l)
{
	return (REG(l, APIC_TPR) >> 4) & 0xf;
}

int vlapic_set_cr8(struct vlapic *l, u64 val)
{
	if (val >> 4)
		return -EINVAL;
	REG(l, APIC_TPR) = (u32)val << 4;
	update_ppr(l);
	return 0;
}

/* ---- MSRs ---------------------------------------------------------------- */

bool vlapic_owns_msr(u32 msr)
{
	return msr == 0x1b || msr == 0x6e0 || (msr >= 0x800 && msr <= 0x8ff);
}

static void enter_x2apic(struct vlapic *l)
{
	u32 id = l->vcpu->id;

	REG(l, APIC_ID) = id;
	REG(l, APIC_LDR) = ((id >> 4) << 16) | BIT(id & 0xf);
}

/* IA32_APIC_BASE: enable/disable and the x2APIC switch, at the default
 * base only (SDM 10.12.5: xAPIC -> x2APIC, x2APIC -> disabled -> xAPIC). */
/* The registers and the timer at their reset values, every LVT masked;
 * what the vCPU itself is doing (waiting for a SIPI, events in flight) is
 * not the APIC's state and stays. */
static void reset_regs(struct vlapic *l)
{
	memset(l->regs, 0, PAGE_SIZE);
	__atomic_add_fetch(&l->irq_gen, 1, __ATOMIC_SEQ_CST);
	l->esr_pending = 0;
	__atomic_or_fetch(&l->sync, VLAPIC_SYNC_TMR, __ATOMIC_SEQ_CST);
	timer_stop(l);
	l->tsc_deadline = 0;
	REG(l, APIC_ID) = l->vcpu->id << 24;
	/* version 0x14 (integrated), max LVT entry 6 (CMCI included), no
	 * EOI-broadcast suppression */
	REG(l, APIC_LVR) = 0x14 | (6 << 16);
	REG(l, APIC_DFR) = 0xffffffff;
	REG(l, APIC_SVR) = 0xff;
	for (u32 r = APIC_LVT_TIMER; r <= APIC_LVT_ERROR; r += 0x10)
		REG(l, r) = APIC_LVT_MASKED;
	REG(l, APIC_LVT_CMCI) = APIC_LVT_MASKED;
}

static int write_apic_base(struct vlapic *l, u64 val)
{
	u64 fixed = VLAPIC_DEFAULT_BASE | APIC_BASE_BSP_BIT;
	bool en = val & APIC_BASE_ENABLE_BIT, x2 = val & APIC_BASE_X2APIC_BIT;
	bool was_x2 = x2apic(l);

	/* Invalid: another base or BSP bit, x2APIC without enable, disabled
	 * straight to x2APIC, x2APIC straight to xAPIC. */
	if ((val & ~(APIC_BASE_ENABLE_BIT | APIC_BASE_X2APIC_BIT)) !=
	    (l->apic_base & fixed) || (x2 && !en) ||
	    (x2 && !hw_enabled(l)) || (was_x2 && en && !x2))
		return -EINVAL;
	/* Disabling, or enabling again, resets the APIC (LINT0 too). */
	if (en != hw_enabled(l))
		reset_regs(l);
	if (x2 && !was_x2)
		enter_x2apic(l);
	/* (TMR, when it changes here, is flagged by reset_regs.) */
	if (val != l->apic_base)
		__atomic_or_fetch(&l->sync, VLAPIC_SYNC_MODE, __ATOMIC_SEQ_CST);
	l->apic_base = val;
	return 0;
}

static int x2apic_write(struct vlapic *l, u32 off, u64 val)
{
	if (off == APIC_ICR) {
		REG(l, APIC_ICR) = (u32)val & ~BIT(12);
		REG(l, APIC_ICR2) = (u32)(val >> 32);
		send_icr(l, (u32)val, (u32)(val >> 32));
		return 0;
	}
	if (val >> 32)
		return -EINVAL;
	switch (off) {
	case APIC_EOI:
		return val ? -EINVAL : (eoi(l), 0);
	case APIC_ESR:
		if (val)
			return -EINVAL;
		break;
	case APIC_SELF_IPI: {
		u32 icr = ((u32)val & 0xff) | (1U << 18);

		if (val >> 8)
			return -EINVAL;
		send_icr(l, icr, 0);
		return 0;
	}
	case APIC_TPR:
		if (val >> 8)
			return -EINVAL;
		break;
	case APIC_LDR:
	case APIC_DFR:
	case APIC_ICR2:
		return -EINVAL;
	}
	return write_common(l, off, (u32)val) ? 0 : -EINVAL;
}

bool vlapic_x2apic_readable(u32 off)
{
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TPR: case APIC_PPR:
	case APIC_LDR: case APIC_SVR: case APIC_ESR: case APIC_LVT_CMCI:
	case APIC_ICR: case APIC_LVT_TIMER: case APIC_LVT_THERMAL:
	case APIC_LVT_PMC: case APIC_LVT_LINT0: case APIC_LVT_LINT1:
	case APIC_LVT_ERROR: case APIC_TMICT: case APIC_TMCCT: case APIC_TDCR:
		return true;
	}
	return off >= APIC_ISR && off < APIC_ESR;	/* ISR, TMR, IRR */
}

static int x2apic_read(struct vlapic *l, u32 off, u64 *val)
{
	if (!vlapic_x2apic_readable(off))
		return -EINVAL;
	if (off == APIC_ICR)
		*val = REG(l, APIC_ICR) | ((u64)REG(l, APIC_ICR2) << 32);
	else
		*val = read_reg(l, off);
	return 0;
}

int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	struct vlapic *l = &v->vlapic;

	if (msr == 0x1b) {
		*val = l->apic_base;
		return 0;
	}
	if (msr == 0x6e0) {
		*val = timer_mode(l) == TIMER_TSCDL ? l->tsc_deadline : 0;
		return 0;
	}
	if (!x2apic(l) || msr < 0x800 || msr > 0x8ff)
		return -EINVAL;
	return x2apic_read(l, (msr - 0x800) << 4, val);
}

int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct vlapic *l = &v->vlapic;

	if (msr == 0x1b)
		return write_apic_base(l, val);
	if (msr == 0x6e0) {
		if (hw_enabled(l))
			write_tsc_deadline(l, val);
		return 0;
	}
	if (!x2apic(l) || msr < 0x800 || msr > 0x8ff)
		return -EINVAL;
	return x2apic_write(l, (msr - 0x800) << 4, val);
}

/* ---- Reset --------------------------------------------------------------- */

void vlapic_reset(struct vlapic *l, struct vcpu *v, u32 *page)
{
	memset(l, 0, sizeof(*l));
	l->regs = page;
	l->vcpu = v;
	l->apic_base = VLAPIC_DEFAULT_BASE | APIC_BASE_ENABLE_BIT |
		(v->id == 0 ? APIC_BASE_BSP_BIT : 0);
	reset_regs(l);
	l->sync = VLAPIC_SYNC_MODE | VLAPIC_SYNC_TMR;
	/* The BSP's LINT0 as a BIOS leaves it: ExtINT, so the PIC's INTR
	 * reaches it. */
	if (v->id == 0)
		REG(l, APIC_LVT_LINT0) = APIC_DM_EXTINT << 8;
	/* vCPUs other than the first wait for INIT-SIPI. */
	l->wait_sipi = v->id != 0;
}
