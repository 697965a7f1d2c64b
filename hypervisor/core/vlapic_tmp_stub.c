/* TEMPORARY (branch wt-irqchip only): stand-ins for the two vLAPIC entry
 * points the vPIC and vIOAPIC call, so the hypervisor links before the
 * real core/vlapic.c has them.  They drop every message.  The lead deletes
 * this file when merging the vLAPIC; nothing here is meant to ship. */
#include "vm.h"
#include "vlapic.h"

u32 vlapic_deliver(struct vm *vm, const struct apic_msg *m)
{
	return 0;
}

void vm_pic_intr_raised(struct vm *vm)
{
}
