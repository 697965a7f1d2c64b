/* Guest page walk (see guest_paging.h). */
#include "guest_paging.h"

#define CR0_PG		BIT(31)
#define CR4_PAE		BIT(5)
#define CR4_LA57	BIT(12)
#define EFER_LMA	BIT(10)
#define PTE_P		BIT(0)
#define PTE_PS		BIT(7)
#define ADDR_MASK	0x000ffffffffff000ULL

int guest_translate(const struct guest_paging *gp, u64 gva,
		    gpa_read8_fn read8, void *ctx, u64 *gpa)
{
	u64 table, e;
	int level;

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
			return -EFAULT;
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
			return -EFAULT;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			u64 size = 1ULL << shift;
			u64 base = e & ADDR_MASK & ~(size - 1);

			/* bits between 12 and the page size (PAT aside) must be 0 */
			if (level > 1 && ((e & ADDR_MASK) & (size - 1) & ~0x1000ULL))
				return -EFAULT;
			*gpa = base | (gva & (size - 1));
			return 0;
		}
		table = e & ADDR_MASK;
	}
	return -EFAULT;
}
