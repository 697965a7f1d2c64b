/* A generic 4-level page-table builder for the hypervisor's own IA-32e page
 * tables and for EPT.  The entry encoding differs between the two, so it is
 * supplied as a const format; the walk, splitting and freeing logic is
 * shared and pure (unit-tested on the host). */
#ifndef ISLET_PAGING_H
#define ISLET_PAGING_H

#include "types.h"

/* Attributes, format-independent. */
#define PT_R		BIT(0)
#define PT_W		BIT(1)
#define PT_X		BIT(2)
/* IA-32e only.  Table entries are built without US (the tables are the
 * hypervisor's), so a PT_USER leaf is not yet reachable from ring 3. */
#define PT_USER		BIT(3)
#define PT_UC		BIT(4)	/* uncacheable (MMIO); default write-back */
#define PT_RWX		(PT_R | PT_W | PT_X)

struct pt_format {
	/* leaf entry mapping @pa at @level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) */
	u64 (*leaf)(u64 pa, int level, u64 attr);
	/* non-leaf entry pointing to the table at @pa */
	u64 (*table)(u64 pa);
	bool (*present)(u64 e);
	bool (*is_leaf)(u64 e, int level);	/* large page or 4 KiB leaf */
	u64 (*addr)(u64 e);			/* physical address in an entry */
	/* attributes of a leaf, so that splitting keeps them */
	u64 (*attr)(u64 e, int level);
	int max_leaf_level;			/* 2 or 3 */
};

extern const struct pt_format pt_ia32e;
extern const struct pt_format ept_format;

struct pt_ops {
	void *(*alloc_page)(void *ctx);		/* zeroed, 4 KiB aligned */
	void (*free_page)(void *ctx, void *page);
	u64 (*virt_to_phys)(void *ctx, void *va);
	void *(*phys_to_virt)(void *ctx, u64 pa);
	void *ctx;
};

struct page_table {
	const struct pt_format *fmt;
	const struct pt_ops *ops;
	u64 *root;		/* the PML4 (4 KiB) */
};

/* Allocate an empty root.  -ENOMEM. */
int pt_init(struct page_table *pt, const struct pt_format *fmt,
	    const struct pt_ops *ops);

/* Map [va, va+size) to [pa, pa+size) with @attr, replacing any previous
 * mapping in the range.  Uses the largest pages that alignment allows and
 * splits existing large pages at the edges (keeping their attributes
 * outside the range).  va, pa and size must be 4 KiB aligned, size
 * non-zero, the range below 2^48 (pa below 2^52); @attr must grant some
 * access, and not write without read.  Returns 0, -EINVAL or -ENOMEM (the
 * range then partly mapped: the caller unmaps it or gives up the table). */
int pt_map(struct page_table *pt, u64 va, u64 pa, u64 size, u64 attr);

/* Remove every mapping in [va, va+size), splitting large pages at the
 * edges; tables left empty are freed.  Same argument rules as pt_map.
 * Splitting needs a page, so -ENOMEM (range partly unmapped) is possible. */
int pt_unmap(struct page_table *pt, u64 va, u64 size);

/* Translate @va; returns 0 and fills *pa (and *attr if non-NULL), or
 * -ENOENT when unmapped. */
int pt_lookup(const struct page_table *pt, u64 va, u64 *pa, u64 *attr);

/* Free every table (not the mapped memory). */
void pt_destroy(struct page_table *pt);

#endif
