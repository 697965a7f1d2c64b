/* The generic 4-level page-table builder (see paging.h).  The walk is the
 * same for IA-32e and EPT; only the entry encoding comes from the format.
 * Tables are 512 entries at every level; level 4 is the root, level 1
 * holds 4 KiB leaves. */
#include "paging.h"
#include "lib.h"

#define PT_ENTRIES	512
#define VA_LIMIT	(1ULL << 48)	/* 4-level paging */
#define PA_LIMIT	(1ULL << 52)	/* architectural MAXPHYADDR */
#define PT_ATTR_ALL	(PT_R | PT_W | PT_X | PT_USER | PT_UC)

static u64 level_size(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

static unsigned int index_of(u64 va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static bool present(const struct page_table *pt, u64 e)
{
	return pt->fmt->present(e);
}

/* Only levels 1..3 can hold leaves, whatever a format claims. */
static bool is_leaf(const struct page_table *pt, u64 e, int level)
{
	return level <= 3 && pt->fmt->is_leaf(e, level);
}

static u64 *table_of(const struct page_table *pt, u64 e)
{
	return pt->ops->phys_to_virt(pt->ops->ctx, pt->fmt->addr(e));
}

/* A zeroed table and the entry that points to it, or NULL. */
static u64 *new_table(struct page_table *pt, u64 *entry_out)
{
	u64 *t = pt->ops->alloc_page(pt->ops->ctx);

	if (t)
		*entry_out = pt->fmt->table(pt->ops->virt_to_phys(pt->ops->ctx, t));
	return t;
}

/* Free table @t at @level and every table below it.  Mapped memory is not
 * ours to free.  Recursion is bounded by the 4 levels. */
static void free_table(struct page_table *pt, u64 *t, int level)
{
	for (int i = 0; level > 1 && i < PT_ENTRIES; i++) {
		if (present(pt, t[i]) && !is_leaf(pt, t[i], level))
			free_table(pt, table_of(pt, t[i]), level - 1);
	}
	pt->ops->free_page(pt->ops->ctx, t);
}

static bool table_empty(const struct page_table *pt, const u64 *t)
{
	for (int i = 0; i < PT_ENTRIES; i++) {
		if (present(pt, t[i]))
			return false;
	}
	return true;
}

/*
 * Make *entry (at @level > 1) point to a next-level table and return that
 * table.  A large page there is split into a table reproducing it with the
 * same attributes, unless @whole says the caller is about to rewrite the
 * entire range of the entry anyway, in which case an empty table will do.
 */
static u64 *descend(struct page_table *pt, u64 *entry, int level, bool whole)
{
	const struct pt_format *fmt = pt->fmt;
	u64 e = *entry, ne;
	u64 *t;

	if (present(pt, e) && !is_leaf(pt, e, level))
		return table_of(pt, e);
	t = new_table(pt, &ne);
	if (!t)
		return NULL;
	if (present(pt, e) && !whole) {
		u64 attr = fmt->attr(e, level);
		u64 base = fmt->addr(e) & ~(level_size(level) - 1);
		u64 sub = level_size(level - 1);

		for (int i = 0; i < PT_ENTRIES; i++)
			t[i] = fmt->leaf(base + i * sub, level - 1, attr);
	}
	*entry = ne;
	return t;
}

static bool range_ok(u64 va, u64 size)
{
	return size && IS_ALIGNED(va | size, PAGE_SIZE) &&
	       va < VA_LIMIT && size <= VA_LIMIT - va;
}

static bool attr_ok(u64 attr)
{
	if (attr & ~PT_ATTR_ALL)
		return false;
	/* No access at all is an unmap; write-only is not encodable in EPT
	 * (a misconfiguration) and means nothing in IA-32e. */
	return (attr & PT_RWX) && (attr & (PT_R | PT_W)) != PT_W;
}

int pt_init(struct page_table *pt, const struct pt_format *fmt,
	    const struct pt_ops *ops)
{
	pt->fmt = fmt;
	pt->ops = ops;
	pt->root = ops->alloc_page(ops->ctx);
	return pt->root ? 0 : -ENOMEM;
}

int pt_map(struct page_table *pt, u64 va, u64 pa, u64 size, u64 attr)
{
	int max_leaf = MIN(pt->fmt->max_leaf_level, 3);

	if (!range_ok(va, size) || !IS_ALIGNED(pa, PAGE_SIZE) ||
	    pa >= PA_LIMIT || size > PA_LIMIT - pa || !attr_ok(attr))
		return -EINVAL;

	/* One leaf per iteration, each walk starting from the root: simple,
	 * and at most four steps per leaf. */
	while (size) {
		u64 *t = pt->root;

		for (int level = 4;; level--) {
			u64 lsize = level_size(level);
			u64 *entry = &t[index_of(va, level)];
			bool whole = IS_ALIGNED(va, lsize) && size >= lsize;

			if (level == 1 || (level <= max_leaf && whole &&
					   IS_ALIGNED(pa, lsize))) {
				u64 old = *entry;

				/* Write the new entry before freeing what the
				 * old one pointed to, so no entry ever refers
				 * to a freed table. */
				*entry = pt->fmt->leaf(pa, level, attr);
				if (present(pt, old) && !is_leaf(pt, old, level))
					free_table(pt, table_of(pt, old), level - 1);
				va += lsize;
				pa += lsize;
				size -= lsize;
				break;
			}
			t = descend(pt, entry, level, whole);
			if (!t)
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * After the unmap step that ended at @next (having touched @va), free the
 * tables on @path from @level up that are now empty.  A table is only
 * checked once the unmap has left its range (or is over), which keeps the
 * 512-entry scan to once per table rather than once per page.
 */
static void prune(struct page_table *pt, u64 **path, int level, u64 va,
		  u64 next, bool done)
{
	for (; level < 4; level++) {
		u64 *parent = &path[level + 1][index_of(va, level + 1)];

		if (!done && !IS_ALIGNED(next, level_size(level + 1)))
			return;
		if (!table_empty(pt, path[level]))
			return;
		*parent = 0;
		pt->ops->free_page(pt->ops->ctx, path[level]);
	}
}

int pt_unmap(struct page_table *pt, u64 va, u64 size)
{
	if (!range_ok(va, size))
		return -EINVAL;

	while (size) {
		u64 *path[5] = { NULL };
		u64 *t = pt->root;
		u64 step = 0;
		int level;

		for (level = 4;; level--) {
			u64 lsize = level_size(level);
			u64 off = va & (lsize - 1);
			u64 *entry = &t[index_of(va, level)];
			u64 old = *entry;

			path[level] = t;
			step = MIN(size, lsize - off);	/* to the entry's end */
			if (!present(pt, old))
				break;
			if (!off && size >= lsize) {
				*entry = 0;
				if (!is_leaf(pt, old, level))
					free_table(pt, table_of(pt, old), level - 1);
				break;
			}
			/* Part of the entry: go down, splitting a large page. */
			t = descend(pt, entry, level, false);
			if (!t)
				return -ENOMEM;
		}
		prune(pt, path, level, va, va + step, size == step);
		va += step;
		size -= step;
	}
	return 0;
}

int pt_lookup(const struct page_table *pt, u64 va, u64 *pa, u64 *attr)
{
	const u64 *t = pt->root;

	if (va >= VA_LIMIT)
		return -ENOENT;
	for (int level = 4;; level--) {
		u64 e = t[index_of(va, level)];
		u64 mask = level_size(level) - 1;

		if (!present(pt, e))
			return -ENOENT;
		if (level == 1 || is_leaf(pt, e, level)) {
			*pa = (pt->fmt->addr(e) & ~mask) | (va & mask);
			if (attr)
				*attr = pt->fmt->attr(e, level);
			return 0;
		}
		t = table_of(pt, e);
	}
}

void pt_destroy(struct page_table *pt)
{
	if (pt->root)
		free_table(pt, pt->root, 4);
	pt->root = NULL;
}
