// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: the life cycle of the VM behind one open file.
 *
 * hsm_vm_create() and hsm_vm_destroy() move a struct hsm_vm between
 * HSM_VM_NONE and HSM_VM_CREATED with HC_CREATE_VM and HC_DESTROY_VM; the
 * ioctls (hsm.c) and release() call them with vm->lock held.  The other
 * life-cycle ioctls (start, pause, reset, vCPU registers) and the power
 * state query are here too.  The state
 * changes only when the hypervisor said yes, so the file never forgets a
 * VM the hypervisor still has (that would leak its slot and CPUs until
 * the machine resets).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <islet/hsm.h>

#include "hypercall.h"
#include "islet_drv.h"

/*
 * @param is the caller's kmalloc'ed copy (directly mapped: its physical
 * address is what the hypervisor reads and writes), in HSM_VM_NONE.  On
 * success the hypervisor has filled param->vmid and param->vcpu_num, and
 * the request page (param->ioreq_buf) is the hypervisor's too.
 */
int hsm_vm_create(struct hsm_vm *vm, struct islet_vm_creation *param)
{
	long hret;
	int ret;

	lockdep_assert_held(&vm->lock);
	hret = hcall_create_vm(virt_to_phys(param));
	if (hret)
		return islet_hcall_errno(hret);

	vm->vmid = param->vmid;
	vm->vcpu_num = param->vcpu_num;
	vm->state = HSM_VM_CREATED;
	ret = hsm_ioreq_init(vm, param->ioreq_buf);
	if (ret) {
		hsm_vm_destroy(vm);
		return ret;
	}
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
	hsm_ioreq_shutdown(vm);
	hret = hcall_destroy_vm(vm->vmid);
	if (hret) {
		pr_err("the hypervisor refused to destroy VM %u (error %ld)\n",
		       vm->vmid, hret);
		return islet_hcall_errno(hret);
	}
	/* Its vCPUs are stopped and its EPT is gone: what it held can go. */
	hsm_irqfd_release(vm);
	hsm_ioeventfd_release(vm);
	hsm_ioreq_release(vm);
	hsm_mm_release(vm);
	pr_debug("VM %u destroyed\n", vm->vmid);
	vm->state = HSM_VM_NONE;
	vm->vmid = 0;
	vm->vcpu_num = 0;
	return 0;
}

/*
 * START_VM, PAUSE_VM, RESET_VM: no argument.  EINVAL: the file has no VM,
 * or the hypervisor's refusal (START: not freshly created or reset, or no
 * request buffer; RESET: not paused).  PAUSE returns once no vCPU of the
 * VM runs.
 */
static long hsm_vm_hcall(struct hsm_vm *vm, long (*hcall)(u16 vmid))
{
	long ret = -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->state == HSM_VM_CREATED) {
		long hret = hcall(vm->vmid);

		ret = hret ? islet_hcall_errno(hret) : 0;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

long hsm_ioctl_start_vm(struct hsm_vm *vm, unsigned long arg)
{
	return hsm_vm_hcall(vm, hcall_start_vm);
}

long hsm_ioctl_pause_vm(struct hsm_vm *vm, unsigned long arg)
{
	return hsm_vm_hcall(vm, hcall_pause_vm);
}

long hsm_ioctl_reset_vm(struct hsm_vm *vm, unsigned long arg)
{
	return hsm_vm_hcall(vm, hcall_reset_vm);
}

/*
 * SET_VCPU_REGS: the initial state of one vCPU (struct islet_vcpu_regs),
 * taken when the VM next starts.  EFAULT: unreadable; EINVAL: no VM,
 * reserved fields, vcpu_id out of range, or the hypervisor's refusal of
 * the state itself (architecturally invalid control registers, EFER,
 * RFLAGS or CS) or of a running VM.
 */
long hsm_ioctl_set_vcpu_regs(struct hsm_vm *vm, unsigned long arg)
{
	struct islet_vcpu_regs *regs;
	long ret = -EINVAL, hret;

	regs = memdup_user((void __user *)arg, sizeof(*regs));
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	mutex_lock(&vm->lock);
	if (vm->state == HSM_VM_CREATED && regs->vcpu_id < vm->vcpu_num &&
	    !regs->reserved[0] && !regs->reserved[1] && !regs->reserved[2]) {
		hret = hcall_set_vcpu_regs(vm->vmid, virt_to_phys(regs));
		ret = hret ? islet_hcall_errno(hret) : 0;
	}
	mutex_unlock(&vm->lock);
	kfree(regs);
	return ret;
}

/*
 * PM_GET_CPU_STATE: @arg points to a command word (ISLET_PMCMD_*, upstream
 * semantics), overwritten with the answer: a u64 count, or one
 * islet_pstate_data / islet_cstate_data.  The VM named in the word must
 * be this file's.  EINVAL: other VM, unknown request, state out of range.
 */
long hsm_ioctl_pm_get_cpu_state(struct hsm_vm *vm, unsigned long arg)
{
	void __user *uptr = (void __user *)arg;
	union {
		u64 count;
		struct islet_pstate_data px;
		struct islet_cstate_data cx;
	} *res;
	u64 cmd;
	size_t len;
	long ret = -EINVAL, hret;

	if (copy_from_user(&cmd, uptr, sizeof(cmd)))
		return -EFAULT;
	switch (cmd & ISLET_PMCMD_TYPE_MASK) {
	case ISLET_PMCMD_GET_PX_CNT:
	case ISLET_PMCMD_GET_CX_CNT:
		len = sizeof(u64);
		break;
	case ISLET_PMCMD_GET_PX_DATA:
		len = sizeof(struct islet_pstate_data);
		break;
	case ISLET_PMCMD_GET_CX_DATA:
		len = sizeof(struct islet_cstate_data);
		break;
	default:
		return -EINVAL;
	}
	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	if (vm->state == HSM_VM_CREATED && !(cmd >> 32) &&
	    ((cmd & ISLET_PMCMD_VMID_MASK) >> ISLET_PMCMD_VMID_SHIFT) == vm->vmid) {
		hret = hcall_get_cpu_state(cmd, virt_to_phys(res));
		ret = hret ? islet_hcall_errno(hret) : 0;
	}
	mutex_unlock(&vm->lock);
	if (!ret && copy_to_user(uptr, res, len))
		ret = -EFAULT;
	kfree(res);
	return ret;
}
