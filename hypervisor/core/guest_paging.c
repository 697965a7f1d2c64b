/* Guest page walk (see guest_paging.h). */
#include "guest_paging.h"
#include "lib.h"

#define CR0_WP		BIT(16)
#define CR0_PG		BIT(31)
#define CR4_PAE		BIT(5)
#define CR4_LA57	BIT(12)
#define EFER_LMA	BIT(10)
#define PTE_P		BIT(0)
#define PTE_RW		BIT(1)
#define PTE_US		BIT(2)
#define PTE_PS		BIT(7)
#define ADDR_MASK	0x000ffffffffff000ULL

/* What the entries of a walk allow (R/W and U/S of every level ANDed)
 * against @access. */
static int check_access(const struct guest_paging *gp, u64 allow, u32 access,
			u32 *pf_err)
{
	bool user = access & GUEST_ACCESS_USER;
	bool write = access & GUEST_ACCESS_WRITE;

	if ((user && !(allow & PTE_US)) ||
	    (write && !(allow & PTE_RW) && (user || (gp->cr0 & CR0_WP)))) {
		*pf_err = PTE_P | access;
		return -EACCES;
	}
	return 0;
}

static int not_present(u32 access, u32 *pf_err)
{
	*pf_err = access;
	return -EFAULT;
}

static int walk(const struct guest_paging *gp, u64 gva, u32 access,
		gpa_read8_fn read8, void *ctx, u64 *gpa, u32 *pf_err)
{
	u64 table, e, allow = PTE_RW | PTE_US;
	int level;

	*pf_err = GUEST_PF_NONE;	/* until the walk itself faults */
	if (!(gp->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (!(gp->cr4 & CR4_PAE))
		return -EOPNOTSUPP;
	if (gp->efer & EFER_LMA) {
		/* CR4.LA57 selects 5-level paging in IA-32e mode only (it can
		 * be set outside it, where PAE paging ignores it). */
		if (gp->cr4 & CR4_LA57)
			return -EOPNOTSUPP;
		level = 4;
		table = gp->cr3 & ADDR_MASK;
	} else {
		/* PAE: a 4-entry PDPT at CR3 bits 31:5, indexed by 31:30 */
		int ret = read8(ctx, (gp->cr3 & 0xffffffe0ULL) + ((gva >> 30) & 3) * 8, &e);

		if (ret)
			return ret;
		if (!(e & PTE_P))
			return not_present(access, pf_err);
		level = 2;
		table = e & ADDR_MASK;
		gva &= 0xffffffffULL;
	}
	for (; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		int ret = read8(ctx, table + ((gva >> shift) & 511) * 8, &e);

		if (ret)
			return ret;
		if (!(e & PTE_P))
			return not_present(access, pf_err);
		allow &= e;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			u64 size = 1ULL << shift;
			u64 base = e & ADDR_MASK & ~(size - 1);

			/* bits between 12 and the page size (PAT aside) must be 0 */
			if (level > 1 && ((e & ADDR_MASK) & (size - 1) & ~0x1000ULL)) {
				/* a reserved bit: P | RSVD */
				*pf_err = PTE_P | BIT(3) | access;
				return -EFAULT;
			}
			*gpa = base | (gva & (size - 1));
			return check_access(gp, allow, access, pf_err);
		}
		table = e & ADDR_MASK;
	}
	return -EFAULT;
}

int guest_translate(const struct guest_paging *gp, u64 gva,
		    gpa_read8_fn read8, void *ctx, u64 *gpa)
{
	u32 pf_err;

	/* A supervisor read: only presence can fail it. */
	return walk(gp, gva, 0, read8, ctx, gpa, &pf_err);
}

int guest_translate_access(const struct guest_paging *gp, u64 gva, u32 access,
			   gpa_read8_fn read8, void *ctx, u64 *gpa, u32 *pf_err)
{
	return walk(gp, gva, access, read8, ctx, gpa, pf_err);
}
