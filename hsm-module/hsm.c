// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: the Islet Hypervisor Service Module.
 *
 * Exports /dev/acrn_hsm with the upstream ACRN ioctl ABI (<islet/hsm.h>,
 * type 0xA2).  Each open() is one VM: open allocates its struct hsm_vm,
 * every ioctl acts on it, and release destroys the VM (vm.c) and frees
 * it.  Each ioctl has its own helper, found through hsm_ioctls[] by its
 * number.  The device's sysfs attribute remove_cpu is in cpu.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <islet/hsm.h>

#include "islet_drv.h"

static int hsm_open(struct inode *inode, struct file *file)
{
	struct hsm_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	vm->state = HSM_VM_NONE;
	file->private_data = vm;
	return 0;
}

/*
 * The last close destroys the file's VM, if it has one.  Should the
 * hypervisor refuse (it only refuses a vmid it does not know, which the
 * file never holds), hsm_vm_destroy() has logged it and nothing else can
 * be done: the file goes away either way.
 */
static int hsm_release(struct inode *inode, struct file *file)
{
	struct hsm_vm *vm = file->private_data;

	mutex_lock(&vm->lock);
	if (vm->state == HSM_VM_CREATED)
		hsm_vm_destroy(vm);
	mutex_unlock(&vm->lock);
	/* No ioctl of this file can run any more: free each part's state. */
	hsm_ioreq_free(vm);	/* first: it stops dispatch to the VM */
	hsm_ioeventfd_free(vm);
	hsm_irqfd_free(vm);
	hsm_mm_free(vm);
	mutex_destroy(&vm->lock);
	kfree(vm);
	return 0;
}

/*
 * An ioctl: the full command it answers (direction, size, type and number
 * must all match) and its helper.  @arg is the ioctl's argument as passed:
 * a user pointer for most, a value for a few (SET_IRQLINE).
 */
struct hsm_ioctl {
	unsigned int cmd;
	long (*fn)(struct hsm_vm *vm, unsigned long arg);
};

/*
 * One past the highest ioctl number, Islet's ATTACH_IOREQ_VCPU (0xE0; the
 * upstream ones end at IRQFD's 0x71).  A literal:
 * the kernel's _IOW() is not an integer constant expression, so it cannot
 * size an array (hsm_init() checks the value).  It can be a designator.
 */
#define HSM_IOCTL_NR_END	0xE1

/*
 * CREATE_VM: create the file's VM from the caller's struct
 * islet_vm_creation (upstream's semantics, drivers/virt/acrn/hsm.c):
 *   EFAULT   the struct cannot be read, or the result cannot be written
 *            back (the VM just created is destroyed again);
 *   EINVAL   reserved0 or reserved1 is not zero; or the hypervisor's
 *            refusal (vm_flag, cpu_affinity: see hypercall.h);
 *   EEXIST   the file already has a VM (upstream does not check and would
 *            lose track of the first VM; one file is one VM);
 *   EBUSY, ENOSPC, ...  the hypervisor's refusal, through
 *            islet_hcall_errno().
 * On success vmid and vcpu_num are written back with the rest of the
 * struct as the hypervisor left it.
 *
 * ioreq_buf is the device model's request page: hsm_vm_create() pins it
 * and hands it to the hypervisor (ioreq.c); 0 creates a VM without one,
 * which the hypervisor will not start.
 */
static long hsm_ioctl_create_vm(struct hsm_vm *vm, unsigned long arg)
{
	void __user *uparam = (void __user *)arg;
	struct islet_vm_creation *param;
	long ret;

	/* kmalloc'ed, so directly mapped: the hypercall takes its address. */
	param = memdup_user(uparam, sizeof(*param));
	if (IS_ERR(param))
		return PTR_ERR(param);
	if (param->reserved0 || param->reserved1) {
		ret = -EINVAL;
		goto out_free;
	}

	mutex_lock(&vm->lock);
	if (vm->state != HSM_VM_NONE) {
		ret = -EEXIST;
		goto out_unlock;
	}
	ret = hsm_vm_create(vm, param);
	if (ret)
		goto out_unlock;
	if (copy_to_user(uparam, param, sizeof(*param))) {
		ret = -EFAULT;
		/* The caller never learnt of the VM: it must not outlive this
		 * call.  Should the destroy fail, the file keeps the VM and
		 * release tries again. */
		hsm_vm_destroy(vm);
	}
out_unlock:
	mutex_unlock(&vm->lock);
out_free:
	kfree(param);
	return ret;
}

/*
 * DESTROY_VM: destroy the file's VM; the file may then create another.
 * No argument.  EINVAL: the file has no VM (upstream's answer to every
 * ioctl but CREATE_VM on a file without one); or the hypervisor's refusal,
 * after which the file keeps its VM.
 */
static long hsm_ioctl_destroy_vm(struct hsm_vm *vm, unsigned long arg)
{
	long ret = -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->state == HSM_VM_CREATED)
		ret = hsm_vm_destroy(vm);
	mutex_unlock(&vm->lock);
	return ret;
}

#define HSM_IOCTL(cmd, fn)	[_IOC_NR(cmd)] = { cmd, fn }

/*
 * Indexed by _IOC_NR(cmd); a number without an entry answers -ENOTTY:
 * device pass-through (no VT-d here), hypervisor-emulated devices,
 * VM_INTR_MONITOR.
 */
static const struct hsm_ioctl hsm_ioctls[HSM_IOCTL_NR_END] = {
	HSM_IOCTL(ISLET_IOCTL_CREATE_VM, hsm_ioctl_create_vm),
	HSM_IOCTL(ISLET_IOCTL_DESTROY_VM, hsm_ioctl_destroy_vm),
	HSM_IOCTL(ISLET_IOCTL_START_VM, hsm_ioctl_start_vm),
	HSM_IOCTL(ISLET_IOCTL_PAUSE_VM, hsm_ioctl_pause_vm),
	HSM_IOCTL(ISLET_IOCTL_RESET_VM, hsm_ioctl_reset_vm),
	HSM_IOCTL(ISLET_IOCTL_SET_VCPU_REGS, hsm_ioctl_set_vcpu_regs),
	HSM_IOCTL(ISLET_IOCTL_INJECT_MSI, hsm_ioctl_inject_msi),
	HSM_IOCTL(ISLET_IOCTL_SET_IRQLINE, hsm_ioctl_set_irqline),
	HSM_IOCTL(ISLET_IOCTL_NOTIFY_REQUEST_FINISH,
		  hsm_ioctl_notify_request_finish),
	HSM_IOCTL(ISLET_IOCTL_CREATE_IOREQ_CLIENT,
		  hsm_ioctl_create_ioreq_client),
	HSM_IOCTL(ISLET_IOCTL_ATTACH_IOREQ_CLIENT,
		  hsm_ioctl_attach_ioreq_client),
	HSM_IOCTL(ISLET_IOCTL_DESTROY_IOREQ_CLIENT,
		  hsm_ioctl_destroy_ioreq_client),
	HSM_IOCTL(ISLET_IOCTL_CLEAR_VM_IOREQ, hsm_ioctl_clear_vm_ioreq),
	HSM_IOCTL(ISLET_IOCTL_SET_MEMSEG, hsm_ioctl_set_memseg),
	HSM_IOCTL(ISLET_IOCTL_UNSET_MEMSEG, hsm_ioctl_unset_memseg),
	HSM_IOCTL(ISLET_IOCTL_PM_GET_CPU_STATE, hsm_ioctl_pm_get_cpu_state),
	HSM_IOCTL(ISLET_IOCTL_IOEVENTFD, hsm_ioctl_ioeventfd),
	HSM_IOCTL(ISLET_IOCTL_IRQFD, hsm_ioctl_irqfd),
	HSM_IOCTL(ISLET_IOCTL_ATTACH_IOREQ_VCPU, hsm_ioctl_attach_ioreq_vcpu),
};

static long hsm_unlocked_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	const struct hsm_ioctl *op;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != ISLET_IOCTL_TYPE || nr >= ARRAY_SIZE(hsm_ioctls))
		return -ENOTTY;
	op = &hsm_ioctls[array_index_nospec(nr, ARRAY_SIZE(hsm_ioctls))];
	if (!op->fn || op->cmd != cmd)
		return -ENOTTY;
	return op->fn(file->private_data, arg);
}

static const struct file_operations hsm_fops = {
	.owner		= THIS_MODULE,
	.open		= hsm_open,
	.release	= hsm_release,
	.unlocked_ioctl	= hsm_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice hsm_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "acrn_hsm",
	.fops	= &hsm_fops,
	.groups	= hsm_attr_groups,
};

static int __init hsm_init(void)
{
	struct hc_api_version version;
	int ret;

	BUILD_BUG_ON(_IOC_NR(ISLET_IOCTL_ATTACH_IOREQ_VCPU) !=
		     HSM_IOCTL_NR_END - 1);
	ret = islet_detect(&version);
	if (ret)
		return ret;
	ret = hsm_notify_register();
	if (ret)
		return ret;
	ret = misc_register(&hsm_miscdev);
	if (ret) {
		/* -EBUSY: the kernel's own ACRN HSM holds the name. */
		pr_err("cannot register /dev/%s (error %d)\n",
		       hsm_miscdev.name, ret);
		goto err_notify;
	}
	pr_info("Islet hypervisor API %u.%u; /dev/%s ready\n",
		version.major_version, version.minor_version,
		hsm_miscdev.name);
	return 0;

err_notify:
	hsm_notify_unregister();
	return ret;
}

static void __exit hsm_exit(void)
{
	misc_deregister(&hsm_miscdev);
	hsm_notify_unregister();
}

module_init(hsm_init);
module_exit(hsm_exit);

MODULE_DESCRIPTION("Islet Hypervisor Service Module (/dev/acrn_hsm)");
MODULE_LICENSE("GPL");
