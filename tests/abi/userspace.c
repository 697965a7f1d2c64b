/*
 * The Islet ABI headers as a userspace program compiles them on their own,
 * without <linux/acrn.h>: hosted, strict ISO C11 (-std=c11 -Wpedantic), no
 * __KERNEL__.  <islet/hsm.h> must bring everything an ioctl caller needs.
 */
#include <islet/hsm.h>
#include <islet/cpuid.h>

#include "views.h"

#ifndef ISLET_IOCTL_CREATE_VM
#error "a hosted build must get the ioctl numbers from <islet/hsm.h>"
#endif
#ifdef _ACRN_H
#error "this file must not see <linux/acrn.h>"
#endif

const struct abi_view abi_view_userspace[] = {
	ABI_STRUCTS(ABI_VIEW_ENTRY)
};
const unsigned int abi_view_userspace_len =
	sizeof(abi_view_userspace) / sizeof(abi_view_userspace[0]);

#define ABI_NUMBER_ENTRY(ours, upstream)	{ #ours, ours },
const struct abi_number abi_ioctls_userspace[] = {
	ABI_IOCTLS(ABI_NUMBER_ENTRY)
};
const unsigned int abi_ioctls_userspace_len =
	sizeof(abi_ioctls_userspace) / sizeof(abi_ioctls_userspace[0]);
