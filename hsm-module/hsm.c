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
 * One past the highest ioctl number of the ABI, IRQFD's 0x71.  A literal:
 * the kernel's _IOW() is not an integer constant expression, so it cannot
 * size an array (hsm_init() checks the value).  It can be a designator.
 */
#define HSM_IOCTL_NR_END	0x72

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
 * ioreq_buf is not looked at here: the hypervisor ignores the field, and
 * pinning the device model's I/O request page and handing it over with
 * HC_SET_IOREQ_BUFFER belongs to the I/O request step, which will do it in
 * this ioctl after the VM exists.  Until then a VM has no request buffer.
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

/*
 * Indexed by _IOC_NR(cmd); a number without an entry answers -ENOTTY.
 * The other ioctls of <islet/hsm.h> come with the next steps.
 */
static const struct hsm_ioctl hsm_ioctls[HSM_IOCTL_NR_END] = {
	[_IOC_NR(ISLET_IOCTL_CREATE_VM)] = {
		ISLET_IOCTL_CREATE_VM, hsm_ioctl_create_vm },
	[_IOC_NR(ISLET_IOCTL_DESTROY_VM)] = {
		ISLET_IOCTL_DESTROY_VM, hsm_ioctl_destroy_vm },
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

	BUILD_BUG_ON(_IOC_NR(ISLET_IOCTL_IRQFD) != HSM_IOCTL_NR_END - 1);
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
