/* Hypercall dispatch.  The exit handler has already refused callers that
 * are not the Service VM at CPL 0; each handler validates its own
 * arguments, which are guest-physical addresses of the Service VM. */
#include "printk.h"
#include "user_vm.h"
#include "vm.h"
#include <islet/hypercall.h>

typedef s64 (*hypercall_fn)(struct vcpu *vcpu, u64 arg1, u64 arg2);

static s64 hc_get_api_version(struct vcpu *vcpu, u64 gpa, u64 unused)
{
	struct hc_api_version v = {
		.major_version = ISLET_API_VERSION_MAJOR,
		.minor_version = ISLET_API_VERSION_MINOR,
	};

	if (gpa & 3)
		return -EINVAL;
	return gpa_write(vcpu->vm, gpa, &v, sizeof(v));
}

/* The Service VM gives up one of its CPUs (already offline in Linux) so
 * that User VMs can run there.  Its vCPU is stopped and never started
 * again: the IPI filter refuses INIT, SIPI and IPIs to that CPU. */
static s64 hc_service_vm_offline_cpu(struct vcpu *vcpu, u64 apic_id, u64 unused)
{
	struct vm *vm = vcpu->vm;
	struct vcpu *t = NULL;
	int ret;

	for (u32 i = 0; i < vm->nr_vcpus && apic_id <= 0xffffffffULL; i++)
		if (vm->vcpus[i].apic_id == apic_id)
			t = &vm->vcpus[i];
	if (!t || t == &vm->vcpus[0] || t == vcpu)
		return -EINVAL;
	/* Counted first, so the IPI filter stops sending broadcasts as
	 * written before the CPU changes hands. */
	__atomic_add_fetch(&vm->nr_given_up, 1, __ATOMIC_ACQ_REL);
	ret = vcpu_give_up(t);
	if (ret) {
		__atomic_sub_fetch(&vm->nr_given_up, 1, __ATOMIC_ACQ_REL);
		return ret;
	}
	/* Answer once the CPU is the hypervisor's: creating a VM on it
	 * right away must find it serving. */
	user_cpu_wait_serving(t);
	pr_info("Service VM gave up CPU %u (APIC id %u)\n", t->pcpu, t->apic_id);
	return 0;
}

static const hypercall_fn hypercalls[] = {
	[HC_INDEX(HC_GET_API_VERSION)] = hc_get_api_version,
	[HC_INDEX(HC_SERVICE_VM_OFFLINE_CPU)] = hc_service_vm_offline_cpu,
	[HC_INDEX(HC_CREATE_VM)] = hc_create_vm,
	[HC_INDEX(HC_DESTROY_VM)] = hc_destroy_vm,
	[HC_INDEX(HC_START_VM)] = hc_start_vm,
	[HC_INDEX(HC_PAUSE_VM)] = hc_pause_vm,
	[HC_INDEX(HC_RESET_VM)] = hc_reset_vm,
	[HC_INDEX(HC_SET_VCPU_REGS)] = hc_set_vcpu_regs,
	[HC_INDEX(HC_INJECT_MSI)] = hc_inject_msi,
	[HC_INDEX(HC_SET_IRQLINE)] = hc_set_irqline,
	[HC_INDEX(HC_SET_IOREQ_BUFFER)] = hc_set_ioreq_buffer,
	[HC_INDEX(HC_NOTIFY_REQUEST_FINISH)] = hc_notify_request_finish,
	[HC_INDEX(HC_PM_GET_CPU_STATE)] = hc_pm_get_cpu_state,
	[HC_INDEX(HC_VM_SET_MEMORY_REGIONS)] = hc_vm_set_memory_regions,
};

s64 hypercall_dispatch(struct vcpu *vcpu, u64 id, u64 arg1, u64 arg2)
{
	u64 idx = HC_INDEX(id);

	if (HC_ID(idx) != id || idx >= ARRAY_SIZE(hypercalls) || !hypercalls[idx])
		return -ENOTTY;
	return hypercalls[idx](vcpu, arg1, arg2);
}
