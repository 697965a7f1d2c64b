// SPDX-License-Identifier: GPL-2.0
/*
 * islet_hsm: User VM guest memory, SET_MEMSEG and UNSET_MEMSEG.
 *
 * The device model allocates a User VM's RAM in its own address space and
 * hands each range to the module with SET_MEMSEG.  The module pins the
 * pages (FOLL_LONGTERM: they stay where they are for as long as the User
 * VM may reach them), and asks the hypervisor to map them at the User VM
 * GPAs with HC_VM_SET_MEMORY_REGIONS, one MR_ADD per run of physically
 * contiguous pages (the Service VM is identity-mapped: its physical
 * address is the GPA the hypervisor takes), at most 512 per hypercall.
 * Each batch is all or nothing in the hypervisor; when one fails, the
 * batches of the same segment already applied are removed again (one
 * MR_DEL of their range, which is contiguous in GPA) and the pages
 * unpinned.
 *
 * A segment stays pinned until UNSET_MEMSEG names it (MR_DEL, after which
 * the hypervisor has flushed every translation of it), or until the VM is
 * destroyed: hsm_mm_release() then unpins every segment without a
 * hypercall, since HC_DESTROY_VM took the EPT away.  Pages are never
 * unpinned while the User VM may still map them: if the hypervisor
 * refuses an MR_DEL, the segment stays pinned (at worst until the file is
 * released).
 *
 * Differences from upstream's drivers/virt/acrn/mm.c:
 *  - MMIO segments are refused (-EINVAL).  Upstream maps a Service VM
 *    physical range uncached for pass-through devices; Islet has no
 *    device pass-through (no VT-d), and the hypervisor's MR_ADD accepts
 *    only Service VM RAM anyway.  Emulated MMIO needs no segment: a GPA
 *    that no segment maps becomes an I/O request.
 *  - VM_PFNMAP ranges (no struct page to pin) are refused by pinning
 *    (-EFAULT); upstream maps them without pinning.
 *  - UNSET_MEMSEG works for RAM (upstream's for MMIO only): it names a
 *    segment exactly.
 *  - Overlapping segments are refused (-EEXIST) here, before any pinning.
 *  - attr's memory type is passed on (none means write-back); upstream
 *    forces write-back for RAM.
 *  - The pages pinned per VM are capped at the Service VM's RAM
 *    (totalram_pages(); -ENOMEM beyond).  Like upstream, the pins are not
 *    charged to RLIMIT_MEMLOCK: /dev/acrn_hsm is root's (0600), and
 *    device models written for upstream do not raise the limit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <islet/hsm.h>

#include "hypercall.h"
#include "islet_drv.h"

/* The hypervisor's bounds: regions per HC_VM_SET_MEMORY_REGIONS, and the
 * top of a User VM's guest-physical space (39 bits, 512 GiB). */
#define HSM_MAX_REGIONS		512U
#define HSM_USER_VM_GPA_LIMIT	(1ULL << 39)

#define HSM_ATTR_VALID	(ISLET_MEM_ACCESS_RIGHT_MASK | ISLET_MEM_TYPE_MASK)

/* One SET_MEMSEG: pages[i] backs GPA user_vm_pa + i * PAGE_SIZE. */
struct hsm_memseg {
	struct list_head node;
	u64 user_vm_pa;
	u64 len;
	unsigned long nr_pages;
	struct page **pages;	/* pinned */
};

struct hsm_mm {
	struct list_head segs;		/* struct hsm_memseg */
	unsigned long nr_pinned;	/* pages, over all segments */
};

/*
 * Sends @n regions to the hypervisor in one batch.  @regions must be
 * kmalloc'ed (physically contiguous: the hypervisor reads it by its
 * physical address).
 */
static int send_batch(struct hsm_vm *vm, struct vm_memory_region *regions,
		      u32 n)
{
	struct vm_memory_region_batch *batch;
	long hret;

	batch = kzalloc(sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;
	batch->vmid = vm->vmid;
	batch->regions_num = n;
	batch->regions_gpa = virt_to_phys(regions);
	hret = hcall_set_memory_regions(virt_to_phys(batch));
	kfree(batch);
	return hret ? islet_hcall_errno(hret) : 0;
}

/* MR_DEL of [user_vm_pa, user_vm_pa + len). */
static int unmap_range(struct hsm_vm *vm, u64 user_vm_pa, u64 len)
{
	struct vm_memory_region *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->type = MR_DEL;
	r->gpa = user_vm_pa;
	r->size = len;
	ret = send_batch(vm, r, 1);
	kfree(r);
	return ret;
}

/* The length of the run of physically contiguous pages at @first. */
static unsigned long run_pages(const struct hsm_memseg *seg,
			       unsigned long first)
{
	phys_addr_t pa = page_to_phys(seg->pages[first]);
	unsigned long i = first + 1;

	while (i < seg->nr_pages &&
	       page_to_phys(seg->pages[i]) == pa + (i - first) * PAGE_SIZE)
		i++;
	return i - first;
}

/*
 * Maps the pinned segment @seg with @attr: MR_ADDs of its runs, in
 * batches.  On failure nothing of it is mapped, unless even the undo was
 * refused: then *@stuck is set, and part of it may be mapped still.
 */
static int map_segment(struct hsm_vm *vm, const struct hsm_memseg *seg,
		       u32 attr, bool *stuck)
{
	struct vm_memory_region *regions;
	unsigned long nr_runs = 0, i, n;
	u64 done = 0;		/* bytes mapped by the batches sent */
	u32 cnt = 0;
	int ret = 0;

	for (i = 0; i < seg->nr_pages; i += run_pages(seg, i))
		nr_runs++;
	n = min_t(unsigned long, nr_runs, HSM_MAX_REGIONS);
	regions = kcalloc(n, sizeof(*regions), GFP_KERNEL);
	if (!regions)
		return -ENOMEM;

	for (i = 0; i < seg->nr_pages;) {
		unsigned long len = run_pages(seg, i);
		struct vm_memory_region *r = &regions[cnt++];

		r->type = MR_ADD;
		r->prot = attr;
		r->gpa = seg->user_vm_pa + ((u64)i << PAGE_SHIFT);
		r->service_vm_gpa = page_to_phys(seg->pages[i]);
		r->size = (u64)len << PAGE_SHIFT;
		i += len;
		if (cnt < n && i < seg->nr_pages)
			continue;
		ret = send_batch(vm, regions, cnt);
		if (ret)
			break;
		done = (u64)i << PAGE_SHIFT;
		memset(regions, 0, n * sizeof(*regions));
		cnt = 0;
	}
	kfree(regions);

	if (ret && done) {
		/* The batches applied cover [user_vm_pa, + done): whole
		 * regions, so removing them needs nothing the hypervisor
		 * can run out of. */
		int undo = unmap_range(vm, seg->user_vm_pa, done);

		if (undo) {
			pr_err("VM %u: cannot unmap GPA 0x%llx+0x%llx after a failed SET_MEMSEG (error %d); its pages stay pinned\n",
			       vm->vmid, seg->user_vm_pa, done, undo);
			*stuck = true;
		}
	}
	return ret;
}

/* Validates what SET_MEMSEG and UNSET_MEMSEG have in common. */
static int check_memmap(const struct islet_vm_memmap *m)
{
	u32 mtype = m->attr & ISLET_MEM_TYPE_MASK;

	if (m->type == ISLET_MEMMAP_MMIO)
		return -EINVAL;		/* no pass-through: see the top */
	if (m->type != ISLET_MEMMAP_RAM)
		return -EINVAL;
	if (!m->len || !PAGE_ALIGNED(m->user_vm_pa) ||
	    !PAGE_ALIGNED(m->len) || m->user_vm_pa >= HSM_USER_VM_GPA_LIMIT ||
	    m->len > HSM_USER_VM_GPA_LIMIT - m->user_vm_pa)
		return -EINVAL;
	/* Access rights and at most one memory type; readable (what the
	 * hypervisor maps is). */
	if ((m->attr & ~HSM_ATTR_VALID) || (mtype & (mtype - 1)))
		return -EINVAL;
	return 0;
}

static struct hsm_memseg *find_overlap(struct hsm_mm *mm, u64 start, u64 len)
{
	struct hsm_memseg *seg;

	list_for_each_entry(seg, &mm->segs, node)
		if (start < seg->user_vm_pa + seg->len &&
		    seg->user_vm_pa < start + len)
			return seg;
	return NULL;
}

/* vm->mm, allocated on first use. */
static struct hsm_mm *get_mm(struct hsm_vm *vm)
{
	if (!vm->mm) {
		vm->mm = kzalloc(sizeof(*vm->mm), GFP_KERNEL_ACCOUNT);
		if (vm->mm)
			INIT_LIST_HEAD(&vm->mm->segs);
	}
	return vm->mm;
}

static void free_segment(struct hsm_mm *mm, struct hsm_memseg *seg,
			 bool unpin)
{
	if (unpin)
		unpin_user_pages_dirty_lock(seg->pages, seg->nr_pages, true);
	mm->nr_pinned -= seg->nr_pages;
	list_del(&seg->node);
	kvfree(seg->pages);
	kfree(seg);
}

/* SET_MEMSEG of RAM, with vm->lock held and @m checked. */
static int set_ram(struct hsm_vm *vm, const struct islet_vm_memmap *m)
{
	unsigned long nr_pages = m->len >> PAGE_SHIFT;
	struct hsm_memseg *seg;
	bool stuck = false;
	struct hsm_mm *mm;
	int pinned, ret;

	if (!PAGE_ALIGNED(m->vma_base) || m->vma_base + m->len < m->vma_base)
		return -EINVAL;
	if (!(m->attr & ISLET_MEM_ACCESS_READ))
		return -EINVAL;
	mm = get_mm(vm);
	if (!mm)
		return -ENOMEM;
	if (find_overlap(mm, m->user_vm_pa, m->len))
		return -EEXIST;
	/* At most the Service VM's RAM pinned per VM.  (512 GiB is 2^27
	 * pages: no overflow, and an int for pin_user_pages_fast().) */
	if (mm->nr_pinned + nr_pages > totalram_pages())
		return -ENOMEM;

	seg = kzalloc(sizeof(*seg), GFP_KERNEL_ACCOUNT);
	if (!seg)
		return -ENOMEM;
	seg->user_vm_pa = m->user_vm_pa;
	seg->len = m->len;
	seg->nr_pages = nr_pages;
	seg->pages = kvmalloc_array(nr_pages, sizeof(*seg->pages),
				    GFP_KERNEL_ACCOUNT);
	if (!seg->pages) {
		ret = -ENOMEM;
		goto err_seg;
	}
	pinned = pin_user_pages_fast(m->vma_base, (int)nr_pages,
				     FOLL_WRITE | FOLL_LONGTERM, seg->pages);
	if (pinned < 0) {
		ret = pinned;
		goto err_pages;
	}
	if ((unsigned long)pinned != nr_pages) {
		unpin_user_pages(seg->pages, pinned);
		ret = -EFAULT;
		goto err_pages;
	}

	ret = map_segment(vm, seg, m->attr, &stuck);
	if (stuck) {
		/* Part of it may still be mapped: keep it pinned and
		 * recorded, for hsm_mm_release() after HC_DESTROY_VM. */
		list_add(&seg->node, &mm->segs);
		mm->nr_pinned += nr_pages;
		return -EIO;
	}
	if (ret) {
		unpin_user_pages(seg->pages, nr_pages);
		goto err_pages;
	}
	list_add(&seg->node, &mm->segs);
	mm->nr_pinned += nr_pages;
	return 0;

err_pages:
	kvfree(seg->pages);
err_seg:
	kfree(seg);
	return ret;
}

/*
 * SET_MEMSEG (struct islet_vm_memmap): map len bytes of the caller's
 * memory at vma_base into the VM at user_vm_pa.
 *   EINVAL  no VM; type not RAM (MMIO is refused, see the top); attr with
 *           other bits than access rights and one memory type, or not
 *           readable; user_vm_pa, vma_base or len not page aligned, len 0,
 *           a range that wraps or ends above 512 GiB; or the hypervisor's
 *           refusal (memory that is not the Service VM's RAM);
 *   EFAULT  the struct cannot be read; vma_base..+len not entirely
 *           pinnable user memory;
 *   EEXIST  the GPA range overlaps a segment of the VM;
 *   ENOMEM  more than the Service VM's RAM would be pinned for the VM, no
 *           kernel memory, or the hypervisor's page pool ran out;
 *   EIO     the mapping failed half way and could not be undone: the
 *           segment stays pinned until the VM is destroyed.
 * On any error nothing stays mapped or pinned (but for EIO).
 */
/* With vm->lock held: the file has a VM, and @m is the caller's struct. */
static long memmap_from_user(struct hsm_vm *vm, unsigned long arg,
			     struct islet_vm_memmap *m)
{
	if (vm->state != HSM_VM_CREATED)
		return -EINVAL;
	if (copy_from_user(m, (void __user *)arg, sizeof(*m)))
		return -EFAULT;
	return 0;
}

long hsm_ioctl_set_memseg(struct hsm_vm *vm, unsigned long arg)
{
	struct islet_vm_memmap m;
	long ret;

	mutex_lock(&vm->lock);
	ret = memmap_from_user(vm, arg, &m);
	if (ret)
		goto out;
	ret = check_memmap(&m);
	if (!ret)
		ret = set_ram(vm, &m);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * UNSET_MEMSEG (struct islet_vm_memmap): unmap and unpin the segment
 * that SET_MEMSEG mapped at user_vm_pa with length len (type RAM; attr
 * and vma_base are not looked at).
 *   EINVAL  no VM; no segment with exactly that start and length (or the
 *           struct itself is invalid, as for SET_MEMSEG);
 *   EFAULT  the struct cannot be read;
 *   other   the hypervisor refused the MR_DEL: the segment stays.
 */
long hsm_ioctl_unset_memseg(struct hsm_vm *vm, unsigned long arg)
{
	struct islet_vm_memmap m;
	struct hsm_memseg *seg;
	long ret;

	mutex_lock(&vm->lock);
	ret = memmap_from_user(vm, arg, &m);
	if (ret)
		goto out;
	m.attr = 0;	/* not looked at */
	ret = check_memmap(&m);
	if (ret)
		goto out;
	seg = vm->mm ? find_overlap(vm->mm, m.user_vm_pa, m.len) : NULL;
	if (!seg || seg->user_vm_pa != m.user_vm_pa || seg->len != m.len) {
		ret = -EINVAL;
		goto out;
	}
	/* When it returns, no CPU can reach the pages through the User VM's
	 * EPT any more (the hypervisor flushed it): they can go back. */
	ret = unmap_range(vm, seg->user_vm_pa, seg->len);
	if (!ret)
		free_segment(vm->mm, seg, true);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/* After HC_DESTROY_VM, with vm->lock held: nothing maps the pages any
 * more. */
void hsm_mm_release(struct hsm_vm *vm)
{
	struct hsm_memseg *seg, *next;

	lockdep_assert_held(&vm->lock);
	if (!vm->mm)
		return;
	list_for_each_entry_safe(seg, next, &vm->mm->segs, node)
		free_segment(vm->mm, seg, true);
}

/*
 * At the file's release, after the VM was destroyed (if it could be).
 * Segments left here belong to a VM the hypervisor refused to destroy:
 * its EPT may still map them, so their pages stay pinned for good (a leak,
 * not a hole in the isolation).
 */
void hsm_mm_free(struct hsm_vm *vm)
{
	struct hsm_memseg *seg, *next;
	bool unpin = vm->state != HSM_VM_CREATED;

	if (!vm->mm)
		return;
	if (!unpin && !list_empty(&vm->mm->segs))
		pr_err("VM %u was not destroyed: %lu pages of its memory stay pinned\n",
		       vm->vmid, vm->mm->nr_pinned);
	list_for_each_entry_safe(seg, next, &vm->mm->segs, node)
		free_segment(vm->mm, seg, unpin);
	kfree(vm->mm);
	vm->mm = NULL;
}
