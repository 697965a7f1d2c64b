// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: interrupts into a VM: IRQFD, INJECT_MSI and SET_IRQLINE.
 *
 * INJECT_MSI and SET_IRQLINE are one hypercall each.  They run under
 * vm->lock, so the vmid they use is the file's VM's for the whole call:
 * after HC_DESTROY_VM the hypervisor may give the same vmid to another
 * file's VM.
 *
 * An irqfd ties an eventfd to an MSI: each time the eventfd is signalled
 * (by vhost, a device model thread, another VM's ioeventfd) the MSI is
 * injected, without a round trip through the device model's ioctl.  It
 * works as the kernel's own irqfds do (KVM's virt/kvm/eventfd.c): the
 * irqfd puts its own entry on the eventfd's wait queue through a poll
 * table, so the eventfd calls hsm_irqfd_wakeup() on every signal, with the
 * queue's spinlock held and interrupts off.  No hypercall can be made
 * there, so the wake-up queues the irqfd's inject work, which makes it in
 * process context (signals that come faster than the work runs are one
 * MSI, as an edge-triggered interrupt would be).
 *
 * Teardown has two starts: deassign (and the VM's end) on the HSM's side,
 * and EPOLLHUP on the eventfd's side when its last file reference goes.
 * Either one "deactivates" the irqfd under hsm_irqfds.lock: takes it off
 * the VM's list and queues its shutdown work; the list tells whether the
 * other side got there first, so only one does.  The shutdown work takes
 * the entry off the eventfd's wait queue (after which no wake-up can queue
 * the inject work again), waits for the inject work, and frees the irqfd.
 * hsm_irqfds.lock is taken inside the eventfd's wait-queue lock, with
 * interrupts off; elsewhere it is taken with interrupts off too.  The
 * shutdown works run on the VM's own workqueue, so flushing it waits for
 * every teardown, whichever side started it, and destroying it at the
 * file's end leaves none behind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <islet/hsm.h>

#include "hypercall.h"
#include "ioreq.h"
#include "islet_drv.h"

struct hsm_irqfds {
	spinlock_t lock;		/* list, and every irqfd's node */
	struct list_head list;		/* the active irqfds */
	struct workqueue_struct *wq;	/* their shutdown works */
};

struct hsm_irqfd {
	struct hsm_irqfds *set;
	/* On set->list while active; empty once deactivated. */
	struct list_head node;
	struct eventfd_ctx *eventfd;	/* a reference of our own */
	wait_queue_entry_t wait;	/* on the eventfd's wait queue */
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;
	u16 vmid;
	/* Part of a kmalloc'ed object, so directly mapped: HC_INJECT_MSI
	 * reads it by its physical address. */
	struct islet_msi_entry msi;
};

static void hsm_irqfd_inject(struct work_struct *work)
{
	struct hsm_irqfd *irqfd = container_of(work, struct hsm_irqfd, inject);
	long hret;

	hret = hcall_inject_msi(irqfd->vmid, virt_to_phys(&irqfd->msi));
	if (hret)
		pr_warn_ratelimited("VM %u: irqfd MSI 0x%llx/0x%llx not injected (error %ld)\n",
				    irqfd->vmid,
				    (unsigned long long)irqfd->msi.msi_addr,
				    (unsigned long long)irqfd->msi.msi_data,
				    hret);
}

static void hsm_irqfd_shutdown_work(struct work_struct *work)
{
	struct hsm_irqfd *irqfd = container_of(work, struct hsm_irqfd,
					       shutdown);
	u64 count;

	/* Takes the eventfd's wait-queue lock: no wake-up runs on, nor
	 * comes after, for this irqfd. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &count);
	flush_work(&irqfd->inject);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/* set->lock held: the irqfd is active; its teardown starts. */
static void hsm_irqfd_deactivate(struct hsm_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->set->lock);
	list_del_init(&irqfd->node);
	queue_work(irqfd->set->wq, &irqfd->shutdown);
}

/*
 * The eventfd's wake-up: its wait-queue lock is held and interrupts are
 * off.  EPOLLIN: it was signalled; EPOLLHUP: it is being released.
 */
static int hsm_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct hsm_irqfd *irqfd = container_of(wait, struct hsm_irqfd, wait);
	__poll_t events = key_to_poll(key);
	unsigned long flags;
	u64 count;

	if (events & EPOLLIN) {
		/* Consumed here, so the counter cannot saturate and a
		 * poll() of the eventfd does not stay ready. */
		eventfd_ctx_do_read(irqfd->eventfd, &count);
		queue_work(system_highpri_wq, &irqfd->inject);
	}
	if (events & EPOLLHUP) {
		/* A deassign may have deactivated it already; the irqfd
		 * itself cannot be gone, since its shutdown work needs the
		 * wait-queue lock we hold to unhook it. */
		spin_lock_irqsave(&irqfd->set->lock, flags);
		if (!list_empty(&irqfd->node))
			hsm_irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&irqfd->set->lock, flags);
	}
	return 0;
}

/* vfs_poll()'s callback: hook the irqfd onto the eventfd's wait queue. */
static void hsm_irqfd_poll_func(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct hsm_irqfd *irqfd = container_of(pt, struct hsm_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/* The VM's irqfd state, made on first use (vm->lock held).  Only read
 * under vm->lock or by the file's release. */
static struct hsm_irqfds *hsm_irqfds_get(struct hsm_vm *vm)
{
	struct hsm_irqfds *set = vm->irqfds;

	if (set)
		return set;
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return NULL;
	spin_lock_init(&set->lock);
	INIT_LIST_HEAD(&set->list);
	set->wq = alloc_workqueue("islet_irqfd", 0, 0);
	if (!set->wq) {
		kfree(set);
		return NULL;
	}
	vm->irqfds = set;
	return set;
}

/* vm->lock held, the VM exists. */
static int hsm_irqfd_assign(struct hsm_vm *vm, const struct islet_irqfd *args)
{
	struct hsm_irqfd *irqfd, *other;
	struct eventfd_ctx *eventfd;
	struct hsm_irqfds *set;
	struct file *file;
	__poll_t events;
	int ret;

	set = hsm_irqfds_get(vm);
	if (!set)
		return -ENOMEM;
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL);
	if (!irqfd)
		return -ENOMEM;
	irqfd->set = set;
	irqfd->vmid = vm->vmid;
	irqfd->msi = args->msi;
	INIT_LIST_HEAD(&irqfd->node);
	INIT_WORK(&irqfd->inject, hsm_irqfd_inject);
	INIT_WORK(&irqfd->shutdown, hsm_irqfd_shutdown_work);
	init_waitqueue_func_entry(&irqfd->wait, hsm_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, hsm_irqfd_poll_func);

	/* The file, not just the eventfd: vfs_poll() needs it, and holding
	 * it keeps EPOLLHUP away until the irqfd is hooked up. */
	file = fget(args->fd);
	if (!file) {
		ret = -EBADF;
		goto err_free;
	}
	eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(eventfd)) {
		ret = PTR_ERR(eventfd);
		goto err_fput;
	}
	irqfd->eventfd = eventfd;

	spin_lock_irq(&set->lock);
	list_for_each_entry(other, &set->list, node) {
		if (other->eventfd == eventfd) {
			spin_unlock_irq(&set->lock);
			ret = -EEXIST;
			goto err_put;
		}
	}
	list_add_tail(&irqfd->node, &set->list);
	spin_unlock_irq(&set->lock);

	/* From here on each signal injects; one that came before counts
	 * too. */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		queue_work(system_highpri_wq, &irqfd->inject);
	fput(file);
	return 0;

err_put:
	eventfd_ctx_put(eventfd);
err_fput:
	fput(file);
err_free:
	kfree(irqfd);
	return ret;
}

/* Wait until every irqfd deactivated so far is gone. */
static void hsm_irqfds_flush(struct hsm_irqfds *set)
{
	flush_workqueue(set->wq);
}

/* vm->lock held, the VM exists. */
static int hsm_irqfd_deassign(struct hsm_vm *vm, const struct islet_irqfd *args)
{
	struct hsm_irqfds *set = vm->irqfds;
	struct eventfd_ctx *eventfd;
	struct hsm_irqfd *irqfd;
	bool found = false;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	if (set) {
		spin_lock_irq(&set->lock);
		list_for_each_entry(irqfd, &set->list, node) {
			if (irqfd->eventfd == eventfd) {
				hsm_irqfd_deactivate(irqfd);
				found = true;
				break;
			}
		}
		spin_unlock_irq(&set->lock);
	}
	eventfd_ctx_put(eventfd);
	if (!found)
		return -ENOENT;
	/* No MSI from this irqfd once the ioctl returns. */
	hsm_irqfds_flush(set);
	return 0;
}

/*
 * IRQFD: inject args.msi each time eventfd args.fd is signalled; with
 * FLAG_DEASSIGN, stop.
 *   EINVAL  no VM; an unknown flag; fd is not an eventfd
 *   EBADF   fd is not an open file
 *   EEXIST  assign: the eventfd is an irqfd of this VM already
 *   ENOENT  deassign: it is not
 * The MSI is checked by the hypervisor when it is injected, not here.
 */
long hsm_ioctl_irqfd(struct hsm_vm *vm, unsigned long arg)
{
	struct islet_irqfd args;
	long ret;

	if (copy_from_user(&args, (void __user *)arg, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~ISLET_IRQFD_FLAG_DEASSIGN)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->state != HSM_VM_CREATED)
		ret = -EINVAL;
	else if (args.flags & ISLET_IRQFD_FLAG_DEASSIGN)
		ret = hsm_irqfd_deassign(vm, &args);
	else
		ret = hsm_irqfd_assign(vm, &args);
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * INJECT_MSI: inject the struct islet_msi_entry at @arg.  EINVAL: no VM,
 * or the hypervisor refused the MSI; others through islet_hcall_errno().
 */
long hsm_ioctl_inject_msi(struct hsm_vm *vm, unsigned long arg)
{
	struct islet_msi_entry *msi;
	long hret, ret = 0;

	/* kmalloc'ed, so directly mapped: the hypercall takes its address. */
	msi = memdup_user((void __user *)arg, sizeof(*msi));
	if (IS_ERR(msi))
		return PTR_ERR(msi);

	mutex_lock(&vm->lock);
	if (vm->state != HSM_VM_CREATED) {
		ret = -EINVAL;
	} else {
		hret = hcall_inject_msi(vm->vmid, virt_to_phys(msi));
		if (hret)
			ret = islet_hcall_errno(hret);
	}
	mutex_unlock(&vm->lock);
	kfree(msi);
	return ret;
}

/*
 * SET_IRQLINE: @arg is ISLET_IRQLINE(gsi, op) itself, not a pointer.
 * EINVAL: no VM; op not one of the ISLET_IRQLINE_* operations; or the
 * hypervisor's refusal (a GSI it does not have).
 */
long hsm_ioctl_set_irqline(struct hsm_vm *vm, unsigned long arg)
{
	u64 ops = arg;
	long hret, ret = 0;

	switch (ops >> 32) {
	case ISLET_IRQLINE_SET_HIGH:
	case ISLET_IRQLINE_SET_LOW:
	case ISLET_IRQLINE_RAISING_PULSE:
	case ISLET_IRQLINE_FALLING_PULSE:
		break;
	default:
		return -EINVAL;
	}

	mutex_lock(&vm->lock);
	if (vm->state != HSM_VM_CREATED) {
		ret = -EINVAL;
	} else {
		hret = hcall_set_irqline(vm->vmid, ops);
		if (hret)
			ret = islet_hcall_errno(hret);
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/* Deactivate every irqfd of the VM and wait until all are gone. */
static void hsm_irqfds_teardown(struct hsm_irqfds *set)
{
	struct hsm_irqfd *irqfd, *next;

	spin_lock_irq(&set->lock);
	list_for_each_entry_safe(irqfd, next, &set->list, node)
		hsm_irqfd_deactivate(irqfd);
	spin_unlock_irq(&set->lock);
	hsm_irqfds_flush(set);
}

void hsm_irqfd_shutdown(struct hsm_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	if (vm->irqfds)
		hsm_irqfds_teardown(vm->irqfds);
}

/* After HC_DESTROY_VM: normally hsm_irqfd_shutdown() left nothing. */
void hsm_irqfd_release(struct hsm_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	if (vm->irqfds)
		hsm_irqfds_teardown(vm->irqfds);
}

/*
 * The file is going.  The teardown also waits for the shutdown works that
 * EPOLLHUP queued, so the workqueue is idle when it goes.
 */
void hsm_irqfd_free(struct hsm_vm *vm)
{
	struct hsm_irqfds *set = vm->irqfds;

	if (!set)
		return;
	hsm_irqfds_teardown(set);
	destroy_workqueue(set->wq);
	kfree(set);
	vm->irqfds = NULL;
}
