/* A bitmap allocator over a fixed pool of pages in .bss.  The pool is the
 * only dynamic memory of the hypervisor: page tables, EPT, VMCS regions and
 * bitmaps come from it, and its size bounds what the hypervisor uses. */
#include "mm.h"
#include "lib.h"
#include "printk.h"
#include "spinlock.h"

/* 3 MiB.  The hypervisor's reservation is whole 2 MiB pages (islet.ld) and
 * the rest of the image takes ~340 KiB, so this still fits the same 4 MiB.
 * The Service VM starts with ~740 pages free; a User VM's EPT costs 34
 * pages per 64 MiB mapped in 4 KiB pages (2 in 2 MiB pages). */
#define POOL_PAGES 768

static u8 pool[POOL_PAGES][PAGE_SIZE] __aligned(PAGE_SIZE);
static u64 used[POOL_PAGES / 64];
static unsigned nr_free = POOL_PAGES;
static spinlock_t pool_lock;

void *page_alloc(void)
{
	void *page = NULL;

	spin_lock(&pool_lock);
	for (unsigned w = 0; w < ARRAY_SIZE(used); w++) {
		if (used[w] == ~0ULL)
			continue;
		unsigned b = (unsigned)__builtin_ctzll(~used[w]);

		used[w] |= BIT(b);
		nr_free--;
		page = pool[w * 64 + b];
		break;
	}
	spin_unlock(&pool_lock);
	if (page)
		memset(page, 0, PAGE_SIZE);
	return page;
}

void page_free(void *page)
{
	u64 i = ((u64)page - (u64)pool) / PAGE_SIZE;

	if (!page)
		return;
	spin_lock(&pool_lock);
	if ((u8 *)page < pool[0] || i >= POOL_PAGES || !(used[i / 64] & BIT(i % 64)))
		panic("page_free: bad page %p\n", page);
	used[i / 64] &= ~BIT(i % 64);
	nr_free++;
	spin_unlock(&pool_lock);
}

unsigned page_pool_free(void)
{
	return nr_free;
}

unsigned page_pool_total(void)
{
	return POOL_PAGES;
}

static void *pool_alloc(void *ctx)
{
	return page_alloc();
}

static void pool_free(void *ctx, void *page)
{
	page_free(page);
}

static u64 ident_v2p(void *ctx, void *va)
{
	return (u64)va;
}

static void *ident_p2v(void *ctx, u64 pa)
{
	return (void *)pa;
}

const struct pt_ops hv_pt_ops = {
	.alloc_page = pool_alloc,
	.free_page = pool_free,
	.virt_to_phys = ident_v2p,
	.phys_to_virt = ident_p2v,
};
