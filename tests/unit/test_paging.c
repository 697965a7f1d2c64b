/* hypervisor/lib/paging.c with both formats of arch/x86/paging_fmt.c.
 * Tables come from aligned_alloc and "physical" addresses are the host
 * pointers, so the tree can be walked directly and every table counted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "paging.h"

struct host_mem {
	long live;	/* tables allocated and not freed */
	long budget;	/* allocations left; -1: unlimited */
};

static void *h_alloc(void *ctx)
{
	struct host_mem *h = ctx;
	void *p;

	if (h->budget == 0)
		return NULL;
	if (h->budget > 0)
		h->budget--;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	memset(p, 0, PAGE_SIZE);
	h->live++;
	return p;
}

static void h_free(void *ctx, void *page)
{
	struct host_mem *h = ctx;

	h->live--;
	free(page);
}

static u64 h_v2p(void *ctx, void *va)
{
	return (u64)(uintptr_t)va;
}

static void *h_p2v(void *ctx, u64 pa)
{
	return (void *)(uintptr_t)pa;
}

static struct host_mem mem;
static const struct pt_ops ops = {
	.alloc_page = h_alloc, .free_page = h_free,
	.virt_to_phys = h_v2p, .phys_to_virt = h_p2v, .ctx = &mem,
};

static void start(struct page_table *pt, const struct pt_format *fmt)
{
	mem = (struct host_mem){ .live = 0, .budget = -1 };
	CU_ASSERT_EQUAL_FATAL(pt_init(pt, fmt, &ops), 0);
}

/* The raw entry that translates @va at @level, or 0 if the walk ends
 * above that level. */
static u64 raw(const struct page_table *pt, u64 va, int level)
{
	const u64 *t = pt->root;

	for (int l = 4;; l--) {
		u64 e = t[(va >> (12 + 9 * (l - 1))) & 511];

		if (l == level)
			return e;
		if (!pt->fmt->present(e) || pt->fmt->is_leaf(e, l))
			return 0;
		t = (const u64 *)(uintptr_t)pt->fmt->addr(e);
	}
}

/* Counts the tables reachable from @t; sets *bad if a non-root table is
 * empty (unmap must have freed it). */
static long count_tables(const struct page_table *pt, const u64 *t, int level, bool *bad)
{
	long n = 1;
	bool any = false;

	for (int i = 0; i < 512; i++) {
		u64 e = t[i];

		if (!pt->fmt->present(e))
			continue;
		any = true;
		if (level > 1 && !pt->fmt->is_leaf(e, level))
			n += count_tables(pt, (const u64 *)(uintptr_t)pt->fmt->addr(e),
					  level - 1, bad);
	}
	if (!any && level < 4)
		*bad = true;
	return n;
}

/* Every allocated table is in the tree, and no table is empty. */
static bool tree_ok(const struct page_table *pt)
{
	bool bad = false;

	return count_tables(pt, pt->root, 4, &bad) == mem.live && !bad;
}

static bool maps_to(const struct page_table *pt, u64 va, u64 pa, u64 attr)
{
	u64 got_pa = ~0ULL, got_attr = ~0ULL;

	return pt_lookup(pt, va, &got_pa, &got_attr) == 0 && got_pa == pa &&
	       got_attr == attr;
}

static bool unmapped(const struct page_table *pt, u64 va)
{
	u64 pa;

	return pt_lookup(pt, va, &pa, NULL) == -ENOENT;
}

static void test_init_destroy(void)
{
	struct page_table pt;

	start(&pt, &ept_format);
	CU_ASSERT_EQUAL(mem.live, 1);
	CU_ASSERT(unmapped(&pt, 0));
	CU_ASSERT_EQUAL(pt_map(&pt, 0x1000, 0x2000, 0x1000, PT_RWX), 0);
	CU_ASSERT_EQUAL(mem.live, 4);
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
	pt_destroy(&pt);	/* harmless twice */
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_ept_bits(void)
{
	struct page_table pt;
	u64 e;

	start(&pt, &ept_format);
	CU_ASSERT_EQUAL(pt_map(&pt, 0x200000, 0x40000000, 2 * MiB, PT_RWX), 0);
	CU_ASSERT_EQUAL(raw(&pt, 0x200000, 2), 0x40000000 | 0x7 | 6 << 3 | 1 << 7);
	e = raw(&pt, 0x200000, 4);
	CU_ASSERT_EQUAL(e & 0xfff, 0x7);	/* table: RWX, no type, no bit 7 */
	CU_ASSERT_EQUAL(e >> 52, 0);
	CU_ASSERT_EQUAL(raw(&pt, 0x200000, 3) & 0xfff, 0x7);

	CU_ASSERT_EQUAL(pt_map(&pt, 0x1000, 0xfee00000, 0x1000, PT_R | PT_UC), 0);
	CU_ASSERT_EQUAL(raw(&pt, 0x1000, 1), 0xfee00000 | 0x1);	/* UC = 0 */
	CU_ASSERT_EQUAL(pt_map(&pt, 0x2000, 0x3000, 0x1000, PT_R | PT_W), 0);
	CU_ASSERT_EQUAL(raw(&pt, 0x2000, 1), 0x3000 | 0x3 | 6 << 3);
	CU_ASSERT_EQUAL(pt_map(&pt, 0x3000, 0x4000, 0x1000, PT_X), 0);	/* execute-only */
	CU_ASSERT_EQUAL(raw(&pt, 0x3000, 1), 0x4000 | 0x4 | 6 << 3);

	CU_ASSERT(maps_to(&pt, 0x200000 + 0x12345, 0x40012345, PT_RWX));
	CU_ASSERT(maps_to(&pt, 0x1abc, 0xfee00abc, PT_R | PT_UC));
	CU_ASSERT(maps_to(&pt, 0x2000, 0x3000, PT_R | PT_W));
	CU_ASSERT(maps_to(&pt, 0x3000, 0x4000, PT_X));
	CU_ASSERT(unmapped(&pt, 0x4000));
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_ia32e_bits(void)
{
	struct page_table pt;
	const u64 nx = 1ULL << 63;

	start(&pt, &pt_ia32e);
	CU_ASSERT_EQUAL(pt_map(&pt, 0x400000, 0x40000000, 2 * MiB, PT_R | PT_W), 0);
	CU_ASSERT_EQUAL(raw(&pt, 0x400000, 2), 0x40000000 | 0x83 | nx);	/* P RW PS NX */
	CU_ASSERT_EQUAL(raw(&pt, 0x400000, 4) & (0xfff | nx), 0x3);	/* P RW */
	CU_ASSERT_EQUAL(raw(&pt, 0x400000, 3) & (0xfff | nx), 0x3);
	CU_ASSERT_EQUAL(pt_map(&pt, 0x1000, 0xfec00000, 0x1000, PT_R | PT_X | PT_UC), 0);
	CU_ASSERT_EQUAL(raw(&pt, 0x1000, 1), 0xfec00000 | 0x19);	/* P PWT PCD */
	CU_ASSERT_EQUAL(pt_map(&pt, 0x2000, 0x7000, 0x1000, PT_RWX | PT_USER), 0);
	CU_ASSERT_EQUAL(raw(&pt, 0x2000, 1), 0x7000 | 0x7);		/* no PAT, no NX */

	CU_ASSERT(maps_to(&pt, 0x5fffff, 0x401fffff, PT_R | PT_W));
	CU_ASSERT(maps_to(&pt, 0x1008, 0xfec00008, PT_R | PT_X | PT_UC));
	CU_ASSERT(maps_to(&pt, 0x2000, 0x7000, PT_RWX | PT_USER));
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_1g_pages(void)
{
	struct pt_format ept1g = ept_format;
	struct page_table pt;

	ept1g.max_leaf_level = 3;
	start(&pt, &ept1g);
	CU_ASSERT_EQUAL(pt_map(&pt, 1 * GiB, 4 * GiB, 2 * GiB, PT_RWX), 0);
	CU_ASSERT_EQUAL(mem.live, 2);
	CU_ASSERT_EQUAL(raw(&pt, 2 * GiB, 3), (5 * GiB) | 0x7 | 6 << 3 | 1 << 7);
	CU_ASSERT(maps_to(&pt, 2 * GiB + 0x123456, 5 * GiB + 0x123456, PT_RWX));
	/* Split a 1 GiB page two levels down. */
	CU_ASSERT_EQUAL(pt_unmap(&pt, 1 * GiB + 0x1000, 0x1000), 0);
	CU_ASSERT_EQUAL(mem.live, 4);
	CU_ASSERT(unmapped(&pt, 1 * GiB + 0x1000));
	CU_ASSERT(maps_to(&pt, 1 * GiB, 4 * GiB, PT_RWX));
	CU_ASSERT(maps_to(&pt, 1 * GiB + 0x2000, 4 * GiB + 0x2000, PT_RWX));
	CU_ASSERT(maps_to(&pt, 2 * GiB - 1, 5 * GiB - 1, PT_RWX));
	CU_ASSERT(tree_ok(&pt));
	pt_destroy(&pt);

	/* The real formats stop at 2 MiB. */
	start(&pt, &ept_format);
	CU_ASSERT_EQUAL(pt_map(&pt, 1 * GiB, 4 * GiB, 2 * GiB, PT_RWX), 0);
	CU_ASSERT_EQUAL(mem.live, 4);
	CU_ASSERT_EQUAL(raw(&pt, 2 * GiB, 2), (5 * GiB) | 0x7 | 6 << 3 | 1 << 7);
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_page_size_choice(void)
{
	struct page_table pt;

	/* va 2 MiB-aligned but pa not: 4 KiB pages only. */
	start(&pt, &ept_format);
	CU_ASSERT_EQUAL(pt_map(&pt, 2 * MiB, 0x1000, 4 * MiB, PT_RWX), 0);
	CU_ASSERT_EQUAL(mem.live, 5);
	CU_ASSERT(maps_to(&pt, 6 * MiB - 0x1000, 0x1000 + 4 * MiB - 0x1000, PT_RWX));
	CU_ASSERT(unmapped(&pt, 6 * MiB));
	pt_destroy(&pt);

	/* Unaligned ends: 4 KiB, then 2 MiB, then 4 KiB. */
	start(&pt, &ept_format);
	CU_ASSERT_EQUAL(pt_map(&pt, 2 * MiB - 0x1000, 1 * GiB + 2 * MiB - 0x1000,
			       2 * MiB + 0x2000, PT_RWX), 0);
	CU_ASSERT(raw(&pt, 2 * MiB - 0x1000, 1) & 0x7);
	CU_ASSERT(raw(&pt, 2 * MiB, 2) & (1 << 7));
	CU_ASSERT(raw(&pt, 4 * MiB, 1) & 0x7);
	CU_ASSERT(unmapped(&pt, 4 * MiB + 0x1000));
	CU_ASSERT(unmapped(&pt, 2 * MiB - 0x2000));
	CU_ASSERT(maps_to(&pt, 3 * MiB, 1 * GiB + 3 * MiB, PT_RWX));
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_remap_split(void)
{
	struct page_table pt;

	start(&pt, &ept_format);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 1 * GiB, 8 * MiB, PT_RWX), 0);
	CU_ASSERT_EQUAL(mem.live, 3);
	/* One page inside a 2 MiB page, different address and type. */
	CU_ASSERT_EQUAL(pt_map(&pt, 3 * MiB, 0x5000000, 0x1000, PT_R | PT_UC), 0);
	CU_ASSERT_EQUAL(mem.live, 4);
	CU_ASSERT(maps_to(&pt, 3 * MiB, 0x5000000, PT_R | PT_UC));
	CU_ASSERT(maps_to(&pt, 3 * MiB - 0x1000, 1 * GiB + 3 * MiB - 0x1000, PT_RWX));
	CU_ASSERT(maps_to(&pt, 3 * MiB + 0x1000, 1 * GiB + 3 * MiB + 0x1000, PT_RWX));
	CU_ASSERT(maps_to(&pt, 2 * MiB, 1 * GiB + 2 * MiB, PT_RWX));
	/* The split table reproduces the old page with 4 KiB WB leaves. */
	CU_ASSERT_EQUAL(raw(&pt, 2 * MiB, 1), (1 * GiB + 2 * MiB) | 0x7 | 6 << 3);
	CU_ASSERT(raw(&pt, 0, 2) & (1 << 7));			/* neighbour intact */
	CU_ASSERT(!(raw(&pt, 3 * MiB, 2) & (1 << 7)));	/* now a table */
	/* Overlapping remap of the whole 2 MiB: back to one leaf. */
	CU_ASSERT_EQUAL(pt_map(&pt, 2 * MiB, 0x80000000, 2 * MiB, PT_R | PT_W), 0);
	CU_ASSERT_EQUAL(mem.live, 3);
	CU_ASSERT(maps_to(&pt, 3 * MiB, 0x80100000, PT_R | PT_W));
	/* Remap across two large pages at an unaligned pa: both split. */
	CU_ASSERT_EQUAL(pt_map(&pt, 4 * MiB - 0x3000, 0x7000, 0x6000, PT_R), 0);
	CU_ASSERT_EQUAL(mem.live, 5);
	CU_ASSERT(maps_to(&pt, 4 * MiB - 0x3000, 0x7000, PT_R));
	CU_ASSERT(maps_to(&pt, 4 * MiB + 0x2000, 0xc000, PT_R));
	CU_ASSERT(maps_to(&pt, 4 * MiB - 0x4000, 0x80000000 + 2 * MiB - 0x4000, PT_R | PT_W));
	CU_ASSERT(maps_to(&pt, 4 * MiB + 0x3000, 1 * GiB + 4 * MiB + 0x3000, PT_RWX));
	CU_ASSERT(tree_ok(&pt));
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_partial_unmap(void)
{
	struct page_table pt;

	start(&pt, &pt_ia32e);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 1 * GiB, 4 * MiB, PT_R | PT_W | PT_UC), 0);
	CU_ASSERT_EQUAL(pt_unmap(&pt, 1 * MiB, 0x2000), 0);
	CU_ASSERT_EQUAL(mem.live, 4);
	CU_ASSERT(unmapped(&pt, 1 * MiB));
	CU_ASSERT(unmapped(&pt, 1 * MiB + 0x1fff));
	CU_ASSERT(maps_to(&pt, 1 * MiB - 0x1000, 1 * GiB + 1 * MiB - 0x1000, PT_R | PT_W | PT_UC));
	CU_ASSERT(maps_to(&pt, 1 * MiB + 0x2000, 1 * GiB + 1 * MiB + 0x2000, PT_R | PT_W | PT_UC));
	/* The rest of the split page goes: its table is freed. */
	CU_ASSERT_EQUAL(pt_unmap(&pt, 0, 2 * MiB), 0);
	CU_ASSERT_EQUAL(mem.live, 3);
	CU_ASSERT(maps_to(&pt, 2 * MiB, 1 * GiB + 2 * MiB, PT_R | PT_W | PT_UC));
	CU_ASSERT_EQUAL(pt_unmap(&pt, 2 * MiB, 2 * MiB), 0);
	CU_ASSERT_EQUAL(mem.live, 1);

	/* 4 KiB pages in two tables; unmap all but the outer pages, then
	 * those one by one: tables go when their last entry does. */
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0x1000, 4 * MiB, PT_RWX), 0);
	CU_ASSERT_EQUAL(mem.live, 5);
	CU_ASSERT_EQUAL(pt_unmap(&pt, 0x1000, 4 * MiB - 0x2000), 0);
	CU_ASSERT_EQUAL(mem.live, 5);
	CU_ASSERT(tree_ok(&pt));
	CU_ASSERT(maps_to(&pt, 0, 0x1000, PT_RWX));
	CU_ASSERT(maps_to(&pt, 4 * MiB - 0x1000, 4 * MiB, PT_RWX));
	CU_ASSERT_EQUAL(pt_unmap(&pt, 0, 0x1000), 0);
	CU_ASSERT_EQUAL(mem.live, 4);
	CU_ASSERT_EQUAL(pt_unmap(&pt, 4 * MiB - 0x1000, 0x1000), 0);
	CU_ASSERT_EQUAL(mem.live, 1);

	/* Unmapping what is not mapped allocates nothing. */
	CU_ASSERT_EQUAL(pt_unmap(&pt, 1 * GiB, 1 * GiB), 0);
	CU_ASSERT_EQUAL(pt_unmap(&pt, 0, 1ULL << 47), 0);
	CU_ASSERT_EQUAL(mem.live, 1);
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_bad_args(void)
{
	struct page_table pt;
	u64 pa;

	start(&pt, &ept_format);
	CU_ASSERT_EQUAL(pt_map(&pt, 0x800, 0, 0x1000, PT_RWX), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0x800, 0x1000, PT_RWX), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0, 0x1800, PT_RWX), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0, 0, PT_RWX), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, (1ULL << 48) - 0x1000, 0, 0x2000, PT_RWX), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, 1ULL << 48, 0, 0x1000, PT_RWX), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, ~0xfffULL, 0, 0x2000, PT_RWX), -EINVAL);	/* wraps */
	CU_ASSERT_EQUAL(pt_map(&pt, 0, ~0xfffULL, 0x2000, PT_RWX), -EINVAL);	/* pa wraps */
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 1ULL << 52, 0x1000, PT_RWX), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0, 0x1000, 0), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0, 0x1000, PT_W), -EINVAL);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0, 0x1000, PT_RWX | BIT(9)), -EINVAL);
	CU_ASSERT_EQUAL(pt_unmap(&pt, 0x800, 0x1000), -EINVAL);
	CU_ASSERT_EQUAL(pt_unmap(&pt, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pt_unmap(&pt, ~0xfffULL, 0x2000), -EINVAL);
	CU_ASSERT_EQUAL(mem.live, 1);	/* nothing was touched */

	/* The very top of the 48-bit space is fine. */
	CU_ASSERT_EQUAL(pt_map(&pt, (1ULL << 48) - 2 * MiB, (1ULL << 52) - 2 * MiB,
			       2 * MiB, PT_RWX), 0);
	CU_ASSERT(maps_to(&pt, (1ULL << 48) - 1, (1ULL << 52) - 1, PT_RWX));
	CU_ASSERT_EQUAL(pt_lookup(&pt, 1ULL << 48, &pa, NULL), -ENOENT);
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_enomem(void)
{
	struct page_table pt;

	mem = (struct host_mem){ .budget = 0 };
	CU_ASSERT_EQUAL(pt_init(&pt, &ept_format, &ops), -ENOMEM);

	mem = (struct host_mem){ .budget = 2 };
	CU_ASSERT_EQUAL_FATAL(pt_init(&pt, &ept_format, &ops), 0);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 0, 0x1000, PT_RWX), -ENOMEM);
	CU_ASSERT(unmapped(&pt, 0));
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);

	/* A split that cannot get its page leaves the large page as it was. */
	mem = (struct host_mem){ .budget = 3 };
	CU_ASSERT_EQUAL_FATAL(pt_init(&pt, &ept_format, &ops), 0);
	CU_ASSERT_EQUAL(pt_map(&pt, 0, 1 * GiB, 2 * MiB, PT_RWX), 0);
	CU_ASSERT_EQUAL(pt_unmap(&pt, 0x1000, 0x1000), -ENOMEM);
	CU_ASSERT_EQUAL(pt_map(&pt, 0x1000, 0, 0x1000, PT_R), -ENOMEM);
	CU_ASSERT(maps_to(&pt, 0x1000, 1 * GiB + 0x1000, PT_RWX));
	CU_ASSERT(raw(&pt, 0, 2) & (1 << 7));
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

/* Random maps and unmaps over a 32 MiB window that straddles a 1 GiB
 * boundary, checked page by page against a flat model, with the tree
 * checked for leaks and empty tables after every step. */
static void random_model(const struct pt_format *fmt, unsigned int seed)
{
	enum { PAGES = 8192 };
	static const u64 attrs[] = {
		PT_R, PT_R | PT_W, PT_R | PT_X, PT_RWX, PT_R | PT_UC, PT_R | PT_W | PT_UC,
	};
	static u64 ref_pa[PAGES], ref_attr[PAGES];
	const u64 base = 1 * GiB - 16 * MiB;
	struct page_table pt;

	memset(ref_attr, 0, sizeof(ref_attr));
	start(&pt, fmt);
	srand(seed);
	for (int op = 0; op < 600; op++) {
		bool big = rand() % 2;
		u64 unit = big ? 512 : 1;
		u64 first = (rand() % (PAGES / unit)) * unit;
		u64 n = (1 + rand() % (big ? 6 : 1100)) * unit;
		u64 pa = (big ? (u64)(rand() % 4096) << 21 : (u64)(rand() % 1000000) << 12);
		u64 attr = attrs[rand() % ARRAY_SIZE(attrs)];

		if (first + n > PAGES)
			n = PAGES - first;
		if (rand() % 3) {
			CU_ASSERT_EQUAL_FATAL(pt_map(&pt, base + (first << 12), pa, n << 12, attr), 0);
			for (u64 p = 0; p < n; p++) {
				ref_pa[first + p] = pa + (p << 12);
				ref_attr[first + p] = attr;
			}
		} else {
			CU_ASSERT_EQUAL_FATAL(pt_unmap(&pt, base + (first << 12), n << 12), 0);
			for (u64 p = 0; p < n; p++)
				ref_attr[first + p] = 0;
		}
		CU_ASSERT_FATAL(tree_ok(&pt));
		if (op % 25)
			continue;
		for (u64 p = 0; p < PAGES; p++) {
			u64 va = base + (p << 12) + (p % 4096);

			/* CUnit's assertion macros are blocks: braces needed. */
			if (ref_attr[p]) {
				CU_ASSERT_FATAL(maps_to(&pt, va, ref_pa[p] + (p % 4096), ref_attr[p]));
			} else {
				CU_ASSERT_FATAL(unmapped(&pt, va));
			}
		}
	}
	CU_ASSERT_EQUAL(pt_unmap(&pt, base, (u64)PAGES << 12), 0);
	CU_ASSERT_EQUAL(mem.live, 1);
	pt_destroy(&pt);
	CU_ASSERT_EQUAL(mem.live, 0);
}

static void test_random_ept(void)
{
	random_model(&ept_format, 1);
}

static void test_random_ia32e(void)
{
	random_model(&pt_ia32e, 2);
}

int register_paging_tests(void)
{
	static const struct unit_test tests[] = {
		{ "init, destroy, no leak", test_init_destroy },
		{ "EPT entry bits", test_ept_bits },
		{ "IA-32e entry bits", test_ia32e_bits },
		{ "1 GiB pages only when the format allows", test_1g_pages },
		{ "largest page size that alignment allows", test_page_size_choice },
		{ "overlapping remap splits and rejoins", test_remap_split },
		{ "partial unmap of large pages, tables freed", test_partial_unmap },
		{ "unaligned, zero, wrapping, out-of-range args", test_bad_args },
		{ "allocation failure", test_enomem },
		{ "random ops vs model (EPT)", test_random_ept },
		{ "random ops vs model (IA-32e)", test_random_ia32e },
	};

	return UNIT_SUITE("lib/paging", tests);
}
