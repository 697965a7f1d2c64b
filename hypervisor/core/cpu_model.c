/* The CPU a User VM sees: the CPUID and MSR policy (cpu_model.h).
 *
 * Both are tables: which host CPUID leaves are passed on, which feature
 * bits are hidden or shown, and which MSRs exist, with their emulation.
 * What is not listed does not exist: CPUID leaves read as zero, MSRs
 * fault (#GP).  Nothing here touches the VMCS: guest state kept there (or
 * in the CPU) goes through the vendor_msr_* hooks (vcpu_vendor.h). */
#include "cpu_model.h"
#include "lib.h"
#include "timer.h"
#include "vcpu_vendor.h"
#include "vlapic.h"
#include "vm.h"
#include <asm/cpu.h>
#include <islet/cpuid.h>

enum { EAX, EBX, ECX, EDX };
#define SUB_ANY		0xffffffffU	/* leaf not indexed by ECX */

static u32 *reg_of(struct cpuid_regs *r, u8 reg)
{
	u32 *regs[] = { &r->eax, &r->ebx, &r->ecx, &r->edx };

	return regs[reg & 3];
}

/* ---- CPUID: feature bits ------------------------------------------------- */

/* A feature bit the guest does not get from the host as is: hidden
 * (show false) or shown whatever the host says (show true). */
struct cpuid_bit {
	u32 leaf, sub;
	u8 reg, bit;
	bool show;
};

#define HIDE(l, s, r, b)	{ .leaf = l, .sub = s, .reg = r, .bit = b }
#define SHOW(l, s, r, b)	{ .leaf = l, .sub = s, .reg = r, .bit = b, .show = true }

static const struct cpuid_bit cpuid_bits[] = {
	/* Leaf 1 ECX */
	HIDE(1, SUB_ANY, ECX, 3),		/* MONITOR/MWAIT: would idle the CPU */
	HIDE(1, SUB_ANY, ECX, 4),		/* DS-CPL: no debug store */
	HIDE(1, SUB_ANY, ECX, 5),		/* VMX: no nested virtualization */
	HIDE(1, SUB_ANY, ECX, 6),		/* SMX: GETSEC gets #UD */
	HIDE(1, SUB_ANY, ECX, 7),		/* EST: no P-state MSRs */
	HIDE(1, SUB_ANY, ECX, 8),		/* TM2: no thermal MSRs */
	HIDE(1, SUB_ANY, ECX, 11),	/* SDBG: no IA32_DEBUG_INTERFACE */
	HIDE(1, SUB_ANY, ECX, 14),	/* xTPR update control (MISC_ENABLE) */
	HIDE(1, SUB_ANY, ECX, 15),	/* PDCM: no IA32_PERF_CAPABILITIES */
	HIDE(1, SUB_ANY, ECX, 18),	/* DCA: no platform cache access */
	SHOW(1, SUB_ANY, ECX, 21),	/* x2APIC: the vLAPIC has it */
	SHOW(1, SUB_ANY, ECX, 24),	/* TSC deadline: the vLAPIC has it */
	SHOW(1, SUB_ANY, ECX, 31),	/* running under a hypervisor */
	/* Leaf 1 EDX */
	HIDE(1, SUB_ANY, EDX, 14),	/* MCA: no banks, MCG_CAP reads 0 */
	HIDE(1, SUB_ANY, EDX, 18),	/* processor serial number */
	HIDE(1, SUB_ANY, EDX, 21),	/* DS: no debug store */
	HIDE(1, SUB_ANY, EDX, 22),	/* ACPI: no thermal control MSRs */
	HIDE(1, SUB_ANY, EDX, 29),	/* TM: no thermal monitor */
	HIDE(1, SUB_ANY, EDX, 31),	/* PBE: no pending break enable */
	/* Leaf 7.0 EBX */
	SHOW(7, 0, EBX, 1),		/* IA32_TSC_ADJUST: emulated */
	HIDE(7, 0, EBX, 2),		/* SGX */
	HIDE(7, 0, EBX, 12),		/* RDT monitoring (PQM) */
	HIDE(7, 0, EBX, 14),		/* MPX: IA32_BNDCFGS is not switched */
	HIDE(7, 0, EBX, 15),		/* RDT allocation (PQE) */
	HIDE(7, 0, EBX, 25),		/* Intel PT */
	/* Leaf 7.0 ECX */
	HIDE(7, 0, ECX, 5),		/* WAITPKG: UMWAIT/TPAUSE idle the CPU */
	HIDE(7, 0, ECX, 7),		/* CET shadow stacks: state not switched */
	HIDE(7, 0, ECX, 13),		/* TME: its MSRs */
	HIDE(7, 0, ECX, 30),		/* SGX launch configuration */
	HIDE(7, 0, ECX, 31),		/* PKS: IA32_PKRS is not switched */
	/* Leaf 7.0 EDX */
	HIDE(7, 0, EDX, 9),		/* SRBDS control (MCU_OPT_CTRL) */
	HIDE(7, 0, EDX, 13),		/* TSX_FORCE_ABORT MSR */
	HIDE(7, 0, EDX, 15),		/* hybrid: leaf 0x1a is beyond the max */
	HIDE(7, 0, EDX, 18),		/* PCONFIG */
	HIDE(7, 0, EDX, 20),		/* CET indirect branch tracking */
	HIDE(7, 0, EDX, 30),		/* IA32_CORE_CAPABILITIES */
	/* Leaf 0xd.1 EAX */
	HIDE(0xd, 1, EAX, 3),		/* XSAVES: no IA32_XSS */
	HIDE(0xd, 1, EAX, 4),		/* XFD: no IA32_XFD */
};

/* The table folded into clear/set masks per (leaf, sub-leaf) it names,
 * built by the first CPUID a User VM makes (others wait for it): the
 * policy stays a list one can review, and a CPUID exit costs a few
 * compares instead of a walk over the list. */
static struct leaf_masks {
	u32 leaf, sub;
	u32 clear[4], set[4];
} masks[ARRAY_SIZE(cpuid_bits)];
static u32 nr_masks;
static u32 masks_state;		/* 0 not built, 1 building, 2 built */

static void build_masks(void)
{
	for (u32 i = 0; i < ARRAY_SIZE(cpuid_bits); i++) {
		const struct cpuid_bit *b = &cpuid_bits[i];
		struct leaf_masks *m = NULL;

		for (u32 j = 0; j < nr_masks && !m; j++)
			if (masks[j].leaf == b->leaf && masks[j].sub == b->sub)
				m = &masks[j];
		if (!m) {
			m = &masks[nr_masks++];
			m->leaf = b->leaf;
			m->sub = b->sub;
		}
		if (b->show)
			m->set[b->reg & 3] |= BIT(b->bit);
		else
			m->clear[b->reg & 3] |= BIT(b->bit);
	}
}

static void apply_bits(u32 leaf, u32 sub, struct cpuid_regs *r)
{
	u32 expect = 0;

	if (__builtin_expect(__atomic_load_n(&masks_state, __ATOMIC_ACQUIRE) != 2, 0)) {
		if (__atomic_compare_exchange_n(&masks_state, &expect, 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			build_masks();
			__atomic_store_n(&masks_state, 2, __ATOMIC_RELEASE);
		}
		while (__atomic_load_n(&masks_state, __ATOMIC_ACQUIRE) != 2)
			cpu_relax();
	}
	for (u32 i = 0; i < nr_masks; i++) {
		const struct leaf_masks *m = &masks[i];

		if (m->leaf != leaf || (m->sub != SUB_ANY && m->sub != sub))
			continue;
		for (u8 reg = EAX; reg <= EDX; reg++) {
			u32 *p = reg_of(r, reg);

			*p = (*p & ~m->clear[reg]) | m->set[reg];
		}
	}
}

/* ---- CPUID: leaves -------------------------------------------------------- */

static u32 host_max_basic(void)
{
	struct cpuid_regs r;

	cpuid_count(0, 0, &r);
	return r.eax;
}

static u32 guest_max_basic(void)
{
	return MIN(host_max_basic(), (u32)CPU_MODEL_MAX_BASIC_LEAF);
}

static void leaf_max(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	r->eax = guest_max_basic();
}

/* Initial APIC id and logical processor count; HTT says the count is
 * meaningful; OSXSAVE follows the guest's CR4. */
static void leaf_1(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	u32 nr = v->vm->nr_vcpus;

	r->ebx = (r->ebx & 0xffff) | ((v->id & 0xff) << 24) | ((nr & 0xff) << 16);
	if (nr > 1)
		r->edx |= BIT(28);
	else
		r->edx &= ~BIT(28);
	if ((r->ecx & BIT(26)) && (vendor_guest_cr(v, 4) & X86_CR4_OSXSAVE))
		r->ecx |= BIT(27);
	else
		r->ecx &= ~BIT(27);
}

/* Deterministic cache parameters: one thread per core, so L1 and L2
 * are private, L3 and beyond shared by all vCPUs. */
static void leaf_cache(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	u32 nr = v->vm->nr_vcpus, level = (r->eax >> 5) & 7;
	u32 sharing = level >= 3 ? nr - 1 : 0;

	if (!(r->eax & 0x1f))
		return;			/* no more caches */
	r->eax = (r->eax & 0x3fff) | ((sharing & 0xfff) << 14) |
		((nr - 1) & 0x3f) << 26;
}

/* Structured features: sub-leaf 0 only (the bits of the others are not
 * reviewed, so they are not offered). */
static void leaf_7(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	if (sub != 0)
		*r = (struct cpuid_regs){ 0 };
	else
		r->eax = 0;
}

/* Extended topology: level 0 SMT (one thread per core), level 1 core
 * (all vCPUs), x2APIC id = vCPU id. */
static void leaf_topology(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	u32 nr = v->vm->nr_vcpus, shift = 0;

	while ((1U << shift) < nr)
		shift++;
	*r = (struct cpuid_regs){ .ecx = sub & 0xff, .edx = v->id };
	if (sub == 0) {
		r->ebx = 1;
		r->ecx |= 1 << 8;
	} else if (sub == 1) {
		r->eax = shift;
		r->ebx = nr;
		r->ecx |= 2 << 8;
	}
}

static u64 tsc_hz(void)
{
	return tsc_get_khz() * 1000;
}

/* TSC / crystal: the crystal is said to run at the TSC rate (ratio 1/1),
 * or at half of it above 4.29 GHz, which ECX cannot hold. */
static void leaf_tsc(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	u64 hz = tsc_hz();

	if (!hz)
		return;
	r->eax = 1;
	r->ebx = hz > 0xffffffffULL ? 2 : 1;
	r->ecx = (u32)(hz / r->ebx);
}

static void leaf_freq(struct vcpu *v, u32 sub, struct cpuid_regs *r)
{
	r->eax = (u32)(tsc_get_khz() / 1000);	/* base frequency, MHz */
}

typedef void (*leaf_fn)(struct vcpu *v, u32 sub, struct cpuid_regs *r);

/* Basic leaves: from the host (then fixed up) or zero.  Unlisted leaves
 * are zero: 3 (serial number), 5 (MWAIT), 6 (thermal and power), 8, 9
 * (DCA), 0xa (performance monitoring: no counters), 0xc, 0xe, 0xf and
 * 0x10 (RDT), 0x11, 0x12 (SGX), 0x13, 0x14 (PT). */
static const struct {
	bool host;
	leaf_fn fix;
} basic_leaves[CPU_MODEL_MAX_BASIC_LEAF + 1] = {
	[0x0]	= { true, leaf_max },
	[0x1]	= { true, leaf_1 },
	[0x2]	= { true, NULL },	/* cache and TLB descriptors */
	[0x4]	= { true, leaf_cache },
	[0x7]	= { true, leaf_7 },
	[0xb]	= { false, leaf_topology },
	[0xd]	= { true, NULL },	/* XSAVE, bits in cpuid_bits */
	[0x15]	= { false, leaf_tsc },
	[0x16]	= { false, leaf_freq },
};

/* The hypervisor leaves, as ACRN's (include/islet/cpuid.h); a User VM
 * gets no feature bit (no hypercalls). */
static void hypervisor_leaf(u32 leaf, struct cpuid_regs *r)
{
	switch (leaf) {
	case ISLET_CPUID_LEAF_SIGNATURE:
		r->eax = ISLET_CPUID_MAX_LEAF;
		r->ebx = ISLET_CPUID_SIGNATURE_EBX;
		r->ecx = ISLET_CPUID_SIGNATURE_ECX;
		r->edx = ISLET_CPUID_SIGNATURE_EDX;
		break;
	case ISLET_CPUID_LEAF_TSC_KHZ:
		r->eax = (u32)tsc_get_khz();
		r->ebx = (u32)tsc_get_khz();	/* vLAPIC timer: TSC rate */
		break;
	}
}

void cpu_model_cpuid(struct vcpu *v, u32 leaf, u32 sub, struct cpuid_regs *r)
{
	u32 max = guest_max_basic();
	struct cpuid_regs ext;

	*r = (struct cpuid_regs){ 0 };
	if (leaf >= 0x40000000 && leaf <= 0x4fffffff) {
		hypervisor_leaf(leaf, r);
		return;
	}
	if (leaf >= 0x80000000) {
		cpuid_count(0x80000000, 0, &ext);
		if (leaf <= ext.eax && leaf <= 0x800000ff) {
			/* Extended leaves as the host's (LM, NX, RDTSCP,
			 * address sizes, invariant TSC). */
			cpuid_count(leaf, sub, r);
			return;
		}
	}
	/* As the CPU does: beyond the highest leaf of a range, the data of
	 * the highest basic leaf. */
	if (leaf > max)
		leaf = max;
	if (basic_leaves[leaf].host)
		cpuid_count(leaf, sub, r);
	if (basic_leaves[leaf].fix)
		basic_leaves[leaf].fix(v, sub, r);
	apply_bits(leaf, sub, r);
}

static bool guest_has(struct vcpu *v, u32 leaf, u32 sub, u8 reg, u8 bit)
{
	struct cpuid_regs r;

	cpu_model_cpuid(v, leaf, sub, &r);
	return *reg_of(&r, reg) & BIT(bit);
}

/* ---- MSRs: checks --------------------------------------------------------- */

#define MSR_TSC			0x10
#define MSR_PLATFORM_ID		0x17
#define MSR_FEATURE_CONTROL	0x3a
#define MSR_TSC_ADJUST		0x3b
#define MSR_SPEC_CTRL		0x48
#define MSR_PRED_CMD		0x49
#define MSR_BIOS_SIGN_ID	0x8b
#define MSR_MTRRCAP		0xfe
#define MSR_ARCH_CAPABILITIES	0x10a
#define MSR_FLUSH_CMD		0x10b
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MISC_ENABLE		0x1a0
#define MSR_MTRR_PHYSBASE0	0x200
#define MSR_MTRR_FIX64K		0x250
#define MSR_MTRR_FIX16K_80000	0x258
#define MSR_MTRR_FIX16K_A0000	0x259
#define MSR_MTRR_FIX4K_C0000	0x268
#define MSR_MTRR_FIX4K_F8000	0x26f
#define MSR_PAT			0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103

/* Address widths the guest's CPUID states (leaf 0x80000008). */
static u32 addr_bits(struct vcpu *v, bool virt)
{
	struct cpuid_regs r;

	cpu_model_cpuid(v, 0x80000000, 0, &r);
	if (r.eax < 0x80000008)
		return virt ? 48 : 36;
	cpu_model_cpuid(v, 0x80000008, 0, &r);
	return virt ? (r.eax >> 8) & 0xff : r.eax & 0xff;
}

static bool canonical(struct vcpu *v, u64 addr)
{
	u32 bits = addr_bits(v, true);

	return (u64)((s64)(addr << (64 - bits)) >> (64 - bits)) == addr;
}

/* Memory types valid in an MTRR (UC, WC, WT, WP, WB) and in the PAT
 * (also UC-). */
static bool mtrr_type_ok(u64 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool pat_ok(u64 pat)
{
	for (u32 i = 0; i < 8; i++) {
		u64 t = (pat >> (i * 8)) & 0xff;

		if (!mtrr_type_ok(t) && t != 7)
			return false;
	}
	return true;
}

/* ---- MSRs: emulation ------------------------------------------------------ */

typedef int (*msr_read_fn)(struct vcpu *v, u32 msr, u64 *val);
typedef int (*msr_write_fn)(struct vcpu *v, u32 msr, u64 val);

static int read_zero(struct vcpu *v, u32 msr, u64 *val)
{
	*val = 0;
	return 0;
}

static int write_ignore(struct vcpu *v, u32 msr, u64 val)
{
	return 0;
}

static int write_zero_only(struct vcpu *v, u32 msr, u64 val)
{
	return val ? -EINVAL : 0;
}

static u64 vm_tsc_base(struct vm *vm)
{
	/* -TSC now, so the guest TSC counts from 0; 0 means "not chosen"
	 * (a base of exactly 0 is taken as 1, one tick off). */
	u64 want = -rdtsc() ?: 1, cur = 0;

	if (!__atomic_compare_exchange_n(&vm->tsc_base, &cur, want, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return cur;
	return want;
}

static void set_tsc_offset(struct vcpu *v, u64 offset)
{
	v->tsc_offset = offset;
	vendor_set_tsc_offset(v, offset);
}

static int read_tsc(struct vcpu *v, u32 msr, u64 *val)
{
	*val = rdtsc() + v->tsc_offset;
	return 0;
}

/* Writing the TSC moves this vCPU's clock only, and adds what it moved
 * to IA32_TSC_ADJUST (SDM 17.17.3). */
static int write_tsc(struct vcpu *v, u32 msr, u64 val)
{
	u64 offset = val - rdtsc();

	v->model.tsc_adjust += offset - v->tsc_offset;
	set_tsc_offset(v, offset);
	return 0;
}

static int read_tsc_adjust(struct vcpu *v, u32 msr, u64 *val)
{
	*val = v->model.tsc_adjust;
	return 0;
}

/* ... and writing IA32_TSC_ADJUST moves the TSC by the difference. */
static int write_tsc_adjust(struct vcpu *v, u32 msr, u64 val)
{
	set_tsc_offset(v, v->tsc_offset + (val - v->model.tsc_adjust));
	v->model.tsc_adjust = val;
	return 0;
}

/* Locked, VMX off: nothing for the guest to enable, and a locked
 * register faults on writes. */
static int read_feature_control(struct vcpu *v, u32 msr, u64 *val)
{
	*val = BIT(0);
	return 0;
}

static int read_mtrrcap(struct vcpu *v, u32 msr, u64 *val)
{
	*val = CPU_MODEL_MTRRCAP;
	return 0;
}

static int read_misc_enable(struct vcpu *v, u32 msr, u64 *val)
{
	*val = v->model.misc_enable;
	return 0;
}

/* Fast strings may be toggled (it changes nothing here); the other bits
 * are fixed. */
static int write_misc_enable(struct vcpu *v, u32 msr, u64 val)
{
	if ((val ^ v->model.misc_enable) & ~BIT(0))
		return -EINVAL;
	v->model.misc_enable = val;
	return 0;
}

static u64 *mtrr_slot(struct vcpu *v, u32 msr)
{
	struct cpu_model_state *m = &v->model;

	if (msr == MSR_MTRR_DEF_TYPE)
		return &m->mtrr_def_type;
	if (msr >= MSR_MTRR_PHYSBASE0 &&
	    msr < MSR_MTRR_PHYSBASE0 + 2 * CPU_MODEL_MTRR_VAR)
		return &m->mtrr_var[msr - MSR_MTRR_PHYSBASE0];
	if (msr == MSR_MTRR_FIX64K)
		return &m->mtrr_fixed[0];
	if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000)
		return &m->mtrr_fixed[1 + msr - MSR_MTRR_FIX16K_80000];
	if (msr >= MSR_MTRR_FIX4K_C0000 && msr <= MSR_MTRR_FIX4K_F8000)
		return &m->mtrr_fixed[3 + msr - MSR_MTRR_FIX4K_C0000];
	return NULL;
}

static int read_mtrr(struct vcpu *v, u32 msr, u64 *val)
{
	*val = *mtrr_slot(v, msr);
	return 0;
}

/* Stored only (EPT maps RAM write-back), but checked as the CPU does:
 * invalid types and reserved bits fault. */
static int write_mtrr(struct vcpu *v, u32 msr, u64 val)
{
	u64 phys_rsvd = ~0ULL << addr_bits(v, false);
	bool ok;

	if (msr == MSR_MTRR_DEF_TYPE) {
		ok = !(val & ~0xcffULL) && mtrr_type_ok(val & 0xff);
	} else if (msr >= MSR_MTRR_PHYSBASE0 &&
		   msr < MSR_MTRR_PHYSBASE0 + 2 * CPU_MODEL_MTRR_VAR) {
		if ((msr - MSR_MTRR_PHYSBASE0) % 2 == 0)	/* PHYSBASE */
			ok = !(val & (phys_rsvd | 0xf00)) &&
				mtrr_type_ok(val & 0xff);
		else						/* PHYSMASK */
			ok = !(val & (phys_rsvd | 0x7ff));
	} else {
		ok = true;
		for (u32 i = 0; i < 8; i++)
			ok &= mtrr_type_ok((val >> (i * 8)) & 0xff);
	}
	if (!ok)
		return -EINVAL;
	*mtrr_slot(v, msr) = val;
	return 0;
}

/* Kept by the vendor code (VMCS field, or the CPU's MSR). */
static int read_vendor(struct vcpu *v, u32 msr, u64 *val)
{
	return vendor_msr_read(v, msr, val);
}

static int write_vendor(struct vcpu *v, u32 msr, u64 val)
{
	return vendor_msr_write(v, msr, val);
}

static int write_canonical(struct vcpu *v, u32 msr, u64 val)
{
	return canonical(v, val) ? vendor_msr_write(v, msr, val) : -EINVAL;
}

static int write_low32(struct vcpu *v, u32 msr, u64 val)
{
	return val >> 32 ? -EINVAL : vendor_msr_write(v, msr, val);
}

static int write_pat(struct vcpu *v, u32 msr, u64 val)
{
	return pat_ok(val) ? vendor_msr_write(v, msr, val) : -EINVAL;
}

/* EFER: SCE always, LME and NXE when CPUID offers them; LMA is the
 * CPU's (ignored on writes); LME cannot change while paging is on. */
static int write_efer(struct vcpu *v, u32 msr, u64 val)
{
	u64 ok_bits = BIT(0) | BIT(10), old;

	if (guest_has(v, 0x80000001, 0, EDX, 29))
		ok_bits |= BIT(8);
	if (guest_has(v, 0x80000001, 0, EDX, 20))
		ok_bits |= BIT(11);
	if ((val & ~ok_bits) || vendor_msr_read(v, msr, &old))
		return -EINVAL;
	if (((val ^ old) & BIT(8)) && (vendor_guest_cr(v, 0) & BIT(31)))
		return -EINVAL;
	return vendor_msr_write(v, msr, (val & ~BIT(10)) | (old & BIT(10)));
}

/* SPEC_CTRL: the bits CPUID offers (IBRS, STIBP, SSBD), in the CPU. */
static int write_spec_ctrl(struct vcpu *v, u32 msr, u64 val)
{
	u64 ok_bits = BIT(0);

	if (guest_has(v, 7, 0, EDX, 27))
		ok_bits |= BIT(1);
	if (guest_has(v, 7, 0, EDX, 31))
		ok_bits |= BIT(2);
	if ((val & ~ok_bits) || vendor_msr_write(v, msr, val))
		return -EINVAL;
	v->model.spec_ctrl = val;
	return 0;
}

static int read_spec_ctrl(struct vcpu *v, u32 msr, u64 *val)
{
	*val = v->model.spec_ctrl;
	return 0;
}

/* PRED_CMD (IBPB) and FLUSH_CMD (L1D flush): commands, bit 0 only,
 * carried out on the CPU. */
static int write_command(struct vcpu *v, u32 msr, u64 val)
{
	if (val & ~1ULL)
		return -EINVAL;
	return val ? vendor_msr_write(v, msr, val) : 0;
}

/* The host's vulnerability report, without the bits that announce MSRs
 * a User VM does not get (TSX_CTRL, MISC_PACKAGE_CTRLS, energy
 * filtering, DOITM, FB_CLEAR_CTRL, overclocking status). */
#define ARCH_CAP_SHOWN	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | \
			 BIT(5) | BIT(6) | BIT(8) | BIT(13) | BIT(14) | \
			 BIT(15) | BIT(17) | BIT(19) | BIT(20) | BIT(24) | \
			 BIT(26) | BIT(27))

static int read_arch_cap(struct vcpu *v, u32 msr, u64 *val)
{
	int ret = vendor_msr_read(v, msr, val);

	*val &= ARCH_CAP_SHOWN;
	return ret;
}

/* ---- MSRs: the policy ------------------------------------------------------ */

/* A CPUID bit an MSR depends on: leaf 0 means none. */
struct cpuid_ref {
	u32 leaf, sub;
	u8 reg, bit;
};

struct msr_rule {
	u32 first, last;
	msr_read_fn read;		/* NULL: #GP */
	msr_write_fn write;		/* NULL: #GP */
	struct cpuid_ref need, need_alt;	/* either, if given */
	bool reset;	/* kept by the vendor: written reset_val at reset */
	u64 reset_val;
};

#define NEED(l, s, r, b)	{ .leaf = l, .sub = s, .reg = r, .bit = b }

/* Every MSR a User VM may reach (besides the vLAPIC's); the rest fault. */
/* One MSR, or a range sharing the emulation. */
#define MSR(m, rd, wr, ...) \
	{ .first = (m), .last = (m), .read = (rd), .write = (wr), __VA_ARGS__ }
#define MSRS(f, l, rd, wr, ...) \
	{ .first = (f), .last = (l), .read = (rd), .write = (wr), __VA_ARGS__ }
#define HAS_MTRR	.need = NEED(1, 0, EDX, 12)
#define HAS_IBRS	.need = NEED(7, 0, EDX, 26)

static const struct msr_rule msr_rules[] = {
	MSR(MSR_TSC, read_tsc, write_tsc),
	MSR(MSR_PLATFORM_ID, read_zero, NULL),
	MSR(MSR_FEATURE_CONTROL, read_feature_control, NULL),
	MSR(MSR_TSC_ADJUST, read_tsc_adjust, write_tsc_adjust),
	MSR(MSR_SPEC_CTRL, read_spec_ctrl, write_spec_ctrl, HAS_IBRS,
	    .reset = true),
	MSR(MSR_PRED_CMD, NULL, write_command, HAS_IBRS),
	MSR(MSR_BIOS_SIGN_ID, read_zero, write_ignore),
	MSR(MSR_MTRRCAP, read_mtrrcap, NULL, HAS_MTRR),
	MSR(MSR_ARCH_CAPABILITIES, read_arch_cap, NULL,
	    .need = NEED(7, 0, EDX, 29)),
	MSR(MSR_FLUSH_CMD, NULL, write_command, .need = NEED(7, 0, EDX, 28)),
	MSR(MSR_SYSENTER_CS, read_vendor, write_vendor, .reset = true),
	MSRS(MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, read_vendor, write_canonical,
	     .reset = true),
	MSR(MSR_MCG_CAP, read_zero, NULL),
	MSR(MSR_MCG_STATUS, read_zero, write_zero_only),
	MSR(MSR_MISC_ENABLE, read_misc_enable, write_misc_enable),
	MSRS(MSR_MTRR_PHYSBASE0, MSR_MTRR_PHYSBASE0 + 2 * CPU_MODEL_MTRR_VAR - 1,
	     read_mtrr, write_mtrr, HAS_MTRR),
	MSR(MSR_MTRR_FIX64K, read_mtrr, write_mtrr, HAS_MTRR),
	MSRS(MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000, read_mtrr,
	     write_mtrr, HAS_MTRR),
	MSRS(MSR_MTRR_FIX4K_C0000, MSR_MTRR_FIX4K_F8000, read_mtrr, write_mtrr,
	     HAS_MTRR),
	MSR(MSR_PAT, read_vendor, write_pat, .reset = true,
	    .reset_val = CPU_MODEL_PAT_RESET),
	MSR(MSR_MTRR_DEF_TYPE, read_mtrr, write_mtrr, HAS_MTRR),
	MSR(MSR_EFER, read_vendor, write_efer),	/* reset with the segments */
	MSR(MSR_STAR, read_vendor, write_vendor, .reset = true),
	MSRS(MSR_LSTAR, MSR_CSTAR, read_vendor, write_canonical, .reset = true),
	MSR(MSR_SFMASK, read_vendor, write_low32, .reset = true),
	/* FS and GS bases: segment state, loaded with the segments */
	MSRS(MSR_FS_BASE, MSR_GS_BASE, read_vendor, write_canonical),
	MSR(MSR_KERNEL_GS_BASE, read_vendor, write_canonical, .reset = true),
	MSR(MSR_TSC_AUX, read_vendor, write_low32, .reset = true,
	    .need = NEED(0x80000001, 0, EDX, 27),	/* RDTSCP */
	    .need_alt = NEED(7, 0, ECX, 22)),		/* or RDPID */
};

static bool need_met(struct vcpu *v, const struct cpuid_ref *n)
{
	return n->leaf && guest_has(v, n->leaf, n->sub, n->reg, n->bit);
}

/* The rule for @msr if the guest has that MSR, else NULL. */
static const struct msr_rule *find_rule(struct vcpu *v, u32 msr)
{
	for (u32 i = 0; i < ARRAY_SIZE(msr_rules); i++) {
		const struct msr_rule *r = &msr_rules[i];

		if (msr < r->first || msr > r->last)
			continue;
		if (r->need.leaf && !need_met(v, &r->need) &&
		    !need_met(v, &r->need_alt))
			return NULL;
		return r;
	}
	return NULL;
}

int cpu_model_rdmsr(struct vcpu *v, u32 msr, u64 *val)
{
	const struct msr_rule *r;

	if (vlapic_owns_msr(msr))
		return vlapic_msr_read(v, msr, val);
	r = find_rule(v, msr);
	if (!r || !r->read)
		return -EINVAL;
	return r->read(v, msr, val) ? -EINVAL : 0;
}

int cpu_model_wrmsr(struct vcpu *v, u32 msr, u64 val)
{
	const struct msr_rule *r;

	if (vlapic_owns_msr(msr))
		return vlapic_msr_write(v, msr, val);
	r = find_rule(v, msr);
	if (!r || !r->write)
		return -EINVAL;
	return r->write(v, msr, val) ? -EINVAL : 0;
}

void cpu_model_vm_reset(struct vm *vm)
{
	__atomic_store_n(&vm->tsc_base, 0, __ATOMIC_SEQ_CST);
}

void cpu_model_vcpu_reset(struct vcpu *v)
{
	memset(&v->model, 0, sizeof(v->model));
	v->model.misc_enable = CPU_MODEL_MISC_ENABLE_RESET;
	for (u32 i = 0; i < ARRAY_SIZE(msr_rules); i++) {
		const struct msr_rule *r = &msr_rules[i];

		if (!r->reset || (r->need.leaf && !need_met(v, &r->need) &&
				  !need_met(v, &r->need_alt)))
			continue;
		for (u32 msr = r->first; msr <= r->last; msr++)
			vendor_msr_write(v, msr, r->reset_val);
	}
	set_tsc_offset(v, vm_tsc_base(v->vm));
}
