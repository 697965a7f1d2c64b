// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: is this kernel the Islet Service VM?
 *
 * The rule (doc/hsm.md):
 *   1. CPUID.1:ECX bit 31, "running under a hypervisor", is set.  Without
 *      it the 0x4000xxxx leaves are not a hypervisor's: a bare CPU answers
 *      them with the data of some other leaf, and Bochs with garbage.
 *   2. Leaf 0x40000000 reads "ACRNACRNACRN" in EBX, ECX, EDX, and its EAX
 *      (the highest hypervisor leaf) reaches 0x40000001.
 *   3. Leaf 0x40000001 EAX bit 0: this VM is the privileged one.
 *   4. HC_GET_API_VERSION succeeds and reports the major version this
 *      module speaks.
 * The kernel's own ACRN support (CONFIG_ACRN_GUEST) is not needed, and not
 * consulted: Debian's kernels do not have it.
 *
 * Every refusal is one line in the kernel log and -ENODEV.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <asm/processor.h>
#include <islet/cpuid.h>

#include "hypercall.h"
#include "islet_drv.h"

#define CPUID1_ECX_HYPERVISOR	BIT(31)

static bool islet_signature(void)
{
	unsigned int max_leaf, ebx, ecx, edx;

	if (!(cpuid_ecx(1) & CPUID1_ECX_HYPERVISOR))
		return false;
	cpuid(ISLET_CPUID_LEAF_SIGNATURE, &max_leaf, &ebx, &ecx, &edx);
	return ebx == ISLET_CPUID_SIGNATURE_EBX &&
	       ecx == ISLET_CPUID_SIGNATURE_ECX &&
	       edx == ISLET_CPUID_SIGNATURE_EDX &&
	       max_leaf >= ISLET_CPUID_LEAF_FEATURES;
}

static int islet_api_version(struct hc_api_version *out)
{
	struct hc_api_version *version;
	long ret;

	version = kzalloc(sizeof(*version), GFP_KERNEL);
	if (!version)
		return -ENOMEM;
	ret = hcall_get_api_version(virt_to_phys(version));
	*out = *version;
	kfree(version);

	if (ret) {
		pr_err("the hypervisor refused HC_GET_API_VERSION (error %ld): not loading\n",
		       ret);
		return -ENODEV;
	}
	if (out->major_version != ISLET_API_VERSION_MAJOR) {
		pr_err("the hypervisor speaks API %u.%u, this module %u.x: not loading\n",
		       out->major_version, out->minor_version,
		       ISLET_API_VERSION_MAJOR);
		return -ENODEV;
	}
	return 0;
}

/* On success, @version holds the hypervisor's API version. */
int islet_detect(struct hc_api_version *version)
{
	if (!islet_signature()) {
		pr_err("not running as the Islet Service VM (no ACRN hypervisor signature): not loading\n");
		return -ENODEV;
	}
	if (!(cpuid_eax(ISLET_CPUID_LEAF_FEATURES) &
	      ISLET_CPUID_FEATURE_PRIVILEGED_VM)) {
		pr_err("not running as the Islet Service VM (an ACRN guest, but not the privileged VM): not loading\n");
		return -ENODEV;
	}
	return islet_api_version(version);
}
