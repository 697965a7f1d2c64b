/* Entry encodings for the generic page-table builder (lib/paging.c): the
 * hypervisor's own IA-32e tables and EPT.  The only place that knows the
 * bit layouts (Intel SDM vol. 3, "Paging" and "EPT"). */
#include "paging.h"

/* Bits 12..51: the address in a table entry or 4 KiB leaf.  In a large
 * leaf, bit 12 is the PAT bit instead, but it is never set here, and the
 * generic code masks large-page addresses to their alignment anyway. */
#define ADDR_MASK	0x000ffffffffff000ULL

/* ---- IA-32e (4-level) paging ---- */

#define X86_P		BIT(0)
#define X86_RW		BIT(1)
#define X86_US		BIT(2)
#define X86_PWT		BIT(3)
#define X86_PCD		BIT(4)
#define X86_PS		BIT(7)	/* large page at levels 2 and 3 */
#define X86_NX		BIT(63)

/* PCD|PWT selects PAT entry 3 (UC) with the power-on PAT, which the
 * hypervisor keeps, so no PAT bit is ever needed. */
static u64 ia32e_leaf(u64 pa, int level, u64 attr)
{
	u64 e = (pa & ADDR_MASK) | X86_P;

	if (attr & PT_W)
		e |= X86_RW;
	if (attr & PT_USER)
		e |= X86_US;
	if (attr & PT_UC)
		e |= X86_PCD | X86_PWT;
	if (!(attr & PT_X))
		e |= X86_NX;
	if (level > 1)
		e |= X86_PS;
	return e;
}

/* Permissions are decided at the leaf; intermediate entries grant all
 * (no US: these tables are the hypervisor's alone). */
static u64 ia32e_table(u64 pa)
{
	return (pa & ADDR_MASK) | X86_P | X86_RW;
}

static bool ia32e_present(u64 e)
{
	return e & X86_P;
}

static bool ia32e_is_leaf(u64 e, int level)
{
	if (level == 1)
		return true;
	return level <= 3 && (e & X86_PS);
}

static u64 ia32e_addr(u64 e)
{
	return e & ADDR_MASK;
}

static u64 ia32e_attr(u64 e, int level)
{
	u64 attr = PT_R;	/* present implies readable */

	if (e & X86_RW)
		attr |= PT_W;
	if (!(e & X86_NX))
		attr |= PT_X;
	if (e & X86_US)
		attr |= PT_USER;
	if (e & X86_PCD)
		attr |= PT_UC;
	return attr;
}

const struct pt_format pt_ia32e = {
	.leaf		= ia32e_leaf,
	.table		= ia32e_table,
	.present	= ia32e_present,
	.is_leaf	= ia32e_is_leaf,
	.addr		= ia32e_addr,
	.attr		= ia32e_attr,
	.max_leaf_level	= 2,
};

/* ---- EPT ---- */

#define EPT_R		BIT(0)
#define EPT_W		BIT(1)
#define EPT_X		BIT(2)
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT	3	/* memory type, bits 3..5, leaves only */
#define EPT_MT_MASK	(7ULL << EPT_MT_SHIFT)
#define EPT_MT_UC	0ULL
#define EPT_MT_WB	6ULL
#define EPT_LARGE	BIT(7)	/* leaf at levels 2 and 3 */

/* Ignore-PAT (bit 6) stays clear: the guest's PAT combines with the EPT
 * memory type, as on bare metal. */
static u64 ept_leaf(u64 pa, int level, u64 attr)
{
	u64 e = pa & ADDR_MASK;

	if (attr & PT_R)
		e |= EPT_R;
	if (attr & PT_W)
		e |= EPT_W;
	if (attr & PT_X)
		e |= EPT_X;
	e |= ((attr & PT_UC) ? EPT_MT_UC : EPT_MT_WB) << EPT_MT_SHIFT;
	if (level > 1)
		e |= EPT_LARGE;
	return e;
}

static u64 ept_table(u64 pa)
{
	return (pa & ADDR_MASK) | EPT_RWX;
}

/* The SDM treats an EPT entry with none of R/W/X as not present. */
static bool ept_present(u64 e)
{
	return e & EPT_RWX;
}

static bool ept_is_leaf(u64 e, int level)
{
	if (level == 1)
		return true;
	return level <= 3 && (e & EPT_LARGE);
}

static u64 ept_addr(u64 e)
{
	return e & ADDR_MASK;
}

static u64 ept_attr(u64 e, int level)
{
	u64 attr = 0;

	if (e & EPT_R)
		attr |= PT_R;
	if (e & EPT_W)
		attr |= PT_W;
	if (e & EPT_X)
		attr |= PT_X;
	if (((e & EPT_MT_MASK) >> EPT_MT_SHIFT) == EPT_MT_UC)
		attr |= PT_UC;
	return attr;
}

const struct pt_format ept_format = {
	.leaf		= ept_leaf,
	.table		= ept_table,
	.present	= ept_present,
	.is_leaf	= ept_is_leaf,
	.addr		= ept_addr,
	.attr		= ept_attr,
	.max_leaf_level	= 2,
};
