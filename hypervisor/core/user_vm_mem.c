/* User VM guest memory: HC_VM_SET_MEMORY_REGIONS.  The Service VM maps
 * pages of its own RAM into a User VM's EPT (MR_ADD), removes them
 * (MR_DEL), or changes their access rights and memory type (MR_MODIFY).
 *
 * A batch is all or nothing.  Every region is checked against both EPTs as
 * they are before any is applied, and running out of pool pages while
 * applying undoes what the batch did.  To keep that undo simple, and unable
 * to fail itself:
 *
 *  - the regions of one batch may not overlap one another (in User VM
 *    GPA), so the order they are applied in changes nothing;
 *  - first the 2 MiB pages cut by the edge of a DEL or MODIFY are split
 *    into 4 KiB pages with the same translation.  Only this step of theirs
 *    needs pool pages; if it fails, the translations are still the same;
 *  - then the ADDs.  Unmapping what an ADD mapped only frees pages (its
 *    pages lie inside its range and nothing else was mapped there), so if
 *    the pool runs out the ADDs done so far are unmapped again;
 *  - then the DELs and MODIFYs, which now free pages but need none.
 *
 * Whatever removed or changed a translation (a DEL, a MODIFY, an undone
 * ADD) is followed by user_vm_flush_ept() before the hypercall returns:
 * the Service VM reuses what it unmapped as soon as it has the answer.
 * Tables the EPT lets go of return to the pool only after that flush.
 *
 * EPT pages come from the hypervisor's page pool (core/page_alloc.c).  A
 * region uses 2 MiB pages wherever its GPA and Service VM address are both
 * 2 MiB aligned and 2 MiB of it remain, 4 KiB pages elsewhere: 64 MiB in
 * 4 KiB pages costs 34 pool pages (32 page tables, a page directory and a
 * PDPT), in 2 MiB pages 2.
 */
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "user_vm.h"
#include <islet/hypercall.h>

/* The most regions in one batch; the HSM sends at most this many. */
#define MAX_REGIONS	512U
#define LARGE_PAGE	(2 * MiB)

#define PROT_VALID	(ISLET_MEM_ACCESS_RIGHT_MASK | ISLET_MEM_TYPE_MASK)

/*
 * The batch's regions, copied once from the Service VM: what is checked is
 * what is applied, whatever other Service VM CPUs write meanwhile.  16 KiB,
 * too much for the hypervisor stack (HV_STACK_SIZE), so a static buffer,
 * guarded by the management lock that user_vm_get() takes.
 */
static struct vm_memory_region regions[MAX_REGIONS];

/*
 * While a batch is applied, the VM's EPT frees its tables through
 * defer_ops, which holds them back until the flush: until then a CPU
 * running the VM may still walk a cached pointer to one, and must not
 * find it reused by anyone.  The held pages are chained through their
 * first word; a page address has the low 12 bits clear, so a stale walk
 * that reads it finds an entry without access rights (no translation).
 * Guarded by the management lock, like regions[].
 */
static const struct pt_ops *ept_ops;	/* the VM's own, delegated to */
static void *held_pages;

static void *defer_alloc(void *ctx)
{
	return ept_ops->alloc_page(ept_ops->ctx);
}

static void defer_free(void *ctx, void *page)
{
	*(void **)page = held_pages;
	held_pages = page;
}

static u64 defer_v2p(void *ctx, void *va)
{
	return ept_ops->virt_to_phys(ept_ops->ctx, va);
}

static void *defer_p2v(void *ctx, u64 pa)
{
	return ept_ops->phys_to_virt(ept_ops->ctx, pa);
}

static const struct pt_ops defer_ops = {
	.alloc_page = defer_alloc,
	.free_page = defer_free,
	.virt_to_phys = defer_v2p,
	.phys_to_virt = defer_p2v,
};

/* After the flush: the held tables go back to the VM's allocator. */
static void release_held(void)
{
	while (held_pages) {
		void *page = held_pages;

		held_pages = *(void **)page;
		ept_ops->free_page(ept_ops->ctx, page);
	}
}

/* The EPT attributes of @prot (already checked).  The page-table builder
 * knows write-back and uncacheable: WT, WC and WP become UC, which is
 * stricter than each (nothing the guest writes waits in a cache, accesses
 * stay in order), only slower.  No type means write-back. */
static u64 prot_to_attr(u32 prot)
{
	u64 attr = 0;

	if (prot & ISLET_MEM_ACCESS_READ)
		attr |= PT_R;
	if (prot & ISLET_MEM_ACCESS_WRITE)
		attr |= PT_W;
	if (prot & ISLET_MEM_ACCESS_EXEC)
		attr |= PT_X;
	if (prot & ISLET_MEM_TYPE_MASK & ~ISLET_MEM_TYPE_WB)
		attr |= PT_UC;
	return attr;
}

/* The checks that need nothing but the region itself. */
static int check_fields(const struct vm_memory_region *r)
{
	u32 mtype = r->prot & ISLET_MEM_TYPE_MASK;

	if (r->type != MR_ADD && r->type != MR_DEL && r->type != MR_MODIFY)
		return -EINVAL;
	/* Only access bits and at most one memory type. */
	if ((r->prot & ~PROT_VALID) || (mtype & (mtype - 1)))
		return -EINVAL;
	/* A mapping is readable: EPT cannot encode write without read, and
	 * execute-only needs a CPU feature Islet does not ask for.  Taking
	 * all access away is MR_DEL. */
	if (r->type != MR_DEL && !(r->prot & ISLET_MEM_ACCESS_READ))
		return -EINVAL;
	if (!r->size || !IS_ALIGNED(r->gpa | r->service_vm_gpa | r->size,
				    PAGE_SIZE))
		return -EINVAL;
	if (r->gpa >= USER_VM_GPA_LIMIT ||
	    r->size > USER_VM_GPA_LIMIT - r->gpa ||
	    r->service_vm_gpa + r->size < r->service_vm_gpa)
		return -EINVAL;
	return 0;
}

/* No two regions of the batch touch the same User VM page. */
static int check_overlaps(u32 n)
{
	for (u32 i = 0; i < n; i++) {
		const struct vm_memory_region *a = &regions[i];

		for (u32 j = i + 1; j < n; j++) {
			const struct vm_memory_region *b = &regions[j];

			if (a->gpa < b->gpa + b->size &&
			    b->gpa < a->gpa + a->size)
				return -EINVAL;
		}
	}
	return 0;
}

/*
 * [gpa, gpa + size) is Service VM memory it may give to a User VM: RAM in
 * its e820 map, none of the hypervisor's own memory (which that map calls
 * reserved already: this is the second lock on that door), and mapped in
 * its EPT to the same address, readable and writable and write-back, so
 * the User VM gets nothing the Service VM could not reach itself.
 */
bool service_vm_owns_ram(struct vm *sv, u64 gpa, u64 size)
{
	u64 hv_start = hv_base(), hv_end = hv_base() + hv_size();
	bool ok = true;

	if (!size || gpa + size < gpa || !e820_range_is(&sv->e820, gpa, size, E820_RAM))
		return false;
	if (gpa < hv_end && hv_start < gpa + size)
		return false;
	spin_lock(&sv->ept_lock);
	for (u64 off = 0; ok && off < size; off += PAGE_SIZE) {
		u64 hpa, attr;

		ok = !pt_lookup(&sv->ept, gpa + off, &hpa, &attr) &&
		     hpa == gpa + off && (attr & PT_R) && (attr & PT_W) &&
		     !(attr & PT_UC);
	}
	spin_unlock(&sv->ept_lock);
	return ok;
}

/* Whether every page of [gpa, gpa + size) is mapped (@mapped) or every
 * page unmapped (!@mapped) in @pt. */
static bool all_pages(const struct page_table *pt, u64 gpa, u64 size,
		      bool mapped)
{
	for (u64 off = 0; off < size; off += PAGE_SIZE) {
		u64 hpa;

		if (!pt_lookup(pt, gpa + off, &hpa, NULL) != mapped)
			return false;
	}
	return true;
}

/* Map the page at @gpa onto what it maps already: if it lies in a 2 MiB
 * page, pt_map() splits that into 4 KiB pages, keeping the translation.
 * -ENOMEM when the pool is empty. */
static int split_at(struct page_table *pt, u64 gpa)
{
	u64 hpa, attr;

	if (pt_lookup(pt, gpa, &hpa, &attr))
		return 0;	/* checked mapped: cannot happen */
	return pt_map(pt, gpa, hpa, PAGE_SIZE, attr);
}

/* Split the 2 MiB pages that straddle an edge of @r (a DEL or MODIFY), so
 * that applying it needs no pool page. */
static int split_edges(struct page_table *pt,
		       const struct vm_memory_region *r)
{
	u64 end = r->gpa + r->size;
	int ret = 0;

	if (!IS_ALIGNED(r->gpa, LARGE_PAGE))
		ret = split_at(pt, r->gpa);
	if (!ret && !IS_ALIGNED(end, LARGE_PAGE))
		ret = split_at(pt, end - PAGE_SIZE);
	return ret;
}

/*
 * MR_MODIFY: new attributes over what [gpa, gpa + size) maps, run by run
 * of contiguous host addresses.  With the edges split, each run starts and
 * ends on page boundaries of the EPT as it is, so pt_map() finds every
 * table it needs (and may merge 4 KiB pages into a 2 MiB one): no pool
 * page is needed.
 */
static int modify_range(struct page_table *pt, u64 gpa, u64 size, u64 attr)
{
	u64 end = gpa + size, run_va = gpa, run_pa, va;
	int ret;

	if (pt_lookup(pt, gpa, &run_pa, NULL))
		return -EINVAL;	/* checked mapped: cannot happen */
	for (va = gpa + PAGE_SIZE;; va += PAGE_SIZE) {
		u64 hpa = 0;

		if (va < end && !pt_lookup(pt, va, &hpa, NULL) &&
		    hpa == run_pa + (va - run_va))
			continue;
		ret = pt_map(pt, run_va, run_pa, va - run_va, attr);
		if (ret || va >= end)
			return ret;
		run_va = va;
		run_pa = hpa;
	}
}

/* Unmap ADDs @from-1 down to 0 after a failure.  Cannot fail (see the
 * top of the file); if it did, the EPT would map pages the Service VM
 * believes it has back. */
static void undo_adds(struct page_table *pt, u32 from)
{
	while (from--) {
		const struct vm_memory_region *r = &regions[from];

		if (r->type == MR_ADD && pt_unmap(pt, r->gpa, r->size))
			panic("VM memory: cannot undo the mapping at GPA 0x%lx\n",
			      r->gpa);
	}
}

/* Apply the @n checked regions to @pt, with the VM's EPT lock held.
 * *@flush: a translation may have been removed or changed. */
static int apply(struct page_table *pt, u32 n, bool *flush)
{
	int ret;

	for (u32 i = 0; i < n; i++) {
		if (regions[i].type == MR_ADD)
			continue;
		/* DEL and MODIFY change translations.  A batch stopped by
		 * a failed split changed none, but is flushed anyway, for
		 * good measure. */
		*flush = true;
		ret = split_edges(pt, &regions[i]);
		if (ret)
			return ret;
	}
	for (u32 i = 0; i < n; i++) {
		const struct vm_memory_region *r = &regions[i];

		if (r->type != MR_ADD)
			continue;
		ret = pt_map(pt, r->gpa, r->service_vm_gpa, r->size,
			     prot_to_attr(r->prot));
		if (ret) {
			/* A CPU of the VM may have used the new mappings. */
			*flush = true;
			undo_adds(pt, i + 1);
			return ret;
		}
	}
	for (u32 i = 0; i < n; i++) {
		const struct vm_memory_region *r = &regions[i];

		if (r->type == MR_DEL)
			ret = pt_unmap(pt, r->gpa, r->size);
		else if (r->type == MR_MODIFY)
			ret = modify_range(pt, r->gpa, r->size,
					   prot_to_attr(r->prot));
		else
			ret = 0;
		/* The EPT is no longer what the Service VM asked for, nor
		 * what it had: going on could leave the User VM with memory
		 * the Service VM reuses. */
		if (ret)
			panic("VM memory: region %u at GPA 0x%lx failed (%d) after its checks\n",
			      i, r->gpa, ret);
	}
	return 0;
}

/* Check and apply the @n regions copied in for @vm. */
static int set_regions(struct vm *sv, struct vm *vm, u32 n)
{
	bool flush = false;
	int ret;

	for (u32 i = 0; i < n; i++) {
		ret = check_fields(&regions[i]);
		if (ret)
			return ret;
	}
	ret = check_overlaps(n);
	if (ret)
		return ret;
	for (u32 i = 0; i < n; i++) {
		const struct vm_memory_region *r = &regions[i];

		if (r->type == MR_ADD &&
		    !service_vm_owns_ram(sv, r->service_vm_gpa, r->size))
			return -EINVAL;
		/* The LAPIC and IOAPIC pages are the hypervisor's, whether
		 * the EPT maps them (the APIC-access page) or not. */
		if (vm_mmio_overlaps(vm, r->gpa, r->size))
			return -EINVAL;
	}

	spin_lock(&vm->ept_lock);
	for (u32 i = 0; i < n && !ret; i++) {
		const struct vm_memory_region *r = &regions[i];
		bool add = r->type == MR_ADD;

		if (!all_pages(&vm->ept, r->gpa, r->size, !add))
			ret = add ? -EEXIST : -EINVAL;
	}
	if (ret) {
		spin_unlock(&vm->ept_lock);
		return ret;
	}
	ept_ops = vm->ept.ops;
	vm->ept.ops = &defer_ops;
	ret = apply(&vm->ept, n, &flush);
	vm->ept.ops = ept_ops;
	spin_unlock(&vm->ept_lock);

	/* Outside the EPT lock: the flush may wait for the VM's CPUs, whose
	 * exit handlers may need that lock. */
	if (flush || held_pages)
		user_vm_flush_ept(vm);
	release_held();
	return ret;
}

/*
 * HC_VM_SET_MEMORY_REGIONS(GPA of struct vm_memory_region_batch): the
 * batch (8-byte aligned) names the User VM and an 8-byte aligned array of
 * 1..512 struct vm_memory_region in Service VM memory.
 *   -EINVAL  misaligned, reserved fields, no such VM, a bad region (type,
 *            prot, alignment, range, overlap with another of the batch,
 *            MR_ADD of memory that is not the Service VM's RAM, MR_DEL or
 *            MR_MODIFY of a range not entirely mapped, any region over the
 *            LAPIC or IOAPIC page);
 *   -EFAULT  the batch or its array is not readable Service VM memory;
 *   -EEXIST  MR_ADD over a GPA already mapped;
 *   -ENOMEM  the page pool ran out; the VM's memory is as it was.
 */
s64 hc_vm_set_memory_regions(struct vcpu *vcpu, u64 gpa, u64 unused)
{
	struct vm_memory_region_batch b;
	struct vm *sv = vcpu->vm, *vm;
	int ret;

	if (gpa & 7)
		return -EINVAL;
	if (gpa_read(sv, gpa, &b, sizeof(b)))
		return -EFAULT;
	if (b.reserved0[0] || b.reserved0[1] || b.reserved0[2] ||
	    b.reserved1 || !b.regions_num || b.regions_num > MAX_REGIONS ||
	    (b.regions_gpa & 7))
		return -EINVAL;
	vm = user_vm_get(b.vmid);
	if (!vm)
		return -EINVAL;
	if (gpa_read(sv, b.regions_gpa, regions,
		     b.regions_num * sizeof(regions[0])))
		ret = -EFAULT;
	else
		ret = set_regions(sv, vm, b.regions_num);
	user_vm_put(vm);
	return ret;
}
