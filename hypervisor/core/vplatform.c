/* The virtual platform of a User VM: the interrupt controllers and
 * timers the hypervisor emulates for it (vLAPIC per vCPU, vIOAPIC, vPIC),
 * set up when the VM is created and put back to their power-on state
 * when it is reset. */
#include "cpu_model.h"
#include "lib.h"
#include "mm.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include "vlapic.h"
#include "vpic.h"
#include "vioapic.h"

void vplatform_reset(struct vm *vm)
{
	cpu_model_vm_reset(vm);		/* the guest TSC starts again at 0 */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		vlapic_reset(&v->vlapic, v, v->vlapic.regs);
	}
	vpic_reset(vm);
	vioapic_reset(vm);
}

/* The PIC's ports (the two 8259As and their ELCRs), the IOAPIC's page
 * and the LAPIC's page are served by the hypervisor, never by the device model. */
static int register_irqchips(struct vm *vm)
{
	int ret;

	ret = vm_register_io(vm, 0x20, 2, vpic_pio);
	if (!ret)
		ret = vm_register_io(vm, 0xa0, 2, vpic_pio);
	if (!ret)
		ret = vm_register_io(vm, 0x4d0, 2, vpic_pio);
	if (!ret)
		ret = vm_register_mmio(vm, VIOAPIC_BASE, VIOAPIC_SIZE,
				       vioapic_mmio);
	/* Each vCPU sees its own LAPIC at the one address (the handler
	 * takes the vCPU); IA32_APIC_BASE cannot move it. */
	if (!ret)
		ret = vm_register_mmio(vm, VLAPIC_DEFAULT_BASE, PAGE_SIZE,
				       vlapic_mmio);
	return ret;
}

int vplatform_init(struct vm *vm)
{
	int ret = register_irqchips(vm);

	if (!ret)
		ret = vendor_vplatform_init(vm);
	if (ret)
		return ret;
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vlapic.regs = page_alloc();
		if (!v->vlapic.regs) {
			vplatform_release(vm);
			return -ENOMEM;
		}
	}
	vplatform_reset(vm);
	return 0;
}

void vplatform_release(struct vm *vm)
{
	vendor_vplatform_release(vm);
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->vlapic.regs)
			page_free(v->vlapic.regs);
		v->vlapic.regs = NULL;
	}
}
