/* Translating a guest's linear addresses through the guest's own page
 * tables (to fetch the instruction behind an exit).  Pure logic: guest
 * memory is read through a callback, so the walker is unit-tested on the
 * host. */
#ifndef ISLET_GUEST_PAGING_H
#define ISLET_GUEST_PAGING_H

#include "types.h"

struct guest_paging {
	u64 cr0, cr3, cr4, efer;
};

/* Read 8 bytes of guest-physical memory; 0 or a negative errno. */
typedef int (*gpa_read8_fn)(void *ctx, u64 gpa, u64 *val);

/* Translate @gva.  Paging off: identity.  PAE paging and 4-level IA-32e
 * paging with 2 MiB and 1 GiB pages are supported; 32-bit non-PAE and
 * 5-level paging return -EOPNOTSUPP.  A not-present entry or a reserved
 * large-page alignment gives -EFAULT.  Permissions are not checked: the
 * caller fetches what the guest itself just executed. */
int guest_translate(const struct guest_paging *gp, u64 gva,
		    gpa_read8_fn read8, void *ctx, u64 *gpa);

/* A data access the hypervisor makes for the guest (the memory side of
 * an emulated MOVS/STOS): bits as in the #PF error code. */
#define GUEST_ACCESS_WRITE	BIT(1)
#define GUEST_ACCESS_USER	BIT(2)	/* at CPL 3 */

/* guest_translate() with the checks the CPU makes for @access (SDM 4.6:
 * R/W and U/S of every level, CR0.WP for supervisor writes; not SMAP):
 * -EFAULT (not present, reserved bit) or -EACCES (not allowed), with the
 * #PF error code the CPU would give in *@pf_err; GUEST_PF_NONE there when
 * the walk did not fault (say, reading a table failed). */
#define GUEST_PF_NONE		0xffffffffU
int guest_translate_access(const struct guest_paging *gp, u64 gva, u32 access,
			   gpa_read8_fn read8, void *ctx, u64 *gpa, u32 *pf_err);

#endif
