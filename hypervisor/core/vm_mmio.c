/* The guest-physical ranges the hypervisor emulates for a User VM (its
 * LAPIC and IOAPIC pages): a small table per VM, searched on each access
 * to memory the VM's EPT does not map (core/user_vcpu.c). */
#include "lib.h"
#include "vm.h"

int vm_register_mmio(struct vm *vm, u64 base, u64 size,
		     int (*handle)(struct vcpu *, u64, u8, bool, u64 *))
{
	if (!size || base + size < base)
		return -EINVAL;
	if (vm->nr_mmio >= VM_MAX_MMIO_HANDLERS)
		return -ENOSPC;
	vm->mmio[vm->nr_mmio++] = (struct mmio_handler){ base, size, handle };
	return 0;
}

const struct mmio_handler *vm_find_mmio(const struct vm *vm, u64 gpa, u8 size)
{
	for (u32 i = 0; i < vm->nr_mmio; i++) {
		const struct mmio_handler *h = &vm->mmio[i];

		if (gpa >= h->base && gpa + size <= h->base + h->size)
			return h;
	}
	return NULL;
}

bool vm_mmio_overlaps(const struct vm *vm, u64 gpa, u64 size)
{
	for (u32 i = 0; i < vm->nr_mmio; i++) {
		const struct mmio_handler *h = &vm->mmio[i];

		if (gpa < h->base + h->size && h->base < gpa + size)
			return true;
	}
	return false;
}
