// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: the life cycle of the VM behind one open file.
 *
 * hsm_vm_create() and hsm_vm_destroy() move a struct hsm_vm between
 * HSM_VM_NONE and HSM_VM_CREATED with HC_CREATE_VM and HC_DESTROY_VM; the
 * ioctls (hsm.c) and release() call them with vm->lock held.  The state
 * changes only when the hypervisor said yes, so the file never forgets a
 * VM the hypervisor still has (that would leak its slot and CPUs until
 * the machine resets).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <islet/hsm.h>

#include "hypercall.h"
#include "islet_drv.h"

/*
 * @param is the caller's kmalloc'ed copy (directly mapped: its physical
 * address is what the hypervisor reads and writes), in HSM_VM_NONE.  On
 * success the hypervisor has filled param->vmid and param->vcpu_num.
 */
int hsm_vm_create(struct hsm_vm *vm, struct islet_vm_creation *param)
{
	long hret;

	lockdep_assert_held(&vm->lock);
	hret = hcall_create_vm(virt_to_phys(param));
	if (hret)
		return islet_hcall_errno(hret);

	vm->vmid = param->vmid;
	vm->vcpu_num = param->vcpu_num;
	vm->state = HSM_VM_CREATED;
	pr_debug("VM %u created: %u vCPUs on CPUs 0x%llx\n", vm->vmid,
		 vm->vcpu_num, (unsigned long long)param->cpu_affinity);
	return 0;
}

/*
 * In HSM_VM_CREATED: destroys the VM in the hypervisor and returns the
 * file to HSM_VM_NONE.  If the hypervisor refuses, the file keeps the VM
 * (and a later DESTROY_VM or the close may try again).
 */
int hsm_vm_destroy(struct hsm_vm *vm)
{
	long hret;

	lockdep_assert_held(&vm->lock);
	hret = hcall_destroy_vm(vm->vmid);
	if (hret) {
		pr_err("the hypervisor refused to destroy VM %u (error %ld)\n",
		       vm->vmid, hret);
		return islet_hcall_errno(hret);
	}
	pr_debug("VM %u destroyed\n", vm->vmid);
	vm->state = HSM_VM_NONE;
	vm->vmid = 0;
	vm->vcpu_num = 0;
	return 0;
}
