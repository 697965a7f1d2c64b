/* The virtual local APIC of a User VM vCPU and the "APIC bus" between
 * the VM's interrupt sources and its vCPUs (core/vlapic.c).
 *
 * Each vCPU has one xAPIC/x2APIC whose registers live in a page laid out
 * as the architectural xAPIC page (register at offset o is regs[o / 4]),
 * so the same page can serve as the VMX virtual-APIC page.  Its APIC id
 * is the vCPU id.  The timer counts at the TSC frequency divided by the
 * divide configuration (CPUID 0x15 and 0x40000010 say so); it fires from
 * the vCPU's own physical CPU (VMX preemption timer, or the halt loop).
 *
 * Threads: everything here runs on the vCPU's own CPU, except
 * vlapic_deliver() (any CPU: the Service VM's hypercalls, other vCPUs,
 * the IOAPIC), which only sets IRR/TMR bits atomically, records INIT,
 * SIPI, NMI and ExtINT requests, and kicks the target.
 */
#ifndef ISLET_VLAPIC_H
#define ISLET_VLAPIC_H

#include "types.h"

struct vm;
struct vcpu;

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define APIC_ID		0x020
#define APIC_LVR	0x030
#define APIC_TPR	0x080
#define APIC_APR	0x090
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_RRD	0x0c0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SVR	0x0f0
#define APIC_ISR	0x100	/* 8 registers, 16 bytes apart */
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_LVT_CMCI	0x2f0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PMC	0x340
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0	/* x2APIC only */

#define APIC_LVT_MASKED		BIT(16)
#define APIC_LVT_LEVEL		BIT(15)
#define APIC_SVR_ENABLE		BIT(8)

#define VLAPIC_DEFAULT_BASE	0xfee00000ULL
#define APIC_BASE_BSP_BIT	BIT(8)
#define APIC_BASE_X2APIC_BIT	BIT(10)
#define APIC_BASE_ENABLE_BIT	BIT(11)

/* Delivery modes of a message on the APIC bus (ICR, MSI, IOAPIC RTE). */
enum {
	APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2,
	APIC_DM_NMI = 4, APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* An interrupt message: from an IPI (ICR), an MSI or an IOAPIC entry. */
struct apic_msg {
	u32 dest;		/* APIC id, or logical destination */
	bool logical;		/* destination mode */
	bool level;		/* trigger mode: level-triggered */
	u8 mode;		/* APIC_DM_* */
	u8 vector;
	u8 shorthand;		/* ICR only: 0 none, 1 self, 2 all, 3 others */
	bool x2dest;		/* dest is a 32-bit x2APIC id (an x2APIC's ICR) */
};

struct vlapic {
	u32 *regs;		/* the register page (1024 words) */
	struct vcpu *vcpu;
	u64 apic_base;		/* IA32_APIC_BASE */
	u64 timer_deadline;	/* host TSC when the timer fires, 0: off */
	u64 timer_period;	/* periodic mode: host TSC ticks per period */
	u64 tsc_deadline;	/* IA32_TSC_DEADLINE as the guest wrote it */
	u32 pending;		/* VLAPIC_PEND_*, set by other CPUs, atomic */
	u32 esr_pending;	/* errors since the last ESR write, atomic */
	u32 sync;		/* VLAPIC_SYNC_*, atomic */
	/* Bumped after IRR or ISR changed here rather than by the CPU's own
	 * virtual-interrupt delivery (atomic); status_gen: the value the
	 * vendor code last brought into the CPU's RVI/SVI. */
	u32 irq_gen, status_gen;
	u8 sipi_vector;		/* with VLAPIC_PEND_SIPI */
	bool wait_sipi;		/* INIT received (or an AP at reset) */
};

#define VLAPIC_PEND_NMI		BIT(0)
#define VLAPIC_PEND_INIT	BIT(1)
#define VLAPIC_PEND_SIPI	BIT(2)
#define VLAPIC_PEND_EXTINT	BIT(3)

/* What changed that a CPU with APIC virtualization keeps outside the
 * register page, for the vendor code to bring over before the next entry
 * (and clear): the APIC's mode (enabled, x2APIC), or which vectors are
 * level-triggered (TMR, which other CPUs change too). */
#define VLAPIC_SYNC_MODE	BIT(0)
#define VLAPIC_SYNC_TMR		BIT(1)

enum vlapic_mode { VLAPIC_MODE_OFF, VLAPIC_MODE_XAPIC, VLAPIC_MODE_X2APIC };

/* Power-on state in the register page @page (vCPU id as APIC id; vCPU 0
 * is the BSP, whose LINT0 is ExtINT as a BIOS leaves it so the PIC
 * reaches it). */
void vlapic_reset(struct vlapic *l, struct vcpu *v, u32 *page);

/* xAPIC MMIO: an access of @size bytes at @offset in the page (the
 * handler of struct mmio_handler).  Always 0: reads of reserved offsets
 * give 0, and writes the SDM leaves undefined (not a 32-bit access to a
 * register's start) are dropped. */
int vlapic_mmio(struct vcpu *v, u64 offset, u8 size, bool write, u64 *val);

/* The APIC MSRs: IA32_APIC_BASE (0x1b), IA32_TSC_DEADLINE (0x6e0) and
 * the x2APIC range 0x800-0x8ff.  0, or -EINVAL: inject #GP. */
bool vlapic_owns_msr(u32 msr);
int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val);

/* Put a message on the VM's APIC bus (any CPU).  Returns the number of
 * vCPUs that accepted it. */
u32 vlapic_deliver(struct vm *vm, const struct apic_msg *m);
/* An MSI as the Service VM injects it (address 0xfeeXXXXX, data):
 * decoded and delivered; -EINVAL when malformed. */
int vlapic_deliver_msi(struct vm *vm, u64 addr, u64 data);

/* On the vCPU's CPU, before VM entry: the highest vector the vCPU should
 * take now, or -1 (nothing above its priority, or APIC disabled), and its
 * acceptance once injected (IRR -> ISR). */
int vlapic_pending_vector(struct vlapic *l);
void vlapic_accept_vector(struct vlapic *l, u32 vec);
/* The timer: fire it if its deadline passed (@now, host TSC); returns
 * true when a timer interrupt was raised. */
bool vlapic_timer_check(struct vlapic *l, u64 now);

/* On the vCPU's CPU: the PIC's vector if an ExtINT is pending and the PIC
 * still asserts INTR (INTA done), else -1. */
int vlapic_extint_vector(struct vlapic *l);

/* ---- For a CPU that virtualizes the APIC itself (VMX APICv) ----------
 * It reads the register page directly, takes TPR and EOI writes and
 * delivers fixed interrupts from IRR by itself, and exits for the rest. */
enum vlapic_mode vlapic_mode(const struct vlapic *l);
/* The CPU stored a 32-bit xAPIC register write at @offset of the page
 * (APIC-write exit): act on it as an emulated write would. */
void vlapic_apic_write(struct vcpu *v, u32 offset);
/* The CPU did the EOI of level-triggered vector @vec (EOI-induced exit). */
void vlapic_eoi_exit(struct vcpu *v, u8 vec);
/* Highest IRR vector | highest ISR vector << 8 (0 for none): the
 * VMX guest interrupt status. */
u16 vlapic_intr_status(const struct vlapic *l);
/* TMR as four 64-bit words (vectors 0-63, 64-127, ...). */
void vlapic_level_vectors(const struct vlapic *l, u64 out[4]);
/* x2APIC registers an RDMSR may read (SDM table 10-6), by xAPIC offset. */
bool vlapic_x2apic_readable(u32 off);

/* CR8, the task-priority class: read, and write (-EINVAL: reserved bits
 * set, #GP). */
u64 vlapic_cr8(const struct vlapic *l);
int vlapic_set_cr8(struct vlapic *l, u64 val);

/* The vCPU's LINT0 takes the PIC's output (ExtINT unmasked, or the APIC
 * globally disabled). */
bool vlapic_accepts_pic(const struct vlapic *l);

/* Called when the PIC's INTR output may have risen (core/vpic.c): kick
 * the vCPU that takes it. */
void vm_pic_intr_raised(struct vm *vm);

#endif
