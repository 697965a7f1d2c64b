// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: ioeventfds, guest writes completed in the kernel.
 *
 * IOEVENTFD (struct islet_ioeventfd) ties an eventfd to a port or MMIO
 * address: when the guest writes exactly len bytes there (and, with
 * DATAMATCH, exactly the value data), the dispatcher (ioreq.c) signals the
 * eventfd and completes the request itself, so a backend that polls the
 * eventfd (vhost, a device model thread) learns of the write without the
 * device model's request loop.  Virtio's queue notifications are the use:
 * a write whose value does not matter.
 *
 * Two ioeventfds may not both match one write: same type, address and
 * length conflict unless both match data and the data differ (KVM's rule),
 * so a write signals at most one eventfd.  Reads are never matched: they
 * go to the device model like any other request.
 *
 * Locking: the list is under hsm_ioeventfds.lock, a spinlock, since the
 * dispatcher looks it up with its own ioreq spinlock held; the ioctl
 * takes vm->lock first (for the VM's state), then this lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/eventfd.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <islet/hsm.h>

#include "ioreq.h"
#include "islet_drv.h"

#define HSM_IOEVENTFD_FLAGS	(ISLET_IOEVENTFD_FLAG_PIO | \
				 ISLET_IOEVENTFD_FLAG_DATAMATCH | \
				 ISLET_IOEVENTFD_FLAG_DEASSIGN)

/* Ports are 16 bits wide. */
#define HSM_PIO_SPACE		0x10000ULL

/*
 * At most this many per VM (ENOSPC beyond): the dispatcher walks the list
 * for every write a guest makes to an unclaimed address, with a spinlock
 * held.  Virtio needs one per queue.
 */
#define HSM_IOEVENTFD_MAX	1024

struct hsm_ioeventfds {
	spinlock_t lock;
	struct list_head list;		/* of struct hsm_ioeventfd */
	unsigned int count;
};

struct hsm_ioeventfd {
	struct list_head node;
	struct eventfd_ctx *eventfd;	/* a reference of our own */
	u64 addr;
	u64 data;			/* with datamatch only */
	u32 len;
	u32 type;			/* ISLET_IOREQ_TYPE_PORTIO or _MMIO */
	bool datamatch;
};

/* eventfd_signal() lost its count argument in Linux 6.8. */
static void hsm_eventfd_signal(struct eventfd_ctx *eventfd)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(eventfd);
#else
	eventfd_signal(eventfd, 1);
#endif
}

/* The arguments, before any fd is looked at; both assign and deassign. */
static int hsm_ioeventfd_check(const struct islet_ioeventfd *args)
{
	bool pio = args->flags & ISLET_IOEVENTFD_FLAG_PIO;

	if (args->reserved || (args->flags & ~HSM_IOEVENTFD_FLAGS))
		return -EINVAL;
	switch (args->len) {
	case 1:
	case 2:
	case 4:
		break;
	case 8:
		if (pio)	/* no 8-byte port access exists */
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	/* The last byte must not wrap round the address space. */
	if (args->addr + args->len - 1 < args->addr)
		return -EINVAL;
	if (pio && args->addr + args->len > HSM_PIO_SPACE)
		return -EINVAL;
	return 0;
}

/* Would @a and @b both match one write? */
static bool hsm_ioeventfd_conflict(const struct hsm_ioeventfd *a,
				   const struct hsm_ioeventfd *b)
{
	return a->type == b->type && a->addr == b->addr &&
	       a->len == b->len &&
	       (!a->datamatch || !b->datamatch || a->data == b->data);
}

/* Is @p the one a deassign with @q's arguments names? */
static bool hsm_ioeventfd_same(const struct hsm_ioeventfd *p,
			       const struct hsm_ioeventfd *q)
{
	return p->eventfd == q->eventfd && p->type == q->type &&
	       p->addr == q->addr && p->len == q->len &&
	       p->datamatch == q->datamatch &&
	       (!p->datamatch || p->data == q->data);
}

static void hsm_ioeventfd_fill(struct hsm_ioeventfd *p,
			       const struct islet_ioeventfd *args,
			       struct eventfd_ctx *eventfd)
{
	p->eventfd = eventfd;
	p->addr = args->addr;
	p->len = args->len;
	p->type = (args->flags & ISLET_IOEVENTFD_FLAG_PIO) ?
		  ISLET_IOREQ_TYPE_PORTIO : ISLET_IOREQ_TYPE_MMIO;
	p->datamatch = args->flags & ISLET_IOEVENTFD_FLAG_DATAMATCH;
	p->data = p->datamatch ? args->data : 0;
}

/* The VM's list, made on first use (vm->lock held).  The dispatcher reads
 * the pointer without vm->lock: published with a release store. */
static struct hsm_ioeventfds *hsm_ioeventfds_get(struct hsm_vm *vm)
{
	struct hsm_ioeventfds *set = vm->ioeventfds;

	if (set)
		return set;
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return NULL;
	spin_lock_init(&set->lock);
	INIT_LIST_HEAD(&set->list);
	smp_store_release(&vm->ioeventfds, set);
	return set;
}

/* On success the new ioeventfd owns the caller's reference to @eventfd. */
static int hsm_ioeventfd_assign(struct hsm_vm *vm,
				const struct islet_ioeventfd *args,
				struct eventfd_ctx *eventfd)
{
	struct hsm_ioeventfds *set;
	struct hsm_ioeventfd *p, *q;
	int ret = 0;

	set = hsm_ioeventfds_get(vm);
	if (!set)
		return -ENOMEM;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	hsm_ioeventfd_fill(p, args, eventfd);

	spin_lock(&set->lock);
	if (set->count >= HSM_IOEVENTFD_MAX) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	list_for_each_entry(q, &set->list, node) {
		if (hsm_ioeventfd_conflict(p, q)) {
			ret = -EEXIST;
			goto out_unlock;
		}
	}
	list_add_tail(&p->node, &set->list);
	set->count++;
out_unlock:
	spin_unlock(&set->lock);
	if (ret)
		kfree(p);
	return ret;
}

static int hsm_ioeventfd_deassign(struct hsm_vm *vm,
				  const struct islet_ioeventfd *args,
				  struct eventfd_ctx *eventfd)
{
	struct hsm_ioeventfds *set = vm->ioeventfds;
	struct hsm_ioeventfd key, *p, *found = NULL;

	if (!set)
		return -ENOENT;
	hsm_ioeventfd_fill(&key, args, eventfd);

	spin_lock(&set->lock);
	list_for_each_entry(p, &set->list, node) {
		if (hsm_ioeventfd_same(p, &key)) {
			list_del(&p->node);
			set->count--;
			found = p;
			break;
		}
	}
	spin_unlock(&set->lock);
	if (!found)
		return -ENOENT;
	eventfd_ctx_put(found->eventfd);
	kfree(found);
	return 0;
}

/*
 * IOEVENTFD: assign, or with FLAG_DEASSIGN remove, an ioeventfd.
 *   EINVAL  no VM; reserved not 0; an unknown flag; len not 1, 2, 4 or 8
 *           (8 not for ports); the range wraps, or passes port 0xFFFF;
 *           fd is not an eventfd
 *   EBADF   fd is not an open file
 *   EEXIST  an ioeventfd of the VM would match the same writes
 *   ENOENT  deassign: no ioeventfd with these fd, flags, addr, len (and
 *           data, with DATAMATCH)
 *   ENOSPC  the VM has HSM_IOEVENTFD_MAX already
 * Writes the guest makes after assign returns are matched; once deassign
 * returns, none signals the eventfd any more.
 */
long hsm_ioctl_ioeventfd(struct hsm_vm *vm, unsigned long arg)
{
	struct islet_ioeventfd args;
	struct eventfd_ctx *eventfd;
	bool deassign;
	int ret;

	if (copy_from_user(&args, (void __user *)arg, sizeof(args)))
		return -EFAULT;
	ret = hsm_ioeventfd_check(&args);
	if (ret)
		return ret;
	deassign = args.flags & ISLET_IOEVENTFD_FLAG_DEASSIGN;

	mutex_lock(&vm->lock);
	if (vm->state != HSM_VM_CREATED) {
		ret = -EINVAL;
		goto out_unlock;
	}
	eventfd = eventfd_ctx_fdget((int)args.fd);
	if (IS_ERR(eventfd)) {
		ret = PTR_ERR(eventfd);
		goto out_unlock;
	}
	if (deassign)
		ret = hsm_ioeventfd_deassign(vm, &args, eventfd);
	else
		ret = hsm_ioeventfd_assign(vm, &args, eventfd);
	/* An assigned ioeventfd keeps the reference; drop it otherwise. */
	if (ret || deassign)
		eventfd_ctx_put(eventfd);
out_unlock:
	mutex_unlock(&vm->lock);
	return ret;
}

bool hsm_ioeventfd_signal(struct hsm_vm *vm, const struct islet_io_request *req)
{
	struct hsm_ioeventfds *set = smp_load_acquire(&vm->ioeventfds);
	struct hsm_ioeventfd *p;
	u64 addr, size, value;
	u32 direction;
	bool found = false;

	if (!set)
		return false;
	switch (req->type) {
	case ISLET_IOREQ_TYPE_PORTIO:
		direction = req->reqs.pio_request.direction;
		addr = req->reqs.pio_request.address;
		size = req->reqs.pio_request.size;
		value = req->reqs.pio_request.value;
		break;
	case ISLET_IOREQ_TYPE_MMIO:
		direction = req->reqs.mmio_request.direction;
		addr = req->reqs.mmio_request.address;
		size = req->reqs.mmio_request.size;
		value = req->reqs.mmio_request.value;
		break;
	default:
		return false;
	}
	if (direction != ISLET_IOREQ_DIR_WRITE)
		return false;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	/* Only the bytes written count, whatever lies above them. */
	if (size < 8)
		value &= (1ULL << (size * 8)) - 1;

	spin_lock(&set->lock);
	list_for_each_entry(p, &set->list, node) {
		if (p->type == req->type && p->addr == addr &&
		    p->len == size && (!p->datamatch || p->data == value)) {
			hsm_eventfd_signal(p->eventfd);
			found = true;
			break;
		}
	}
	spin_unlock(&set->lock);
	return found;
}

/*
 * After HC_DESTROY_VM (vm->lock held): drop every ioeventfd.  The
 * dispatcher no longer looks (hsm_ioreq_shutdown() stopped it), and the
 * spinlock would keep it off the entries anyway.
 */
void hsm_ioeventfd_release(struct hsm_vm *vm)
{
	struct hsm_ioeventfds *set = vm->ioeventfds;
	struct hsm_ioeventfd *p, *next;
	LIST_HEAD(gone);

	if (!set)
		return;
	spin_lock(&set->lock);
	list_splice_init(&set->list, &gone);
	set->count = 0;
	spin_unlock(&set->lock);

	list_for_each_entry_safe(p, next, &gone, node) {
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
}

/* The file is going: its dispatch work is gone already (hsm_ioreq_free()
 * runs first). */
void hsm_ioeventfd_free(struct hsm_vm *vm)
{
	hsm_ioeventfd_release(vm);
	kfree(vm->ioeventfds);
	vm->ioeventfds = NULL;
}
