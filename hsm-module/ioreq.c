// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: a VM's I/O request page, its default ioreq client, and the
 * dispatch of the requests the hypervisor raises (<islet/ioreq.h> draws the
 * slot life cycle).
 *
 * The page is the device model's: CREATE_VM's ioreq_buf names it, and
 * hsm_ioreq_init() pins it, maps it and gives it to the hypervisor.  When a
 * vCPU touches a port or an MMIO range nothing in the hypervisor claims,
 * the hypervisor fills the vCPU's slot, stores PENDING and raises the
 * notification MSI; notify.c's handler calls hsm_ioreq_notify(), which
 * queues the dispatch work of every VM with a page.  The work looks at each
 * slot of its VM and finishes a PENDING one in one of these ways:
 *   - 0xCF8 (CONFIG_ADDRESS) and, with its enable bit clear, 0xCFC-0xCFF:
 *     emulated here and completed;
 *   - 0xCFC-0xCFF with the enable bit set: rewritten in place as a PCICFG
 *     request, then routed as below;
 *   - a write that an ioeventfd matches (ioeventfd.c): the eventfd is
 *     signalled and the request completed;
 *   - anything else: handed to the default client, the device model, which
 *     sleeps in ATTACH_IOREQ_CLIENT and answers with NOTIFY_REQUEST_FINISH;
 *     without a client, completed at once (a read returns all-ones, as a
 *     read of nothing on a PC bus does).
 *
 * Locking.  All of a VM's state here is in struct hsm_ioreq, allocated by
 * the first hsm_ioreq_init() of the file and freed by hsm_ioreq_free() when
 * the file goes, so a thread still inside ATTACH while another destroys the
 * VM never touches freed memory.  Its spinlock, hsm_ioreq.lock, covers the
 * fields below it and every change the HSM makes to a slot: a slot is
 * looked at and moved on (dispatch, NOTIFY_REQUEST_FINISH, CLEAR_VM_IOREQ,
 * the pruning in ATTACH) only under it, with its state re-read there, so no
 * two paths can both complete one request, and release can take the page
 * away under it.  Nothing is done under it that sleeps: the hypercall
 * HC_NOTIFY_REQUEST_FINISH does not, and the ioeventfd spinlock nests
 * inside it.  vm->lock (held by the life-cycle hooks) is never taken by the
 * dispatch work, so release may wait for that work while holding it.
 * hsm_ioreq_vms_lock, taken in hard-IRQ context, only guards the list of
 * VMs the notification interrupt looks at.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <islet/hsm.h>

#include "hypercall.h"
#include "ioreq.h"
#include "islet_drv.h"

/* PCI configuration mechanism #1: the address register and the data window */
#define HSM_PCI_CONFIG_ADDRESS		0xcf8
#define HSM_PCI_CONFIG_DATA		0xcfc
#define HSM_PCI_CONFIG_DATA_END		0xd00	/* exclusive */
#define HSM_PCI_CONFIG_ENABLE		BIT(31)

/* CLEAR_VM_IOREQ gives the device model this long to finish what it holds. */
#define HSM_CLEAR_WAIT_MS		10
#define HSM_CLEAR_WAIT_TRIES		10

struct hsm_ioreq {
	struct hsm_vm *vm;		/* the owner: its ioeventfds */
	struct work_struct dispatch;	/* hsm_ioreq_dispatch() */

	/* On hsm_ioreq_vms while the VM may raise requests. */
	struct list_head node;
	bool listed;			/* under hsm_ioreq_vms_lock */

	spinlock_t lock;
	/*
	 * Under lock.  active: the VM has its page and is not being
	 * destroyed; buf, page, vmid and vcpu_num are valid and constant
	 * while it is set (buf is the kernel mapping of page).
	 */
	bool active;
	struct islet_io_request_buffer *buf;
	struct page *page;
	u16 vmid;
	u16 vcpu_num;
	/* Counts the VMs the file had; a sleeping CLEAR knows its own. */
	unsigned int epoch;
	/* CLEAR_VM_IOREQ calls in progress for this epoch: while non-zero,
	 * new requests are completed at once instead of dispatched. */
	unsigned int clearing;
	/* The last value the guest wrote to CONFIG_ADDRESS. */
	u32 pci_config_address;
	/* The default client exists (CREATE_IOREQ_CLIENT). */
	bool client;
	/* Changes when the client goes (DESTROY_IOREQ_CLIENT, or the VM),
	 * so an ATTACH that started before learns it even if another client
	 * was created since. */
	unsigned int client_gen;
	/* Slots handed to the device model (PROCESSING) and not finished. */
	DECLARE_BITMAP(pending, ISLET_IO_REQUEST_MAX);
	/* ATTACH_IOREQ_CLIENT sleeps here. */
	wait_queue_head_t client_wq;
};

/* The VMs with a request page; the notification interrupt walks it. */
static LIST_HEAD(hsm_ioreq_vms);
static DEFINE_SPINLOCK(hsm_ioreq_vms_lock);

/*
 * The file's ioreq state for the ioctls, which run without vm->lock: NULL
 * until the file's first VM with a request page.  hsm_ioreq_init()
 * publishes it with a release store once it is set up, and only
 * hsm_ioreq_free() takes it away, when no ioctl of the file runs.
 */
static struct hsm_ioreq *hsm_ioreq_of(struct hsm_vm *vm)
{
	return smp_load_acquire(&vm->ioreq);
}

/*
 * The notification MSI's handler (hard-IRQ context): some slot of some VM
 * went PENDING.  The MSI does not say which, so every VM with a page looks.
 * A dispatch work already running is queued again, so a slot filled behind
 * its scan is still seen.
 */
void hsm_ioreq_notify(void)
{
	struct hsm_ioreq *r;
	unsigned long flags;

	spin_lock_irqsave(&hsm_ioreq_vms_lock, flags);
	list_for_each_entry(r, &hsm_ioreq_vms, node)
		queue_work(system_highpri_wq, &r->dispatch);
	spin_unlock_irqrestore(&hsm_ioreq_vms_lock, flags);
}

/* A read that nothing emulates returns all-ones, as a PC bus does. */
static void hsm_ioreq_float(struct islet_io_request *req)
{
	switch (req->type) {
	case ISLET_IOREQ_TYPE_PORTIO:
		if (req->reqs.pio_request.direction == ISLET_IOREQ_DIR_READ)
			req->reqs.pio_request.value = ~0U;
		break;
	case ISLET_IOREQ_TYPE_MMIO:
		if (req->reqs.mmio_request.direction == ISLET_IOREQ_DIR_READ)
			req->reqs.mmio_request.value = ~0ULL;
		break;
	case ISLET_IOREQ_TYPE_PCICFG:
		if (req->reqs.pci_request.direction == ISLET_IOREQ_DIR_READ)
			req->reqs.pci_request.value = ~0U;
		break;
	default:
		/* Not a type the hypervisor sends: nothing to fill in. */
		break;
	}
}

/*
 * Give slot @vcpu back to the hypervisor.  completion_polling is read
 * before COMPLETE is stored, since the slot is the hypervisor's from that
 * store on; when it is set the vCPU spins on the slot and needs no
 * hypercall.  The release store makes the reply (a read's value) visible
 * before the state.
 */
static int hsm_ioreq_complete(struct hsm_ioreq *r, unsigned int vcpu,
			      struct islet_io_request *req)
{
	u32 polling;
	long hret;

	lockdep_assert_held(&r->lock);
	__clear_bit(vcpu, r->pending);
	polling = READ_ONCE(req->completion_polling);
	smp_store_release(&req->processed, ISLET_IOREQ_STATE_COMPLETE);
	if (polling)
		return 0;
	hret = hcall_notify_req_finish(r->vmid, vcpu);
	if (!hret)
		return 0;
	pr_err_ratelimited("VM %u vCPU %u: HC_NOTIFY_REQUEST_FINISH failed (error %ld)\n",
			   r->vmid, vcpu, hret);
	return islet_hcall_errno(hret);
}

/* Complete a request the kernel answered itself. */
static void hsm_ioreq_complete_here(struct hsm_ioreq *r, unsigned int vcpu,
				    struct islet_io_request *req)
{
	req->kernel_handled = 1;
	hsm_ioreq_complete(r, vcpu, req);
}

/* Hand a request to the device model and wake it (upstream's protocol:
 * the device model serves PROCESSING slots with kernel_handled 0). */
static void hsm_ioreq_hand_over(struct hsm_ioreq *r, unsigned int vcpu,
				struct islet_io_request *req)
{
	lockdep_assert_held(&r->lock);
	req->kernel_handled = 0;
	smp_store_release(&req->processed, ISLET_IOREQ_STATE_PROCESSING);
	__set_bit(vcpu, r->pending);
	wake_up_interruptible(&r->client_wq);
}

/*
 * PCI configuration mechanism #1, as upstream's HSM does it: the guest
 * writes a function's address to CONFIG_ADDRESS (0xCF8, a dword), then
 * accesses the register through the data window 0xCFC-0xCFF.  The HSM
 * keeps CONFIG_ADDRESS itself, so the device model sees one PCICFG request
 * per register access instead of a pair of port accesses it would have to
 * match up per vCPU.  Only a dword access to 0xCF8 is CONFIG_ADDRESS:
 * narrower ones (0xCF9 is the chipset's reset control) stay port I/O.
 *
 * Returns true when the access is finished here.  Otherwise @req was left
 * alone, or (a data access with the enable bit set) rewritten in place as
 * a PCICFG request.  The rewrite changes the type and fills in the
 * function's coordinates, which lie past the end of the port request: the
 * port request's own fields, the port number included (in the PCICFG
 * request's reserved words), stay as the hypervisor wrote them, and
 * direction, size and value mean the same in both.  reg is the dword's
 * offset (bits 7:2), plus bits 11:8 from CONFIG_ADDRESS bits 27:24 (AMD's
 * extended configuration space through 0xCF8, which upstream decodes too),
 * plus the byte offset within the window.
 */
static bool hsm_ioreq_pci_config(struct hsm_ioreq *r,
				 struct islet_io_request *req)
{
	struct islet_pio_request *pio = &req->reqs.pio_request;
	struct islet_pci_request *pci = &req->reqs.pci_request;
	u32 address = r->pci_config_address;
	u64 port = pio->address;

	if (req->type != ISLET_IOREQ_TYPE_PORTIO)
		return false;

	if (port == HSM_PCI_CONFIG_ADDRESS && pio->size == 4) {
		if (pio->direction == ISLET_IOREQ_DIR_WRITE)
			r->pci_config_address = pio->value;
		else
			pio->value = r->pci_config_address;
		return true;
	}

	if (port < HSM_PCI_CONFIG_DATA || port >= HSM_PCI_CONFIG_DATA_END)
		return false;
	if (!(address & HSM_PCI_CONFIG_ENABLE)) {
		/* No function selected: the data window reads as nothing. */
		hsm_ioreq_float(req);
		return true;
	}

	pci->bus = (address >> 16) & 0xff;
	pci->dev = (address >> 11) & 0x1f;
	pci->func = (address >> 8) & 0x7;
	pci->reg = (address & 0xfc) + ((address >> 16) & 0xf00) +
		   (u32)(port - HSM_PCI_CONFIG_DATA);
	req->type = ISLET_IOREQ_TYPE_PCICFG;
	return false;
}

/* Slot @vcpu, under r->lock with r->active set: move it on if PENDING. */
static void hsm_ioreq_dispatch_slot(struct hsm_ioreq *r, unsigned int vcpu)
{
	struct islet_io_request *req = &r->buf->req_slot[vcpu];

	if (smp_load_acquire(&req->processed) != ISLET_IOREQ_STATE_PENDING)
		return;

	/* CLEAR_VM_IOREQ: the device model is resetting the VM and serves
	 * nothing more; the vCPU must not stay parked. */
	if (r->clearing) {
		hsm_ioreq_float(req);
		hsm_ioreq_complete_here(r, vcpu, req);
		return;
	}
	if (hsm_ioreq_pci_config(r, req) ||
	    hsm_ioeventfd_signal(r->vm, req)) {
		hsm_ioreq_complete_here(r, vcpu, req);
		return;
	}
	if (r->client) {
		hsm_ioreq_hand_over(r, vcpu, req);
		return;
	}
	hsm_ioreq_float(req);
	hsm_ioreq_complete_here(r, vcpu, req);
}

/*
 * The dispatch work: one pass over the VM's slots.  The lock is taken per
 * slot, so NOTIFY_REQUEST_FINISH from other vCPUs' threads is not held up
 * by a whole pass; the VM may stop being active between two slots
 * (hsm_ioreq_shutdown()), and then the pass ends.
 */
static void hsm_ioreq_dispatch(struct work_struct *work)
{
	struct hsm_ioreq *r = container_of(work, struct hsm_ioreq, dispatch);
	unsigned int vcpu;
	bool more;

	for (vcpu = 0; ; vcpu++) {
		spin_lock(&r->lock);
		more = r->active && vcpu < r->vcpu_num;
		if (more)
			hsm_ioreq_dispatch_slot(r, vcpu);
		spin_unlock(&r->lock);
		if (!more)
			break;
	}
}

/*
 * Under r->lock, with r->active set: does the device model hold requests
 * it has not finished?  A pending bit whose slot is no longer PROCESSING
 * is dropped on the way: HC_RESET_VM frees every slot, and a bit left
 * behind by a device model that reset the VM without CLEAR_VM_IOREQ would
 * otherwise make every ATTACH return at once.
 */
static bool hsm_ioreq_client_busy(struct hsm_ioreq *r)
{
	struct islet_io_request *req;
	unsigned int vcpu;

	lockdep_assert_held(&r->lock);
	for_each_set_bit(vcpu, r->pending, ISLET_IO_REQUEST_MAX) {
		req = &r->buf->req_slot[vcpu];
		if (smp_load_acquire(&req->processed) !=
		    ISLET_IOREQ_STATE_PROCESSING)
			__clear_bit(vcpu, r->pending);
	}
	return !bitmap_empty(r->pending, ISLET_IO_REQUEST_MAX);
}

/*
 * Pin the device model's request page, map it, and give it to the
 * hypervisor (vm->lock held; the hypervisor has just created the VM).
 */
static int hsm_ioreq_set_buffer(struct hsm_vm *vm, u64 uaddr,
				struct page **pagep)
{
	struct islet_set_ioreq_buffer *set;
	struct page *page;
	long hret;
	int ret;

	/* kmalloc'ed, so directly mapped: the hypercall takes its address. */
	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (!set)
		return -ENOMEM;

	/* Long-term: the hypervisor keeps the physical address until the
	 * VM is destroyed, so the page must not move. */
	ret = pin_user_pages_fast((unsigned long)uaddr, 1,
				  FOLL_WRITE | FOLL_LONGTERM, &page);
	if (ret != 1) {
		ret = -EFAULT;
		goto out_free;
	}

	set->ioreq_buf = page_to_phys(page);
	hret = hcall_set_ioreq_buffer(vm->vmid, virt_to_phys(set));
	if (hret) {
		pr_err("VM %u: the hypervisor refused the request page (error %ld)\n",
		       vm->vmid, hret);
		ret = islet_hcall_errno(hret);
		unpin_user_page(page);
		goto out_free;
	}
	*pagep = page;
	ret = 0;
out_free:
	kfree(set);
	return ret;
}

/*
 * CREATE_VM's ioreq_buf (vm->lock held, after HC_CREATE_VM).  0: the VM
 * has no request page, which the hypervisor answers by refusing START_VM.
 * Otherwise the page-aligned address of the device model's 4 KiB page.
 * The file's struct hsm_ioreq is made on first use and reused by later
 * VMs of the file.
 */
int hsm_ioreq_init(struct hsm_vm *vm, u64 ioreq_buf_uaddr)
{
	struct hsm_ioreq *r = vm->ioreq;
	struct page *page;
	bool fresh = false;
	int ret;

	lockdep_assert_held(&vm->lock);
	BUILD_BUG_ON(sizeof(struct islet_io_request_buffer) != PAGE_SIZE);

	if (!ioreq_buf_uaddr)
		return 0;
	if (!PAGE_ALIGNED(ioreq_buf_uaddr))
		return -EINVAL;
	/* The last VM's page was never released: HC_DESTROY_VM failed. */
	if (r && r->page)
		return -EEXIST;

	if (!r) {
		r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r)
			return -ENOMEM;
		r->vm = vm;
		INIT_WORK(&r->dispatch, hsm_ioreq_dispatch);
		INIT_LIST_HEAD(&r->node);
		spin_lock_init(&r->lock);
		init_waitqueue_head(&r->client_wq);
		fresh = true;
	}

	ret = hsm_ioreq_set_buffer(vm, ioreq_buf_uaddr, &page);
	if (ret) {
		/* Never published: no one else can have seen it. */
		if (fresh)
			kfree(r);
		return ret;
	}

	spin_lock(&r->lock);
	r->page = page;
	/* The direct map: x86-64 has no highmem, so a pinned page always
	 * has a kernel address. */
	r->buf = page_address(page);
	r->vmid = vm->vmid;
	r->vcpu_num = min_t(u16, vm->vcpu_num, ISLET_IO_REQUEST_MAX);
	r->epoch++;
	r->clearing = 0;
	r->pci_config_address = 0;
	r->client = false;
	bitmap_zero(r->pending, ISLET_IO_REQUEST_MAX);
	r->active = true;
	spin_unlock(&r->lock);

	spin_lock_irq(&hsm_ioreq_vms_lock);
	list_add_tail(&r->node, &hsm_ioreq_vms);
	r->listed = true;
	spin_unlock_irq(&hsm_ioreq_vms_lock);

	if (fresh)
		smp_store_release(&vm->ioreq, r);
	pr_debug("VM %u: request page at 0x%llx\n", vm->vmid,
		 (unsigned long long)page_to_phys(page));
	return 0;
}

/* No more dispatch, no more client: wake everyone in ATTACH. */
static void hsm_ioreq_stop(struct hsm_ioreq *r)
{
	spin_lock(&r->lock);
	r->active = false;
	r->client = false;
	r->client_gen++;
	spin_unlock(&r->lock);
	wake_up_interruptible_all(&r->client_wq);
}

/* Off the interrupt's list, and no dispatch work queued or running. */
static void hsm_ioreq_unlist(struct hsm_ioreq *r)
{
	spin_lock_irq(&hsm_ioreq_vms_lock);
	if (r->listed) {
		list_del_init(&r->node);
		r->listed = false;
	}
	spin_unlock_irq(&hsm_ioreq_vms_lock);
	cancel_work_sync(&r->dispatch);
}

/*
 * Before HC_DESTROY_VM (vm->lock held).  Requests still PENDING stay so:
 * the hypervisor is about to stop the vCPUs that wait for them.  Also
 * stops the irqfds, which must not outlive the vmid (see ioreq.h).
 */
void hsm_ioreq_shutdown(struct hsm_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	hsm_irqfd_shutdown(vm);
	if (vm->ioreq)
		hsm_ioreq_stop(vm->ioreq);
}

/*
 * After HC_DESTROY_VM (vm->lock held): nothing writes the page any more.
 * Once the dispatch work is done with it, unpin it (dirty: the HSM wrote
 * it).  struct hsm_ioreq stays for the file's next VM and for threads
 * still on their way out of ATTACH.
 */
void hsm_ioreq_release(struct hsm_vm *vm)
{
	struct hsm_ioreq *r = vm->ioreq;
	struct page *page;

	lockdep_assert_held(&vm->lock);
	if (!r)
		return;
	hsm_ioreq_stop(r);
	hsm_ioreq_unlist(r);

	spin_lock(&r->lock);
	page = r->page;
	r->page = NULL;
	r->buf = NULL;
	bitmap_zero(r->pending, ISLET_IO_REQUEST_MAX);
	spin_unlock(&r->lock);
	if (page)
		unpin_user_pages_dirty_lock(&page, 1, true);
}

/*
 * The file is going; no ioctl of it runs.  A page still held here belongs
 * to a VM the hypervisor refused to destroy and may still write: it stays
 * pinned (leaked) rather than go back to the page allocator.
 */
void hsm_ioreq_free(struct hsm_vm *vm)
{
	struct hsm_ioreq *r = vm->ioreq;

	if (!r)
		return;
	hsm_ioreq_stop(r);
	hsm_ioreq_unlist(r);
	if (r->page)
		pr_warn("VM %u was not destroyed: its request page stays pinned\n",
			r->vmid);
	vm->ioreq = NULL;
	kfree(r);
}

/*
 * CREATE_IOREQ_CLIENT: the device model becomes the VM's default client;
 * from now on the requests no one in the kernel takes go to it.  EINVAL:
 * no VM, or a VM without a request page; EEXIST: the client exists.
 */
long hsm_ioctl_create_ioreq_client(struct hsm_vm *vm, unsigned long arg)
{
	struct hsm_ioreq *r = hsm_ioreq_of(vm);
	long ret = 0;

	if (!r)
		return -EINVAL;
	spin_lock(&r->lock);
	if (!r->active)
		ret = -EINVAL;
	else if (r->client)
		ret = -EEXIST;
	else
		r->client = true;
	spin_unlock(&r->lock);
	return ret;
}

/*
 * DESTROY_IOREQ_CLIENT: new requests are completed at once again, and
 * every ATTACH returns ENODEV.  Requests already handed over stay with the
 * device model: NOTIFY_REQUEST_FINISH or CLEAR_VM_IOREQ still completes
 * them, and a client created later finds them pending.  EINVAL: no VM with
 * a request page, or no client.
 */
long hsm_ioctl_destroy_ioreq_client(struct hsm_vm *vm, unsigned long arg)
{
	struct hsm_ioreq *r = hsm_ioreq_of(vm);
	long ret = 0;

	if (!r)
		return -EINVAL;
	spin_lock(&r->lock);
	if (!r->active || !r->client) {
		ret = -EINVAL;
	} else {
		r->client = false;
		r->client_gen++;
	}
	spin_unlock(&r->lock);
	if (!ret)
		wake_up_interruptible_all(&r->client_wq);
	return ret;
}

/* How many vCPUs a wait may watch: one, or (HSM_WAIT_ANY) all of them. */
#define HSM_WAIT_ANY	ISLET_IO_REQUEST_MAX

/*
 * The wait condition of both ATTACH ioctls: true, with *ret set, when it
 * is over.  @vcpu: the slot that ends the wait, or HSM_WAIT_ANY.
 */
static bool hsm_ioreq_attach_done(struct hsm_ioreq *r, unsigned int gen,
				  unsigned int vcpu, long *ret)
{
	bool done = true;

	spin_lock(&r->lock);
	if (!r->active || !r->client || r->client_gen != gen)
		*ret = -ENODEV;
	else if (!hsm_ioreq_client_busy(r))
		done = false;
	else if (vcpu != HSM_WAIT_ANY && !test_bit(vcpu, r->pending))
		done = false;
	else
		*ret = 0;
	spin_unlock(&r->lock);
	return done;
}

/*
 * Sleep until the default client holds a request in slot @vcpu (any slot
 * for HSM_WAIT_ANY).  The dispatcher wakes every waiter of the VM; a
 * per-vCPU waiter whose slot is idle goes back to sleep, so with one
 * thread per vCPU a request wakes all of them but only one returns.
 */
static long hsm_ioreq_attach(struct hsm_vm *vm, unsigned int vcpu)
{
	struct hsm_ioreq *r = hsm_ioreq_of(vm);
	unsigned int gen = 0;
	long ret = 0;
	int err;

	if (!r)
		return -EINVAL;
	spin_lock(&r->lock);
	if (!r->active)
		ret = -EINVAL;
	else if (vcpu != HSM_WAIT_ANY && vcpu >= r->vcpu_num)
		ret = -EINVAL;
	else if (!r->client)
		ret = -ENODEV;
	else
		gen = r->client_gen;
	spin_unlock(&r->lock);
	if (ret)
		return ret;

	err = wait_event_interruptible(r->client_wq,
				       hsm_ioreq_attach_done(r, gen, vcpu,
							     &ret));
	return err ? err : ret;
}

/*
 * ATTACH_IOREQ_CLIENT: the device model waits for requests.  Returns 0 as
 * soon as the default client holds any (at once if it already did), after
 * which the device model serves the PROCESSING slots with kernel_handled
 * 0.  ENODEV: no client, or it was destroyed, or the VM is being destroyed;
 * EINVAL: no VM with a request page.  Sleeps interruptibly (a signal ends
 * it with ERESTARTSYS), without vm->lock.
 */
long hsm_ioctl_attach_ioreq_client(struct hsm_vm *vm, unsigned long arg)
{
	return hsm_ioreq_attach(vm, HSM_WAIT_ANY);
}

/*
 * ATTACH_IOREQ_VCPU (Islet's): the same for one slot, @arg, which must be
 * one of the VM's vCPUs (EINVAL otherwise).  Returns when that slot is
 * handed to the client and not yet finished.
 */
long hsm_ioctl_attach_ioreq_vcpu(struct hsm_vm *vm, unsigned long arg)
{
	if (arg >= HSM_WAIT_ANY)
		return -EINVAL;
	return hsm_ioreq_attach(vm, (unsigned int)arg);
}

/*
 * NOTIFY_REQUEST_FINISH: the device model has emulated the request in
 * slot vcpu (a read's value is in the slot); give it back to the
 * hypervisor.  EINVAL: reserved not 0, vmid not the file's VM, vcpu out
 * of range, or the slot is not a PROCESSING one the HSM handed over (never
 * handed over, already finished, or cleared).
 */
long hsm_ioctl_notify_request_finish(struct hsm_vm *vm, unsigned long arg)
{
	struct hsm_ioreq *r = hsm_ioreq_of(vm);
	struct islet_ioreq_notify notify;
	struct islet_io_request *req;
	unsigned int vcpu;
	long ret;

	if (copy_from_user(&notify, (void __user *)arg, sizeof(notify)))
		return -EFAULT;
	if (!r || notify.reserved)
		return -EINVAL;

	spin_lock(&r->lock);
	if (!r->active || notify.vmid != r->vmid ||
	    notify.vcpu >= r->vcpu_num) {
		ret = -EINVAL;
		goto out;
	}
	vcpu = array_index_nospec(notify.vcpu, (unsigned int)r->vcpu_num);
	req = &r->buf->req_slot[vcpu];
	if (!test_bit(vcpu, r->pending)) {
		ret = -EINVAL;
	} else if (smp_load_acquire(&req->processed) !=
		   ISLET_IOREQ_STATE_PROCESSING) {
		/* Not the HSM's any more (HC_RESET_VM freed it). */
		__clear_bit(vcpu, r->pending);
		ret = -EINVAL;
	} else {
		ret = hsm_ioreq_complete(r, vcpu, req);
	}
out:
	spin_unlock(&r->lock);
	return ret;
}

/* CLEAR's wait: the device model still holds requests of epoch @epoch. */
static bool hsm_ioreq_clear_busy(struct hsm_ioreq *r, unsigned int epoch)
{
	bool busy;

	spin_lock(&r->lock);
	busy = r->active && r->epoch == epoch && hsm_ioreq_client_busy(r);
	spin_unlock(&r->lock);
	return busy;
}

/*
 * CLEAR_VM_IOREQ, before the device model resets a paused VM (upstream's
 * semantics): from now on new requests are completed at once; the device
 * model gets up to 100 ms to finish the requests it holds; then whatever
 * is still PENDING or held is completed, so no vCPU stays parked on its
 * slot.  Requests completed here keep the value the slot has (a PENDING
 * read gets all-ones).  EINVAL: no VM with a request page.
 */
long hsm_ioctl_clear_vm_ioreq(struct hsm_vm *vm, unsigned long arg)
{
	struct hsm_ioreq *r = hsm_ioreq_of(vm);
	struct islet_io_request *req;
	unsigned int epoch, vcpu, state;
	int tries;

	if (!r)
		return -EINVAL;
	spin_lock(&r->lock);
	if (!r->active) {
		spin_unlock(&r->lock);
		return -EINVAL;
	}
	r->clearing++;
	epoch = r->epoch;
	spin_unlock(&r->lock);

	/* Interruptible: a signal shortens the wait, the clearing still
	 * happens. */
	for (tries = 0; tries < HSM_CLEAR_WAIT_TRIES &&
	     hsm_ioreq_clear_busy(r, epoch); tries++)
		msleep_interruptible(HSM_CLEAR_WAIT_MS);

	spin_lock(&r->lock);
	/* The VM this call was for may have been destroyed meanwhile (and
	 * another created, whose clearing count started afresh). */
	if (r->active && r->epoch == epoch) {
		for (vcpu = 0; vcpu < r->vcpu_num; vcpu++) {
			req = &r->buf->req_slot[vcpu];
			state = smp_load_acquire(&req->processed);
			if (state == ISLET_IOREQ_STATE_PENDING) {
				hsm_ioreq_float(req);
				hsm_ioreq_complete_here(r, vcpu, req);
			} else if (test_bit(vcpu, r->pending)) {
				if (state == ISLET_IOREQ_STATE_PROCESSING)
					hsm_ioreq_complete(r, vcpu, req);
				else
					__clear_bit(vcpu, r->pending);
			}
		}
		r->clearing--;
	}
	spin_unlock(&r->lock);
	return 0;
}
