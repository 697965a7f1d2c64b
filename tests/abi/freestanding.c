/*
 * The Islet ABI headers as the hypervisor compiles them: -ffreestanding,
 * -nostdinc (only the compiler's own headers), no C library.  abi.mk builds
 * this file twice: once with the hypervisor's code model, to prove it
 * compiles there, and once linkable, so the test can compare the table
 * below with what the other settings see.
 */
#include <islet/types.h>
#include <islet/cpuid.h>
#include <islet/hypercall.h>
#include <islet/ioreq.h>
#include <islet/hsm.h>

#include "views.h"

#if __STDC_HOSTED__
#error "this file must be compiled with -ffreestanding"
#endif

/* <linux/ioctl.h> does not exist here, so hsm.h must leave the numbers out
 * (and must not have tried to include it: -nostdinc would have failed). */
#ifdef ISLET_IOCTL_CREATE_VM
#error "ioctl numbers must not be defined in a freestanding build"
#endif

/* The hypervisor dispatches on the index of an id. */
ISLET_ABI_ASSERT(HC_INDEX(HC_DESTROY_VDEV) == 0x5a, "HC_INDEX");

const struct abi_view abi_view_freestanding[] = {
	ABI_STRUCTS(ABI_VIEW_ENTRY)
};
const unsigned int abi_view_freestanding_len =
	sizeof(abi_view_freestanding) / sizeof(abi_view_freestanding[0]);
