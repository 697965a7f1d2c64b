/* SPDX-License-Identifier: GPL-2.0 */
/*
 * islet_hsm: hypercalls to the Islet hypervisor.
 *
 * ACRN's convention (<islet/hypercall.h>): vmcall at CPL 0, the id in R8,
 * the first argument in RDI, the second in RSI, the result in RAX (0 or a
 * negative errno); every other register is preserved.  A structure is
 * passed by its physical address (the Service VM is identity-mapped), so
 * it must be in directly mapped memory (kmalloc, never the stack, which
 * may be vmalloc'ed).
 *
 * Only call these on Islet (islet_detect() checks the CPUID signature
 * before its first hypercall): without a hypervisor
 * vmcall raises #UD.
 */
#ifndef ISLET_HSM_HYPERCALL_H
#define ISLET_HSM_HYPERCALL_H

#include <linux/types.h>
#include <islet/hypercall.h>

static inline long islet_hypercall1(unsigned long id, unsigned long arg1)
{
	register unsigned long r8 asm("r8") = id;
	long result;

	asm volatile("vmcall"
		     : "=a" (result)
		     : "r" (r8), "D" (arg1)
		     : "memory");
	return result;
}

static inline long islet_hypercall2(unsigned long id, unsigned long arg1,
				    unsigned long arg2)
{
	register unsigned long r8 asm("r8") = id;
	long result;

	asm volatile("vmcall"
		     : "=a" (result)
		     : "r" (r8), "D" (arg1), "S" (arg2)
		     : "memory");
	return result;
}

/* Fills the struct hc_api_version at physical address @version. */
static inline long hcall_get_api_version(phys_addr_t version)
{
	return islet_hypercall1(HC_GET_API_VERSION, version);
}

#endif /* ISLET_HSM_HYPERCALL_H */
