/* The virtual platform of a User VM: the interrupt controllers and
 * timers the hypervisor emulates for it (vLAPIC per vCPU, vIOAPIC, vPIC),
 * set up when the VM is created and put back to their power-on state
 * when it is reset. */
#include "cpu_model.h"
#include "lib.h"
#include "mm.h"
#include "user_vm.h"
#include "vlapic.h"

static void vplatform_power_on(struct vm *vm)
{
	cpu_model_vm_reset(vm);		/* the guest TSC starts again at 0 */
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		vlapic_reset(&v->vlapic, v, v->vlapic.regs);
	}
}

int vplatform_init(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vlapic.regs = page_alloc();
		if (!v->vlapic.regs) {
			vplatform_release(vm);
			return -ENOMEM;
		}
	}
	vplatform_power_on(vm);
	return 0;
}

void vplatform_reset(struct vm *vm)
{
	vplatform_power_on(vm);
}

void vplatform_release(struct vm *vm)
{
	for (u32 i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->vlapic.regs)
			page_free(v->vlapic.regs);
		v->vlapic.regs = NULL;
	}
}
