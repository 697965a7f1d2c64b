/* User VMs: the slots the Service VM creates them in, and the CPUs they
 * own.  A User VM runs only on CPUs the Service VM gave up, and no CPU
 * belongs to two VMs.  This step creates and destroys VMs (their EPT
 * starts empty); running them comes with memory and vCPU state. */
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "user_vm.h"
#include "vcpu_vendor.h"
#include "vm.h"
#include <asm/percpu.h>
#include <islet/hypercall.h>

static struct vm user_vms[MAX_USER_VMS];
static bool slot_used[MAX_USER_VMS];
static u16 cpu_owner[MAX_CPUS];		/* vmid, 0 when free */
static spinlock_t user_vm_lock;

static const char *const vm_names[MAX_USER_VMS] = {
	"User VM 1", "User VM 2", "User VM 3", "User VM 4",
	"User VM 5", "User VM 6", "User VM 7",
};

/* Called with the lock held. */
static int claim(u64 affinity, struct vcpu **sv_vcpus, u16 *vmid)
{
	u32 slot = MAX_USER_VMS;
	struct vm *vm;
	int ret;

	for (u32 n = 0; n < MAX_CPUS; n++)
		if ((affinity & BIT(n)) && cpu_owner[n])
			return -EBUSY;
	for (u32 i = 0; i < MAX_USER_VMS && slot == MAX_USER_VMS; i++)
		if (!slot_used[i])
			slot = i;
	if (slot == MAX_USER_VMS)
		return -ENOSPC;
	vm = &user_vms[slot];
	memset(vm, 0, sizeof(*vm));
	vm->name = vm_names[slot];
	ret = pt_init(&vm->ept, &ept_format, &hv_pt_ops);
	if (ret)
		return ret;
	for (u32 n = 0; n < MAX_CPUS; n++) {
		struct vcpu *v;

		if (!(affinity & BIT(n)))
			continue;
		v = &vm->vcpus[vm->nr_vcpus];
		v->vm = vm;
		v->id = vm->nr_vcpus++;
		v->pcpu = n;
		v->apic_id = sv_vcpus[n]->apic_id;
		cpu_owner[n] = (u16)(slot + 1);
	}
	slot_used[slot] = true;
	*vmid = (u16)(slot + 1);
	return 0;
}

static void release(u16 vmid)
{
	struct vm *vm = &user_vms[vmid - 1];

	for (u32 i = 0; i < vm->nr_vcpus; i++)
		cpu_owner[vm->vcpus[i].pcpu] = 0;
	pt_destroy(&vm->ept);
	slot_used[vmid - 1] = false;
}

s64 hc_create_vm(struct vcpu *vcpu, u64 gpa, u64 unused)
{
	struct islet_vm_creation c;
	struct vcpu *sv_vcpus[MAX_CPUS] = { 0 };
	u16 vmid = 0;
	int ret;

	if (gpa & 7)
		return -EINVAL;
	if (gpa_read(vcpu->vm, gpa, &c, sizeof(c)))
		return -EFAULT;
	/* No VM flag is implemented yet: refuse them all rather than
	 * pretend. */
	if (c.reserved0 || c.reserved1 || c.vm_flag || !c.cpu_affinity ||
	    (c.cpu_affinity >> MAX_CPUS))
		return -EINVAL;
	for (u32 n = 0; n < MAX_CPUS; n++) {
		if (!(c.cpu_affinity & BIT(n)))
			continue;
		sv_vcpus[n] = service_vm_given_up_cpu(n);
		if (!sv_vcpus[n])
			return -EINVAL;	/* still the Service VM's */
	}
	/* The lock covers the write-back too: a failed one releases this
	 * very slot, which nobody else can have destroyed and reused. */
	spin_lock(&user_vm_lock);
	ret = claim(c.cpu_affinity, sv_vcpus, &vmid);
	if (!ret) {
		c.vmid = vmid;
		c.vcpu_num = (u16)user_vms[vmid - 1].nr_vcpus;
		if (gpa_write(vcpu->vm, gpa, &c, sizeof(c))) {
			release(vmid);
			ret = -EFAULT;
		}
	}
	spin_unlock(&user_vm_lock);
	if (ret)
		return ret;
	pr_info("created VM %u on CPUs 0x%lx\n", vmid, c.cpu_affinity);
	return 0;
}

s64 hc_destroy_vm(struct vcpu *vcpu, u64 vmid, u64 unused)
{
	int ret = -EINVAL;

	spin_lock(&user_vm_lock);
	if (vmid >= 1 && vmid <= MAX_USER_VMS && slot_used[vmid - 1]) {
		release((u16)vmid);
		ret = 0;
	}
	spin_unlock(&user_vm_lock);
	if (!ret)
		pr_info("destroyed VM %lu\n", vmid);
	return ret;
}

/* Minimal versions for the memory step (core/user_vm_mem.c); the lead's
 * User VM life cycle replaces them. */
struct vm *user_vm_get(u64 vmid)
{
	spin_lock(&user_vm_lock);
	if (vmid >= 1 && vmid <= MAX_USER_VMS && slot_used[vmid - 1])
		return &user_vms[vmid - 1];
	spin_unlock(&user_vm_lock);
	return NULL;
}

void user_vm_put(struct vm *vm)
{
	spin_unlock(&user_vm_lock);
}

void user_vm_flush_ept(struct vm *vm)
{
	vendor_vm_flush(vm);
}
